"""Reading a survey delivery: encodings, headers, one DataFrame per file, and the rows it loads
(the wide answer file turned long, one row per non-empty answer cell).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ingestion.core.csv_files import CsvError, decode, read_csv
from ingestion.core.deliveries import Delivery
from ingestion.core.frames import ROW_COLUMN
from ingestion.core.problems import Problem
from ingestion.db.loader import Rows, frame_rows
from ingestion.sources.survey.contract import ANSWER_CELLS, ANSWERS, COLUMNS, NAME, OPTIONAL, RAW_TABLES, WAVE

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this module and must parse fast
    import pandas as pd


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
        parsed.problems.append(
            Problem(
                delivery.name,
                None,
                None,
                "leveransens namn ska vara <enkat_id>_ÅÅÅÅ-MM-DD med ett giltigt datum (t.ex. kommunenkat_2024-02-01)",
            )
        )
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
                parsed.problems.append(
                    Problem(file_name, line, None, f"raden har {len(cells)} fält men rubrikraden har {width}")
                )
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
    problems = [
        Problem(file_name, 1, column, "kolumnen saknas i rubrikraden") for column in expected if column not in header
    ]
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
        for line, respondent, kol, fid, part, value in zip(
            lines, respondents, kolumn, fraga, delfraga, values, strict=True
        ):
            yield (int(line), enkat_id, omgang, respondent, kol, fid, part, value)

    return Rows(
        columns=["_source_row", "enkat_id", "omgang", "respondent_id", "kolumn", "fraga_id", "delfraga", "varde"],
        rows=records(),
        count=len(lines),
    )


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([], columns=[ROW_COLUMN, *columns], dtype=object)
