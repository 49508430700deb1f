"""How the DAGs' tasks behave when something goes wrong, in one place: retries, pools and the failure log.

- **Retries with backoff** on tasks that can fail for a moment (the database restarting, a lost connection,
  a worker that died): :data:`TRANSIENT` (three more tries, 30 s doubling up to 10 min). None on a refusal
  that another try cannot change: a contract rejection is not an error at all (the delivery is quarantined
  and the task succeeds), and a missing or wrong pseudonym key fails at once
  (:class:`~airflow.sdk.exceptions.AirflowFailException`, which Airflow never retries).
- **Pools** (:data:`POOLS`): at most one dbt build and one registry load at a time across every worker of a
  deployment. The build lock and the source locks in PostgreSQL would hold a second one anyway, but then it
  would occupy a worker slot while it waits; a pool keeps it queued instead. ``python -m ingestion
  airflow-init`` creates them (``make airflow-init``, the compose file's ``airflow-init``).
- **One line per failed try** (:func:`record_failure` and :func:`record_retry`, every task's
  ``on_failure_callback`` and ``on_retry_callback``): ``failed_tasks.log`` in ``FAILURE_LOG_DIR`` (default
  ``<state>/runs``; a deployment points it at a folder every Airflow component shares, as the compose file
  does with the logs volume: the callback of a task whose worker died runs in the dag-processor), and in the
  run's own report folder when it has one (``make run``). The line names the task, the try, the worker and the
  exception's type, never its text: a database error can quote a delivered value.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingestion.core import config

DBT_POOL = "dbt_build"
REGISTRY_POOL = "registry_load"
POOLS = {
    DBT_POOL: (1, "En dbt build åt gången över alla arbetare (lagrets byggen väntar annars på byggläset)"),
    REGISTRY_POOL: (1, "En inläsning av registerutdrag åt gången (en månad är hundratusentals rader)"),
}

TRANSIENT = {
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}
FAILURE_LOG = "failed_tasks.log"
FAILURE_LOG_DIR_ENV = "FAILURE_LOG_DIR"


def failure_log_dir() -> Path:
    return Path(os.environ.get(FAILURE_LOG_DIR_ENV) or config.state_dir() / "runs")


def default_args() -> dict:
    """The DAGs' ``default_args``: retries with backoff and the failure line on every task."""
    return TRANSIENT | {"on_failure_callback": record_failure, "on_retry_callback": record_retry}


def failure_line(context: dict, outcome: str = "misslyckades") -> str:
    """``time  dag  run  task[index]  try n  host  outcome  exception type`` (tab-separated)."""
    ti = context["ti"]
    error = context.get("exception")
    task = ti.task_id if getattr(ti, "map_index", -1) in (-1, None) else f"{ti.task_id}[{ti.map_index}]"
    fields = [
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ti.dag_id,
        ti.run_id,
        task,
        f"försök {ti.try_number}",
        getattr(ti, "hostname", None) or socket.getfqdn(),
        outcome,
        type(error).__name__ if isinstance(error, BaseException) else "okänt fel (arbetaren svarade inte)",
    ]
    return "\t".join(str(field) for field in fields)


def record_failure(context: dict) -> None:
    """``on_failure_callback``: the task failed for good (no tries left, or a refusal)."""
    _record(context, "misslyckades")


def record_retry(context: dict) -> None:
    """``on_retry_callback``: the try failed and the task will be tried again."""
    _record(context, "försöks igen")


def _record(context: dict, outcome: str) -> None:
    """Append the line to the failure logs, once per try and outcome (a try whose worker died is reported by
    the scheduler's heartbeat check, which may ask twice); never raises: a callback's error would hide the
    task's."""
    try:
        line = failure_line(context, outcome)
        key = line.split("\t")[1:7]
        folders = [failure_log_dir()]
        report_dir = (context.get("params") or {}).get("report_dir")
        if report_dir:
            folders.append(Path(report_dir))
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / FAILURE_LOG
            if path.exists() and any(old.split("\t")[1:7] == key for old in path.read_text("utf-8").splitlines()):
                continue
            with open(path, "a", encoding="utf-8") as log:
                log.write(line + "\n")
    except Exception:  # the task's own failure is what matters; this is a convenience
        return


def ensure_pools(env: dict[str, str] | None = None) -> None:
    """Create or update :data:`POOLS` in Airflow's metadata database (one ``airflow pools import``)."""
    import json
    import os
    import subprocess
    import sys
    import tempfile

    pools = {
        name: {"slots": slots, "description": text, "include_deferred": False} for name, (slots, text) in POOLS.items()
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as file:
        json.dump(pools, file, ensure_ascii=False)
        file.flush()
        subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), "pools", "import", file.name],
            check=True,
            capture_output=True,
            env=env or os.environ.copy(),
        )
