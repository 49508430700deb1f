"""The delivered codebook (``fragor.csv`` + ``skalor.csv``) checked against itself: which answer
columns ``svar.csv`` must have, and what every ``villkor`` refers to.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingestion.core.frames import ROW_COLUMN, records
from ingestion.core.problems import Problem, quote
from ingestion.sources.survey.contract import CODED_TYPES, CONDITION, QUESTION_TYPES, QUESTIONS, SCALES
from ingestion.sources.survey.reading import AnswerColumn

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this module and must parse fast
    import pandas as pd


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
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "fraga_id",
                    f"svarskolumnen {name} skulle höra till både {columns[name].fraga_id} (rad {owner[name]}) och "
                    f"{column.fraga_id} (regel: varje kolumn i svar.csv ska höra till en enda fråga)",
                )
            )
            return
        columns[name], owner[name] = column, line

    for q in rows:
        line, fid, part, typ, skala = q[ROW_COLUMN], q["fraga_id"], q["delfraga"], q["typ"], q["skala_id"]
        if fid is None or typ not in QUESTION_TYPES:
            continue  # reported by the suite
        if len(types[fid]) > 1:
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "typ",
                    f"frågan {fid} har flera typer ({', '.join(sorted(types[fid]))}) "
                    "(regel: alla rader för samma fråga ska ha samma typ)",
                )
            )
        if skala is not None and skala not in codes:
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "skala_id",
                    f"skalan {quote(skala)} finns inte i {SCALES} "
                    "(regel: varje skala som en fråga använder ska finnas)",
                )
            )
        if typ in CODED_TYPES and skala is None:
            problems.append(
                Problem(
                    QUESTIONS, line, "skala_id", f"skala_id saknas (regel: en fråga av typen {typ} ska ange sin skala)"
                )
            )
        if typ == "matris" and part is None:
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "delfraga",
                    "delfraga saknas (regel: varje rad i en matrisfråga ska ha ett delfråge-id, t.ex. r1)",
                )
            )
        if typ != "matris" and part is not None:
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "delfraga",
                    f"delfraga {quote(part)} är ifyllt för en fråga av typen {typ} "
                    "(regel: delfraga fylls bara i för rader i en matrisfråga)",
                )
            )
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


def _condition_problems(
    rows: list[dict], columns: dict[str, AnswerColumn], codes: dict[str, set[str]]
) -> list[Problem]:
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
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "villkor",
                    f"villkoret {quote(q['villkor'])} hänvisar till frågan {quote(target)} "
                    f"som inte finns i {QUESTIONS} "
                    "(regel: villkor ska hänvisa till en fråga i samma omgång)",
                )
            )
        elif target == q["fraga_id"]:
            problems.append(
                Problem(
                    QUESTIONS,
                    line,
                    "villkor",
                    f"villkoret {quote(q['villkor'])} hänvisar till frågan själv "
                    "(regel: villkor ska hänvisa till en annan fråga)",
                )
            )
        elif scale_of[target] in codes:
            for value in values:
                if value not in codes[scale_of[target]]:
                    problems.append(
                        Problem(
                            QUESTIONS,
                            line,
                            "villkor",
                            f"villkoret {quote(q['villkor'])}: koden {quote(value)} finns inte på skalan "
                            f"{scale_of[target]} för {target} (regel: villkor ska använda koder på frågans skala)",
                        )
                    )
    return problems
