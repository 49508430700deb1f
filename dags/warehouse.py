"""Airflow DAG: build the warehouse with dbt when raw data changed, then validate the marts with GX.

A run triggered by hand may build a part: ``airflow dags trigger warehouse -c '{"select": "tag:registry"}'``
(dbt's node selection); its mart suites are then those of the marts it rebuilt."""

from __future__ import annotations

import functools
import operator
from pathlib import Path

import pendulum
from airflow.sdk import Param, dag, task

from ingestion.orchestration import task_policy
from ingestion.orchestration.assets import ALL_RAW_ASSETS, MARTS_ASSET


@dag(
    dag_id="warehouse",
    description="dbt build (staging → intermediate → marts) och GX-validering av marts",
    schedule=functools.reduce(operator.or_, ALL_RAW_ASSETS),
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["dbt", "marts"],
    default_args=task_policy.default_args(),
    params={
        "select": Param(
            None, type=["null", "string"], description="dbt-urval att bygga, t.ex. tag:registry (standard: hela lagret)"
        ),
        "only_if_changed": Param(
            False,
            type="boolean",
            description="Bygg bara om inläsningarna skiljer sig från det senaste lyckade bygget (make run)",
        ),
        "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
    },
)
def warehouse():
    @task(pool=task_policy.DBT_POOL, multiple_outputs=False)
    def dbt_build(params: dict | None = None) -> dict:
        """One build at a time per warehouse (the build lock; a second waits), recorded in meta.builds."""
        from airflow.sdk import get_current_context

        from ingestion.orchestration.transform import dbt_build

        params = params or {}
        build = dbt_build(
            select=params.get("select"),
            run_id=get_current_context()["run_id"],
            only_if_changed=bool(params.get("only_if_changed")),
        )
        if params.get("report_dir") and not build.get("unchanged"):  # for make run's summary: this run built
            Path(params["report_dir"], "connection.built").touch()
        return build

    @task(outlets=[MARTS_ASSET], multiple_outputs=False)
    def validate_marts(build: dict) -> dict:
        """GX on the marts; when they pass, the marts' Asset is emitted (the report DAG's schedule)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingestion.validation.marts import validate_marts

        if build.get("unchanged"):
            raise AirflowSkipException("lagret var redan byggt från de här inläsningarna: inget nytt att validera")
        return validate_marts(only=build["models"] if build.get("select") else None)

    @task(trigger_rule="none_failed", retries=0, multiple_outputs=False)
    def source_freshness() -> dict:
        """Fails (after the build, so nothing waits on it) when no delivery has come for too long: a statement
        about the deliveries, which another try would only repeat."""
        from ingestion.orchestration.transform import source_freshness

        return source_freshness()

    validate_marts(dbt_build()) >> source_freshness()


warehouse()
