"""DAG integrity: the whole folder imports without errors, fast, and without heavy work at parse time."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ingestion.core import config

PROBE = r"""
import json, sys, time
import airflow  # imported before timing: its own start-up is not the DAG folder's cost
from airflow.dag_processing.dagbag import DagBag
start = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
elapsed = time.perf_counter() - start
heavy = sorted(m for m in ("pandas", "great_expectations", "psycopg", "openpyxl", "numpy")
               if m in sys.modules)
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dag_ids), "seconds": elapsed, "heavy": heavy,
                  "tasks": {d: sorted(t.task_id for t in bag.dags[d].tasks) for d in bag.dag_ids}}))
"""


def parse_dag_folder() -> dict:
    env = os.environ | {"AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(config.PROJECT_ROOT / "dags")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_dag_folder_imports_cleanly_and_light():
    result = parse_dag_folder()
    assert result["errors"] == {}
    assert set(result["dags"]) == {"agreement_register", "followup_forms", "survey", "registry", "warehouse", "report"}
    # every source DAG has the factory's shape; the registry checks its pseudonymisation key first
    assert result["tasks"]["agreement_register"] == ["find_new_deliveries", "load_delivery", "publish"]
    assert result["tasks"]["followup_forms"] == ["find_new_batches", "load_batch", "publish"]
    assert result["tasks"]["survey"] == ["find_new_deliveries", "load_delivery", "publish"]
    assert result["tasks"]["registry"] == ["find_new_months", "load_month", "precheck", "publish"]
    assert result["tasks"]["warehouse"] == ["dbt_build", "source_freshness", "validate_marts"]
    assert result["tasks"]["report"] == ["build_edition", "plan", "write_manifest"]
    # parse-time work would show up as these modules being imported by the DAG files
    assert result["heavy"] == []
    print(f"\nDAG folder parse time: {result['seconds']:.3f} s")


def test_warehouse_dag_is_scheduled_on_every_raw_asset():
    from airflow.dag_processing.dagbag import DagBag

    from ingestion.orchestration.assets import ALL_RAW_ASSETS

    bag = DagBag(dag_folder=str(config.PROJECT_ROOT / "dags"))
    condition = bag.dags["warehouse"].timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"  # any raw table updated triggers a build
    assert {a.name for a in condition.objects} == {a.name for a in ALL_RAW_ASSETS}
    emitted = set()
    for dag_id in ("agreement_register", "followup_forms", "survey", "registry"):
        emitted |= {a.name for a in bag.dags[dag_id].get_task("publish").outlets}
    assert emitted == {a.name for a in ALL_RAW_ASSETS}


def test_the_report_dag_is_scheduled_on_the_marts_the_validation_emits():
    from airflow.dag_processing.dagbag import DagBag

    from ingestion.orchestration.assets import MARTS_ASSET

    bag = DagBag(dag_folder=str(config.PROJECT_ROOT / "dags"))
    assert [a.name for a in bag.dags["warehouse"].get_task("validate_marts").outlets] == [MARTS_ASSET.name]
    condition = bag.dags["report"].timetable.asset_condition
    assert {a.name for a in condition.objects} == {MARTS_ASSET.name}
    assert type(bag.dags["report"].get_task("build_edition")).__name__.endswith("MappedOperator")  # one per edition


def test_retries_pools_and_the_failure_line_on_the_tasks_that_need_them():
    """Transient failures are retried with backoff; a refusal is not (the key's precheck, the freshness
    statement); one dbt build and one registry month at a time across workers (pools); every task writes its
    failure line."""
    from airflow.dag_processing.dagbag import DagBag

    from ingestion.orchestration import task_policy

    bag = DagBag(dag_folder=str(config.PROJECT_ROOT / "dags"))
    for dag in bag.dags.values():
        for t in dag.tasks:
            for callbacks, wanted in (
                (t.on_failure_callback, task_policy.record_failure),
                (t.on_retry_callback, task_policy.record_retry),
            ):
                callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
                assert wanted in callbacks, (dag.dag_id, t.task_id)
            expected = 0 if t.task_id in {"precheck", "source_freshness"} else 3
            assert t.retries == expected, (dag.dag_id, t.task_id)
            if expected:
                assert t.retry_exponential_backoff and t.max_retry_delay.total_seconds() == 600
    assert bag.dags["warehouse"].get_task("dbt_build").pool == task_policy.DBT_POOL
    assert bag.dags["registry"].get_task("load_month").pool == task_policy.REGISTRY_POOL
    assert bag.dags["followup_forms"].get_task("load_batch").pool == "default_pool"
    assert set(task_policy.POOLS) == {task_policy.DBT_POOL, task_policy.REGISTRY_POOL}
    assert all(slots == 1 for slots, _ in task_policy.POOLS.values())


def test_the_failure_line_names_task_try_and_worker_but_not_the_error_text(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from ingestion.orchestration import task_policy

    monkeypatch.setenv("WAREHOUSE_STATE_DIR", str(tmp_path / "state"))
    ti = SimpleNamespace(
        dag_id="registry", run_id="manual__1", task_id="load_month", map_index=2, try_number=1, hostname="arbetare-1"
    )
    error = ValueError("värdet 19121212-1212 finns redan")  # a text that could quote a delivered value
    context = {"ti": ti, "exception": error, "params": {"report_dir": str(tmp_path / "run")}}
    task_policy.record_failure(context)
    task_policy.record_failure(context)  # asked twice for one try (the heartbeat check may): one line
    for log in (tmp_path / "state" / "runs" / task_policy.FAILURE_LOG, tmp_path / "run" / task_policy.FAILURE_LOG):
        fields = log.read_text(encoding="utf-8").rstrip("\n").split("\t")
        assert fields[1:] == [
            "registry",
            "manual__1",
            "load_month[2]",
            "försök 1",
            "arbetare-1",
            "misslyckades",
            "ValueError",
        ]
    assert "19121212" not in (tmp_path / "run" / task_policy.FAILURE_LOG).read_text(encoding="utf-8")
    task_policy.record_retry(context | {"ti": SimpleNamespace(**(vars(ti) | {"try_number": 2}))})
    lines = (tmp_path / "run" / task_policy.FAILURE_LOG).read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[4:7] for line in lines] == [
        ["försök 1", "arbetare-1", "misslyckades"],
        ["försök 2", "arbetare-1", "försöks igen"],
    ]
    task_policy.record_failure({})  # a context it cannot read: no exception escapes the callback
