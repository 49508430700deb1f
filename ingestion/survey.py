"""The survey export contract (``enkätexport``): parsing any survey wave and every rule it sets.

A delivery is a folder (or zip) ``<enkat_id>_YYYY-MM-DD`` with ``;``-separated files in UTF-8 with
BOM, UTF-8 or Windows-1252 (detected per file, there is no marker). Nothing here knows a survey:
the questions, their types and scales come from the delivered codebook (``fragor.csv`` and
``skalor.csv``), and the wide answer file ``svar.csv`` is checked and turned long against it, so a
new survey or a new wave that follows the contract loads without a code change.

Row-level rules (required values, allowed codes, formats) live in the GX suites under
``expectations/survey/``; rules that span rows or files (the answer columns against the codebook,
answer codes against the question's scale, respondents against the sample frame, duplicates,
official municipality and county codes, the wave against the delivery's name) are checked here,
column by column with pandas so that 5 000 respondents × 100 questions take well under a second.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion import reference
from ingestion.csv_files import CsvError, decode, read_csv
from ingestion.deliveries import Delivery, read_delivery
from ingestion.frames import parse_iso_date, records, stripped
from ingestion.gx_validation import ROW_COLUMN, validate_frames
from ingestion.loader import Rows, frame_rows
from ingestion.problems import Problem, quote

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this module and must parse fast
    import pandas as pd

SOURCE = "survey"
LABEL = "enkätexport"
DELIVERY_PATTERN = r"[a-z][a-z0-9_]*_\d{4}-\d{2}-\d{2}"

WAVE = "enkat.csv"
QUESTIONS = "fragor.csv"
SCALES = "skalor.csv"
SAMPLE = "urval.csv"
ANSWERS = "svar.csv"
CODING = "kodning.csv"
OPTIONAL = {CODING}

# The contract's columns per file; for svar.csv the fixed columns (the answer columns follow the codebook).
COLUMNS: dict[str, list[str]] = {
    WAVE: ["enkat_id", "omgang", "namn", "oppnad", "stangd", "enhet"],
    QUESTIONS: ["fraga_id", "delfraga", "fragetext", "typ", "skala_id", "villkor", "jamforbar_med"],
    SCALES: ["skala_id", "kod", "etikett", "substantiell", "ordning"],
    SAMPLE: ["respondent_id", "kommunkod", "lanskod", "organisation", "aktorstyp", "overenskommelse_id", "utskick"],
    ANSWERS: ["respondent_id", "status", "besvarad"],
    CODING: ["respondent_id", "fraga_id", "tema", "kod"],
}
RAW_TABLES = {
    WAVE: "raw.survey_waves",
    QUESTIONS: "raw.survey_questions",
    SCALES: "raw.survey_scales",
    SAMPLE: "raw.survey_sample",
    ANSWERS: "raw.survey_responses",  # the fixed columns; the answer cells go long into ANSWER_CELLS
    CODING: "raw.survey_coding",
}
ANSWER_CELLS = "raw.survey_answers"
SUITES = {name: f"survey/{name.removesuffix('.csv')}.json" for name in COLUMNS}

QUESTION_TYPES = {"enval", "flerval", "matris", "fritext", "tal"}
CODED_TYPES = {"enval", "matris"}  # one code per cell, on the question's scale
NAME = re.compile(r"([a-z][a-z0-9_]*)_(\d{4}-\d{2}-\d{2})")
CONDITION = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(!=|=)\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*")
NUMBER = r"[+-]?\d+(?:,\d+)?"  # tal: decimal comma
OPTION_SUFFIX = re.compile(r"\d+")  # flerval without a scale in the codebook: Q3_1, Q3_2…
COUNT_WORDS = {2: "två", 3: "tre", 4: "fyra", 5: "fem"}


@dataclass(frozen=True)
class AnswerColumn:
    """What one answer column of svar.csv is, according to the codebook."""

    fraga_id: str
    delfraga: str | None  # grid row (matris) or option code (flerval)
    typ: str
    skala_id: str | None


@dataclass
class ParsedSurvey:
    """A delivery read into one DataFrame per file (text as delivered, empty → None, ``_rad``).

    ``frames[ANSWERS]`` holds svar.csv whole (fixed and answer columns); ``answer_columns`` says
    which codebook question each answer column belongs to (only the columns the codebook knows).
    """

    name: str
    checksum: str
    snapshot_date: date | None
    encoding: str | None = None  # of the delivery: cp1252 if any file was, else utf-8-sig if any had a BOM
    encodings: dict[str, str] = field(default_factory=dict)  # per file: utf-8-sig | utf-8 | cp1252
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    answer_columns: dict[str, AnswerColumn] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def enkat_id(self) -> str | None:
        return self._wave_value("enkat_id")

    @property
    def omgang(self) -> str | None:
        return self._wave_value("omgang")

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames.items()}

    def _wave_value(self, column: str) -> str | None:
        frame = self.frames.get(WAVE)
        if frame is None or len(frame) == 0 or frame[column].iloc[0] is None:
            return None
        return frame[column].iloc[0].strip()


def name_parts(name: str) -> tuple[str, date] | None:
    """``kommunenkat_2024-02-01`` → (``kommunenkat``, 2024-02-01); None when the name breaks the pattern."""
    match = NAME.fullmatch(name)
    if not match:
        return None
    try:
        return match.group(1), date.fromisoformat(match.group(2))
    except ValueError:
        return None


def detect_encoding(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: UTF-8 with BOM, UTF-8 without BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return decode(data, ("utf-8-sig",)), "utf-8-sig"
    try:
        return decode(data, ("utf-8",)), "utf-8"
    except CsvError:
        pass
    try:
        return decode(data, ("cp1252",)), "cp1252"
    except CsvError:
        raise CsvError("filen är varken kodad som UTF-8 eller Windows-1252") from None


def parse(delivery: Delivery) -> ParsedSurvey:
    """Read the files; problems here are about the delivery's shape (name, files, encodings, headers)."""
    import pandas as pd

    parts = name_parts(delivery.name)
    parsed = ParsedSurvey(delivery.name, delivery.checksum, parts[1] if parts else None)
    if parts is None:
        parsed.problems.append(Problem(delivery.name, None, None,
            "leveransens namn ska vara <enkat_id>_ÅÅÅÅ-MM-DD med ett giltigt datum (t.ex. kommunenkat_2024-02-01)"))
    by_lower = {name.lower(): name for name in delivery.files}
    for file_name, expected in COLUMNS.items():
        actual_name = by_lower.get(file_name)
        if actual_name is None:
            if file_name not in OPTIONAL:
                parsed.problems.append(Problem(file_name, None, None, "filen saknas i leveransen"))
            continue
        try:
            text, encoding = detect_encoding(delivery.files[actual_name])
            table = read_csv(text)
        except CsvError as exc:
            parsed.problems.append(Problem(file_name, None, None, str(exc)))
            continue
        parsed.encodings[file_name] = encoding
        header = [h.strip() for h in table.header]
        if file_name == ANSWERS:  # fixed columns as in the contract, answer columns as the codebook spells them
            header = [h.lower() if h.lower() in expected else h for h in header]
        else:
            header = [h.lower() for h in header]
        header_problems = _header_problems(file_name, header, expected)
        parsed.problems += header_problems
        if header_problems:
            continue
        records = []
        width = len(header)
        for line, cells in table.rows:
            if len(cells) != width:
                parsed.problems.append(Problem(file_name, line, None,
                    f"raden har {len(cells)} fält men rubrikraden har {width}"))
                continue
            records.append([line, *[cell if cell.strip() else None for cell in cells]])
        frame = pd.DataFrame(records, columns=[ROW_COLUMN, *header], dtype=object)
        if file_name != ANSWERS:
            frame = frame[[ROW_COLUMN, *expected]]
        parsed.frames[file_name] = frame
    if parsed.encodings:
        seen = set(parsed.encodings.values())
        parsed.encoding = next(e for e in ("cp1252", "utf-8-sig", "utf-8") if e in seen)
    return parsed


