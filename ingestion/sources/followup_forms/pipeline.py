"""Follow-up forms: find new workbooks and exports, validate every form, load the good ones.

Unlike the register, a delivery (a bulk export) holds many forms, and a bad form must not stop the
others: each form is judged on its own. A file whose every form is bad, or that cannot be read at
all, is quarantined whole; a file with some bad forms loads its good forms and is copied to the
quarantine folder with a report naming the rejected forms. Files are processed in batches because
GX validation is set up once per batch (600 workbooks a half-year).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from ingestion.core import config
from ingestion.core.deliveries import file_checksum, find_files, quarantine
from ingestion.core.outcome import Outcome
from ingestion.core.problems import Problem, render_report, unreadable
from ingestion.db import connection
from ingestion.db.loader import LoadResult, already_loaded, load_delivery
from ingestion.sources.followup_forms.contract import CHILD_TABLES, FILE_PATTERN, FORM_COLUMNS, LABEL, SOURCE

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # files per task: GX is set up once per batch (a half-year brings some 600 workbooks)
checksum = file_checksum


def delivery_paths(folder: Path, finished_only: bool = True) -> list[Path]:
    return find_files(folder, FILE_PATTERN, finished_only)


def new_files(landing: Path | str | None = None, url: str | None = None) -> list[str]:
    """Form files under ``<landing>/followup_forms/`` whose checksum has not been loaded yet."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = delivery_paths(landing / SOURCE)
    if not paths:
        return []
    with connection.connect(url) as conn:
        return [str(p) for p in paths if already_loaded(conn, SOURCE, file_checksum(p)) is None]


def batches(paths: list[str], size: int = BATCH_SIZE) -> list[list[str]]:
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def find_new(landing: Path | str | None = None, url: str | None = None) -> list[list[str]]:
    """The new form files in batches (one mapped task each)."""
    return batches(new_files(landing, url))


def process(
    batch: list[str], landing: str | None = None, run_id: str | None = None, url: str | None = None
) -> list[dict]:
    return process_batch(batch, run_id, url)


def known_agreements(conn: psycopg.Connection) -> set[str]:
    """Every agreement id the register has ever listed (a form may concern an agreement that has
    since been removed or has ended)."""
    rows = conn.execute("select distinct btrim(overenskommelse_id) from raw.register_overenskommelser").fetchall()
    return {r[0] for r in rows if r[0]}


def load_forms(
    conn: psycopg.Connection, delivery_name: str, checksum: str, forms: list, n_rejected: int, run_id: str | None
) -> tuple[LoadResult, list]:
    """Load the good forms of one file with its audit row, in one transaction; returns the load and the forms
    it brought (the others were loaded before, by an earlier file or by a load running at the same time).

    The form ids are claimed by the database: ``insert … on conflict (form_id) do nothing`` on the unique
    index of raw.followup_forms. A check before the insert could not do it: two loads of the same form at
    once would both find it absent and the second would fail on the index with a UniqueViolation. Here the
    second waits for the first to commit and counts the form as already loaded (or loads it, if the first
    rolled back). Ids are claimed in sorted order, so two loads claiming the same forms cannot deadlock.
    Only the claimed forms' goals, answers and counts are copied.
    """
    with conn.transaction():
        audit = load_delivery(
            conn,
            source=SOURCE,
            delivery_name=delivery_name,
            checksum=checksum,
            snapshot_date=None,
            tables={},
            run_id=run_id,
        )
        if audit.skipped:  # this very file was loaded meanwhile
            return audit, []
        conn.execute("set local role warehouse_loader")
        claimed = claim_form_ids(conn, audit.load_id, sorted(forms, key=lambda f: f.form_id))
        new = [f for f in forms if f.form_id in claimed]
        counts = {"raw.followup_forms": len(new)}
        for table, (attribute, columns) in CHILD_TABLES.items():
            rows = [
                [f.form_id, r.get("_source_row"), *[r.get(c) for c in columns]]
                for f in new
                for r in getattr(f, attribute)
            ]
            _copy(conn, table, ["_load_id", "form_id", "_source_row", *columns], ([audit.load_id, *r] for r in rows))
            counts[table] = len(rows)
        n_rows = sum(counts.values())
        counts |= {
            "forms_loaded": len(new),
            "forms_already_loaded": len(forms) - len(new),
            "forms_rejected": n_rejected,
        }
        conn.execute(
            "update meta.load_audit set row_counts = %s, n_rows = %s where load_id = %s",
            (json.dumps(counts), n_rows, audit.load_id),
        )
    return LoadResult(load_id=audit.load_id, n_rows=n_rows, skipped=False), new


