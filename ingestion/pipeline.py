"""One pipeline step per delivery: find it, validate it, then load it or quarantine it.

These functions are what the Airflow tasks call; they take and return plain JSON-able values so
that Airflow can pass them between tasks. A source plugs in by providing a module with
``SOURCE``, ``LABEL``, ``DELIVERY_PATTERN``, ``validate(delivery)`` (returning an object with
``name``, ``snapshot_date`` and ``problems``) and ``raw_tables(parsed)`` (raw table → ``loader.Rows``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

from ingestion import config, register, survey, warehouse
from ingestion.deliveries import find_deliveries, quarantine, read_delivery
from ingestion.loader import already_loaded, load_delivery
from ingestion.problems import render_report

log = logging.getLogger(__name__)

SOURCES: dict[str, ModuleType] = {register.SOURCE: register, survey.SOURCE: survey}


@dataclass
class Outcome:
    source: str
    delivery: str
    path: str
    checksum: str
    status: str  # loaded | skipped | rejected
    snapshot_date: str | None = None
    n_rows: int = 0
    load_id: int | None = None
    report: str | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def find_new(source: str, landing: Path | None = None, url: str | None = None) -> list[str]:
    """Paths of deliveries under ``<landing>/<source>/`` whose checksum has not been loaded yet."""
    spec = SOURCES[source]
    landing = Path(landing) if landing else config.landing_dir()
    paths = find_deliveries(landing / source, spec.DELIVERY_PATTERN)
    if not paths:
        return []
    new = []
    with warehouse.connect(url) as conn:
        for path in paths:
            if already_loaded(conn, source, read_delivery(path).checksum) is None:
                new.append(str(path))
            else:
                log.info("%s: redan inläst (samma kontrollsumma), hoppas över", path.name)
    return new


def process(source: str, path: str, run_id: str | None = None, url: str | None = None) -> dict:
    """Validate one delivery and load it, or quarantine it whole with a plain-words report."""
    spec = SOURCES[source]
    delivery = read_delivery(Path(path))
    parsed = spec.validate(delivery)
    outcome = Outcome(source=source, delivery=delivery.name, path=str(path), checksum=delivery.checksum,
                      status="rejected",
                      snapshot_date=parsed.snapshot_date.isoformat() if parsed.snapshot_date else None)
    if parsed.problems:
        report = render_report(delivery.name, spec.LABEL, parsed.problems)
        report_path = quarantine(Path(path), report, config.quarantine_dir() / source, config.quarantine_mode())
        outcome.report = str(report_path)
        outcome.problems = [str(p) for p in parsed.problems]
        log.warning("%s avvisad (%d fel), se %s", delivery.name, len(parsed.problems), report_path)
        return outcome.to_dict()
    tables = spec.raw_tables(parsed)
    with warehouse.connect(url) as conn:
        result = load_delivery(conn, source=source, delivery_name=delivery.name, checksum=delivery.checksum,
                               snapshot_date=parsed.snapshot_date, tables=tables, run_id=run_id)
    outcome.status = "skipped" if result.skipped else "loaded"
    outcome.n_rows, outcome.load_id = result.n_rows, result.load_id
    log.info("%s: %s (%d rader)", delivery.name, outcome.status, result.n_rows)
    return outcome.to_dict()


def ingest(source: str, landing: Path | None = None, run_id: str | None = None, url: str | None = None) -> list[dict]:
    """Find and process every new delivery of a source (what the source's DAG does, without Airflow)."""
    return [process(source, path, run_id, url) for path in find_new(source, landing, url)]
