"""The survey export's rules. Row-level ones are GX suites (``expectations/survey/``); the ones that
span rows or files (answer columns against the codebook, answer codes against the question's scale,
respondents against the sample frame, duplicates, official codes, the wave against the delivery's
name) are checked here, column by column with pandas, so that 5 000 respondents × 100 questions take
well under a second.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.core import personnummer, reference
from ingestion.core.deliveries import Delivery, read_delivery
from ingestion.core.frames import ROW_COLUMN, parse_iso_date, records, stripped
from ingestion.core.problems import Problem, quote
from ingestion.sources.survey.codebook import codebook, scale_codes
from ingestion.sources.survey.contract import (
    ANSWERS,
    CODED_TYPES,
    CODING,
    COLUMNS,
    COUNT_WORDS,
    NUMBER,
    OPTION_SUFFIX,
    QUESTION_TYPES,
    QUESTIONS,
    SAMPLE,
    SCALES,
    SUITES,
    WAVE,
)
from ingestion.sources.survey.reading import AnswerColumn, ParsedSurvey, name_parts, parse
from ingestion.validation.gx import validate_frames

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this module and must parse fast
    import pandas as pd


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
            parsed.problems += answer_column_problems(
                parsed.frames[ANSWERS], clean[QUESTIONS], clean[SCALES], parsed.answer_columns
            )
            parsed.problems += answer_value_problems(
                parsed.frames[ANSWERS], parsed.answer_columns, scale_codes(clean[SCALES])
            )
    parsed.problems += respondent_problems(clean)
    parsed.problems = sorted(set(parsed.problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
    return parsed


def validate_delivery(path: Path) -> list[Problem]:
    return validate(read_delivery(path)).problems


def wave_problems(frames: dict[str, pd.DataFrame], delivery_name: str) -> list[Problem]:
    """enkat.csv: exactly one row, its enkat_id and dates consistent with the delivery's name."""
    frame = frames.get(WAVE)
    if frame is None:
        return []
    if len(frame) != 1:
        return [
            Problem(
                WAVE,
                None,
                None,
                f"filen har {len(frame)} rader (regel: enkat.csv ska ha exakt en rad som beskriver omgången)",
            )
        ]
    wave = records(frame)[0]
    line = wave[ROW_COLUMN]
    problems: list[Problem] = []
    parts = name_parts(delivery_name)
    if parts and wave["enkat_id"] is not None and wave["enkat_id"] != parts[0]:
        problems.append(
            Problem(
                WAVE,
                line,
                "enkat_id",
                f"enkat_id {quote(wave['enkat_id'])} stämmer inte med leveransens namn {delivery_name} "
                f"(regel: leveransen ska heta <enkat_id>_ÅÅÅÅ-MM-DD, här väntades enkat_id {quote(parts[0])})",
            )
        )
    opened, closed = parse_iso_date(wave["oppnad"]), parse_iso_date(wave["stangd"])
    for column, parsed_date in (("oppnad", opened), ("stangd", closed)):
        if wave[column] is not None and parsed_date is None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", wave[column]):
            problems.append(
                Problem(
                    WAVE, line, column, f"{quote(wave[column])} är inget giltigt datum (regel: datum skrivs ÅÅÅÅ-MM-DD)"
                )
            )
    if opened and closed and closed < opened:
        problems.append(
            Problem(
                WAVE,
                line,
                "stangd",
                f"stangd {quote(wave['stangd'])} är före oppnad {quote(wave['oppnad'])} "
                "(regel: en enkät kan inte stänga innan den öppnat)",
            )
        )
    if parts and closed and closed > parts[1]:
        problems.append(
            Problem(
                WAVE,
                line,
                "stangd",
                f"stangd {quote(wave['stangd'])} är efter leveransens datum {parts[1]} "
                "(regel: exporten görs när omgången har stängt, så leveransens datum kan inte vara före stangd)",
            )
        )
    return problems


