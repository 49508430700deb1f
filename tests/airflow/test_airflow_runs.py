"""Real DAG runs with `airflow dags test`: the register DAG loads and quarantines, the warehouse DAG
builds the marts with dbt and validates them with GX."""

from __future__ import annotations

import json
import shutil

import psycopg
import pytest
from conftest import FIXTURES, table_counts

from ingestion.orchestration import runner

pytestmark = pytest.mark.airflow


def test_source_dags_then_warehouse_dag(db_url, landing, quarantine, airflow_env, tmp_path):
    shutil.copytree(FIXTURES / "followup_forms", landing / "followup_forms")
    reports = tmp_path / "runs"
    runner.run_dag("agreement_register", {"landing_dir": str(landing), "report_dir": str(reports)}, reports)
    with psycopg.connect(db_url) as conn:
        loaded = conn.execute("select delivery_name, run_id from meta.load_audit order by 1").fetchall()
    assert [name for name, _ in loaded] == ["overenskommelser_2024-06-30", "overenskommelser_2024-12-31"]
    assert all(run_id.startswith("manual__") for _, run_id in loaded)  # the Airflow run id is audited
    assert (quarantine / "agreement_register" / "overenskommelser_2025-01-31.fel.txt").exists()

    runner.run_dag("followup_forms", {"landing_dir": str(landing), "report_dir": str(reports)}, reports)
    forms = json.loads((reports / "followup_forms.json").read_text())
    assert len(forms["loaded"]) == 4 and len(forms["rejected"]) == 6
    assert (quarantine / "followup_forms" / "Uppföljning trasig.fel.txt").exists()

    runner.run_dag("warehouse", None, reports)
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "select snapshot_date::text, niva, n_agreements from marts.mart_agreement_summary"
            " where niva = 'alla' and basis = 'i_kraft' order by 1"
        ).fetchall()
        owed = conn.execute(
            "select received from marts.mart_followup_completeness"
            " where period = '2024H1' and overenskommelse_id = 'ÖK-2022-0160'"
        ).fetchall()
    assert [r[0] for r in rows] == ["2024-06-30", "2024-12-31"]
    assert owed == [(False,)]

    # a second run finds nothing new: the database is unchanged
    before = table_counts(db_url)
    for dag_id in ("agreement_register", "followup_forms"):
        runner.run_dag(dag_id, {"landing_dir": str(landing), "report_dir": str(reports)}, reports)
    assert table_counts(db_url) == before
