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

import hashlib
import logging
import re
import shutil
from contextlib import closing
from pathlib import Path

import psycopg

from ingestion.core import config, reference
from ingestion.core.csv_files import records
from ingestion.core.deliveries import changed_at, make_private, private_dir, quarantine, upload_finished, write_private
from ingestion.core.numbers import andel, tal
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
from ingestion.sources.registry.load import MIN_SHARE_ENV, MonthGuard

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


def delivery_paths(folder: Path, finished_only: bool = True) -> list[Path]:
    return delivery_files(folder, finished_only)


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


def _digest(parts: list[Path]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.name.encode() + b"\0")
        if part.exists():
            with open(part, "rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def checksum(path: Path) -> str:
    """Of the file(s) of one delivery, streamed (a month is tens of megabytes): the job-seeker file, or
    the job-track pair. Not of the code lists: they are loaded as their own changes (a changed line in a
    shared code list must not make every month look new)."""
    if TRACK_PATTERN.match(path.name):
        from ingestion.sources.registry.jobtracks import participants_file

        return _digest([path, participants_file(path)])
    return _digest([path])


def legacy_checksum(path: Path) -> str:
    """The checksum earlier versions took of a job-seeker delivery (the file with its code lists): a month
    loaded by them is recognised, not loaded again after the upgrade."""
    return _digest([path, *[p for p in code_list_files(path) if p]])


def code_list_checksum(path: Path) -> str:
    return _digest([path])


RESTORE = "restore"


def delivery_state(conn: psycopg.Connection, path: Path, digest: str | None = None) -> str | None:
    """``None`` when the delivery is loaded (or is an older copy of a version since replaced), ``"new"``,
    or :data:`RESTORE`: its content was loaded before, another version of the month has been in force since,
    and the file arrived after that version (it was sent again to bring its version back)."""
    digest = digest or checksum(path)
    extract = "jobbspar" if TRACK_PATTERN.match(path.name) else "sokande"
    row = conn.execute(
        """select exists (select 1 from meta.load_audit where source = %s and checksum = %s),
                  exists (select 1 from meta.registry_months m join meta.load_audit a on a.load_id = m.rows_load_id
                          where m.extract = %s and m.manad = %s and a.checksum = %s),
                  (select greatest(a.loaded_at, r.loaded_at) from meta.registry_months m
                          join meta.load_audit a on a.load_id = m.load_id
                          join meta.load_audit r on r.load_id = m.rows_load_id
                   where m.extract = %s and m.manad = %s)""",
        (SOURCE, digest, extract, first_of_month(month_of(path)), digest, extract, first_of_month(month_of(path))),
    ).fetchone()
    seen, in_force, in_force_since = row
    if not seen:
        if extract == "sokande" and already_loaded(conn, SOURCE, legacy_checksum(path)) is not None:
            return None
        return "new"
    if in_force or in_force_since is None:
        return None
    return RESTORE if changed_at(path) > in_force_since.timestamp() else None


CODE_LISTS = "kodlistor"  # the item of the code-list changes, after the months (digits sort first)


def code_list_paths(folder: Path) -> list[Path]:
    """Every code-list file under ``folder`` (any depth, links not followed) whose upload is finished."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.name in (CATEGORY_FILE, REASON_FILE) and p.is_file() and not p.is_symlink() and upload_finished(p, folder)
    )


def changed_code_lists(conn: psycopg.Connection, folder: Path) -> list[tuple[Path, str]]:
    """Code-list files whose content has not been loaded yet, with their checksums."""
    found = [(p, code_list_checksum(p)) for p in code_list_paths(folder)]
    return [
        (p, digest)
        for p, digest in found
        if conn.execute("select 1 from meta.registry_code_lists where checksum = %s", (digest,)).fetchone() is None
    ]


def find_new(landing: Path | None = None, url: str | None = None) -> list[str]:
    """Months (``YYYYMM``) with at least one delivery not loaded yet (or sent again to be restored), then
    :data:`CODE_LISTS` when a code list changed."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = delivery_files(landing / SOURCE)
    if not paths:
        return []
    with connection.connect(url) as conn:
        items = sorted({month_of(p) for p in paths if delivery_state(conn, p) is not None})
        if changed_code_lists(conn, landing / SOURCE):
            items.append(CODE_LISTS)
    return items


CODE_LIST_SPECS = {  # file name: (third column, its allowed values, raw table)
    CATEGORY_FILE: ("grupp", GROUPS, "raw.registry_sokandekategorier"),
    REASON_FILE: ("utfall", OUTCOMES, "raw.registry_avaktualiseringsorsaker"),
}


def read_code_list(file: Path) -> tuple[list[tuple], list[Problem]]:
    """One code list's rows (kod, benamning, grupp/utfall), or the problems that reject it."""
    name = file.name
    column, allowed, _ = CODE_LIST_SPECS[name]
    rows: list[tuple] = []
    problems: list[Problem] = []
    reader = records(file.read_text(encoding="utf-8-sig"))  # within MAX_FIELD_CHARS and MAX_ROWS_PER_FILE
    header = [h.strip() for h in next(reader, (1, []))[1]]
    if header != ["kod", "benamning", column]:
        return [], [Problem(name, 1, None, f"rubrikraden ska vara kod;benamning;{column}")]
    for line, values in reader:
        if not any(values):
            continue
        if len(values) != 3 or not re.fullmatch(r"\d{2}", values[0].strip()):
            problems.append(Problem(name, line, "kod", "koden ska vara två siffror (och raden tre kolumner)"))
        elif values[2].strip() not in allowed:
            problems.append(Problem(name, line, column, f"{column} ska vara en av {', '.join(sorted(allowed))}"))
        else:
            rows.append(tuple(v.strip() for v in values))
    return rows, problems


def read_code_lists(path: Path) -> tuple[CodeLists, dict[str, list[tuple]], list[Problem]]:
    """The code lists delivered with the extract ``path``, as the validator and the loader need them."""
    problems: list[Problem] = []
    tables: dict[str, list[tuple]] = {}
    found: dict[str, frozenset[str]] = {}
    for file, name in zip(code_list_files(path), (CATEGORY_FILE, REASON_FILE), strict=True):
        if file is None:
            problems.append(Problem(name, None, None, f"kodlistan {name} saknas (den levereras med varje utdrag)"))
            found[name] = frozenset()
            continue
        try:
            rows, file_problems = read_code_list(file)
        except Exception as error:  # another encoding, a damaged file: named as the code list's own problem
            rows, file_problems = [], [unreadable(file.name, error)]
        problems += file_problems
        tables[CODE_LIST_SPECS[name][2]] = rows
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
        f"Upp till {andel(TOLERANCE)} felaktiga rader tolereras. Rätta raderna och skicka om månaden om de behövs.",
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


def _guard_problem(path: Path, guard: MonthGuard) -> Problem:
    """Why a delivery that would lose a month is refused, and how to load it anyway when it is right."""
    if guard.n_rows == 0:
        text = "filen har inga datarader; en tom leverans ersätter aldrig en månad (är filen avkortad?)"
        if guard.n_current:
            text += f" – månaden har {tal(guard.n_current)} rader nu och behåller dem"
        return Problem(path.name, None, None, text)
    return Problem(
        path.name,
        None,
        None,
        f"filen har {tal(guard.n_rows)} rader, {andel(guard.n_rows / guard.n_current)} av de {tal(guard.n_current)} "
        f"som månaden har nu; under {andel(guard.share, 0)} ({MIN_SHARE_ENV}) tas leveransen för ofullständig och "
        "månaden behåller sina rader. Är minskningen riktig: lägg filen i landningsmappen igen, kör "
        f'`python -m ingestion registry allow-shrink {path.name} --reason "<varför>"` med sökvägen till filen, '
        "och kör inläsningen igen (tillåtelsen sparas i meta.registry_overrides och i inläsningens logg)",
    )


def process_jobseekers(path: Path, run_id: str | None = None, url: str | None = None, restore: bool = False) -> dict:
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
        stats, blocks = stream(path, codes, reference.municipality_codes(), key, ahead=True)
        with closing(blocks), connection.connect(url) as conn:
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
                code_list_checksums={p.name: code_list_checksum(p) for p in code_list_files(path) if p},
                restore=restore,
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
            f"{tal(stats.n_bad)} av {tal(stats.n_rows)} rader ({andel(stats.n_bad / max(stats.n_rows, 1), 2)}) följer "
            f"inte kontraktet; högst {andel(TOLERANCE)} tolereras, så hela filen avvisas",
        )
        return _reject(outcome, path, [summary, *problems], n_more=stats.n_bad - len(problems))
    except MonthGuard as guard:
        return _reject(outcome, path, [_guard_problem(path, guard)])
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


