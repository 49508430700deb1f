"""The one shape of every source DAG: find the new work items, validate and load each as its own mapped
task, then publish the source's raw-table Assets (which start the warehouse build).

A source's DAG differs only in its :class:`~ingestion.sources.base.Source` entry: what one item is (a
delivery, a batch of files, a month), how many run at once, and whether a precheck must pass first (the
registry refuses to read anything without its pseudonymisation key). Nothing here touches the database or
imports pandas, numpy or GX at parse time: tasks import the source's pipeline when they run.

Loads of one source never interleave: ``max_active_runs=1`` keeps the scheduler to one run per source, and
each load task holds the source's advisory lock in the warehouse (:func:`ingestion.db.locks.source_lock`),
which also holds off runs the scheduler does not know of (``airflow dags test`` from ``make run``).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from ingestion.orchestration import task_policy
from ingestion.orchestration.assets import source_assets
from ingestion.sources.base import Source

START = pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm")
PARAMS = {
    "landing_dir": Param(None, type=["null", "string"], description="Landningsmapp (standard: LANDING_DIR)"),
    "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
}


def source_dag(source: Source, schedule: str = "@daily"):
    """The DAG with id ``source.name``: ingests ``<landing>/<source>/`` and emits the source's Assets."""

    @dag(
        dag_id=source.name,
        description=source.description,
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=list(source.tags),
        params=PARAMS,
        default_args=task_policy.default_args(),
    )
    def ingest():
        @task(task_id=f"find_new_{source.items}")
        def find_new(params: dict | None = None) -> list:
            return source.module().find_new((params or {}).get("landing_dir"))

        @task(
            task_id=f"load_{source.item}",
            max_active_tis_per_dagrun=source.parallel_items,
            # only when set: a mapped task given pool=None keeps None instead of Airflow's default_pool
            **({"pool": source.pool} if source.pool else {}),
        )
        def load(item, params: dict | None = None) -> list[dict]:
            """Under the source's lock in the warehouse: another run loading this source (a second
            ``make run``, or ``make run`` beside the scheduler) waits, so its "already loaded?" check sees
            this load's result. A configuration error (a missing or wrong pseudonym key) is not the
            moment's fault: the task fails without retries."""
            from airflow.sdk.exceptions import AirflowFailException

            from ingestion.core.config import ConfigurationError
            from ingestion.db.locks import source_lock

            try:
                with source_lock(source.name):
                    return source.module().process(
                        item, (params or {}).get("landing_dir"), run_id=get_current_context()["run_id"]
                    )
            except ConfigurationError as error:
                raise AirflowFailException(str(error)) from None

        @task(outlets=source_assets(source), trigger_rule="none_failed", multiple_outputs=False)
        def publish(outcomes: list[list[dict]] | None, params: dict | None = None) -> dict:
            """Record the run's outcome; skip (so no Asset event, no dbt run) when nothing new was loaded."""
            from airflow.sdk.exceptions import AirflowSkipException

            from ingestion.orchestration.run_report import write_outcomes

            # index by length: iterating a lazy XCom sequence probes one past the end and logs an error
            results = [o for i in range(len(outcomes)) for o in outcomes[i]] if outcomes else []
            summary = write_outcomes(source.name, results, (params or {}).get("report_dir"))
            if not summary["loaded"]:
                raise AirflowSkipException("inget nytt lästes in: lagret behöver inte byggas om")
            return summary

        items = find_new()
        if source.has_precheck:

            @task(task_id="precheck", retries=0)
            def precheck() -> None:
                """Refuse to run, in plain words, when the source cannot be read safely (nothing is read before)."""
                from airflow.sdk.exceptions import AirflowFailException

                try:
                    source.module().precheck()
                except Exception as error:  # the source's own refusal, already in plain Swedish words
                    raise AirflowFailException(str(error)) from None

            precheck() >> items
        publish(load.expand(item=items))

    return ingest()