def claim_form_ids(conn: psycopg.Connection, load_id: int, forms: list) -> set[str]:
    """Insert each form's row unless its id is loaded; the ids this load inserted."""
    columns = ["_load_id", *FORM_COLUMNS]
    statement = sql.SQL(
        "insert into raw.followup_forms ({}) values ({}) on conflict (form_id) do nothing returning form_id"
    ).format(sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(sql.Placeholder() * len(columns)))
    if not forms:
        return set()
    with conn.cursor() as cursor:
        cursor.executemany(
            statement, [[load_id, *[f.header_row()[c] for c in FORM_COLUMNS]] for f in forms], returning=True
        )
        return {row[0] for _ in cursor.results() for row in cursor.fetchall()}


def _copy(conn: psycopg.Connection, table: str, columns: list[str], rows) -> None:
    schema, name = table.split(".")
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(schema, name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def process_batch(paths: list[str], run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Read, validate and load a batch of form files; one outcome per file."""
    from ingestion.sources.followup_forms.reading import read_file
    from ingestion.sources.followup_forms.rules import validate_forms

    received_at = datetime.now(UTC)
    read = []
    for path in map(Path, paths):
        try:
            forms, file_problems = read_file(path, received_at)
        except Exception as error:  # a file that breaks the reader: that file alone is rejected
            forms, file_problems = [], [unreadable(path.name, error)]
        read.append((path, file_checksum(path), forms, file_problems))
    # autocommit: each file's load is a transaction of its own (load_forms), committed when it ends, so its
    # claims on form ids are not held while the rest of the batch loads
    with connection.connect(url, autocommit=True) as conn:
        validate_forms([f for _, _, forms, _ in read for f in forms], known_agreements(conn))
        return [
            _load_file(conn, path, checksum, forms, file_problems, run_id)
            for path, checksum, forms, file_problems in read
        ]


def _load_file(conn, path: Path, checksum: str, forms: list, file_problems: list[Problem], run_id: str | None) -> dict:
    outcome = Outcome(source=SOURCE, delivery=path.name, path=str(path), checksum=checksum)
    good = [f for f in forms if not f.problems]
    bad = [f for f in forms if f.problems]
    problems = list(file_problems) + [p for f in bad for p in f.problems]
    if not forms and not file_problems:
        problems.append(Problem(path.name, None, None, "filen innehåller inget formulär"))
    outcome.forms_rejected = len(bad)
    if problems:
        outcome.problems = [str(p) for p in problems]
        partly = bool(good) and not file_problems
        report = render_report(
            path.name, LABEL, problems, loaded_forms=len(good) if partly else 0, rejected_forms=len(bad)
        )
        if partly:
            outcome.report = str(quarantine(path, report, config.quarantine_dir() / SOURCE, "copy"))
        else:
            outcome.report = str(quarantine(path, report, config.quarantine_dir() / SOURCE, config.quarantine_mode()))
            log.warning("%s avvisad (%d fel), se %s", path.name, len(problems), outcome.report)
            return outcome.to_dict()
    result, new = load_forms(conn, path.name, checksum, good, len(bad), run_id)
    outcome.forms_already_loaded = len(good) - len(new)
    outcome.status = "skipped" if result.skipped else "loaded"
    outcome.n_rows, outcome.load_id = result.n_rows, result.load_id
    outcome.forms_loaded = len(new)
    log.info(
        "%s: %s (%d formulär nya, %d redan inlästa, %d avvisade)",
        path.name,
        outcome.status,
        outcome.forms_loaded,
        outcome.forms_already_loaded,
        len(bad),
    )
    return outcome.to_dict()


def ingest(landing: Path | str | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Find and process every new form file (what the DAG does, without Airflow)."""
    from ingestion import sources

    return sources.ingest(SOURCE, landing, run_id, url)