def process_jobtracks(path: Path, run_id: str | None = None, url: str | None = None, restore: bool = False) -> dict:
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
            f"{tal(n_bad)} av {tal(parsed.n_participant_rows)} rader följer inte kontraktet; "
            f"högst {andel(TOLERANCE)} tolereras, så leveransen avvisas",
        )
        return _reject(outcome, path, [summary, *[Problem(people, r.line, r.column, r.reason) for r in parsed.rejects]])
    try:
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
                restore=restore,
            )
    except MonthGuard as guard:
        return _reject(outcome, path, [_guard_problem(path, guard)])
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
    """Every not-yet-loaded (or re-sent) delivery of ``month``, in arrival order (a later one replaces an
    earlier one)."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = [p for p in delivery_files(landing / SOURCE) if month_of(p) == month]
    outcomes = []
    with connection.connect(url) as conn:
        states = {p: delivery_state(conn, p) for p in paths}
    for path in sorted((p for p in paths if states[p]), key=lambda p: (changed_at(p), str(p))):
        process_one = process_jobtracks if TRACK_PATTERN.match(path.name) else process_jobseekers
        outcomes.append(process_one(path, run_id, url, restore=states[path] == RESTORE))
    return outcomes


def process_code_lists(landing: Path | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Load each changed code list on its own: the job-seeker months in force that use it get its rows and
    are rebuilt by dbt, without reloading their extracts. A list that breaks the contract, or drops a code
    that a month uses, is rejected with a report and the months keep the list they have."""
    from ingestion.sources.registry.load import load_code_list_change, record_code_lists

    landing = Path(landing) if landing else config.landing_dir()
    folder = landing / SOURCE
    outcomes = []
    with connection.connect(url) as conn:
        changed = changed_code_lists(conn, folder)
        in_force = {
            (name, manad): digest
            for name, manad, digest in conn.execute(
                """select a.delivery_name, m.manad, a.checksum from meta.registry_months m
                   join meta.load_audit a on a.load_id = m.rows_load_id where m.extract = 'sokande'"""
            )
        }
    # the extracts whose content is the one in force for their month (each hashed once, and only when its
    # name and month are those of a load in force), with the code lists each resolves to
    extracts = [p for p in delivery_files(folder) if FILE_PATTERN.match(p.name)] if changed else []
    used = [
        (first_of_month(month_of(p)), code_list_files(p))
        for p in extracts
        if (key := (p.name, first_of_month(month_of(p)))) in in_force and in_force[key] == checksum(p)
    ]
    for file, digest in changed:
        months = sorted(month for month, lists in used if file in lists)
        if not months:  # no month in force uses it: remembered as seen; a month that comes with it checks it
            with connection.connect(url) as conn, conn.transaction():
                conn.execute("set local role warehouse_loader")
                record_code_lists(conn, None, {file.name: digest})
            continue
        outcome = Outcome(source=SOURCE, delivery=file.name, path=str(file), checksum=digest)
        try:
            rows, problems = read_code_list(file)
        except Exception as error:  # another encoding, a damaged file: this list alone is rejected
            rows, problems = [], [unreadable(file.name, error)]
        if not problems:
            problems = _codes_in_use_missing(file, rows, months, url)
        if problems:
            outcomes.append(_reject(outcome, file, problems))
            continue
        with connection.connect(url) as conn:
            result = load_code_list_change(
                conn,
                file_name=file.name,
                checksum=digest,
                table=CODE_LIST_SPECS[file.name][2],
                rows=rows,
                months=months,
                run_id=run_id,
            )
        outcome.status = "skipped" if result.skipped else "loaded"
        outcome.load_id, outcome.n_rows = result.load_id, result.n_rows
        log.info("%s: ändrad kodlista inläst för %d månader (som byggs om)", file.name, len(months))
        outcomes.append(outcome.to_dict())
    return outcomes


