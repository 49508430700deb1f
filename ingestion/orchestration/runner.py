"""``make run`` and ``make demo``: run every pipeline once with Airflow.

Each DAG runs with ``airflow dags test`` (a real DAG run, no scheduler needed): first every source
DAG over the landing folder, then the warehouse DAG (dbt build + GX on the marts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ingestion.core import config
from ingestion.db import connection
from ingestion.sources import SOURCES


class DagRunFailed(RuntimeError):
    pass


def run_dag(dag_id: str, conf: dict | None, log_dir: Path) -> None:
    """``airflow dags test`` one DAG; its output goes to ``log_dir/<dag_id>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{dag_id}.log"
    command = [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id]
    if conf:
        command += ["-c", json.dumps(conf)]
    with open(log_path, "w") as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-30:])
        raise DagRunFailed(f"DAG {dag_id} misslyckades (hela loggen: {log_path}):\n{tail}")


def run_all(landing: Path) -> Path:
    """Run every source DAG over ``landing``, then the warehouse DAG if anything new was loaded
    (as the Asset schedule would) or the marts do not exist yet; return the report folder."""
    landing = Path(landing).resolve()
    if not landing.is_dir():
        raise SystemExit(f"Landningsmappen {landing} finns inte.")
    os.environ.setdefault("QUARANTINE_MODE", "copy")
    report_dir = config.state_dir() / "runs" / datetime.now().strftime("%Y%m%dT%H%M%S")
    for source in SOURCES:
        print(f"… {source.name}: letar efter leveranser i {landing / source.name}", flush=True)
        run_dag(source.name, {"landing_dir": str(landing), "report_dir": str(report_dir)}, report_dir)
    newest = newest_load_id()
    if newest is None or newest != last_built_load_id():
        print("… warehouse: dbt build och validering av marts", flush=True)
        run_dag("warehouse", None, report_dir)
        _build_marker().write_text(json.dumps({"newest_load_id": newest}))
        (report_dir / "connection.built").touch()
    else:
        print("… warehouse: inget nytt inläst sedan förra bygget, lagret byggs inte om", flush=True)
    return report_dir


def newest_load_id() -> int | None:
    with connection.connect() as conn:
        return conn.execute("select max(load_id) from meta.load_audit").fetchone()[0]


def _build_marker() -> Path:
    """Per database: the newest load the last successful build saw (a failed build leaves it behind,
    so the next run builds again even though nothing new arrived, as a retried Asset event would)."""
    from urllib.parse import urlsplit

    parts = urlsplit(connection.warehouse_url())
    folder = config.state_dir() / "builds"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{parts.hostname}_{parts.port}_{parts.path.lstrip('/')}.json"


def last_built_load_id() -> int | None:
    marker = _build_marker()
    return json.loads(marker.read_text())["newest_load_id"] if marker.exists() else -1
