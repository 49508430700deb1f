"""Airflow DAG: build the warehouse with dbt when raw data changed, then validate the marts with GX."""

from __future__ import annotations

import functools
import operator

import pendulum
from airflow.sdk import dag, task

from ingestion.orchestration.assets import ALL_RAW_ASSETS


@dag(
    dag_id="warehouse",
    description="dbt build (staging → intermediate → marts) och GX-validering av marts",
    schedule=functools.reduce(operator.or_, ALL_RAW_ASSETS),
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["dbt", "marts"],
)
def warehouse():
    @task
    def dbt_build() -> dict:
        from ingestion.orchestration.transform import dbt_build

        return dbt_build()

    @task
    def validate_marts(build: dict) -> dict:
        from ingestion.validation.marts import validate_marts

        return validate_marts()

    validate_marts(dbt_build())


warehouse()
