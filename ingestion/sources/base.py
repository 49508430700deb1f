"""What the warehouse knows of a source: the entry each source folder declares in its ``__init__.py``.

The registry (:data:`ingestion.sources.SOURCES`) lists these entries; the DAGs, the Assets, ``make run``
and the run summary are all built from it, so adding a source touches no list elsewhere. Nothing here
imports the source's code: a DAG file must parse without pandas, numpy or psycopg, so the pipeline is
named by its module and imported when a task runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Source:
    """One source.

    ``pipeline`` names a module with these functions (plain values in and out, so Airflow can pass them
    between tasks):

    - ``find_new(landing, url) -> list``: the work items not loaded yet (a delivery's path, a batch of
      files, a month), oldest first;
    - ``process(item, landing, run_id, url) -> list[dict]``: validate and load one item, or quarantine
      it; one :class:`~ingestion.core.outcome.Outcome` (as a dict) per delivery;
    - ``delivery_paths(folder) -> list[Path]`` and ``checksum(path) -> str``: every delivery in a
      landing folder and how the load audit recognises it (for the run summary);
    - optionally ``precheck()``: refuse, in plain words, to start (the registry without its key).
    """

    name: str  # the DAG id, the landing sub-folder, meta.load_audit.source and expectations/<name>/
    label: str  # Swedish, as the senders call it: used in their reports
    description: str  # the DAG's description in the Airflow UI (Swedish, for the operators)
    raw_tables: tuple[str, ...]  # what it loads: one Asset each, the warehouse DAG listens to them
    pipeline: str
    item: str = "delivery"  # what one mapped task handles: delivery, batch or month (names the tasks)
    parallel_items: int = 2  # mapped tasks at once in one DAG run
    has_precheck: bool = False  # a task before any is read: the pipeline's precheck() must pass
    pool: str | None = None  # an Airflow pool for the load tasks (task_policy.POOLS), across all workers
    tags: tuple[str, ...] = ()

    @property
    def items(self) -> str:
        return {"delivery": "deliveries", "batch": "batches"}.get(self.item, f"{self.item}s")

    def module(self) -> ModuleType:
        return importlib.import_module(self.pipeline)
