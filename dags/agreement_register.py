"""Airflow DAG: agreement register deliveries, from the landing folder to raw.

Thin on purpose: each task calls a plain function in ``ingestion.pipeline``. Nothing here touches
the database or imports pandas/GX at parse time.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from ingestion.assets import REGISTER_ASSETS

SOURCE = "agreement_register"


@dag(
    dag_id="agreement_register",
    description="Överenskommelseregistret: hitta nya leveranser, validera (GX), ladda till raw eller sätt i karantän",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["ingest", "agreement_register"],
    params={
        "landing_dir": Param(None, type=["null", "string"], description="Landningsmapp (standard: LANDING_DIR)"),
        "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
    },
)
def agreement_register():
    @task
    def find_new_deliveries(params: dict | None = None) -> list[str]:
        from ingestion.pipeline import find_new

        return find_new(SOURCE, (params or {}).get("landing_dir"))

    @task(max_active_tis_per_dagrun=2)
    def validate_and_load(path: str) -> dict:
        from ingestion.pipeline import process

        return process(SOURCE, path, run_id=get_current_context()["run_id"])

    @task(outlets=REGISTER_ASSETS, trigger_rule="none_failed")
    def publish(outcomes: list[dict] | None, params: dict | None = None) -> dict:
        """Record the run's outcome; skip (so no Asset event, no dbt run) when nothing new was loaded."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingestion.run_report import write_outcomes

        # index by length: iterating a lazy XCom sequence probes one past the end and logs an error
        results = [outcomes[i] for i in range(len(outcomes))] if outcomes else []
        summary = write_outcomes(SOURCE, results, (params or {}).get("report_dir"))
        if not summary["loaded"]:
            raise AirflowSkipException("inget nytt lästes in: lagret behöver inte byggas om")
        return summary

    publish(validate_and_load.expand(path=find_new_deliveries()))


agreement_register()
