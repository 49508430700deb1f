"""Follow-up forms: find new workbooks and exports, validate every form, load the good ones.

Unlike the register, a delivery (a bulk export) holds many forms, and a bad form must not stop the
others: each form is judged on its own. A file whose every form is bad, or that cannot be read at
all, is quarantined whole; a file with some bad forms loads its good forms and is copied to the
quarantine folder with a report naming the rejected forms. Files are processed in batches because
GX validation is set up once per batch (600 workbooks a half-year).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from ingestion.core import config
from ingestion.core.deliveries import file_checksum, find_files, quarantine
from ingestion.core.outcome import Outcome
from ingestion.core.problems import Problem, render_report, unreadable
from ingestion.db import connection
from ingestion.db.loader import Rows, already_loaded, load_delivery
from ingestion.sources.followup_forms.contract import CHILD_TABLES, FILE_PATTERN, FORM_COLUMNS, LABEL, SOURCE

log = logging.getLogger(__name__)

BATCH_SIZE = 200  # files per task: GX is set up once per batch (a half-year brings some 600 workbooks)
checksum = file_checksum


def delivery_paths(folder: Path) -> list[Path]:
    return find_files(folder, FILE_PATTERN)


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


def existing_form_ids(conn: psycopg.Connection, form_ids: list[str]) -> set[str]:
    rows = conn.execute("select form_id from raw.followup_forms where form_id = any(%s)", (form_ids,)).fetchall()
    return {r[0] for r in rows}


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
    with connection.connect(url) as conn:
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
    existing = existing_form_ids(conn, [f.form_id for f in good])
    new = [f for f in good if f.form_id not in existing]
    outcome.forms_already_loaded = len(good) - len(new)
    tables = {
        "raw.followup_forms": Rows(FORM_COLUMNS, [[f.header_row()[c] for c in FORM_COLUMNS] for f in new], len(new))
    }
    for table, (attribute, columns) in CHILD_TABLES.items():
        rows = [
            [f.form_id, r.get("_source_row"), *[r.get(c) for c in columns]] for f in new for r in getattr(f, attribute)
        ]
        tables[table] = Rows(["form_id", "_source_row", *columns], rows, len(rows))
    result = load_delivery(
        conn,
        source=SOURCE,
        delivery_name=path.name,
        checksum=checksum,
        snapshot_date=None,
        tables=tables,
        run_id=run_id,
        extra_counts={
            "forms_loaded": len(new),
            "forms_already_loaded": len(good) - len(new),
            "forms_rejected": len(bad),
        },
    )
    outcome.status = "skipped" if result.skipped else "loaded"
    outcome.n_rows, outcome.load_id = result.n_rows, result.load_id
    outcome.forms_loaded = 0 if result.skipped else len(new)
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
