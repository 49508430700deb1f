"""Airflow DAG: Arbetsförmedlingen's monthly registry extracts, from the landing folder to raw.

One mapped task per month that arrived (job-seeker file and/or job-track snapshot): personnummer are
validated and replaced by keyed pseudonyms before anything reaches the database, rows are checked
against the contract as a stream and COPY-ed, and the month replaces any earlier delivery of it in one
transaction. Without a pseudonymisation key the DAG stops at its first task and says why.
Thin on purpose: the logic is in ``ingestion.registry_pipeline``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from ingestion.assets import REGISTRY_ASSETS

SOURCE = "registry"


@dag(
    dag_id="registry",
    description="Registerutdrag: pseudonymisera personnummer, validera och ladda varje ny månad, avvisa dåliga filer",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Stockholm"),
    catchup=False,
    max_active_runs=1,
    tags=["ingest", "registry", "personuppgifter"],
    params={
        "landing_dir": Param(None, type=["null", "string"], description="Landningsmapp (standard: LANDING_DIR)"),
        "report_dir": Param(None, type=["null", "string"], description="Mapp för körningens sammanfattning"),
    },
)
def registry():
    @task
    def check_pseudonym_key() -> None:
        """Refuse to run, in plain words, when no key is configured (nothing is read before this)."""
        from airflow.sdk.exceptions import AirflowFailException

        from ingestion.pseudonym import MissingKeyError
        from ingestion.registry_pipeline import require_key

        try:
            require_key()
        except MissingKeyError as error:
            raise AirflowFailException(str(error)) from None

    @task
    def find_new_months(params: dict | None = None) -> list[str]:
        from ingestion.registry_pipeline import find_new

        return find_new((params or {}).get("landing_dir"))

    # one month at a time: each load already uses both cores (validation workers + the database)
    @task(max_active_tis_per_dagrun=1)
    def load_month(month: str, params: dict | None = None) -> list[dict]:
        from ingestion.registry_pipeline import process_month

        return process_month(month, (params or {}).get("landing_dir"), run_id=get_current_context()["run_id"])

    @task(outlets=REGISTRY_ASSETS, trigger_rule="none_failed")
    def publish(outcomes: list[list[dict]] | None, params: dict | None = None) -> dict:
        """Record the run's outcome; skip (so no Asset event, no dbt run) when nothing new was loaded."""
        from airflow.sdk.exceptions import AirflowSkipException

        from ingestion.run_report import write_outcomes

        results = [o for i in range(len(outcomes)) for o in outcomes[i]] if outcomes else []
        summary = write_outcomes(SOURCE, results, (params or {}).get("report_dir"))
        if not summary["loaded"]:
            raise AirflowSkipException("inget nytt lästes in: lagret behöver inte byggas om")
        return summary

    months = find_new_months()
    check_pseudonym_key() >> months
    publish(load_month.expand(month=months))


registry()
