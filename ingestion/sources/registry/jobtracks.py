"""Local job tracks (``jobbspar_YYYYMM.csv`` + ``jobbspar_deltagare_YYYYMM.csv``): parse and validate.

Small files (hundreds of tracks, tens of thousands of participations), so plain ``csv`` is enough.
The participants file carries personnummer: each is validated and replaced by its pseudonym here,
and a bad row is described by line, column and reason only. The track file has no personal data;
any error in it rejects the pair (a snapshot without its tracks cannot be read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingestion.core import personnummer
from ingestion.core.csv_files import CsvError, records
from ingestion.core.problems import Problem
from ingestion.core.reference import restore_kommunkod
from ingestion.privacy import pseudonym
from ingestion.sources.registry.contract import (
    ACTIVITIES,
    PARTICIPANT_COLUMNS,
    STATUSES,
    TRACK_COLUMNS,
    TRACK_PATTERN,
    TYPES,
)
from ingestion.sources.registry.extract import Reject


def participants_file(track_file: Path) -> Path:
    return track_file.with_name(track_file.name.replace("jobbspar_", "jobbspar_deltagare_", 1))


def normalise_pnr(value: str) -> tuple[bytes | None, str | None]:
    """(the 12 digits, None) for a valid personnummer or samordningsnummer (day of birth + 60, which the
    contract delivers for people without a personnummer), else (None, the reason without the value).
    The reasons are the job-seeker extract's, word for word."""
    value = value.strip()
    if len(value) == 13 and value[8] == "-":
        value = value[:8] + value[9:]
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return None, "personnumret har fel längd eller form (12 siffror, eller 8 siffror, bindestreck och 4 siffror)"
    if not personnummer.real_day(int(value[:4]), int(value[4:6]), int(value[6:8])):
        return None, "personnumret innehåller inget verkligt datum (inte heller som samordningsnummer, dag + 60)"
    if not personnummer.check_digit_ok(value[2:]):
        return None, "personnumrets kontrollsiffra stämmer inte"
    return value.encode(), None


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else _raise()


def _raise():
    raise ValueError


@dataclass
class JobTrackMonth:
    month: str
    tracks: list[tuple] = field(default_factory=list)
    participants: list[tuple] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors that reject the pair
    rejects: list[Reject] = field(default_factory=list)  # participant rows set aside
    n_participant_rows: int = 0


def _read(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(path.name, None, None, "filen är inte UTF-8-kodad"))
        return []
    reader = records(text, strict=False)  # within the field-length and row limits
    try:
        header = next(reader, (1, None))[1]
        if header is None or tuple(h.strip() for h in header) != columns:
            problems.append(
                Problem(path.name, 1, None, "rubrikraden följer inte kontraktet; förväntat: " + ";".join(columns))
            )
            return []
        rows = []
        for line, values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                problems.append(
                    Problem(path.name, line, None, f"raden har {len(values)} kolumner, ska ha {len(columns)}")
                )
                continue
            rows.append((line, dict(zip(columns, (v.strip() for v in values), strict=True))))
    except CsvError as error:  # over a limit: nothing of the file is used
        problems.append(Problem(path.name, None, None, str(error)))
        return []
    return rows


