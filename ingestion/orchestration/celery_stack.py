"""A distributed Airflow on this machine: the production shape (CeleryExecutor, Redis as the broker,
PostgreSQL as the metadata database) with every component a local process. ``make airflow-celery`` starts
it for a person to look at; the distributed test (``tests/airflow/test_celery_stack.py``) starts it, runs
the DAGs on it and kills a worker. The compose file (``docker/docker-compose.yml``) runs the same
components, one container each.

Components: the api-server, the scheduler, the dag-processor, the triggerer and N Celery workers, each in
a session of its own (so that stopping one stops everything it started), sharing one Airflow home, one
metadata database and the project's DAG folder. On one machine every process has the same host name, so
each worker is given a name of its own (``WORKER_HOSTNAME``, read by :func:`hostname`, Airflow's
``[core] hostname_callable`` here): the task instances in the metadata database say which worker ran them.
The workers do not serve their logs (``--skip-serve-logs``): they write them into the shared Airflow home,
where the api-server reads them, as the compose file's shared logs volume does.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ingestion.core import config

HOSTNAME_ENV = "WORKER_HOSTNAME"
COMPONENTS = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}


def hostname() -> str:
    """The host name Airflow records for a task (``[core] hostname_callable`` of this stack): the worker's
    own name where one is set, else the machine's."""
    return os.environ.get(HOSTNAME_ENV) or socket.getfqdn()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sqlalchemy_url(libpq_url: str) -> str:
    """Airflow's metadata URL (SQLAlchemy, psycopg2) for a libpq URL; a ``passfile`` parameter stays a
    connection parameter, which psycopg2 hands to libpq."""
    parts = urlsplit(libpq_url)
    return parts._replace(scheme="postgresql+psycopg2").geturl()


def connection_json(libpq_url: str) -> str:
    """The Airflow connection (JSON form) for a libpq URL: ``AIRFLOW_CONN_WAREHOUSE_DB``."""
    parts = urlsplit(libpq_url)
    extra = {k: v[0] for k, v in parse_qs(parts.query).items()}
    fields = {
        "conn_type": "postgres",
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "login": parts.username,
        "password": parts.password,
        "schema": parts.path.lstrip("/") or "postgres",
        "extra": extra,
    }
    return json.dumps({k: v for k, v in fields.items() if v not in (None, {})})