def _header_problems(file_name: str, header: list[str], expected: list[str]) -> list[Problem]:
    problems = [Problem(file_name, 1, column, "kolumnen saknas i rubrikraden") for column in expected
                if column not in header]
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(file_name, 1, column, "kolumnen förekommer två gånger i rubrikraden"))
        seen.add(column)
        if column == "":
            problems.append(Problem(file_name, 1, "(tom rubrik)", "kolumnen saknar namn i rubrikraden"))
        elif file_name != ANSWERS and column not in expected:
            problems.append(Problem(file_name, 1, column, "okänd kolumn: kontraktet har inte den kolumnen"))
    return problems


def validate(delivery: Delivery) -> ParsedSurvey:
    """Parse and check every contract rule; ``parsed.problems`` lists all problems found."""
    parsed = parse(delivery)
    clean = {name: stripped(frame, COLUMNS[name]) for name, frame in parsed.frames.items()}
    parsed.problems += validate_frames(SUITES, clean)
    parsed.problems += wave_problems(clean, delivery.name)
    if QUESTIONS in clean and SCALES in clean:
        problems, parsed.answer_columns = codebook(clean[QUESTIONS], clean[SCALES])
        parsed.problems += problems
        if ANSWERS in parsed.frames:
            parsed.problems += answer_column_problems(parsed.frames[ANSWERS], clean[QUESTIONS],
                                                      clean[SCALES], parsed.answer_columns)
            parsed.problems += answer_value_problems(parsed.frames[ANSWERS], parsed.answer_columns,
                                                     scale_codes(clean[SCALES]))
    parsed.problems += respondent_problems(clean)
    parsed.problems = sorted(set(parsed.problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
    return parsed


def raw_tables(parsed: ParsedSurvey) -> dict[str, Rows]:
    """The rows to COPY: each file into its raw table (svar.csv's answer cells long), with the wave."""
    wave = {"enkat_id": parsed.enkat_id, "omgang": parsed.omgang}
    tables: dict[str, Rows] = {}
    for file_name, table in RAW_TABLES.items():
        frame = parsed.frames.get(file_name)
        if frame is None:  # an optional file not delivered: its table gets no rows
            frame = _empty_frame(COLUMNS[file_name])
        if file_name == WAVE:
            tables[table] = frame_rows(frame.assign(encoding=parsed.encoding), {})
        else:
            tables[table] = frame_rows(frame[[ROW_COLUMN, *COLUMNS[file_name]]], wave)
    tables[ANSWER_CELLS] = answer_rows(parsed.frames[ANSWERS], parsed.answer_columns, wave)
    return tables


def validate_delivery(path: Path) -> list[Problem]:
    return validate(read_delivery(path)).problems


def answer_rows(frame: pd.DataFrame, columns: dict[str, AnswerColumn], wave: dict[str, str | None]) -> Rows:
    """svar.csv long: one row per non-empty answer cell (for flerval only the chosen options, ``1``)."""
    import numpy as np

    names = [c for c in frame.columns if c in columns]
    cells = frame[names].to_numpy(dtype=object)
    present = frame[names].notna().to_numpy(dtype=bool, copy=True)
    for j, name in enumerate(names):
        if columns[name].typ == "flerval":
            present[:, j] &= frame[name].str.strip().eq("1").fillna(False).to_numpy(dtype=bool)
    rows, cols = np.nonzero(present)
    lines = frame[ROW_COLUMN].to_numpy()[rows].tolist()
    respondents = frame["respondent_id"].to_numpy(dtype=object)[rows].tolist()
    kolumn = np.array(names, dtype=object)[cols].tolist()
    fraga = np.array([columns[n].fraga_id for n in names], dtype=object)[cols].tolist()
    delfraga = np.array([columns[n].delfraga for n in names], dtype=object)[cols].tolist()
    values = cells[rows, cols].tolist()
    enkat_id, omgang = wave["enkat_id"], wave["omgang"]

    def records():
        for line, respondent, kol, fid, part, value in zip(lines, respondents, kolumn, fraga, delfraga, values,
                                                           strict=True):
            yield (int(line), enkat_id, omgang, respondent, kol, fid, part, value)

    return Rows(columns=["_source_row", "enkat_id", "omgang", "respondent_id", "kolumn", "fraga_id", "delfraga",
                         "varde"], rows=records(), count=len(lines))


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([], columns=[ROW_COLUMN, *columns], dtype=object)


def wave_problems(frames: dict[str, pd.DataFrame], delivery_name: str) -> list[Problem]:
    """enkat.csv: exactly one row, its enkat_id and dates consistent with the delivery's name."""
    frame = frames.get(WAVE)
    if frame is None:
        return []
    if len(frame) != 1:
        return [Problem(WAVE, None, None,
                        f"filen har {len(frame)} rader (regel: enkat.csv ska ha exakt en rad som beskriver omgången)")]
    wave = records(frame)[0]
    line = wave[ROW_COLUMN]
    problems: list[Problem] = []
    parts = name_parts(delivery_name)
    if parts and wave["enkat_id"] is not None and wave["enkat_id"] != parts[0]:
        problems.append(Problem(WAVE, line, "enkat_id",
            f"enkat_id {quote(wave['enkat_id'])} stämmer inte med leveransens namn {delivery_name} "
            f"(regel: leveransen ska heta <enkat_id>_ÅÅÅÅ-MM-DD, här väntades enkat_id {quote(parts[0])})"))
    opened, closed = parse_iso_date(wave["oppnad"]), parse_iso_date(wave["stangd"])
    for column, parsed_date in (("oppnad", opened), ("stangd", closed)):
        if wave[column] is not None and parsed_date is None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", wave[column]):
            problems.append(Problem(WAVE, line, column,
                f"{quote(wave[column])} är inget giltigt datum (regel: datum skrivs ÅÅÅÅ-MM-DD)"))
    if opened and closed and closed < opened:
        problems.append(Problem(WAVE, line, "stangd",
            f"stangd {quote(wave['stangd'])} är före oppnad {quote(wave['oppnad'])} "
            "(regel: en enkät kan inte stänga innan den öppnat)"))
    if parts and closed and closed > parts[1]:
        problems.append(Problem(WAVE, line, "stangd",
            f"stangd {quote(wave['stangd'])} är efter leveransens datum {parts[1]} "
            "(regel: exporten görs när omgången har stängt, så leveransens datum kan inte vara före stangd)"))
    return problems


def scale_codes(scales: pd.DataFrame) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for skala_id, kod in zip(scales["skala_id"], scales["kod"], strict=True):
        if skala_id is not None and kod is not None:
            codes.setdefault(skala_id, set()).add(kod)
    return codes


def codebook(questions: pd.DataFrame, scales: pd.DataFrame) -> tuple[list[Problem], dict[str, AnswerColumn]]:
    """Check fragor.csv against itself and skalor.csv; return the answer columns svar.csv must have.

    A flerval question without a scale has no list of options: its columns are accepted by their
    numeric suffix when svar.csv is read (see ``answer_column_problems``).
    """
    codes = scale_codes(scales)
    problems: list[Problem] = []
    rows = records(questions)
    types: dict[str, set[str]] = {}
    for q in rows:
        if q["fraga_id"] is not None and q["typ"] is not None:
            types.setdefault(q["fraga_id"], set()).add(q["typ"])
    columns: dict[str, AnswerColumn] = {}
    owner: dict[str, int] = {}

    def add(name: str, column: AnswerColumn, line: int) -> None:
        if name in columns and columns[name] != column:
            problems.append(Problem(QUESTIONS, line, "fraga_id",
                f"svarskolumnen {name} skulle höra till både {columns[name].fraga_id} (rad {owner[name]}) och "
                f"{column.fraga_id} (regel: varje kolumn i svar.csv ska höra till en enda fråga)"))
            return
        columns[name], owner[name] = column, line

    for q in rows:
        line, fid, part, typ, skala = q[ROW_COLUMN], q["fraga_id"], q["delfraga"], q["typ"], q["skala_id"]
        if fid is None or typ not in QUESTION_TYPES:
            continue  # reported by the suite
        if len(types[fid]) > 1:
            problems.append(Problem(QUESTIONS, line, "typ",
                f"frågan {fid} har flera typer ({', '.join(sorted(types[fid]))}) "
                "(regel: alla rader för samma fråga ska ha samma typ)"))
        if skala is not None and skala not in codes:
            problems.append(Problem(QUESTIONS, line, "skala_id",
                f"skalan {quote(skala)} finns inte i {SCALES} (regel: varje skala som en fråga använder ska finnas)"))
        if typ in CODED_TYPES and skala is None:
            problems.append(Problem(QUESTIONS, line, "skala_id",
                f"skala_id saknas (regel: en fråga av typen {typ} ska ange sin skala)"))
        if typ == "matris" and part is None:
            problems.append(Problem(QUESTIONS, line, "delfraga",
                "delfraga saknas (regel: varje rad i en matrisfråga ska ha ett delfråge-id, t.ex. r1)"))
        if typ != "matris" and part is not None:
            problems.append(Problem(QUESTIONS, line, "delfraga",
                f"delfraga {quote(part)} är ifyllt för en fråga av typen {typ} "
                "(regel: delfraga fylls bara i för rader i en matrisfråga)"))
            continue
        if typ == "matris":
            if part is not None:
                add(f"{fid}_{part}", AnswerColumn(fid, part, typ, skala), line)
        elif typ == "flerval":
            for kod in sorted(codes.get(skala, set()) if skala else set(), key=_code_order):
                add(f"{fid}_{kod}", AnswerColumn(fid, kod, typ, skala), line)
        else:
            add(fid, AnswerColumn(fid, None, typ, skala), line)
    problems += _condition_problems(rows, columns, codes)
    return problems, columns


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), code) if re.fullmatch(r"-?\d+", code) else (0, code)


