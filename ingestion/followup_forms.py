"""The follow-up form contract (``uppföljningsformulär``): parsing both formats and every rule it sets.

A form arrives either as an Excel workbook (one per agreement and half-year, filled in by hand from
a template) or inside a bulk CSV export from the web tool (one row per value, many forms per file).
Both are read into the same model, :class:`Form`, so that validation and loading never need to know
where a form came from, and the same form delivered both ways ends in the same rows.

Reading is tolerant where people filling in a template are predictably untidy (labels in other case
or spacing, rows shifted by blank rows, numbers as text, dates as text or serial numbers, codes
without the leading zero, names instead of codes, every period spelling); the rules themselves are
strict. A value that cannot be normalised is kept as found so that the problem can quote it.

Row-level rules (required values, allowed codes, whole numbers, ranges) are GX suites under
``expectations/followup_forms/``, one per section. GX is slow to set up, so :func:`validate_forms`
runs each suite once over the rows of all forms in a batch and maps failures back to their form.
Rules across fields or rows (sums, uniqueness within a form, the register, the period having
ended, official municipality codes) are checked here in plain Python.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion import config, reference
from ingestion.csv_files import CsvError, decode, read_csv
from ingestion.free_text import strip_names
from ingestion.gx_validation import ROW_COLUMN, validate_frames
from ingestion.problems import Problem, quote

SOURCE = "followup_forms"
LABEL = "uppföljningsformulär"
FILE_PATTERN = r"(?i)(?!~\$).+\.xlsx|uppfoljning_export_.*\.csv"

TEMPLATES = ("2023.1", "2024.1")
# Codes used to normalise what people write; the GX suites hold the rules themselves.
TARGET_GROUPS = ("unga", "unga_utan_gymnasieexamen", "nyanlanda", "asylsokande", "langtidsarbetslosa",
                 "funktionsnedsattning", "ekonomiskt_bistand", "utrikes_fodda_kvinnor", "arbetsgivare", "behovsbaserad")
ASSESSMENT_CODES = ("uppnatt", "delvis_uppnatt", "ej_uppnatt", "kan_inte_bedoma")
LEVELS = ("samtal", "samsyn", "samverkan", "samhandling")
LOCAL_TIME = ZoneInfo("Europe/Stockholm")  # the web tool writes naive Swedish local time

# Sections: the CSV export's ``avsnitt`` names; in a workbook each is one sheet.
INFO, GOALS, ASSESSMENTS, PARTICIPANTS = "uppgifter", "mal", "bedomning", "deltagare"
SECTIONS = (INFO, GOALS, ASSESSMENTS, PARTICIPANTS)
SHEETS = {INFO: "Uppgifter", GOALS: "Mål", ASSESSMENTS: "Bedömning", PARTICIPANTS: "Deltagare"}
SUITES = {section: f"followup_forms/{section}.json" for section in SECTIONS}
ITEMS = {GOALS: "goals", ASSESSMENTS: "assessments", PARTICIPANTS: "participants"}

# Uppgifter: field -> label in the template, and other spellings seen (compared after _label()).
INFO_LABELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "overenskommelse_id": ("Överenskommelse-ID", ("överenskommelse id", "överenskommelseid")),
    "overenskommelse_namn": ("Överenskommelsens namn", ("överenskommelsens titel",)),
    "kommuner": ("Kommun(er)", ("kommuner", "kommun")),
    "period": ("Period", ("halvår",)),
    "motesdatum": ("Datum för uppföljningsmötet", ("datum för uppföljningsmöte", "mötesdatum", "datum")),
    "deltagande_parter": ("Deltagande parter", ("parter",)),
    "template_version": ("Mallversion", ("mall version", "mall")),
    "samverkansniva": ("Samverkansnivå", ("samverkansniva",)),
}
GOAL_COLUMNS = {"nr": "Nr", "mal": "Mål", "malgrupp": "Målgrupp", "indikator": "Indikator", "enhet": "Enhet",
                "malvarde": "Målvärde", "utfall": "Utfall", "bedomning": "Bedömning", "kommentar": "Kommentar"}
ASSESSMENT_COLUMNS = {"fraga": "Fråga", "fragetext": "Frågetext", "svar": "Svar", "kommentar": "Kommentar"}
PARTICIPANT_COLUMNS = {"malgrupp": "Målgrupp", "kon": "Kön", "aldersgrupp": "Åldersgrupp",
                       "fodelseregion": "Födelseregion", "deltagare": "Deltagare", "nya": "Nya",
                       "avslutade": "Avslutade", "till_arbete": "Till arbete", "till_studier": "Till studier"}
TABLE_COLUMNS = {GOALS: GOAL_COLUMNS, ASSESSMENTS: ASSESSMENT_COLUMNS, PARTICIPANTS: PARTICIPANT_COLUMNS}
# Free-text columns a sheet may lack without losing anything the warehouse counts.
OPTIONAL_COLUMNS = {GOALS: {"kommentar"}, ASSESSMENTS: {"fragetext", "kommentar"}, PARTICIPANTS: set()}
TEMPLATE_COLUMNS = ("aldersgrupp", "fodelseregion")  # only in template 2024.1
COUNTS = ("deltagare", "nya", "avslutade", "till_arbete", "till_studier")
ZERO_WHEN_EMPTY = ("nya", "till_arbete", "till_studier")
HEADER_SEARCH_ROWS = 10  # a table's header row is looked for among the first rows of its sheet

EXPORT_COLUMNS = ["formular_id", "inskickad", "overenskommelse_id", "period", "mallversion", "avsnitt", "rad",
                  "falt", "varde"]
EXPORT_FORM_COLUMNS = ("inskickad", "overenskommelse_id", "period", "mallversion")  # same on every row of a form
EXPORT_INFO = {"kommuner": "kommuner", "motesdatum": "motesdatum", "parter": "deltagande_parter",
               "samverkansniva": "samverkansniva"}
EXPORT_FIELDS = {
    GOALS: ("mal", "malgrupp", "indikator", "enhet", "malvarde", "utfall", "bedomning", "kommentar"),
    ASSESSMENTS: ("svar", "kommentar"),
    PARTICIPANTS: COUNTS,
}

# Fields of the common model that make up its content (the checksum); derived and source fields are left out.
CONTENT_FIELDS = ("overenskommelse_id", "period", "period_as_written", "template_version", "submitted_at",
                  "submitted_at_basis", "overenskommelse_namn", "kommuner_as_written", "kommunkoder", "motesdatum",
                  "deltagande_parter", "samverkansniva")

# GX sees every form of a batch in one frame; its single index column carries form and item together.
ROW_BASE = 1_000_000


@dataclass
class SourcePlaces:
    """Where each value of a form was found, so that a problem names sheet, row and column (or CSV line
    and field) as the sender sees them. Not part of the form's content."""

    parts: dict[str, str] = field(default_factory=dict)          # section -> "blad Mål" / "formulär F-1"
    sections_read: set[str] = field(default_factory=set)         # sections whose sheet/header was found
    info: dict[str, tuple[int | None, str]] = field(default_factory=dict)  # header field -> (row, column)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)        # section -> key -> column label
    cells: dict[tuple[str, int, str], tuple[int | None, str]] = field(default_factory=dict)  # CSV: per value
    as_found: dict[str, Any] = field(default_factory=dict)       # header values that did not normalise
    missing_info: set[str] = field(default_factory=set)          # Uppgifter labels not found (already a problem)
    formula_cells: set[tuple[str, int, str]] = field(default_factory=set)  # (section, row, column) without value


