"""Normalising single values as people write them in forms: labels in any case or spacing, numbers as
text, dates as text or Excel serial numbers, codes written as words, every period spelling,
municipality names instead of codes. A value that cannot be normalised is kept as found so that the
problem can quote it; the rules themselves are strict (see :mod:`.rules`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from ingestion.core import config, reference
from ingestion.sources.followup_forms.contract import ASSESSMENT_CODES, NO, REGIONS, SEXES, YES


def loose_label(value: object) -> str:
    """A label or sheet name compared loosely: case, spacing, underscores and a trailing colon don't matter."""
    text = str(value).replace("\u00a0", " ").replace("_", " ").lower()
    text = re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", text)).strip()
    return text.rstrip(":*").strip()


def as_text(value: object) -> str | None:
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


def as_code(value: object, codes: Collection[str] | None = None) -> str | None:
    """A code written as words (``Delvis uppnått``, ``Ekonomiskt bistånd``) as the code (``delvis_uppnatt``).

    With ``codes``, text that is not one of them stays as written, so that a problem quotes what the sender wrote.
    """
    text = as_text(value)
    if text is None:
        return None
    code = re.sub(r"[\s-]+", "_", text.lower().translate(str.maketrans("åäöéü", "aaoeu")))
    return code if codes is None or code in codes else text


def as_whole(value: object) -> int | str | None:
    """A whole number from a number cell or text (``" 12 "``, ``"12,0"``); anything else stays as found."""
    if value is None or isinstance(value, bool):
        return as_text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else as_text(value)
    text = as_text(value)
    if text is None:
        return None
    compact = re.sub(r"\s", "", text)
    if re.fullmatch(r"[+-]?\d+([.,]0+)?", compact):
        return int(re.split(r"[.,]", compact)[0])
    return text


def number_text(value: object) -> str | None:
    """A number as text with ``.`` decimal and no trailing zeros (``12,5`` -> ``12.5``, ``40.0`` -> ``40``).

    Text that is not a number stays as found (the rules then name it).
    """
    if value is None or isinstance(value, bool):
        return as_text(value)
    if isinstance(value, int):
        return str(value)
    text = as_text(value) if not isinstance(value, float) else repr(value)
    if text is None:
        return None
    compact = re.sub(r"\s", "", text).replace(",", ".").rstrip("%")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", compact):
        return as_text(value)
    try:
        number = Decimal(compact)
    except InvalidOperation:
        return as_text(value)
    formatted = format(number.normalize(), "f")
    return "0" if formatted in ("-0", "+0") else formatted


def yes_no(value: object) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    lowered = text.lower()
    return "ja" if lowered in YES else "nej" if lowered in NO else text


def as_unit(value: object) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    lowered = re.sub(r"\s", "", text.lower())
    return lowered if lowered in ("antal", "andel", "ja/nej") else text


def goal_value(value: object, unit: str | None) -> str | None:
    """Målvärde/Utfall in the goal's unit: ``ja``/``nej`` for ja/nej, else a number as text."""
    return yes_no(value) if unit == "ja/nej" else number_text(value)


def as_answer(value: object) -> str | None:
    """Svar: ``1``..``5`` as text or ``kan_inte_bedoma``; anything else as found."""
    number = as_whole(value)
    if isinstance(number, int):
        return str(number)
    if number is not None and as_code(number, ASSESSMENT_CODES) == "kan_inte_bedoma":
        return "kan_inte_bedoma"
    return number


def as_question(value: object) -> str | None:
    text = as_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"[fF]\s*0*(\d+)", text)
    return f"F{match.group(1)}" if match else text


def as_sex(value: object) -> str | None:
    text = as_text(value)
    return None if text is None else SEXES.get(text.lower(), text)


def as_age_group(value: object) -> str | None:
    text = as_text(value)
    return None if text is None else re.sub(r"\s*[-–—]\s*", "-", text)


def as_region(value: object) -> str | None:
    text = as_text(value)
    return None if text is None else REGIONS.get(re.sub(r"\s+", " ", text.lower()), text)


def as_template(value: object) -> str | None:
    if isinstance(value, float):
        return repr(value)
    return as_text(value)


def as_date(value: object) -> date | str | None:
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
    text = as_text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{5}([.,]0+)?", text) and 20000 < int(text[:5]) < 80000:
        return as_date(int(text[:5]))
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
def municipality_names() -> dict[str, str]:
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
    names = municipality_names()
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


def as_utc(moment: datetime) -> datetime:
    """Workbook properties are UTC without a zone; an arrival time without a zone is taken as UTC too."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