def parse_condition(text: str) -> tuple[str, str, list[str]] | None:
    """``Q8=1`` → (``Q8``, ``=``, [``1``]); also ``Q8=1,2`` and ``Q8!=3``. None when unreadable."""
    match = CONDITION.fullmatch(text)
    if not match:
        return None
    return match.group(1), match.group(2), [c.strip() for c in match.group(3).split(",")]


def _condition_problems(rows: list[dict], columns: dict[str, AnswerColumn],
                        codes: dict[str, set[str]]) -> list[Problem]:
    """A villkor refers to an existing question (or one answer column, e.g. a grid row Q4_r1) and,
    when that question has a scale, to codes on it."""
    problems: list[Problem] = []
    scale_of: dict[str, str | None] = {}
    for q in rows:
        if q["fraga_id"] is not None:
            scale_of.setdefault(q["fraga_id"], q["skala_id"])
    for name, column in columns.items():
        scale_of.setdefault(name, column.skala_id)
    for q in rows:
        if q["villkor"] is None or q["fraga_id"] is None:
            continue
        condition = parse_condition(q["villkor"])
        if condition is None:
            continue  # reported by the suite
        target, _, values = condition
        line = q[ROW_COLUMN]
        if target not in scale_of:
            problems.append(Problem(QUESTIONS, line, "villkor",
                f"villkoret {quote(q['villkor'])} hänvisar till frågan {quote(target)} som inte finns i {QUESTIONS} "
                "(regel: villkor ska hänvisa till en fråga i samma omgång)"))
        elif target == q["fraga_id"]:
            problems.append(Problem(QUESTIONS, line, "villkor",
                f"villkoret {quote(q['villkor'])} hänvisar till frågan själv "
                "(regel: villkor ska hänvisa till en annan fråga)"))
        elif scale_of[target] in codes:
            for value in values:
                if value not in codes[scale_of[target]]:
                    problems.append(Problem(QUESTIONS, line, "villkor",
                        f"villkoret {quote(q['villkor'])}: koden {quote(value)} finns inte på skalan "
                        f"{scale_of[target]} för {target} (regel: villkor ska använda koder på frågans skala)"))
    return problems