@dataclass
class Form:
    """One form version, parsed into the common model of both formats."""

    form_id: str
    source_format: str
    source_file: str
    overenskommelse_id: str | None = None
    period: str | None = None
    period_as_written: str | None = None
    template_version: str | None = None
    submitted_at: datetime | None = None
    submitted_at_basis: str = "ankomsttid"
    overenskommelse_namn: str | None = None
    kommuner_as_written: str | None = None
    kommunkoder: list[str] = field(default_factory=list)
    motesdatum: date | None = None
    deltagande_parter: str | None = None
    samverkansniva: str | None = None
    goals: list[dict] = field(default_factory=list)
    assessments: list[dict] = field(default_factory=list)
    participants: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    places: SourcePlaces = field(default_factory=SourcePlaces, repr=False, compare=False)

    @property
    def deltagande_parter_utan_namn(self) -> str | None:
        """Roles are asked for, names are sometimes written: only the cleaned copy reaches analysts."""
        return strip_names(self.deltagande_parter)

    @property
    def content_checksum(self) -> str:
        """Checksum of what the form says, not of the file: the same form in two exports (at other line
        numbers) or in two copies of a workbook is recognisable."""
        def canonical(value: Any) -> str:
            return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_value)

        payload: dict[str, Any] = {name: getattr(self, name) for name in CONTENT_FIELDS}
        for name in ITEMS.values():  # rows in any order (an export need not list them in sheet order)
            payload[name] = sorted(canonical({k: v for k, v in item.items()
                                              if not k.startswith("_") and not k.endswith("_utan_namn")})
                                   for item in getattr(self, name))
        return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()

    def header_row(self) -> dict:
        """The row for raw.followup_forms (without ``_load_id``)."""
        return {
            "form_id": self.form_id, "source_format": self.source_format, "source_file": self.source_file,
            "content_checksum": self.content_checksum, "overenskommelse_id": self.overenskommelse_id,
            "period": self.period, "period_as_written": self.period_as_written,
            "template_version": self.template_version, "submitted_at": self.submitted_at,
            "submitted_at_basis": self.submitted_at_basis, "overenskommelse_namn": self.overenskommelse_namn,
            "kommuner_as_written": self.kommuner_as_written,
            "kommunkoder": ",".join(self.kommunkoder) if self.kommunkoder else None,
            "motesdatum": self.motesdatum, "deltagande_parter": self.deltagande_parter,
            "deltagande_parter_utan_namn": self.deltagande_parter_utan_namn, "samverkansniva": self.samverkansniva,
        }

    def place(self, section: str, index: int | None, key: str) -> tuple[int | None, str | None]:
        """(row, column) of a value as the sender sees it: sheet row and label, or CSV line and field."""
        if section == INFO:
            return self.places.info.get(key, (None, INFO_LABELS.get(key, (key,))[0]))
        if index is not None and (section, index, key) in self.places.cells:
            return self.places.cells[(section, index, key)]
        items = getattr(self, ITEMS[section])
        row = items[index]["_source_row"] if index is not None and index < len(items) else None
        return row, self.places.labels.get(section, {}).get(key, key)

    def problem(self, section: str, index: int | None, key: str | None, message: str) -> Problem:
        row, column = self.place(section, index, key) if key else (None, None)
        return Problem(self.source_file, row, column, message, self.places.parts.get(section))


