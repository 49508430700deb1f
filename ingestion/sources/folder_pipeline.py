"""The pipeline of sources delivered as a folder (or zip) of files: the agreement register and surveys.

Find each delivery, validate it whole, then load it or quarantine it whole. A source plugs in with a
:class:`FolderSource`: its name, label, delivery-name pattern, ``validate(delivery)`` (returning an
object with ``name``, ``snapshot_date`` and ``problems``) and ``raw_tables(parsed)``
(raw table → :class:`~ingestion.db.loader.Rows`). Functions take and return plain values, so that
Airflow can pass them between tasks.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ingestion.core import config
from ingestion.core.deliveries import file_checksum, find_deliveries, quarantine, read_delivery
from ingestion.core.outcome import Outcome
from ingestion.core.problems import render_report, unreadable
from ingestion.db import connection
from ingestion.db.loader import already_loaded, load_delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderSource:
    name: str
    label: str
    delivery_pattern: str
    validate: Callable[[Any], Any]
    raw_tables: Callable[[Any], dict]


def delivery_paths(spec: FolderSource, folder: Path, finished_only: bool = True) -> list[Path]:
    """The deliveries in ``folder``; with ``finished_only``, those whose upload is finished."""
    return find_deliveries(folder, spec.delivery_pattern, finished_only)


def checksum(path: Path) -> str:
    """The delivery's checksum over its files; a zip that cannot be read at all by its bytes (so that a
    damaged delivery is still recognised, and rejected once)."""
    try:
        return read_delivery(Path(path)).checksum
    except (zipfile.BadZipFile, OSError, ValueError):
        return file_checksum(Path(path)) if Path(path).is_file() else ""


def find_new(spec: FolderSource, landing: Path | str | None = None, url: str | None = None) -> list[str]:
    """Paths of deliveries under ``<landing>/<source>/`` whose checksum has not been loaded yet."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = delivery_paths(spec, landing / spec.name)
    if not paths:
        return []
    new = []
    with connection.connect(url) as conn:
        for path in paths:
            if already_loaded(conn, spec.name, checksum(path)) is None:
                new.append(str(path))
            else:
                log.info("%s: redan inläst (samma kontrollsumma), hoppas över", path.name)
    return new


def process(spec: FolderSource, path: str, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Validate one delivery and load it, or quarantine it whole with a plain-words report."""
    try:
        delivery = read_delivery(Path(path))
        parsed = spec.validate(delivery)
    except Exception as error:  # a file that breaks the reader: this delivery alone is rejected
        name = Path(path).stem if Path(path).is_file() else Path(path).name
        outcome = Outcome(source=spec.name, delivery=name, path=str(path), checksum=checksum(Path(path)))
        return [_reject(spec, outcome, [unreadable(Path(path).name, error)])]
    outcome = Outcome(
        source=spec.name,
        delivery=delivery.name,
        path=str(path),
        checksum=delivery.checksum,
        snapshot_date=parsed.snapshot_date.isoformat() if parsed.snapshot_date else None,
    )
    if parsed.problems:
        return [_reject(spec, outcome, parsed.problems)]
    tables = spec.raw_tables(parsed)
    try:
        with connection.connect(url) as conn:
            result = load_delivery(
                conn,
                source=spec.name,
                delivery_name=delivery.name,
                checksum=delivery.checksum,
                snapshot_date=parsed.snapshot_date,
                tables=tables,
                run_id=run_id,
            )
    except psycopg.DataError as error:  # a value the checks let through but PostgreSQL cannot store: the
        # delivery, not the database (the transaction rolled back, nothing of it is visible); its text may
        # quote the value, so only its type is reported
        log.error("%s: PostgreSQL tog inte emot ett värde (%s)", delivery.name, type(error).__name__)
        return [_reject(spec, outcome, [unreadable(delivery.name, error)])]
    outcome.status = "skipped" if result.skipped else "loaded"
    outcome.n_rows, outcome.load_id = result.n_rows, result.load_id
    log.info("%s: %s (%d rader)", delivery.name, outcome.status, result.n_rows)
    return [outcome.to_dict()]


def _reject(spec: FolderSource, outcome: Outcome, problems: list) -> dict:
    """Quarantine the whole delivery with its report (the outcome's checksum taken before it moves)."""
    report = render_report(outcome.delivery, spec.label, problems)
    report_path = quarantine(Path(outcome.path), report, config.quarantine_dir() / spec.name, config.quarantine_mode())
    outcome.report = str(report_path)
    outcome.problems = [str(p) for p in problems]
    log.warning("%s avvisad (%d fel), se %s", outcome.delivery, len(problems), report_path)
    return outcome.to_dict()
