"""The DAGs on a distributed Airflow: the api-server, scheduler, dag-processor, triggerer and two Celery
workers as local processes (``ingestion.orchestration.celery_stack``, what ``make airflow-celery`` starts),
Redis as the broker, PostgreSQL as Airflow's metadata database, the warehouse as the ``warehouse_db``
connection. The sample deliveries are dropped into the landing folder and the DAGs unpaused: the source DAGs
run on their schedule, the warehouse DAG on their Assets. A worker is killed (``kill -9``, with everything it
started) while it runs the dbt build: the build is retried on the other worker and the run succeeds.
Stopping the stack leaves no process behind."""

from __future__ import annotations

import shutil
import socket
import time
import uuid

import psycopg
import pytest
from conftest import FIXTURES

from ingestion.db import connection
from ingestion.orchestration import celery_stack
from ingestion.synthetic.demo import mark_finished_uploads

pytestmark = pytest.mark.airflow

SOURCE_DAGS = ("agreement_register", "followup_forms", "survey", "registry")
REDIS = ("127.0.0.1", 6379)


def _redis_database() -> str:
    """A Redis URL on the machine's Redis (the queue name keeps stacks apart, so any database will do)."""
    try:
        socket.create_connection(REDIS, timeout=5).close()
    except OSError as error:
        pytest.fail(f"Redis svarar inte på {REDIS[0]}:{REDIS[1]} ({error}): testet behöver en mäklare")
    return f"redis://{REDIS[0]}:{REDIS[1]}/3"


@pytest.fixture
def stack(tmp_path, test_db_factory, server_url):
    warehouse = test_db_factory()
    metadata = connection.with_database(server_url, f"airflow_celery_test_{uuid.uuid4().hex[:8]}")
    connection.ensure_database(metadata)
    landing = tmp_path / "landing"
    for source in SOURCE_DAGS:
        shutil.copytree(FIXTURES / source, landing / source)
    mark_finished_uploads(landing)
    built = celery_stack.configure(
        tmp_path / "airflow",
        metadata,
        warehouse,
        _redis_database(),
        extra_env={
            "LANDING_DIR": str(landing),
            "QUARANTINE_DIR": str(tmp_path / "quarantine"),
            "QUARANTINE_MODE": "copy",
            "WAREHOUSE_STATE_DIR": str(tmp_path / "state"),
            "REGISTRY_PSEUDONYM_KEY": "celery-test-key-" + "x" * 32,
            "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
            "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
            # a dead worker's task is noticed within seconds, not the default five minutes
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        },
    )
    built.warehouse = warehouse
    try:
        built.init()
        built.start(workers=2)
        built.wait_ready()
        yield built
    finally:
        built.stop()
        connection.drop_database(metadata)


def _runs(stack, dag_id: str) -> list[tuple[str, str]]:
    with stack.metadata() as conn:
        return conn.execute("select run_id, state from dag_run where dag_id = %s order by id", (dag_id,)).fetchall()


def _wait(what: str, check, timeout: float, stack) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        for name, process in stack.processes.items():
            if process.poll() is not None and name in celery_stack.COMPONENTS:
                pytest.fail(f"{name} avslutades under testet:\n" + "\n".join(stack.log(name).splitlines()[-40:]))
        time.sleep(2)
    pytest.fail(f"{what}: inte inom {timeout:.0f} s")


def test_the_dags_run_on_celery_workers_and_survive_a_killed_worker(stack):
    # the DAGs appear (dag-processor), are unpaused: the source DAGs run on their schedule
    _wait("DAG:arna i metadatabasen", lambda: len(_dag_ids(stack)) >= 6, 300, stack)
    stack.airflow("dags", "unpause", "--treat-dag-id-as-regex", "-y", f"^({'|'.join((*SOURCE_DAGS, 'warehouse'))})$")
    for dag_id in SOURCE_DAGS:
        _wait(f"{dag_id} lyckas", lambda d=dag_id: "success" in {s for _, s in _runs(stack, d)}, 900, stack)
        assert "failed" not in {s for _, s in _runs(stack, dag_id)}

    # the warehouse DAG, started by the source DAGs' Assets: its dbt build is running on a worker, which dies
    def dbt_build_running():
        with stack.metadata() as conn:
            return conn.execute(
                "select run_id, hostname from task_instance where dag_id = 'warehouse' and task_id = 'dbt_build'"
                " and state = 'running' and hostname <> ''"
            ).fetchone()

    run_id, victim = _wait("warehouse.dbt_build körs", dbt_build_running, 600, stack)
    assert victim in stack.processes
    assert stack.kill(victim)

    def run_state():
        with stack.metadata() as conn:
            (state,) = conn.execute("select state from dag_run where run_id = %s", (run_id,)).fetchone()
        assert state != "failed", "\n".join(stack.log("scheduler").splitlines()[-40:])
        return state == "success"

    _wait("warehouse lyckas efter den dödade arbetaren", run_state, 1200, stack)
    with stack.metadata() as conn:
        (run_type,) = conn.execute("select run_type from dag_run where run_id = %s", (run_id,)).fetchone()
        tries = conn.execute(
            """select try_number, hostname, state from task_instance_history
               where dag_id = 'warehouse' and task_id = 'dbt_build' and run_id = %(run)s
               union all
               select try_number, hostname, state from task_instance
               where dag_id = 'warehouse' and task_id = 'dbt_build' and run_id = %(run)s order by 1""",
            {"run": run_id},
        ).fetchall()
        workers = {
            h
            for (h,) in conn.execute(
                "select distinct hostname from task_instance_history where hostname like 'worker-%%'"
                " union select distinct hostname from task_instance where hostname like 'worker-%%'"
            )
        }
    assert run_type == "asset_triggered"
    assert tries[0][1] == victim and tries[0][2] != "success"  # the killed try
    assert tries[-1][2] == "success" and tries[-1][1] not in {victim, ""}  # retried on the other worker
    assert workers == {"worker-1", "worker-2"}  # both workers ran tasks

    with psycopg.connect(stack.warehouse) as conn:
        summary = conn.execute("select count(*) from marts.mart_agreement_summary").fetchone()[0]
        builds = conn.execute("select status from meta.builds order by build_id").fetchall()
    assert summary > 0
    assert builds[-1] == ("succeeded",)
    failures = (stack.home.parent / "state" / "runs" / "failed_tasks.log").read_text(encoding="utf-8")
    # the callback's line for the killed try (run by the scheduler's heartbeat check: the worker was dead)
    assert [line.split("\t")[3:6] for line in failures.splitlines() if line.split("\t")[2] == run_id][:1] == [
        ["dbt_build", "försök 1", victim]
    ]

    stack.stop()
    assert celery_stack.leftover_processes(stack.home) == []
    assert all(process.poll() is not None for process in stack.processes.values())


def _dag_ids(stack) -> set[str]:
    with stack.metadata() as conn:
        return {d for (d,) in conn.execute("select dag_id from dag")}