def read_month(track_file: Path, municipalities: frozenset[str], key: bytes) -> JobTrackMonth:
    month = TRACK_PATTERN.match(track_file.name).group(1)
    result = JobTrackMonth(month)
    people_file = participants_file(track_file)
    if not people_file.exists():
        result.problems.append(
            Problem(
                track_file.name, None, None, f"deltagarfilen {people_file.name} saknas: filerna levereras tillsammans"
            )
        )
        return result
    codes: set[str] = set()
    for line, row in _read(track_file, TRACK_COLUMNS, result.problems):
        problems = _track_problems(row, codes, municipalities)
        result.problems += [Problem(track_file.name, line, column, message) for column, message in problems]
        if not problems:
            codes.add(row["projektkod"])
            kommuner = ",".join(restore_kommunkod(k) for k in row["kommunkoder"].split(","))
            result.tracks.append(
                (
                    line,
                    row["projektkod"],
                    personnummer.mask(row["namn"]) or None,  # free text: a personnummer in it is masked
                    kommuner,
                    row["typ"],
                    row["bransch"] or None,
                    row["startdatum"] or None,
                    row["slutdatum"] or None,
                    row["status"],
                    int(row["antal_arbetsgivare"]) if row["antal_arbetsgivare"] else None,
                )
            )
    seen: set[tuple[str, bytes]] = set()
    for line, row in _read(people_file, PARTICIPANT_COLUMNS, result.problems):
        result.n_participant_rows += 1
        pnr, reason = normalise_pnr(row["PNR"])
        problems = [("PNR", reason)] if reason else []
        problems += _participant_problems(row, codes)
        if pnr and (row["projektkod"], pnr) in seen:
            problems.append(("PNR", "personen finns redan i samma jobbspår i filen"))
        if problems:
            result.rejects += [Reject(line, column, message) for column, message in problems]
            continue
        seen.add((row["projektkod"], pnr))
        result.participants.append(
            (
                line,
                row["projektkod"],
                pnr,
                row["startdatum"],
                row["slutdatum"] or None,
                row["avbrott"] == "J",
                row["aktivitet_efter"] or None,
            )
        )
    # the personnummer replaced by their pseudonyms, all at once (vectorised)
    ids = pseudonym.pseudonymise_many([p[2] for p in result.participants], key)
    result.participants = [(*p[:2], person_id, *p[3:]) for p, person_id in zip(result.participants, ids, strict=True)]
    return result


def _track_problems(row: dict, codes: set[str], municipalities: frozenset[str]) -> list[tuple[str, str]]:
    problems = []
    if not row["projektkod"]:
        problems.append(("projektkod", "projektkod saknas"))
    elif row["projektkod"] in codes:
        problems.append(("projektkod", f"projektkod {row['projektkod']} finns redan på en tidigare rad"))
    kommuner = [restore_kommunkod(k) for k in row["kommunkoder"].split(",") if k.strip()]
    if not kommuner:
        problems.append(("kommunkoder", "kommunkoder saknas"))
    unknown = [k for k in kommuner if k not in municipalities]
    if unknown:
        problems.append(("kommunkoder", "okänd kommunkod: " + ", ".join(unknown)))
    if row["typ"] not in TYPES:
        problems.append(("typ", "typ ska vara " + ", ".join(sorted(TYPES))))
    if row["status"] not in STATUSES:
        problems.append(("status", "status ska vara " + ", ".join(sorted(STATUSES))))
    for column in ("startdatum", "slutdatum"):
        if row[column] and not _is_date(row[column]):
            problems.append((column, f"{column} är inget verkligt datum (ÅÅÅÅ-MM-DD)"))
    count = row["antal_arbetsgivare"]
    if count and not (count.isascii() and count.isdigit()):  # str.isdigit() also takes ² and other digits
        problems.append(("antal_arbetsgivare", "antal_arbetsgivare ska vara ett heltal"))
    elif row["status"] == "aktivt" and (not count or int(count) < 1):
        problems.append(("antal_arbetsgivare", "ett aktivt jobbspår ska ha minst en arbetsgivare"))
    return problems


def _participant_problems(row: dict, codes: set[str]) -> list[tuple[str, str]]:
    problems = []
    if row["projektkod"] not in codes:
        problems.append(("projektkod", "jobbspåret finns inte i jobbspar-filen för samma månad"))
    if not _is_date(row["startdatum"]):
        problems.append(("startdatum", "startdatum saknas eller är inget verkligt datum (ÅÅÅÅ-MM-DD)"))
    if row["slutdatum"] and not _is_date(row["slutdatum"]):
        problems.append(("slutdatum", "slutdatum är inget verkligt datum (ÅÅÅÅ-MM-DD)"))
    elif row["slutdatum"] and _is_date(row["startdatum"]) and row["slutdatum"] < row["startdatum"]:
        problems.append(("slutdatum", "slutdatum ligger före startdatum"))
    if row["avbrott"] not in ("J", "N", ""):
        problems.append(("avbrott", "avbrott ska vara J, N eller tom"))
    if row["aktivitet_efter"] and row["aktivitet_efter"] not in ACTIVITIES:
        problems.append(("aktivitet_efter", "aktivitet_efter ska vara en av " + ", ".join(sorted(ACTIVITIES))))
    return problems


def _is_date(value: str) -> bool:
    try:
        _date(value)
        return True
    except ValueError:
        return False