def _codes_in_use_missing(file: Path, rows: list[tuple], months: list, url: str | None) -> list[Problem]:
    """A code that months in force use but the new list no longer has (codes are not personal data)."""
    column = "sokandekategori" if file.name == CATEGORY_FILE else "avaktualiseringsorsak"
    with connection.connect(url) as conn:
        used = {
            code
            for (code,) in conn.execute(
                f"select distinct {column} from raw.registry_jobseekers where manad = any(%s) and {column} <> ''",
                (months,),
            )
        }
    missing = sorted(used - {row[0] for row in rows})
    return [
        Problem(file.name, None, "kod", f"koden {code} används i inlästa månader men saknas i den nya kodlistan")
        for code in missing
    ]


def allow_shrink(file: Path | str, reason: str, url: str | None = None) -> str:
    """Permit the delivery ``file`` to replace its month although it has fewer rows than
    ``REGISTRY_MIN_SHARE`` of the month in force: recorded in ``meta.registry_overrides`` (who, when, why),
    used by the next run that loads that very content, and named in that load's audit row."""
    path = Path(file)
    if not (FILE_PATTERN.match(path.name) or TRACK_PATTERN.match(path.name)) or not path.is_file():
        raise SystemExit(f"{path.name} är inget registerutdrag (sokande_ÅÅÅÅMM.txt[.gz] eller jobbspar_ÅÅÅÅMM.csv)")
    if not reason.strip():
        raise SystemExit("Ange varför den mindre månaden är riktig (--reason): det sparas i loggen.")
    digest = checksum(path)
    with connection.connect(url) as conn, conn.transaction():
        conn.execute("set local role warehouse_loader")
        conn.execute(
            """insert into meta.registry_overrides (checksum, manad, reason) values (%s, %s, %s)
               on conflict (checksum) do update set reason = excluded.reason, granted_at = now()""",
            (digest, first_of_month(month_of(path)), reason.strip()),
        )
    return (
        f"Tillåtet: {path.name} får ersätta månaden {month_of(path)[:4]}-{month_of(path)[4:]} trots färre rader. "
        "Lägg filen i landningsmappen (om den inte redan ligger där) och kör inläsningen igen."
    )


def process(item: str, landing: str | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    if item == CODE_LISTS:
        return process_code_lists(landing, run_id, url)
    return process_month(item, landing, run_id, url)


def ingest(landing: Path | str | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Find and load every new month (what the registry DAG does, without Airflow)."""
    from ingestion import sources

    return sources.ingest(SOURCE, landing, run_id, url)