def answer_column_problems(frame: pd.DataFrame, questions: pd.DataFrame, scales: pd.DataFrame,
                           columns: dict[str, AnswerColumn]) -> list[Problem]:
    """svar.csv's answer columns against the codebook: none unknown, none missing.

    Adds to ``columns`` the options of flerval questions that have no scale (``Q3_1``, ``Q3_2``…), or
    a scale skalor.csv lacks (reported on fragor.csv, so not again column by column).
    """
    problems: list[Problem] = []
    fixed = set(COLUMNS[ANSWERS])
    rows = records(questions)
    known_scales = set(scale_codes(scales))
    # flerval without a (known) scale: options are accepted by their numeric suffix
    open_multi = {q["fraga_id"]: q for q in rows if q["typ"] == "flerval" and q["fraga_id"] is not None
                  and q["skala_id"] not in known_scales}
    # questions whose type is not one of the contract's: already reported on fragor.csv, not again here
    broken = {q["fraga_id"] for q in rows if q["fraga_id"] is not None and q["typ"] not in QUESTION_TYPES}
    delivered = [c for c in frame.columns if c != ROW_COLUMN and c not in fixed]
    for name in delivered:
        if name in columns:
            continue
        fid, _, suffix = name.rpartition("_")
        if fid in open_multi and OPTION_SUFFIX.fullmatch(suffix):
            columns[name] = AnswerColumn(fid, suffix, "flerval", open_multi[fid]["skala_id"])
            continue
        if name in broken or fid in broken:
            continue
        problems.append(Problem(ANSWERS, 1, name,
            f"okänd kolumn: {name} motsvarar ingen fråga i kodboken ({QUESTIONS}) "
            "(regel: svarskolumnerna heter <fraga_id>, <fraga_id>_<kod> för flerval och "
            "<fraga_id>_<delfraga> för matris)"))
    present = set(delivered)
    for name, column in columns.items():
        if name not in present:
            what = {"flerval": f"alternativet {column.delfraga} på skalan {column.skala_id}",
                    "matris": f"matrisraden {column.delfraga}"}.get(column.typ, "")
            problems.append(Problem(ANSWERS, 1, name,
                f"kolumnen saknas i rubrikraden: kodboken har frågan {column.fraga_id} ({column.typ})"
                + (f" med {what}" if what else "")))
    for fid, q in open_multi.items():
        if not any(c.fraga_id == fid for c in columns.values()):
            problems.append(Problem(ANSWERS, 1, fid,
                f"kolumner saknas i rubrikraden: kodboken har flervalsfrågan {fid} (rad {q[ROW_COLUMN]} i "
                f"{QUESTIONS}) men svar.csv har inga kolumner {fid}_1, {fid}_2…"))
    return problems


