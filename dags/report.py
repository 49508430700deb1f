"""Airflow DAG: the national situation report's editions (issue 13, in progress), built after every
validated warehouse build (scheduled on the marts' Asset): one mapped task per edition, then the manifest.

By hand for another half-year: ``airflow dags trigger report -c '{"period": "2025H1"}'``."""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from ingestion.orchestration.assets import MARTS_ASSET


@dag(
    dag_id="report",
    description="Lägesbilden: en utgåva för riket och en per län, ur marts",
    schedule=[MARTS_ASSET],
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["rapport", "marts"],
    params={"period": Param(None, type=["null", "string"], description="Halvår, t.ex. 2025H1 (standard: det senaste)")},
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

    @task
    def build_edition(edition: dict) -> dict:
        from ingestion.report.build import build_edition

        return build_edition(**edition)

    @task
    def write_manifest(editions: list[dict], files: list[dict]) -> dict:
        from ingestion.report.build import write_manifest

        return write_manifest(editions[0]["period"], list(files))

    editions = plan()
    write_manifest(editions, build_edition.expand(edition=editions))


report()