def answer_column_problems(
    frame: pd.DataFrame, questions: pd.DataFrame, scales: pd.DataFrame, columns: dict[str, AnswerColumn]
) -> list[Problem]:
    """svar.csv's answer columns against the codebook: none unknown, none missing.

    Adds to ``columns`` the options of flerval questions that have no scale (``Q3_1``, ``Q3_2``…), or
    a scale skalor.csv lacks (reported on fragor.csv, so not again column by column).
    """
    problems: list[Problem] = []
    fixed = set(COLUMNS[ANSWERS])
    rows = records(questions)
    known_scales = set(scale_codes(scales))
    # flerval without a (known) scale: options are accepted by their numeric suffix
    open_multi = {
        q["fraga_id"]: q
        for q in rows
        if q["typ"] == "flerval" and q["fraga_id"] is not None and q["skala_id"] not in known_scales
    }
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
        problems.append(
            Problem(
                ANSWERS,
                1,
                name,
                f"okänd kolumn: {name} motsvarar ingen fråga i kodboken ({QUESTIONS}) "
                "(regel: svarskolumnerna heter <fraga_id>, <fraga_id>_<kod> för flerval och "
                "<fraga_id>_<delfraga> för matris)",
            )
        )
    present = set(delivered)
    for name, column in columns.items():
        if name not in present:
            what = {
                "flerval": f"alternativet {column.delfraga} på skalan {column.skala_id}",
                "matris": f"matrisraden {column.delfraga}",
            }.get(column.typ, "")
            problems.append(
                Problem(
                    ANSWERS,
                    1,
                    name,
                    f"kolumnen saknas i rubrikraden: kodboken har frågan {column.fraga_id} ({column.typ})"
                    + (f" med {what}" if what else ""),
                )
            )
    for fid, q in open_multi.items():
        if not any(c.fraga_id == fid for c in columns.values()):
            problems.append(
                Problem(
                    ANSWERS,
                    1,
                    fid,
                    f"kolumner saknas i rubrikraden: kodboken har flervalsfrågan {fid} (rad {q[ROW_COLUMN]} i "
                    f"{QUESTIONS}) men svar.csv har inga kolumner {fid}_1, {fid}_2…",
                )
            )
    return problems


def answer_value_problems(
    frame: pd.DataFrame, columns: dict[str, AnswerColumn], codes: dict[str, set[str]]
) -> list[Problem]:
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
                problems.append(
                    Problem(
                        ANSWERS,
                        int(lines[index]),
                        name,
                        f"svarskoden {quote(value)} finns inte på skalan {column.skala_id} för {where} "
                        f"(regel: varje svarskod ska finnas på frågans skala i {SCALES})",
                    )
                )
        elif column.typ == "flerval":
            bad = values[~values.isin({"0", "1"})]
            for index, value in bad.items():
                problems.append(
                    Problem(
                        ANSWERS,
                        int(lines[index]),
                        name,
                        f"värdet {quote(value)} är inget flervalssvar för {column.fraga_id} "
                        "(regel: ett flervalsalternativ är 1 om det valts, annars 0 eller tomt)",
                    )
                )
        elif column.typ == "tal":
            bad = values[~values.str.fullmatch(NUMBER)]
            for index, value in bad.items():
                problems.append(
                    Problem(
                        ANSWERS,
                        int(lines[index]),
                        name,
                        f"värdet {quote(value)} är inget tal för {column.fraga_id} "
                        "(regel: svar på en talfråga är ett tal, med decimalkomma, t.ex. 3,5)",
                    )
                )
            for index in values[values.map(personnummer.is_personnummer)].index:
                problems.append(
                    Problem(
                        ANSWERS,
                        int(lines[index]),
                        name,
                        f"svaret på {column.fraga_id} är ett personnummer "
                        "(regel: enkätsvar får inte innehålla personnummer; talet visas inte)",
                    )
                )
    return problems


def _duplicates(frame: pd.DataFrame, file_name: str) -> list[Problem]:
    ids = frame["respondent_id"]
    repeated = frame.loc[ids.notna() & ids.duplicated(keep=False), [ROW_COLUMN, "respondent_id"]]
    problems = []
    for respondent, group in repeated.groupby("respondent_id", sort=False):
        lines = sorted(int(x) for x in group[ROW_COLUMN])
        times = COUNT_WORDS.get(len(lines), str(len(lines)))
        listed = ", ".join(f"rad {x}" for x in lines[:-1]) + f" och rad {lines[-1]}"
        problems.append(
            Problem(
                file_name,
                lines[1],
                "respondent_id",
                f"respondenten {quote(respondent)} förekommer {times} gånger i {file_name} ({listed}) "
                f"(regel: varje respondent får bara förekomma en gång i {file_name})",
            )
        )
    return problems