@dataclass
class Stack:
    """The stack's environment and its running processes (see the module's docstring)."""

    home: Path
    env: dict[str, str]
    metadata_url: str  # libpq URL of Airflow's metadata database
    api_port: int
    health_port: int
    queue: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def airflow(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        """An ``airflow`` command against this stack."""
        return subprocess.run(
            [str(Path(sys.executable).parent / "airflow"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def init(self) -> None:
        """Migrate the metadata database and create the project's pools (``python -m ingestion airflow-init``)."""
        subprocess.run(
            [sys.executable, "-m", "ingestion", "airflow-init"], env=self.env, check=True, capture_output=True
        )

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        logs = self.home / "processes"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"{name}.log", "wb") as log:  # this run's (wait_ready reads it)
            self.processes[name] = subprocess.Popen(
                [str(Path(sys.executable).parent / "airflow"), *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() and kill() reach all it starts
            )

    def start(self, workers: int = 2) -> None:
        for name, args in COMPONENTS.items():
            self._spawn(name, args, self.env)
        for i in range(1, workers + 1):
            self.start_worker(f"worker-{i}")

    def start_worker(self, name: str) -> None:
        concurrency = self.env.get("AIRFLOW__CELERY__WORKER_CONCURRENCY", "1")
        args = ["celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", self.queue]
        self._spawn(name, [*args, "--concurrency", concurrency, "--skip-serve-logs"], self.env | {HOSTNAME_ENV: name})

    def log(self, name: str) -> str:
        path = self.home / "processes" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_ready(self, timeout: float = 300) -> None:
        """Until the api-server answers, the scheduler reports healthy and every worker is ready; a component
        that exits before is an error with the end of its log."""
        deadline = time.monotonic() + timeout
        pending = {"api-server", "scheduler", *(n for n in self.processes if n.startswith("worker-"))}
        while pending:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    tail = "\n".join(self.log(name).splitlines()[-40:])
                    raise RuntimeError(f"{name} avslutades (kod {process.returncode}):\n{tail}")
            if "api-server" in pending and _answers(f"{self.api_url}/api/v2/version"):
                pending.discard("api-server")
            if "scheduler" in pending and _answers(f"http://127.0.0.1:{self.health_port}/health"):
                pending.discard("scheduler")
            for name in [n for n in pending if n.startswith("worker-")]:
                if " ready." in self.log(name):  # Celery's "celery@<name> ready."
                    pending.discard(name)
            if time.monotonic() > deadline:
                raise TimeoutError(f"inte redo efter {timeout:.0f} s: {', '.join(sorted(pending))}")
            time.sleep(1)

    def kill(self, name: str) -> list[int]:
        """``kill -9`` a component and every process it started, as when its machine or container dies;
        returns the pids killed."""
        import psutil

        process = self.processes[name]
        try:
            tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for p in tree:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        process.wait()
        return [p.pid for p in tree]

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM every component's process group (a worker finishes its task first: Celery's warm shutdown),
        then SIGKILL whatever is left after ``timeout``."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)
            process.wait()
        for pid in leftover_processes(self.home):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def metadata(self):
        """A connection to the metadata database (to read DAG runs and task instances)."""
        import psycopg

        return psycopg.connect(self.metadata_url, autocommit=True)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def leftover_processes(home: Path) -> list[int]:
    """Processes still running with this stack's Airflow home in their environment (what stop() must not
    leave behind)."""
    import psutil

    found = []
    for p in psutil.process_iter(["pid"]):
        try:
            if p.environ().get("AIRFLOW_HOME") == str(home) and p.pid != os.getpid():
                found.append(p.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def configure(
    home: Path,
    metadata_url: str,
    warehouse_url: str,
    broker_url: str,
    api_port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Stack:
    """The stack's environment. The warehouse is the Airflow connection ``warehouse_db``
    (``AIRFLOW_CONN_WAREHOUSE_DB``, the production way), not ``WAREHOUSE_URL``; the secrets (Fernet key, the
    API's JWT and session keys) are made here, shared by all components, as a deployment keeps them in its
    secret store."""
    from cryptography.fernet import Fernet

    home.mkdir(parents=True, exist_ok=True)
    api_port = api_port or free_port()
    health_port = free_port()
    queue = f"samverkan-{secrets.token_hex(4)}"  # several stacks may share one Redis
    env = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_URL"}
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(metadata_url),
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": broker_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),  # 64 bytes: HS512 wants at least that
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(32),
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.hostname",
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(health_port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        # INFO whatever the caller's level: a worker says it is ready ("celery@worker-1 ready.") at INFO
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW_CONN_WAREHOUSE_DB": connection_json(warehouse_url),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    env |= extra_env or {}
    return Stack(home, env, metadata_url, api_port, health_port, queue)


def serve(workers: int = 2, landing: str | None = None) -> int:
    """``make airflow-celery``: the stack on the warehouse's server (database ``airflow_celery`` for Airflow's
    metadata, Redis at ``CELERY_BROKER_URL`` or 127.0.0.1:6379), the UI on http://localhost:8080 (or
    ``AIRFLOW_PORT``), every DAG unpaused over ``landing`` (copied from, never moved: ``QUARANTINE_MODE=copy``),
    until Ctrl-C stops every process."""
    from ingestion.db import connection

    if landing:
        os.environ["LANDING_DIR"] = str(Path(landing).resolve())
    os.environ.setdefault("QUARANTINE_MODE", "copy")
    warehouse = connection.warehouse_url()
    metadata = connection.with_database(warehouse, "airflow_celery")
    connection.ensure_database(metadata)
    home = config.state_dir() / "airflow-celery"
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    stack = configure(home, metadata, warehouse, broker, api_port=int(os.environ.get("AIRFLOW_PORT", 8080)))
    stack.env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = "2"
    print(f"… Airflow med CeleryExecutor: metadata i databasen airflow_celery, mäklare {broker}", flush=True)
    stack.init()

    def interrupt(*_):
        raise KeyboardInterrupt

    # Ctrl-C, and SIGTERM as Ctrl-C (also where SIGINT came in ignored: a job started in the background)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        stack.start(workers)
        stack.wait_ready()
        for _ in range(60):  # the dag-processor's first pass over the DAG folder
            with stack.metadata() as conn:
                if conn.execute("select count(*) from dag").fetchone()[0] >= 6:
                    break
            time.sleep(2)
        stack.airflow("dags", "unpause", "--treat-dag-id-as-regex", "-y", ".*")
        print(
            f"Airflow UI: http://localhost:{stack.api_port} ({workers} Celery-arbetare: "
            + ", ".join(n for n in stack.processes if n.startswith("worker-"))
            + f"; loggar i {home / 'processes'}; landningsmapp {config.landing_dir()}). Alla DAG:ar är igång; "
            "Ctrl-C stoppar allt.",
            flush=True,
        )
        while True:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"{name} avslutades (kod {process.returncode}); se {home / 'processes' / name}.log")
                    raise KeyboardInterrupt
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("… stoppar alla processer", flush=True)
        stack.stop()
        left = leftover_processes(home)
        print("Allt stoppat." if not left else f"Kvar: {left}", flush=True)
    return 0
