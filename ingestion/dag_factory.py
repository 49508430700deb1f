"""The shape every folder-per-delivery source DAG shares (register, surveys): find new deliveries,
validate and load each one as its own mapped task, then publish the source's raw-table Assets.

DAG files stay one call long, and a fix here reaches every source. Nothing here touches the
database or imports pandas/GX at parse time: tasks import what they need when they run.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task


def delivery_dag(source: str, description: str, assets: list[Asset], schedule: str = "@daily"):
    """A DAG with id ``source`` that ingests ``<landing>/<source>/`` deliveries and emits ``assets``."""

    @dag(
        dag_id=source,
        description=description,
        schedule=schedule,
        start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
        catchup=False,
        max_active_runs=1,
        tags=["ingest", source],
        params={
            "landing_dir": Param(None, type=["null", "string"], description="Landningsmapp (standard: LANDING_DIR)"),
            "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
        },
    )
    def ingest():
        @task
        def find_new_deliveries(params: dict | None = None) -> list[str]:
            from ingestion.pipeline import find_new

            return find_new(source, (params or {}).get("landing_dir"))

        @task(max_active_tis_per_dagrun=2)
        def validate_and_load(path: str) -> dict:
            from ingestion.pipeline import process

            return process(source, path, run_id=get_current_context()["run_id"])

        @task(outlets=assets, trigger_rule="none_failed")
        def publish(outcomes: list[dict] | None, params: dict | None = None) -> dict:
            """Record the run's outcome; skip (so no Asset event, no dbt run) when nothing new was loaded."""
            from airflow.sdk.exceptions import AirflowSkipException

            from ingestion.run_report import write_outcomes

            # index by length: iterating a lazy XCom sequence probes one past the end and logs an error
            results = [outcomes[i] for i in range(len(outcomes))] if outcomes else []
            summary = write_outcomes(source, results, (params or {}).get("report_dir"))
            if not summary["loaded"]:
                raise AirflowSkipException("inget nytt lästes in: lagret behöver inte byggas om")
            return summary

        publish(validate_and_load.expand(path=find_new_deliveries()))

    return ingest()
