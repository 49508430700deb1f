"""Airflow DAG: semiannual follow-up forms (workbooks and web-tool exports), from landing to raw.

Files are validated and loaded in batches (GX is set up once per batch); each form is judged on its
own, so one bad form never stops the others. Thin on purpose: the logic is in ``ingestion.forms_pipeline``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from ingestion.assets import FORMS_ASSETS

SOURCE = "followup_forms"


@dag(
    dag_id="followup_forms",
    description="Uppföljningsformulär: hitta nya arbetsböcker och exporter, validera varje formulär, ladda till raw",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["ingest", "followup_forms"],
    params={
        "landing_dir": Param(None, type=["null", "string"], description="Landningsmapp (standard: LANDING_DIR)"),
        "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
    },
)
def followup_forms():
    @task
    def find_new_files(params: dict | None = None) -> list[list[str]]:
        from ingestion.forms_pipeline import batches, find_new

        return batches(find_new((params or {}).get("landing_dir")))

    @task(max_active_tis_per_dagrun=2)
    def validate_and_load(paths: list[str]) -> list[dict]:
        from ingestion.forms_pipeline import process_batch

        return process_batch(paths, run_id=get_current_context()["run_id"])

    @task(outlets=FORMS_ASSETS, trigger_rule="none_failed")
    def publish(outcomes: list[list[dict]] | None, params: dict | None = None) -> dict:
        """Record the run's outcome; skip (so no Asset event, no dbt run) when nothing new was loaded."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingestion.run_report import write_outcomes

        results = [o for i in range(len(outcomes)) for o in outcomes[i]] if outcomes else []
        summary = write_outcomes(SOURCE, results, (params or {}).get("report_dir"))
        if not summary["loaded"]:
            raise AirflowSkipException("inget nytt lästes in: lagret behöver inte byggas om")
        return summary

    publish(validate_and_load.expand(paths=find_new_files()))


followup_forms()
