"""Airflow DAG: the national situation report's editions, built after every validated warehouse build
(scheduled on the marts' Asset): one mapped task per edition, then the manifest. ``make run`` runs it the
same way after a build (``airflow dags test``, as the Asset would trigger it).

By hand for another half-year: ``airflow dags trigger report -c '{"period": "2025H1"}'``."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from ingestion.orchestration import task_policy
from ingestion.orchestration.assets import MARTS_ASSET


@dag(
    dag_id="report",
    description="Lägesbilden: en utgåva för riket och en per län, ur marts",
    schedule=[MARTS_ASSET],
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["rapport", "marts"],
    default_args=task_policy.default_args(),
    params={
        "period": Param(None, type=["null", "string"], description="Halvår, t.ex. 2025H1 (standard: det senaste)"),
        "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
    },
)
def report():
    @task
    def plan(params: dict | None = None) -> list[dict]:
        from airflow.sdk.exceptions import AirflowSkipException

        from ingestion.report.build import plan_editions

        editions = plan_editions((params or {}).get("period"))
        if not editions:
            raise AirflowSkipException("inget halvår med registerutfall i marts ännu: ingen lägesbild att bygga")
        return editions

    @task(multiple_outputs=False)
    def build_edition(edition: dict) -> dict:
        from ingestion.report.build import build_edition

        return build_edition(**edition)

    @task(multiple_outputs=False)
    def write_manifest(editions: list[dict], files: list[dict], params: dict | None = None) -> dict:
        from ingestion.report.build import note_for_run_summary, write_manifest

        manifest = write_manifest(editions[0]["period"], list(files))
        if (params or {}).get("report_dir"):  # for make run's summary
            note_for_run_summary(manifest, params["report_dir"])
        return {"period": manifest["period"], "files": len(manifest["files"])}

    editions = plan()
    write_manifest(editions, build_edition.expand(edition=editions))


report()