def answer_value_problems(frame: pd.DataFrame, columns: dict[str, AnswerColumn],
                          codes: dict[str, set[str]]) -> list[Problem]:
    """Every answer cell against its question: codes on the scale, flerval 0/1, tal a number.

    One vectorised pass per column; only failing cells become Python objects.
    """
    problems: list[Problem] = []
    lines = frame[ROW_COLUMN].to_numpy()
    for name in frame.columns:
        column = columns.get(name)
        if column is None:
            continue
        values = frame[name].dropna()
        if values.empty:
            continue
        values = values.str.strip()
        if column.typ in CODED_TYPES:
            if column.skala_id not in codes:
                continue  # the missing scale is reported on fragor.csv
            bad = values[~values.isin(codes[column.skala_id])]
            where = f"{column.fraga_id}" + (f" (delfråga {column.delfraga})" if column.delfraga else "")
            for index, value in bad.items():
                problems.append(Problem(ANSWERS, int(lines[index]), name,
                    f"svarskoden {quote(value)} finns inte på skalan {column.skala_id} för {where} "
                    f"(regel: varje svarskod ska finnas på frågans skala i {SCALES})"))
        elif column.typ == "flerval":
            bad = values[~values.isin({"0", "1"})]
            for index, value in bad.items():
                problems.append(Problem(ANSWERS, int(lines[index]), name,
                    f"värdet {quote(value)} är inget flervalssvar för {column.fraga_id} "
                    "(regel: ett flervalsalternativ är 1 om det valts, annars 0 eller tomt)"))
        elif column.typ == "tal":
            bad = values[~values.str.fullmatch(NUMBER)]
            for index, value in bad.items():
                problems.append(Problem(ANSWERS, int(lines[index]), name,
                    f"värdet {quote(value)} är inget tal för {column.fraga_id} "
                    "(regel: svar på en talfråga är ett tal, med decimalkomma, t.ex. 3,5)"))
    return problems


