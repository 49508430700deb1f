"""``make run`` and ``make demo``: run every pipeline once with Airflow.

Each DAG runs with ``airflow dags test`` (a real DAG run, no scheduler needed): first every source
DAG over the landing folder, then the warehouse DAG (dbt build + GX on the marts), then, when it built and
validated the marts, the report DAG (what the marts' Asset triggers under a scheduler).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ingestion.core import config
from ingestion.db import locks
from ingestion.orchestration import transform
from ingestion.sources import SOURCES


class DagRunFailed(RuntimeError):
    pass


@contextmanager
def _one_dag_test_at_a_time(dag_id: str) -> Iterator[None]:
    """``airflow dags test`` writes the DAG into Airflow's metadata database first; two of them at once on one
    Airflow home (two ``make run``, SQLite) collide there (``UNIQUE constraint failed: dag.dag_id``). So the
    runs of one Airflow home take turns, DAG by DAG (a file lock, released if the process dies); the loads and
    builds inside keep their own locks in PostgreSQL."""
    import fcntl

    home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".dags-test.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"… {dag_id}: en annan körning använder Airflow just nu, väntar på den", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run_dag(dag_id: str, conf: dict | None, log_dir: Path) -> None:
    """``airflow dags test`` one DAG; its output goes to ``log_dir/<dag_id>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{dag_id}.log"
    command = [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id]
    if conf:
        command += ["-c", json.dumps(conf)]
    with open(log_path, "w") as log, _one_dag_test_at_a_time(dag_id):
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-30:])
        raise DagRunFailed(f"DAG {dag_id} misslyckades (hela loggen: {log_path}):\n{tail}")


def run_all(landing: Path) -> Path:
    """Run every source DAG over ``landing``, then the warehouse DAG unless the loads are exactly those the
    last successful build of this warehouse was built from (as the Asset schedule would: a failed build is
    tried again), then the report DAG after a build; return the run's folder (summaries and logs)."""
    landing = Path(landing).resolve()
    if not landing.is_dir():
        raise SystemExit(f"Landningsmappen {landing} finns inte.")
    os.environ.setdefault("QUARANTINE_MODE", "copy")
    report_dir = _new_report_dir()
    for source in SOURCES:
        if not (landing / source.name).is_dir():  # nothing to find: spare the DAG run (Airflow's start-up)
            print(f"… {source.name}: ingen mapp {source.name} i landningsmappen, hoppas över", flush=True)
            continue
        print(f"… {source.name}: letar efter leveranser i {landing / source.name}", flush=True)
        run_dag(source.name, {"landing_dir": str(landing), "report_dir": str(report_dir)}, report_dir)
    # The record of builds is in the warehouse (meta.builds): a database created again under the same name, or
    # restored from a backup, has no record of a build and is built. A build running elsewhere (the scheduler,
    # another `make run`) is waited for first, so its result is what is compared with.
    if locks.build_running():
        print("… warehouse: ett annat bygge av lagret pågår, väntar på att det blir klart", flush=True)
        transform.wait_for_build()
    if transform.unchanged_since_last_build():
        print("… warehouse: inget nytt inläst sedan förra bygget, lagret byggs inte om", flush=True)
    else:
        print("… warehouse: dbt build och validering av marts", flush=True)
        # the DAG's build marks the report folder as built, unless another run built these very loads meanwhile
        run_dag("warehouse", {"only_if_changed": True, "report_dir": str(report_dir)}, report_dir)
        if (report_dir / "connection.built").exists():  # built and validated: the marts' Asset was emitted
            print("… report: lägesbilden byggs om från de nya marts", flush=True)
            run_dag("report", {"report_dir": str(report_dir)}, report_dir)
    return report_dir


def _new_report_dir() -> Path:
    """The run's own report folder, named by the time; two runs started in the same second (two ``make run``
    at once) get one each, or their summaries would overwrite each other."""
    runs = config.state_dir() / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    for name in (stamp, f"{stamp}-{os.getpid()}"):
        try:
            (runs / name).mkdir()
            return runs / name
        except FileExistsError:
            continue
    raise FileExistsError(runs / stamp)
