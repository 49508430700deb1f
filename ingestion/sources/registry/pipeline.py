"""Registry extracts, month by month: find what arrived, validate, pseudonymise, load or quarantine.

A month's delivery is a job-seeker file (``sokande_YYYYMM.txt[.gz]``, with the code lists found in
its folder or the nearest folder above it) and/or a job-track pair (``jobbspar_YYYYMM.csv`` +
``jobbspar_deltagare_YYYYMM.csv``). The DAG maps one task over the months that arrived; each month's
files are handled in arrival order, so a month delivered again replaces the earlier one.

Up to 0.1 % bad rows in a file are set aside in ``meta.registry_rejects`` (line and reason only) and
the rest loads, with a warning report in the quarantine folder; more than that rejects the file
whole, with a report and nothing in the database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import shutil
from pathlib import Path

import psycopg

from ingestion.core import config, reference
from ingestion.core.deliveries import make_private, private_dir, quarantine, upload_finished, write_private
from ingestion.core.outcome import Outcome
from ingestion.core.problems import Problem, render_report, unreadable
from ingestion.db import connection
from ingestion.db.loader import already_loaded
from ingestion.privacy import pseudonym
from ingestion.sources.registry.contract import (
    CATEGORY_FILE,
    FILE_PATTERN,
    GROUPS,
    LABEL,
    OUTCOMES,
    REASON_FILE,
    SOURCE,
    TOLERANCE,
    TRACK_PATTERN,
)
from ingestion.sources.registry.extract import CodeLists, ExtractError, Reject, first_of_month

log = logging.getLogger(__name__)


def require_key() -> None:
    """Fail early, and say why, when no pseudonymisation key is configured."""
    pseudonym.load_key()


precheck = require_key


def delivery_files(folder: Path, finished_only: bool = True) -> list[Path]:
    """Every job-seeker file and job-track file (the pair's first file) under ``folder``, any depth.

    With ``finished_only`` (the default), only those whose upload is finished (:func:`upload_finished`:
    the file's ready marker, or the file with its code lists, or the pair, unchanged for the quiet
    period); the others are left for a later run."""
    if not folder.is_dir():
        return []
    found = sorted(
        p
        for p in folder.rglob("*")  # does not descend into linked folders; linked files are not read either
        if p.is_file() and not p.is_symlink() and (FILE_PATTERN.match(p.name) or TRACK_PATTERN.match(p.name))
    )
    if not finished_only:
        return found

    def companions(path: Path) -> list[Path]:
        if TRACK_PATTERN.match(path.name):
            from ingestion.sources.registry.jobtracks import participants_file

            return [participants_file(path)]
        return [p for p in code_list_files(path, folder) if p]

    return [p for p in found if upload_finished(p, folder, companions(p))]


def delivery_paths(folder: Path) -> list[Path]:
    return delivery_files(folder)


def month_of(path: Path) -> str:
    match = FILE_PATTERN.match(path.name) or TRACK_PATTERN.match(path.name)
    return match.group(1)


def code_list_files(path: Path, root: Path | None = None) -> tuple[Path | None, Path | None]:
    """The code lists delivered with ``path``: in its folder, else the nearest folder above it."""
    found: dict[str, Path] = {}
    for folder in [path.parent, *path.parent.parents]:
        for name in (CATEGORY_FILE, REASON_FILE):
            if name not in found and (folder / name).is_file() and not (folder / name).is_symlink():
                found[name] = folder / name
        if len(found) == 2 or (root is not None and folder == root):
            break
    return found.get(CATEGORY_FILE), found.get(REASON_FILE)


def checksum(path: Path) -> str:
    """Of the file(s) of one delivery, streamed (a month is tens of megabytes): the job-seeker file with
    its code lists, or the job-track pair."""
    digest = hashlib.sha256()
    if TRACK_PATTERN.match(path.name):
        from ingestion.sources.registry.jobtracks import participants_file

        parts = [path, participants_file(path)]
    else:
        parts = [path, *[p for p in code_list_files(path) if p]]
    for part in parts:
        digest.update(part.name.encode() + b"\0")
        if part.exists():
            with open(part, "rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def find_new(landing: Path | None = None, url: str | None = None) -> list[str]:
    """Months (``YYYYMM``) with at least one delivery whose checksum has not been loaded yet."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = delivery_files(landing / SOURCE)
    if not paths:
        return []
    with connection.connect(url) as conn:
        return sorted({month_of(p) for p in paths if already_loaded(conn, SOURCE, checksum(p)) is None})


def read_code_lists(path: Path) -> tuple[CodeLists, dict[str, list[tuple]], list[Problem]]:
    categories_file, reasons_file = code_list_files(path)
    problems: list[Problem] = []
    tables: dict[str, list[tuple]] = {}
    found: dict[str, frozenset[str]] = {}
    for file, name, column, allowed, table in (
        (categories_file, CATEGORY_FILE, "grupp", GROUPS, "raw.registry_sokandekategorier"),
        (reasons_file, REASON_FILE, "utfall", OUTCOMES, "raw.registry_avaktualiseringsorsaker"),
    ):
        if file is None:
            problems.append(Problem(name, None, None, f"kodlistan {name} saknas (den levereras med varje utdrag)"))
            found[name] = frozenset()
            continue
        rows = []
        reader = csv.reader(io.StringIO(file.read_text(encoding="utf-8-sig"), newline=""), delimiter=";")
        header = [h.strip() for h in next(reader, [])]
        if header != ["kod", "benamning", column]:
            problems.append(Problem(name, 1, None, f"rubrikraden ska vara kod;benamning;{column}"))
        else:
            for line, values in enumerate(reader, start=2):
                if not any(values):
                    continue
                if len(values) != 3 or not re.fullmatch(r"\d{2}", values[0].strip()):
                    problems.append(Problem(name, line, "kod", "koden ska vara två siffror (och raden tre kolumner)"))
                elif values[2].strip() not in allowed:
                    problems.append(
                        Problem(name, line, column, f"{column} ska vara en av {', '.join(sorted(allowed))}")
                    )
                else:
                    rows.append(tuple(v.strip() for v in values))
        tables[table] = rows
        found[name] = frozenset(r[0] for r in rows)
    return CodeLists(found[CATEGORY_FILE], found[REASON_FILE]), tables, problems


def _outcome(path: Path, digest: str, month: str) -> Outcome:
    return Outcome(
        source=SOURCE,
        delivery=path.name,
        path=str(path),
        checksum=digest,
        snapshot_date=first_of_month(month).isoformat(),
    )


def _reject(outcome: Outcome, path: Path, problems: list[Problem], n_more: int = 0) -> dict:
    report = render_report(path.name, LABEL, problems)
    if n_more:
        report += f"\n… och {n_more} fel till av samma slag (bara de första visas).\n"
    report_path = quarantine(path, report, config.quarantine_dir() / SOURCE, config.quarantine_mode())
    if TRACK_PATTERN.match(path.name):  # the pair travels together
        from ingestion.sources.registry.jobtracks import participants_file

        people = participants_file(path)
        if people.exists():
            target = config.quarantine_dir() / SOURCE / people.name
            (shutil.move if config.quarantine_mode() == "move" else shutil.copy2)(str(people), target)
            make_private(target)
    outcome.status, outcome.report = "rejected", str(report_path)
    outcome.problems = [str(p) for p in problems[:50]]
    log.warning("%s avvisad (%d fel), se %s", path.name, len(problems) + n_more, report_path)
    return outcome.to_dict()


def _warn(outcome: Outcome, path: Path, rejects: list[Reject], n_rows: int) -> None:
    """Rows set aside within the tolerance: a report beside the quarantine, the file stays loaded."""
    folder = private_dir(config.quarantine_dir() / SOURCE)
    report_path = folder / f"{path.name}.varning.txt"
    n_bad = len({r.line for r in rejects})
    lines = [
        f"Leveransen {path.name} ({LABEL}) har lästs in, men {n_bad} av {n_rows} rader "
        f"följde inte kontraktet och har satts åt sidan (tabellen meta.registry_rejects).",
        f"Upp till {TOLERANCE:.1%} felaktiga rader tolereras. Rätta raderna och skicka om månaden om de behövs.",
        "Radnumren räknas som i filen: rubrikraden är rad 1.",
        "",
    ]
    lines += [f"- {p}" for p in sorted(_as_problems(path, rejects))]
    write_private(report_path, "\n".join(lines) + "\n")
    outcome.report = str(report_path)
    log.warning(
        "%s: %d rader satta åt sidan (inom toleransen %.1f %%), se %s", path.name, n_bad, TOLERANCE * 100, report_path
    )


def _as_problems(path: Path, rejects: list[Reject]) -> list[Problem]:
    return [Problem(path.name, r.line, r.column, r.reason) for r in rejects]


def process_jobseekers(path: Path, run_id: str | None = None, url: str | None = None) -> dict:
    from ingestion.sources.registry.extract import month_of as file_month
    from ingestion.sources.registry.extract import stream
    from ingestion.sources.registry.load import KeyMismatchError, ToleranceExceeded, load_jobseeker_month

    digest = checksum(path)
    month = month_of(path)
    outcome = _outcome(path, digest, month)
    key = pseudonym.load_key()
    try:
        file_month(path)
        codes, code_tables, problems = read_code_lists(path)
        if problems:
            return _reject(outcome, path, problems)
        stats, blocks = stream(path, codes, reference.municipality_codes(), key)
        with connection.connect(url) as conn:
            result = load_jobseeker_month(
                conn,
                delivery_name=path.name,
                checksum=digest,
                month=first_of_month(month),
                stats=stats,
                blocks=blocks,
                code_lists=code_tables,
                key=key,
                run_id=run_id,
            )
    except ExtractError as error:
        return _reject(outcome, path, [Problem(path.name, None, None, str(error))])
    except psycopg.Error:
        raise  # the database, not the file: the task fails and Airflow retries it
    except KeyMismatchError:
        raise  # another key or pseudonym scheme: the configuration, not the file, which stays where it is
    except ToleranceExceeded:
        problems = _as_problems(path, stats.rejects)
        summary = Problem(
            path.name,
            None,
            None,
            f"{stats.n_bad} av {stats.n_rows} rader ({stats.n_bad / max(stats.n_rows, 1):.2%}) följer "
            f"inte kontraktet; högst {TOLERANCE:.1%} tolereras, så hela filen avvisas",
        )
        return _reject(outcome, path, [summary, *problems], n_more=stats.n_bad - len(problems))
    except Exception as error:  # a file that breaks the reader (a damaged gzip, a code list in another
        return _reject(outcome, path, [unreadable(path.name, error)])  # encoding): this month alone is rejected
    if result.skipped:
        outcome.status = "skipped"
        return outcome.to_dict()
    outcome.status, outcome.n_rows, outcome.load_id = "loaded", result.n_rows, result.load_id
    outcome.n_rejected_rows, outcome.replaced_load_id = result.n_rejected, result.replaced_load_id
    if result.n_rejected:
        _warn(outcome, path, stats.rejects, stats.n_rows)
    log.info(
        "%s: %d rader inlästa (%d satta åt sidan)%s",
        path.name,
        result.n_rows,
        result.n_rejected,
        f", ersätter load_id {result.replaced_load_id}" if result.replaced_load_id else "",
    )
    return outcome.to_dict()


def process_jobtracks(path: Path, run_id: str | None = None, url: str | None = None) -> dict:
    from ingestion.sources.registry.jobtracks import read_month
    from ingestion.sources.registry.load import load_jobtrack_month

    digest = checksum(path)
    month = month_of(path)
    outcome = _outcome(path, digest, month)
    key = pseudonym.load_key()
    try:
        parsed = read_month(path, reference.municipality_codes(), key)
    except Exception as error:  # a file that breaks the reader: this snapshot alone is rejected
        return _reject(outcome, path, [unreadable(path.name, error)])
    if parsed.problems:
        return _reject(outcome, path, parsed.problems)
    if len(parsed.rejects) and len({r.line for r in parsed.rejects}) > TOLERANCE * parsed.n_participant_rows:
        from ingestion.sources.registry.jobtracks import participants_file

        people = participants_file(path).name
        n_bad = len({r.line for r in parsed.rejects})
        summary = Problem(
            people,
            None,
            None,
            f"{n_bad} av {parsed.n_participant_rows} rader följer inte kontraktet; "
            f"högst {TOLERANCE:.1%} tolereras, så leveransen avvisas",
        )
        return _reject(outcome, path, [summary, *[Problem(people, r.line, r.column, r.reason) for r in parsed.rejects]])
    with connection.connect(url) as conn:
        result = load_jobtrack_month(
            conn,
            delivery_name=path.name,
            checksum=digest,
            month=first_of_month(month),
            tracks=parsed.tracks,
            participants=parsed.participants,
            rejects=parsed.rejects,
            n_rows=parsed.n_participant_rows,
            key=key,
            run_id=run_id,
        )
    if result.skipped:
        outcome.status = "skipped"
        return outcome.to_dict()
    outcome.status, outcome.n_rows, outcome.load_id = "loaded", result.n_rows, result.load_id
    outcome.n_rejected_rows = result.n_rejected
    if parsed.rejects:
        _warn(outcome, path, parsed.rejects, parsed.n_participant_rows)
    return outcome.to_dict()


def process_month(
    month: str, landing: Path | None = None, run_id: str | None = None, url: str | None = None
) -> list[dict]:
    """Every not-yet-loaded delivery of ``month``, in arrival order (a later one replaces an earlier one)."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = [p for p in delivery_files(landing / SOURCE) if month_of(p) == month]
    outcomes = []
    with connection.connect(url) as conn:
        new = [p for p in paths if already_loaded(conn, SOURCE, checksum(p)) is None]
    for path in sorted(new, key=lambda p: (p.stat().st_mtime, str(p))):
        if TRACK_PATTERN.match(path.name):
            outcomes.append(process_jobtracks(path, run_id, url))
        else:
            outcomes.append(process_jobseekers(path, run_id, url))
    return outcomes


def process(month: str, landing: str | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    return process_month(month, landing, run_id, url)


def ingest(landing: Path | str | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Find and load every new month (what the registry DAG does, without Airflow)."""
    from ingestion import sources

    return sources.ingest(SOURCE, landing, run_id, url)
