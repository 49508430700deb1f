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

from ingestion import config, warehouse
from ingestion.deliveries import file_checksum, find_files, quarantine
from ingestion.forms_tables import CHILD_TABLES, FORM_COLUMNS, RAW_TABLES  # noqa: F401
from ingestion.loader import Rows, already_loaded, load_delivery
from ingestion.problems import Problem, render_report

log = logging.getLogger(__name__)

SOURCE = "followup_forms"
LABEL = "uppföljningsformulär"



def file_pattern() -> str:
    from ingestion.followup_forms import FILE_PATTERN

    return FILE_PATTERN


def find_new(landing: Path | None = None, url: str | None = None) -> list[str]:
    """Form files under ``<landing>/followup_forms/`` whose checksum has not been loaded yet."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = find_files(landing / SOURCE, file_pattern())
    if not paths:
        return []
    with warehouse.connect(url) as conn:
        return [str(p) for p in paths if already_loaded(conn, SOURCE, file_checksum(p)) is None]


def batches(paths: list[str], size: int = 200) -> list[list[str]]:
    return [paths[i:i + size] for i in range(0, len(paths), size)]


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
    from ingestion.followup_forms import read_file, validate_forms

    received_at = datetime.now(UTC)
    read = []
    for path in map(Path, paths):
        forms, file_problems = read_file(path, received_at)
        read.append((path, file_checksum(path), forms, file_problems))
    with warehouse.connect(url) as conn:
        validate_forms([f for _, _, forms, _ in read for f in forms], known_agreements(conn))
        return [_load_file(conn, path, checksum, forms, file_problems, run_id)
                for path, checksum, forms, file_problems in read]


def _load_file(conn, path: Path, checksum: str, forms: list, file_problems: list[Problem],
               run_id: str | None) -> dict:
    outcome = {"source": SOURCE, "delivery": path.name, "path": str(path), "checksum": checksum,
               "status": "rejected", "snapshot_date": None, "n_rows": 0, "load_id": None, "report": None,
               "problems": [], "forms_loaded": 0, "forms_already_loaded": 0, "forms_rejected": 0}
    good = [f for f in forms if not f.problems]
    bad = [f for f in forms if f.problems]
    problems = list(file_problems) + [p for f in bad for p in f.problems]
    if not forms and not file_problems:
        problems.append(Problem(path.name, None, None, "filen innehåller inget formulär"))
    outcome["forms_rejected"] = len(bad)
    if problems:
        outcome["problems"] = [str(p) for p in problems]
        partly = bool(good) and not file_problems
        report = render_report(path.name, LABEL, problems, loaded_forms=len(good) if partly else 0,
                               rejected_forms=len(bad))
        if partly:
            outcome["report"] = str(quarantine(path, report, config.quarantine_dir() / SOURCE, "copy"))
        else:
            outcome["report"] = str(quarantine(path, report, config.quarantine_dir() / SOURCE,
                                               config.quarantine_mode()))
            log.warning("%s avvisad (%d fel), se %s", path.name, len(problems), outcome["report"])
            return outcome
    existing = existing_form_ids(conn, [f.form_id for f in good])
    new = [f for f in good if f.form_id not in existing]
    outcome["forms_already_loaded"] = len(good) - len(new)
    tables = {"raw.followup_forms": Rows(FORM_COLUMNS, [[f.header_row()[c] for c in FORM_COLUMNS] for f in new],
                                         len(new))}
    for table, (attribute, columns) in CHILD_TABLES.items():
        rows = [[f.form_id, r.get("_source_row"), *[r.get(c) for c in columns]]
                for f in new for r in getattr(f, attribute)]
        tables[table] = Rows(["form_id", "_source_row", *columns], rows, len(rows))
    result = load_delivery(conn, source=SOURCE, delivery_name=path.name, checksum=checksum, snapshot_date=None,
                           tables=tables, run_id=run_id,
                           extra_counts={"forms_loaded": len(new), "forms_already_loaded": len(good) - len(new),
                                         "forms_rejected": len(bad)})
    outcome.update(status="skipped" if result.skipped else "loaded", n_rows=result.n_rows, load_id=result.load_id,
                   forms_loaded=0 if result.skipped else len(new))
    log.info("%s: %s (%d formulär nya, %d redan inlästa, %d avvisade)", path.name, outcome["status"],
             outcome["forms_loaded"], outcome["forms_already_loaded"], len(bad))
    return outcome


def ingest(landing: Path | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Find and process every new form file (what the DAG does, without Airflow)."""
    return [o for batch in batches(find_new(landing, url)) for o in process_batch(batch, run_id, url)]
