"""The pipeline of sources delivered as a folder (or zip) of files: the agreement register and surveys.

Find each delivery, validate it whole, then load it or quarantine it whole. A source plugs in with a
:class:`FolderSource`: its name, label, delivery-name pattern, ``validate(delivery)`` (returning an
object with ``name``, ``snapshot_date`` and ``problems``) and ``raw_tables(parsed)``
(raw table → :class:`~ingestion.db.loader.Rows`). Functions take and return plain values, so that
Airflow can pass them between tasks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.core import config
from ingestion.core.deliveries import find_deliveries, quarantine, read_delivery
from ingestion.core.outcome import Outcome
from ingestion.core.problems import render_report
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


def delivery_paths(spec: FolderSource, folder: Path) -> list[Path]:
    return find_deliveries(folder, spec.delivery_pattern)


def checksum(path: Path) -> str:
    return read_delivery(Path(path)).checksum


def find_new(spec: FolderSource, landing: Path | str | None = None, url: str | None = None) -> list[str]:
    """Paths of deliveries under ``<landing>/<source>/`` whose checksum has not been loaded yet."""
    landing = Path(landing) if landing else config.landing_dir()
    paths = delivery_paths(spec, landing / spec.name)
    if not paths:
        return []
    new = []
    with connection.connect(url) as conn:
        for path in paths:
            if already_loaded(conn, spec.name, read_delivery(path).checksum) is None:
                new.append(str(path))
            else:
                log.info("%s: redan inläst (samma kontrollsumma), hoppas över", path.name)
    return new


def process(spec: FolderSource, path: str, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Validate one delivery and load it, or quarantine it whole with a plain-words report."""
    delivery = read_delivery(Path(path))
    parsed = spec.validate(delivery)
    outcome = Outcome(
        source=spec.name,
        delivery=delivery.name,
        path=str(path),
        checksum=delivery.checksum,
        snapshot_date=parsed.snapshot_date.isoformat() if parsed.snapshot_date else None,
    )
    if parsed.problems:
        report = render_report(delivery.name, spec.label, parsed.problems)
        report_path = quarantine(Path(path), report, config.quarantine_dir() / spec.name, config.quarantine_mode())
        outcome.report = str(report_path)
        outcome.problems = [str(p) for p in parsed.problems]
        log.warning("%s avvisad (%d fel), se %s", delivery.name, len(parsed.problems), report_path)
        return [outcome.to_dict()]
    tables = spec.raw_tables(parsed)
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
    outcome.status = "skipped" if result.skipped else "loaded"
    outcome.n_rows, outcome.load_id = result.n_rows, result.load_id
    log.info("%s: %s (%d rader)", delivery.name, outcome.status, result.n_rows)
    return [outcome.to_dict()]