def _personnummer_ids(frame: pd.DataFrame, file_name: str) -> list[Problem]:
    """A respondent id must be the survey tool's own: one that is a personnummer is rejected, not quoted."""
    ids = frame["respondent_id"].dropna()
    return [
        Problem(
            file_name,
            int(frame.at[index, ROW_COLUMN]),
            "respondent_id",
            "respondent_id är ett personnummer (regel: respondent_id är enkätverktygets eget id, aldrig ett "
            "personnummer; id:t visas inte)",
        )
        for index in ids[ids.map(personnummer.is_personnummer)].index
    ]


def respondent_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Respondents: unique in urval.csv and svar.csv, every answering respondent in the sample frame,
    kodning.csv on answering respondents and fritext questions, official municipality and county codes."""
    problems: list[Problem] = []
    sample, answers, coding, questions = (frames.get(n) for n in (SAMPLE, ANSWERS, CODING, QUESTIONS))
    for file_name, frame in ((SAMPLE, sample), (ANSWERS, answers)):
        if frame is not None:
            problems += _duplicates(frame, file_name)
            problems += _personnummer_ids(frame, file_name)
    if sample is not None and answers is not None:
        ids = answers["respondent_id"]
        outside = answers[ids.notna() & ~ids.isin(set(sample["respondent_id"]))]
        for line, respondent in zip(outside[ROW_COLUMN], outside["respondent_id"], strict=True):
            problems.append(
                Problem(
                    ANSWERS,
                    int(line),
                    "respondent_id",
                    f"respondenten {quote(respondent)} finns inte i urvalet ({SAMPLE}) "
                    "(regel: varje respondent i svar.csv ska finnas i urvalet)",
                )
            )
    if coding is not None and answers is not None:
        ids = coding["respondent_id"]
        outside = coding[ids.notna() & ~ids.isin(set(answers["respondent_id"]))]
        for line, respondent in zip(outside[ROW_COLUMN], outside["respondent_id"], strict=True):
            problems.append(
                Problem(
                    CODING,
                    int(line),
                    "respondent_id",
                    f"respondenten {quote(respondent)} finns inte i {ANSWERS} "
                    "(regel: kodningen gäller svar från respondenter som svarat)",
                )
            )
    if coding is not None and questions is not None:
        types = {fid: typ for fid, typ in zip(questions["fraga_id"], questions["typ"], strict=True) if fid}
        for line, fid in zip(coding[ROW_COLUMN], coding["fraga_id"], strict=True):
            if fid is None:
                continue
            if fid not in types:
                problems.append(
                    Problem(
                        CODING,
                        int(line),
                        "fraga_id",
                        f"frågan {quote(fid)} finns inte i {QUESTIONS} (regel: kodningen gäller en fritextfråga)",
                    )
                )
            elif types[fid] != "fritext":
                problems.append(
                    Problem(
                        CODING,
                        int(line),
                        "fraga_id",
                        f"frågan {quote(fid)} är av typen {types[fid]}, inte fritext "
                        "(regel: bara svar på fritextfrågor kodas)",
                    )
                )
    if sample is not None:
        problems += _code_problems(
            sample,
            "kommunkod",
            reference.restore_kommunkod,
            reference.municipality_codes(),
            "kommunkoden {} finns inte bland Sveriges 290 kommuner (regel: kommunkod ska vara en giltig kommun)",
        )
        problems += _code_problems(
            sample,
            "lanskod",
            reference.restore_lanskod,
            reference.county_codes(),
            "länskoden {} finns inte bland Sveriges 21 län (regel: lanskod ska vara ett giltigt län)",
        )
    return problems


def _code_problems(frame: pd.DataFrame, column: str, restore, valid: frozenset[str], message: str) -> list[Problem]:
    """Official codes (after restoring a lost leading zero); values that are not digits are the suite's."""
    problems = []
    checked = {value: restore(value) in valid for value in frame[column].dropna().unique()}
    for line, value in zip(frame[ROW_COLUMN], frame[column], strict=True):
        if value is not None and value.isdigit() and not checked[value]:
            problems.append(Problem(SAMPLE, int(line), column, message.format(quote(value))))
    return problems