def _json_value(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# --- normalising single values -----------------------------------------------------------------------------

def _label(value: object) -> str:
    """A label or sheet name compared loosely: case, spacing, underscores and a trailing colon don't matter."""
    text = str(value).replace("\u00a0", " ").replace("_", " ").lower()
    text = re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", text)).strip()
    return text.rstrip(":*").strip()


def _text(value: object) -> str | None:
    """Text as written, trimmed; empty is None. Numbers read as numbers are written without a trailing .0."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    text = str(value).replace("\u00a0", " ").strip()
    return text or None


def _code(value: object, codes: Collection[str] | None = None) -> str | None:
    """A code written as words (``Delvis uppnått``, ``Ekonomiskt bistånd``) as the code (``delvis_uppnatt``).

    With ``codes``, text that is not one of them stays as written, so that a problem quotes what the sender wrote.
    """
    text = _text(value)
    if text is None:
        return None
    code = re.sub(r"[\s-]+", "_", text.lower().translate(str.maketrans("åäöéü", "aaoeu")))
    return code if codes is None or code in codes else text


def _whole(value: object) -> int | str | None:
    """A whole number from a number cell or text (``" 12 "``, ``"12,0"``); anything else stays as found."""
    if value is None or isinstance(value, bool):
        return _text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else _text(value)
    text = _text(value)
    if text is None:
        return None
    compact = re.sub(r"\s", "", text)
    if re.fullmatch(r"[+-]?\d+([.,]0+)?", compact):
        return int(re.split(r"[.,]", compact)[0])
    return text


def _number_text(value: object) -> str | None:
    """A number as text with ``.`` decimal and no trailing zeros (``12,5`` -> ``12.5``, ``40.0`` -> ``40``).

    Text that is not a number stays as found (the rules then name it).
    """
    if value is None or isinstance(value, bool):
        return _text(value)
    if isinstance(value, int):
        return str(value)
    text = _text(value) if not isinstance(value, float) else repr(value)
    if text is None:
        return None
    compact = re.sub(r"\s", "", text).replace(",", ".").rstrip("%")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", compact):
        return _text(value)
    try:
        number = Decimal(compact)
    except InvalidOperation:
        return _text(value)
    formatted = format(number.normalize(), "f")
    return "0" if formatted in ("-0", "+0") else formatted


YES = {"ja", "j", "1", "yes", "true", "sant"}
NO = {"nej", "n", "0", "no", "false", "falskt"}


def _yes_no(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    lowered = text.lower()
    return "ja" if lowered in YES else "nej" if lowered in NO else text


def _unit(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    lowered = re.sub(r"\s", "", text.lower())
    return lowered if lowered in ("antal", "andel", "ja/nej") else text


def _goal_value(value: object, unit: str | None) -> str | None:
    """Målvärde/Utfall in the goal's unit: ``ja``/``nej`` for ja/nej, else a number as text."""
    return _yes_no(value) if unit == "ja/nej" else _number_text(value)


def _answer(value: object) -> str | None:
    """Svar: ``1``..``5`` as text or ``kan_inte_bedoma``; anything else as found."""
    number = _whole(value)
    if isinstance(number, int):
        return str(number)
    if number is not None and _code(number, ASSESSMENT_CODES) == "kan_inte_bedoma":
        return "kan_inte_bedoma"
    return number


def _question(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    match = re.fullmatch(r"[fF]\s*0*(\d+)", text)
    return f"F{match.group(1)}" if match else text


SEXES = {"kvinnor": "kvinnor", "kvinna": "kvinnor", "k": "kvinnor", "man": "man", "män": "man", "m": "man"}
REGIONS = {"sverige": "sverige", "inrikes": "sverige", "inrikes född": "sverige", "inrikes födda": "sverige",
           "utrikes": "utrikes", "utrikes född": "utrikes", "utrikes födda": "utrikes"}


def _sex(value: object) -> str | None:
    text = _text(value)
    return None if text is None else SEXES.get(text.lower(), text)


def _age_group(value: object) -> str | None:
    text = _text(value)
    return None if text is None else re.sub(r"\s*[-–—]\s*", "-", text)


def _region(value: object) -> str | None:
    text = _text(value)
    return None if text is None else REGIONS.get(re.sub(r"\s+", " ", text.lower()), text)


def _template(value: object) -> str | None:
    if isinstance(value, float):
        return repr(value)
    return _text(value)


def _date(value: object) -> date | str | None:
    """A date from a date cell, ISO text or an Excel serial number; other text stays as found."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{5}([.,]0+)?", text) and 20000 < int(text[:5]) < 80000:
        return _date(int(text[:5]))
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?", text)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return text
    return text


_PERIOD_PATTERNS = [
    (re.compile(r"(?P<year>\d{4}) ?h ?(?P<half>[12])"), None),
    (re.compile(r"h(?P<half>[12]) ?(?P<year>\d{4})"), None),
    (re.compile(r"(?P<year>\d{4}) ?[-:/] ?(?P<half>[12])"), None),
    (re.compile(r"(vt|vår|var|vårtermin(en)?|våren) ?-? ?(?P<year>\d{4})"), "1"),
    (re.compile(r"(?P<year>\d{4}) ?-? ?(vt|vår|var|våren)"), "1"),
    (re.compile(r"(ht|höst|host|hösttermin(en)?|hösten) ?-? ?(?P<year>\d{4})"), "2"),
    (re.compile(r"(?P<year>\d{4}) ?-? ?(ht|höst|host|hösten)"), "2"),
]


def parse_period(text: object) -> str | None:
    """A half-year in any spelling of the contracts README (``VT 2024``, ``2024 vår``, ``2024:2``...) as
    ``2024H1``/``2024H2``; None when it is not recognisable."""
    if text is None or isinstance(text, bool | datetime | date):
        return None
    normalised = re.sub(r"\s+", " ", str(text).replace("\u00a0", " ").lower()).strip()
    for pattern, half in _PERIOD_PATTERNS:
        match = pattern.fullmatch(normalised)
        if match:
            return f"{match.group('year')}H{half or match.group('half')}"
    return None


def period_end(period: str) -> date:
    year, half = int(period[:4]), period[-1]
    return date(year, 6, 30) if half == "1" else date(year, 12, 31)


@cache
def _municipality_names() -> dict[str, str]:
    """Municipality name (``Södertälje``, ``Södertälje kommun``), lower-case -> code."""
    names: dict[str, str] = {}
    with open(config.REFERENCE_DIR / "municipalities.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for column in ("municipality_name", "municipality_name_short"):
                names[row[column].strip().lower()] = row["municipality_code"]
    return names


def municipalities(text: str | None) -> tuple[list[str], list[str]]:
    """Codes for ``Kommun(er)``: codes (a lost leading zero restored) or names; and the parts not recognised."""
    codes: list[str] = []
    unknown: list[str] = []
    valid = reference.municipality_codes()
    names = _municipality_names()
    for part in re.split(r"[,;/\n]|\soch\s", text or ""):
        part = part.strip()
        if not part:
            continue
        code = reference.restore_kommunkod(part) if part.isdigit() else None
        if code is None:
            lowered = re.sub(r"\s+", " ", part.lower())
            base = re.sub(r"\s+(kommun|stad)$", "", lowered)
            code = names.get(lowered) or names.get(base) or (names.get(base[:-1]) if base.endswith("s") else None)
        if code in valid:
            if code not in codes:
                codes.append(code)
        else:
            unknown.append(part)
    return codes, unknown


def _set_info(form: Form, key: str, value: object) -> None:
    """Put one Uppgifter value into the model (normalised; kept as found where it does not normalise)."""
    if key == "overenskommelse_id":
        form.overenskommelse_id = _text(value)
    elif key == "overenskommelse_namn":
        form.overenskommelse_namn = _text(value)
    elif key == "kommuner":
        form.kommuner_as_written = _text(value)
        form.kommunkoder = municipalities(form.kommuner_as_written)[0]
    elif key == "period":
        form.period_as_written = _text(value)
        form.period = parse_period(form.period_as_written)
    elif key == "motesdatum":
        parsed = _date(value)
        form.motesdatum = parsed if isinstance(parsed, date) else None
        if isinstance(parsed, str):
            form.places.as_found["motesdatum"] = parsed
    elif key == "deltagande_parter":
        form.deltagande_parter = _text(value)
    elif key == "template_version":
        form.template_version = _template(value)
    elif key == "samverkansniva":
        form.samverkansniva = _code(value, LEVELS)


def _goal(row: int | None, values: dict[str, object], nr: object) -> dict:
    unit = _unit(values.get("enhet"))
    mal, comment = _text(values.get("mal")), _text(values.get("kommentar"))
    return {"_source_row": row, "nr": _whole(nr), "mal": mal, "mal_utan_namn": strip_names(mal),
            "malgrupp": _code(values.get("malgrupp"), TARGET_GROUPS), "indikator": _text(values.get("indikator")),
            "enhet": unit,
            "malvarde": _goal_value(values.get("malvarde"), unit), "utfall": _goal_value(values.get("utfall"), unit),
            "bedomning": _code(values.get("bedomning"), ASSESSMENT_CODES), "kommentar": comment,
            "kommentar_utan_namn": strip_names(comment)}


def _assessment(row: int | None, question: object, values: dict[str, object]) -> dict:
    comment = _text(values.get("kommentar"))
    return {"_source_row": row, "fraga": _question(question), "svar": _answer(values.get("svar")),
            "kommentar": comment, "kommentar_utan_namn": strip_names(comment)}


def _participant(row: int | None, values: dict[str, object]) -> dict:
    item: dict[str, Any] = {"_source_row": row, "malgrupp": _code(values.get("malgrupp"), TARGET_GROUPS),
                            "kon": _sex(values.get("kon")), "aldersgrupp": _age_group(values.get("aldersgrupp")),
                            "fodelseregion": _region(values.get("fodelseregion"))}
    for key in COUNTS:
        number = _whole(values.get(key))
        item[key] = 0 if number is None and key in ZERO_WHEN_EMPTY else number
    return item


# --- Excel workbooks ----------------------------------------------------------------------------------------

def read_workbook(data: bytes, file_name: str, received_at: datetime) -> Form:
    """One workbook as one form. Structural problems (unreadable, sheets, labels, columns, template) are
    recorded on the form here; the rules are checked by :func:`validate_forms`."""
    form = Form(form_id="xlsx-" + hashlib.sha256(data).hexdigest()[:16], source_format="xlsx",
                source_file=file_name, submitted_at=_utc(received_at), submitted_at_basis="ankomsttid")
    try:
        sheet_titles, rows = _read_sheets(data)
        modified = _saved_time(data)
        formulas = _formulas_without_values(data, rows) if _has_formulas(data) else {}
    except Exception:  # not a zip, a zip without a workbook, a damaged part: all mean the same to the sender
        form.problems.append(Problem(file_name, None, None,
            "filen går inte att öppna som en Excel-arbetsbok (.xlsx); spara formuläret i Excel som "
            "”Excel-arbetsbok (*.xlsx)” och skicka det igen"))
        return form
    if modified is not None:
        form.submitted_at, form.submitted_at_basis = modified, "dokumentegenskap"
    for section, name in SHEETS.items():
        if section in rows:
            form.places.parts[section] = f"blad {sheet_titles[section]}"
        else:
            form.problems.append(Problem(file_name, None, None,
                f"bladet {name} saknas (arbetsboken har bladen: {', '.join(sheet_titles['*'])}; mallen har bladen "
                f"{', '.join(SHEETS.values())})"))
    if INFO in rows:
        _read_info_sheet(form, rows[INFO])
    for section in (GOALS, ASSESSMENTS, PARTICIPANTS):
        if section in rows:
            _read_table_sheet(form, section, rows[section])
    for (section, row, column), formula in sorted(formulas.items()):
        label = _formula_column(form, section, rows[section], row, column)
        letter = _column_letter(column)
        form.places.formula_cells.add((section, row, label))
        form.problems.append(Problem(file_name, row, label,
            f"cellen {letter}{row} innehåller formeln {quote(formula)} men inget sparat värde (filen har inte "
            "räknats om och sparats i Excel); öppna filen i Excel och spara den, eller skriv in värdet",
            form.places.parts.get(section)))
    return form


def _saved_time(data: bytes) -> datetime | None:
    """The workbook's "modified" document property (UTC), read from ``docProps/core.xml`` itself: openpyxl
    puts the current time there when the property is missing, which would pass as a submission time."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            core = archive.read("docProps/core.xml").decode("utf-8", errors="replace")
        except KeyError:
            return None
    match = re.search(r"<(?:\w+:)?modified\b[^>]*>\s*([^<\s]+)\s*</", core)
    if not match:
        return None
    try:
        return _utc(datetime.fromisoformat(match.group(1)))
    except ValueError:
        return None


def _read_sheets(data: bytes) -> tuple[dict[str, Any], dict[str, list[list[object]]]]:
    """Sheet titles (``"*"``: all, in order) and the cell values (cached values for formulas)
    of the template's sheets, found by name in any case; other sheets are not read."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = {_label(ws.title): ws for ws in workbook.worksheets}
        titles: dict[str, Any] = {"*": [ws.title for ws in workbook.worksheets]}
        rows: dict[str, list[list[object]]] = {}
        for section, name in SHEETS.items():
            sheet = sheets.get(_label(name))
            if sheet is not None:
                sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
                rows[section] = [list(r) for r in sheet.iter_rows(values_only=True)]
                titles[section] = sheet.title.strip()
        return titles, rows
    finally:
        workbook.close()


def _utc(moment: datetime) -> datetime:
    """Workbook properties are UTC without a zone; an arrival time without a zone is taken as UTC too."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_info_sheet(form: Form, rows: list[list[object]]) -> None:
    """Uppgifter: label in column A, value in B; labels are found by text wherever their row is."""
    wanted = {}
    for key, (label, others) in INFO_LABELS.items():
        for spelling in (label, *others):
            wanted.setdefault(_label(spelling), key)
    found: dict[str, tuple[int, str, object]] = {}
    for number, row in enumerate(rows, start=1):
        if not row or row[0] is None:
            continue
        key = wanted.get(_label(row[0]))
        if key and key not in found:
            found[key] = (number, str(row[0]).strip(), row[1] if len(row) > 1 else None)
    for key, (label, _) in INFO_LABELS.items():
        if key not in found:
            form.places.missing_info.add(key)
            form.problems.append(Problem(form.source_file, None, "A",
                f"uppgiften {quote(label)} saknas i kolumn A (mallen har uppgifterna "
                f"{', '.join(v[0] for v in INFO_LABELS.values())})", form.places.parts[INFO]))
            continue
        number, written, value = found[key]
        form.places.info[key] = (number, written)
        _set_info(form, key, value)
    form.places.sections_read.add(INFO)


def _find_header(rows: list[list[object]], labels: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """The first row among the first few that holds at least two of the table's column labels."""
    by_label = {_label(label): key for key, label in labels.items()}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = by_label.get(_label(cell)) if cell is not None else None
            if key and key not in columns:
                columns[key] = position
        if len(columns) >= 2:
            return index, columns
    return None


def _read_table_sheet(form: Form, section: str, rows: list[list[object]]) -> None:
    labels = TABLE_COLUMNS[section]
    part = form.places.parts[section]
    header = _find_header(rows, labels)
    if header is None:
        form.problems.append(Problem(form.source_file, None, None,
            f"rubrikraden hittades inte bland de {HEADER_SEARCH_ROWS} första raderna (väntade kolumnerna "
            f"{', '.join(labels.values())})", part))
        return
    header_index, columns = header
    required = set(labels) - OPTIONAL_COLUMNS[section]
    if section == PARTICIPANTS:
        required -= set(TEMPLATE_COLUMNS)
        problems = _template_column_problems(form, columns, header_index + 1, part)
        form.problems += problems
    missing = [labels[key] for key in labels if key in required and key not in columns]
    for label in missing:
        form.problems.append(Problem(form.source_file, header_index + 1, label,
            f"kolumnen {label} saknas i rubrikraden (rad {header_index + 1}); bladet ska ha kolumnerna "
            f"{', '.join(labels[k] for k in labels if k in required)}", part))
    header_row = rows[header_index]
    form.places.labels[section] = {key: str(header_row[position]).strip() for key, position in columns.items()}
    items = getattr(form, ITEMS[section])
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        values = {key: row[position] if position < len(row) else None for key, position in columns.items()}
        if section == GOALS and all(_text(v) is None for k, v in values.items() if k != "nr"):
            continue  # an empty goal row (templates often number rows in advance)
        if all(_text(v) is None for v in values.values()):
            continue
        if section == GOALS:
            items.append(_goal(number, values, values.get("nr")))
        elif section == ASSESSMENTS:
            items.append(_assessment(number, values.get("fraga"), values))
        else:
            items.append(_participant(number, values))
    if not missing:
        form.places.sections_read.add(section)


def _template_column_problems(form: Form, columns: dict[str, int], header_row: int, part: str) -> list[Problem]:
    """Deltagare must have the columns of the template version named in Uppgifter."""
    problems = []
    present = [PARTICIPANT_COLUMNS[k] for k in TEMPLATE_COLUMNS if k in columns]
    absent = [PARTICIPANT_COLUMNS[k] for k in TEMPLATE_COLUMNS if k not in columns]
    if form.template_version == "2024.1":
        for label in absent:
            problems.append(Problem(form.source_file, header_row, label,
                f"kolumnen {label} saknas: mallversion 2024.1 har kolumnerna Åldersgrupp och Födelseregion "
                "efter Kön (Uppgifter anger mallversion 2024.1)", part))
    elif form.template_version == "2023.1":
        for label in present:
            problems.append(Problem(form.source_file, header_row, label,
                f"kolumnen {label} finns bara i mallversion 2024.1, men Uppgifter anger mallversion 2023.1 "
                "(ange rätt mallversion eller använd mallens kolumner)", part))
    return problems


def _has_formulas(data: bytes) -> bool:
    """Cheap look into the sheets' XML: only workbooks with formulas need a second, formula-reading pass."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(re.search(rb"<(\w+:)?f[ >/]", archive.read(name))
                       for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def _formulas_without_values(data: bytes, values: dict[str, list[list[object]]]) -> dict[tuple[str, int, int], str]:
    """Formula cells whose cached value is missing (files written by programs that do not calculate):
    read with ``data_only`` they look empty, which must not pass as an empty answer."""
    import openpyxl

    found: dict[tuple[str, int, int], str] = {}
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheets = {_label(ws.title): ws for ws in workbook.worksheets}
        for section, name in SHEETS.items():
            if section not in values:
                continue
            sheet = sheets[_label(name)]
            sheet.reset_dimensions()
            for r, row in enumerate(sheet.iter_rows(values_only=True)):
                for c, cell in enumerate(row):
                    if isinstance(cell, str) and cell.startswith("="):
                        cached = values[section][r][c] if r < len(values[section]) and c < len(
                            values[section][r]) else None
                        if cached is None:
                            found[(section, r + 1, c)] = cell
    finally:
        workbook.close()
    return found


def _formula_column(form: Form, section: str, rows: list[list[object]], row: int, column: int) -> str:
    if section == INFO:
        label = rows[row - 1][0] if rows[row - 1] else None
        return str(label).strip() if label is not None else _column_letter(column)
    header = _find_header(rows, TABLE_COLUMNS[section])
    if header is not None and column < len(rows[header[0]]) and rows[header[0]][column] is not None:
        return str(rows[header[0]][column]).strip()
    return _column_letter(column)


# --- bulk CSV export ----------------------------------------------------------------------------------------

def read_export(data: bytes, file_name: str) -> tuple[list[Form], list[Problem]]:
    """All forms of a bulk export (grouped by ``formular_id``); the second list holds problems that make the
    whole file unusable (unreadable, header), so no form in it can be trusted."""
    try:
        table = read_csv(decode(data, ("utf-8-sig", "cp1252")))
    except CsvError as exc:
        return [], [Problem(file_name, None, None, str(exc))]
    header = [_label(h).replace(" ", "_") for h in table.header]
    missing = [c for c in EXPORT_COLUMNS if c not in header]
    if missing:
        return [], [Problem(file_name, 1, c, f"kolumnen saknas i rubrikraden (exporten ska ha kolumnerna "
                                             f"{', '.join(EXPORT_COLUMNS)})") for c in missing]
    position = {c: header.index(c) for c in EXPORT_COLUMNS}
    file_problems: list[Problem] = []
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    short_lines: dict[str, list[Problem]] = {}
    for line, cells in table.rows:
        form_id = cells[0].strip() if cells and position["formular_id"] == 0 else None
        if len(cells) != len(header):
            problem = Problem(file_name, line, None, f"raden har {len(cells)} fält men rubrikraden har {len(header)}")
            if form_id:
                short_lines.setdefault(form_id, []).append(problem)
            else:
                file_problems.append(problem)
            continue
        record = {c: cells[position[c]] for c in EXPORT_COLUMNS}
        form_id = record["formular_id"].strip()
        if not form_id:
            file_problems.append(Problem(file_name, line, "formular_id",
                "formular_id saknas: raden kan inte knytas till något formulär"))
            continue
        grouped.setdefault(form_id, []).append((line, record))
    forms = [_export_form(file_name, form_id, lines) for form_id, lines in grouped.items()]
    for form in forms:
        for problem in short_lines.pop(form.form_id, []):
            form.problems.append(Problem(problem.file, problem.row, None, problem.message, f"formulär {form.form_id}"))
    for problems in short_lines.values():
        file_problems += problems
    return forms, file_problems


def _export_form(file_name: str, form_id: str, lines: list[tuple[int, dict[str, str]]]) -> Form:
    form = Form(form_id=form_id, source_format="csv", source_file=file_name, submitted_at_basis="webbverktyget")
    part = f"formulär {form_id}"
    places = form.places
    places.parts = dict.fromkeys(SECTIONS, part)
    places.sections_read = set(SECTIONS)
    first_line, first = lines[0]

    def problem(line: int | None, column: str | None, message: str) -> None:
        form.problems.append(Problem(file_name, line, column, message, part))

    for column in EXPORT_FORM_COLUMNS:
        for line, record in lines[1:]:
            if record[column].strip() != first[column].strip():
                problem(line, column, f"formuläret har olika värden i {column}: {quote(first[column].strip())} "
                                      f"(rad {first_line}) och {quote(record[column].strip())} (rad {line}); "
                                      "alla rader i ett formulär ska ha samma värde")
                break
    places.info.update({"overenskommelse_id": (first_line, "overenskommelse_id"), "period": (first_line, "period"),
                        "template_version": (first_line, "mallversion")})
    # Uppgifter lines that are missing are named by their field on the form's first line.
    places.info.update({field_name: (first_line, name) for name, field_name in EXPORT_INFO.items()})
    _set_info(form, "overenskommelse_id", first["overenskommelse_id"])
    _set_info(form, "period", first["period"])
    _set_info(form, "template_version", first["mallversion"])
    submitted = _local_timestamp(first["inskickad"])
    if submitted is None:
        problem(first_line, "inskickad", f"inskickad {quote(first['inskickad'].strip())} är ingen tidpunkt "
                                         "(väntade ÅÅÅÅ-MM-DD TT:MM:SS)")
    form.submitted_at = submitted

    seen: dict[tuple[str, str, str], tuple[int, str]] = {}
    rows: dict[str, dict[str, dict[str, tuple[int, str]]]] = {GOALS: {}, ASSESSMENTS: {}, PARTICIPANTS: {}}
    for line, record in lines:
        section = _label(record["avsnitt"]).replace(" ", "_")
        key, name, value = record["rad"].strip(), _label(record["falt"]).replace(" ", "_"), record["varde"]
        if section not in SECTIONS:
            problem(line, "avsnitt", f"okänt avsnitt {quote(record['avsnitt'].strip())} (avsnitten är "
                                     f"{', '.join(SECTIONS)})")
            continue
        allowed = ("varde",) if section == INFO else EXPORT_FIELDS[section]
        if name not in allowed:
            problem(line, "falt", f"okänt fält {quote(record['falt'].strip())} i avsnittet {section} (fälten är "
                                  f"{', '.join(allowed)})")
            continue
        identity = (section, key.lower(), name)
        if identity in seen and seen[identity][1].strip() != value.strip():
            # Two different values for one cell: ambiguous. The later one is kept so that its own rules
            # are checked too (an export line appended as a correction is the usual cause).
            earlier_line, earlier = seen[identity]
            problem(line, name, f"{section} {quote(key)} {name} har två olika värden: {quote(earlier.strip())} på "
                                f"rad {earlier_line} och {quote(value.strip())} på rad {line} (regel: varje värde "
                                "finns en gång per formulär)")
        seen[identity] = (line, value)
        if section == INFO:
            field_name = EXPORT_INFO.get(key.lower())
            if field_name is None:
                problem(line, "rad", f"okänd uppgift {quote(key)} i avsnittet uppgifter (uppgifterna är "
                                     f"{', '.join(EXPORT_INFO)})")
                continue
            places.info[field_name] = (line, key.lower())
            _set_info(form, field_name, value)
        else:
            rows[section].setdefault(key, {})[name] = (line, value)

    for index, (nr, fields) in enumerate(rows[GOALS].items()):
        values = {name: value for name, (_, value) in fields.items()}
        start = min(line for line, _ in fields.values())
        form.goals.append(_goal(start, values, nr))
        places.cells[(GOALS, index, "nr")] = (start, "rad")
        places.cells.update({(GOALS, index, name): (line, name) for name, (line, _) in fields.items()})
    for index, (question, fields) in enumerate(rows[ASSESSMENTS].items()):
        start = min(line for line, _ in fields.values())
        form.assessments.append(_assessment(start, question, {name: value for name, (_, value) in fields.items()}))
        places.cells[(ASSESSMENTS, index, "fraga")] = (start, "rad")
        places.cells.update({(ASSESSMENTS, index, name): (line, name) for name, (line, _) in fields.items()})
    for key, fields in rows[PARTICIPANTS].items():
        start = min(line for line, _ in fields.values())
        parts = key.split("|")
        if len(parts) == 2:
            parts += ["", ""]
        if len(parts) != 4:
            problem(start, "rad", f"raden {quote(key)} i avsnittet deltagare ska vara "
                                  "malgrupp|kon|aldersgrupp|fodelseregion")
            continue
        index = len(form.participants)
        values: dict[str, object] = dict(zip(("malgrupp", "kon", "aldersgrupp", "fodelseregion"), parts, strict=True))
        values.update({name: value for name, (_, value) in fields.items()})
        form.participants.append(_participant(start, values))
        for name in ("malgrupp", "kon", "aldersgrupp", "fodelseregion"):
            places.cells[(PARTICIPANTS, index, name)] = (start, "rad")
        places.cells.update({(PARTICIPANTS, index, name): (line, name) for name, (line, _) in fields.items()})
    if form.template_version == "2023.1":
        for index, item in enumerate(form.participants):
            if item["aldersgrupp"] is not None or item["fodelseregion"] is not None:
                row, _ = form.place(PARTICIPANTS, index, "aldersgrupp")
                problem(row, "rad", "åldersgrupp och födelseregion finns bara i mallversion 2024.1, men formuläret "
                                    "har mallversion 2023.1")
    return form


def _local_timestamp(text: str) -> datetime | None:
    """``inskickad`` is naive Swedish local time: attach Europe/Stockholm and convert to UTC."""
    text = text.strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=LOCAL_TIME).astimezone(UTC)
    return None


def read_file(path: Path, received_at: datetime) -> tuple[list[Form], list[Problem]]:
    """A delivered file by its kind: a workbook is one form, an export many."""
    path = Path(path)
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return [read_workbook(data, path.name, received_at)], []
    if suffix == ".csv":
        return read_export(data, path.name)
    return [], [Problem(path.name, None, None,
                        "okänd filtyp: formulär skickas som Excel-arbetsbok (.xlsx) eller som export (.csv)")]


# --- validation -------------------------------------------------------------------------------------------------

def validate_forms(forms: list[Form], known_agreements: Collection[str]) -> None:
    """Check every rule on every form and append the problems to each form's ``problems``.

    GX runs once per section over the rows of all forms together (setting GX up costs far more than
    checking a few rows); the cross-field rules follow per form in Python.
    """
    import pandas as pd

    records: dict[str, list[dict]] = {section: [] for section in SECTIONS}
    for number, form in enumerate(forms):
        if INFO in form.places.sections_read:
            records[INFO].append({
                ROW_COLUMN: number * ROW_BASE,
                "overenskommelse_id": form.overenskommelse_id,
                "period": form.period or form.period_as_written,
                "template_version": form.template_version,
                "kommuner": form.kommuner_as_written,
                "motesdatum": form.motesdatum.isoformat() if form.motesdatum else form.places.as_found.get(
                    "motesdatum"),
                "samverkansniva": form.samverkansniva,
            })
        for section, attribute in ITEMS.items():
            if section in form.places.sections_read:
                for index, item in enumerate(getattr(form, attribute)):
                    records[section].append({ROW_COLUMN: number * ROW_BASE + index,
                                             **{k: v for k, v in item.items() if not k.startswith("_")}})
    frames = {section: pd.DataFrame(rows, dtype=object) for section, rows in records.items() if rows}
    for problem in validate_frames({s: SUITES[s] for s in frames}, frames):
        if problem.row is None:  # a suite that cannot run on these columns: a fault here, not in the file
            raise RuntimeError(f"GX-sviten {SUITES[problem.file]} kunde inte köras: {problem}")
        number, index = divmod(problem.row, ROW_BASE)
        form = forms[number]
        section = problem.file
        if section == INFO and problem.column in form.places.missing_info:
            continue  # the missing label is the problem; "must be filled in" would only repeat it
        found = form.problem(section, None if section == INFO else index, problem.column,
                             _context(form, section, index) + problem.message)
        if (section, found.row, found.column) in form.places.formula_cells:
            continue  # a formula without a saved value is reported as such, not as an empty cell
        form.problems.append(found)
    known = {a.strip() for a in known_agreements if a}
    for form in forms:
        form.problems += _form_problems(form, known)
        form.problems = list(dict.fromkeys(form.problems))


def _context(form: Form, section: str, index: int) -> str:
    """Name the question or goal a row is about (``fråga F5: ``): people know their form by those, not by rows."""
    if section == ASSESSMENTS and index < len(form.assessments):
        code = form.assessments[index]["fraga"]
        return f"fråga {code}: " if code else ""
    if section == GOALS and index < len(form.goals):
        nr = form.goals[index]["nr"]
        return f"mål {nr}: " if nr is not None else ""
    return ""


def _form_problems(form: Form, known: set[str]) -> list[Problem]:
    """Rules that need more than one value, the register or the official code lists."""
    problems: list[Problem] = []
    read = form.places.sections_read
    if INFO in read:
        if form.overenskommelse_id and form.overenskommelse_id not in known:
            problems.append(form.problem(INFO, None, "overenskommelse_id",
                f"överenskommelsen {quote(form.overenskommelse_id)} finns inte i överenskommelseregistret "
                "(regel: Överenskommelse-ID ska vara id:t för en överenskommelse i registret)"))
        if form.period and form.submitted_at:
            received = form.submitted_at.astimezone(LOCAL_TIME).date()
            end = period_end(form.period)
            if end > received:
                problems.append(form.problem(INFO, None, "period",
                    f"perioden {form.period} har inte tagit slut (den slutar {end.isoformat()}) men formuläret kom "
                    f"in {received.isoformat()} (regel: ett formulär lämnas för ett halvår som har tagit slut)"))
        for part in municipalities(form.kommuner_as_written)[1]:
            problems.append(form.problem(INFO, None, "kommuner",
                f"kommunen {quote(part)} finns inte bland Sveriges 290 kommuner (regel: Kommun(er) anges som "
                "kommunkoder, t.ex. 0181, eller kommunnamn, t.ex. Södertälje, åtskilda med kommatecken)"))
    if GOALS in read:
        problems += _duplicates(form, GOALS, form.goals, lambda g: g["nr"] if isinstance(g["nr"], int) else None,
            "nr", lambda nr, rows: f"målnummer {nr} finns på flera rader ({rows}) (regel: varje mål har ett eget Nr)")
    if ASSESSMENTS in read:
        problems += _duplicates(form, ASSESSMENTS, form.assessments, lambda a: a["fraga"], "fraga",
            lambda q, rows: f"frågan {q} besvaras på flera rader ({rows}) (regel: varje fråga F1–F12 besvaras "
                            "högst en gång)")
    if PARTICIPANTS in read:
        problems += _participant_problems(form)
        problems += _duplicates(form, PARTICIPANTS, form.participants,
            lambda p: (p["malgrupp"], p["kon"], p["aldersgrupp"], p["fodelseregion"]), "malgrupp",
            lambda key, rows: f"målgrupp {key[0]}, kön {key[1]}, åldersgrupp {key[2] or '(tomt)'}, födelseregion "
                              f"{key[3] or '(tomt)'} finns på flera rader ({rows}) (regel: varje kombination "
                              "redovisas på en rad)")
    return problems


def _duplicates(form: Form, section: str, items: list[dict], key_of, column: str, message) -> list[Problem]:
    first: dict[Any, int] = {}
    problems = []
    for index, item in enumerate(items):
        key = key_of(item)
        if key is None or (isinstance(key, tuple) and key[0] is None):
            continue
        if key in first:
            rows = f"rad {form.place(section, first[key], column)[0]} och {form.place(section, index, column)[0]}"
            problems.append(form.problem(section, index, column, message(key, rows)))
        else:
            first[key] = index
    return problems


def _participant_problems(form: Form) -> list[Problem]:
    """Nya ≤ Deltagare, Avslutade ≤ Deltagare, Till arbete + Till studier ≤ Avslutade (on valid counts only:
    a count that is not a whole number ≥ 0 has its own problem already)."""
    problems = []

    def label(index: int, key: str) -> str:
        return form.place(PARTICIPANTS, index, key)[1] or key

    for index, item in enumerate(form.participants):
        counts = {k: item[k] for k in COUNTS}
        if not all(isinstance(v, int) and v >= 0 for v in counts.values()):
            continue
        for part in ("nya", "avslutade"):
            if counts[part] > counts["deltagare"]:
                problems.append(form.problem(PARTICIPANTS, index, part,
                    f"{label(index, part)} ({counts[part]}) är fler än {label(index, 'deltagare')} "
                    f"({counts['deltagare']}) (regel: {PARTICIPANT_COLUMNS[part]} får inte vara fler än Deltagare)"))
        moved = counts["till_arbete"] + counts["till_studier"]
        if moved > counts["avslutade"]:
            problems.append(form.problem(PARTICIPANTS, index, "till_arbete",
                f"{label(index, 'till_arbete')} + {label(index, 'till_studier')} ({moved}) är fler än "
                f"{label(index, 'avslutade')} ({counts['avslutade']}) (regel: de som gått till arbete eller "
                "studier räknas bland de avslutade)"))
    return problems
