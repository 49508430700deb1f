"""The registry of sources, in the order their DAGs run (the register first: forms are checked against it).

Each source is one folder here (its contract, reading, rules, pipeline and raw-table migrations) with an
``ENTRY`` in its ``__init__.py``; this list is the only place that names them all. The DAG files, the
Assets, ``make run`` and the run summary go through it.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.sources.agreement_register import ENTRY as _agreement_register
from ingestion.sources.base import Source
from ingestion.sources.followup_forms import ENTRY as _followup_forms
from ingestion.sources.registry import ENTRY as _registry
from ingestion.sources.survey import ENTRY as _survey

SOURCES: list[Source] = [_agreement_register, _followup_forms, _survey, _registry]


def by_name(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"okänd källa {name!r}; källorna är {', '.join(s.name for s in SOURCES)}")


def find_new(name: str, landing: Path | str | None = None, url: str | None = None) -> list:
    """The work items of source ``name`` not loaded yet (what its DAG's first task returns)."""
    return by_name(name).module().find_new(landing, url)


def ingest(
    name: str, landing: Path | str | None = None, run_id: str | None = None, url: str | None = None
) -> list[dict]:
    """Find and process every new item of source ``name``: what its DAG does, without Airflow (tests,
    benchmarks). One outcome dict per delivery.

    The whole of it holds the source's lock in the warehouse (:func:`ingestion.db.locks.source_lock`), the
    finding included: a second ingest of the source, or a DAG's load of it, waits, and then finds what this
    one loaded already loaded."""
    from ingestion.db.locks import source_lock  # psycopg: not at import, the DAG files import this module

    source = by_name(name)
    pipeline = source.module()
    if source.has_precheck:
        pipeline.precheck()
    landing = str(landing) if landing else None
    with source_lock(name, url):
        return [o for item in pipeline.find_new(landing, url) for o in pipeline.process(item, landing, run_id, url)]