def _duplicates(frame: pd.DataFrame, file_name: str) -> list[Problem]:
    ids = frame["respondent_id"]
    repeated = frame.loc[ids.notna() & ids.duplicated(keep=False), [ROW_COLUMN, "respondent_id"]]
    problems = []
    for respondent, group in repeated.groupby("respondent_id", sort=False):
        lines = sorted(int(x) for x in group[ROW_COLUMN])
        times = COUNT_WORDS.get(len(lines), str(len(lines)))
        listed = ", ".join(f"rad {x}" for x in lines[:-1]) + f" och rad {lines[-1]}"
        problems.append(Problem(file_name, lines[1], "respondent_id",
            f"respondenten {quote(respondent)} förekommer {times} gånger i {file_name} ({listed}) "
            f"(regel: varje respondent får bara förekomma en gång i {file_name})"))
    return problems


def respondent_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Respondents: unique in urval.csv and svar.csv, every answering respondent in the sample frame,
    kodning.csv on answering respondents and fritext questions, official municipality and county codes."""
    problems: list[Problem] = []
    sample, answers, coding, questions = (frames.get(n) for n in (SAMPLE, ANSWERS, CODING, QUESTIONS))
    for file_name, frame in ((SAMPLE, sample), (ANSWERS, answers)):
        if frame is not None:
            problems += _duplicates(frame, file_name)
    if sample is not None and answers is not None:
        ids = answers["respondent_id"]
        outside = answers[ids.notna() & ~ids.isin(set(sample["respondent_id"]))]
        for line, respondent in zip(outside[ROW_COLUMN], outside["respondent_id"], strict=True):
            problems.append(Problem(ANSWERS, int(line), "respondent_id",
                f"respondenten {quote(respondent)} finns inte i urvalet ({SAMPLE}) "
                "(regel: varje respondent i svar.csv ska finnas i urvalet)"))
    if coding is not None and answers is not None:
        ids = coding["respondent_id"]
        outside = coding[ids.notna() & ~ids.isin(set(answers["respondent_id"]))]
        for line, respondent in zip(outside[ROW_COLUMN], outside["respondent_id"], strict=True):
            problems.append(Problem(CODING, int(line), "respondent_id",
                f"respondenten {quote(respondent)} finns inte i {ANSWERS} "
                "(regel: kodningen gäller svar från respondenter som svarat)"))
    if coding is not None and questions is not None:
        types = {fid: typ for fid, typ in zip(questions["fraga_id"], questions["typ"], strict=True) if fid}
        for line, fid in zip(coding[ROW_COLUMN], coding["fraga_id"], strict=True):
            if fid is None:
                continue
            if fid not in types:
                problems.append(Problem(CODING, int(line), "fraga_id",
                    f"frågan {quote(fid)} finns inte i {QUESTIONS} (regel: kodningen gäller en fritextfråga)"))
            elif types[fid] != "fritext":
                problems.append(Problem(CODING, int(line), "fraga_id",
                    f"frågan {quote(fid)} är av typen {types[fid]}, inte fritext "
                    "(regel: bara svar på fritextfrågor kodas)"))
    if sample is not None:
        problems += _code_problems(sample, "kommunkod", reference.restore_kommunkod, reference.municipality_codes(),
                                   "kommunkoden {} finns inte bland Sveriges 290 kommuner "
                                   "(regel: kommunkod ska vara en giltig kommun)")
        problems += _code_problems(sample, "lanskod", reference.restore_lanskod, reference.county_codes(),
                                   "länskoden {} finns inte bland Sveriges 21 län "
                                   "(regel: lanskod ska vara ett giltigt län)")
    return problems


def _code_problems(frame: pd.DataFrame, column: str, restore, valid: frozenset[str], message: str) -> list[Problem]:
    """Official codes (after restoring a lost leading zero); values that are not digits are the suite's."""
    problems = []
    checked = {value: restore(value) in valid for value in frame[column].dropna().unique()}
    for line, value in zip(frame[ROW_COLUMN], frame[column], strict=True):
        if value is not None and value.isdigit() and not checked[value]:
            problems.append(Problem(SAMPLE, int(line), column, message.format(quote(value))))
    return problems
