"""Test fixtures: a fresh database per test session on a real PostgreSQL.

The server is ``WAREHOUSE_URL``'s when set, else the project's embedded PostgreSQL (started here
if needed). Each session creates its own database and drops it at the end, so tests never touch
the demo data.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ingestion.core import config as project_config
from ingestion.db import connection, embedded

# Tests write a delivery and look for it at once: no quiet period (an upload is finished when written), unless
# a test sets one. Set before anything runs, so Airflow's subprocesses see it too.
os.environ.setdefault("UPLOAD_QUIET_SECONDS", "0")

FIXTURES = Path(__file__).parent / "fixtures"
REGISTER = FIXTURES / "agreement_register"
SNAPSHOT_1 = REGISTER / "overenskommelser_2024-06-30"
SNAPSHOT_2 = REGISTER / "overenskommelser_2024-12-31"
INVALID = REGISTER / "invalid" / "overenskommelser_2025-01-31"


def _server_url() -> str:
    url = os.environ.get("WAREHOUSE_URL")
    if url:
        return url
    return embedded.start()


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


@pytest.fixture(scope="session")
def test_db_factory(server_url, tmp_path_factory):
    """Create fresh migrated databases; all are dropped at the end of the session.

    The migrations run once, into a template database; every test database is a copy of it
    (``create database … template``), which takes a fraction of running the migrations again.
    """
    created: list[str] = []
    template = f"samverkan_test_template_{uuid.uuid4().hex[:10]}"

    def make() -> str:
        if not created:
            connection.bootstrap(connection.with_database(server_url, template))
            created.append(template)
        name = f"samverkan_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(connection.with_database(server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'create database "{name}" template "{template}"')
        created.append(name)
        return connection.with_database(server_url, name)

    yield make
    try:  # issue 11: no personnummer the tests used in any test database (tests/personnummer_scan.py)
        import personnummer_scan

        urls = [connection.with_database(server_url, name) for name in created[1:]]
        personnummer_scan.check_session_databases(urls, tmp_path_factory.getbasetemp())
    finally:
        for name in reversed(created):
            connection.drop_database(connection.with_database(server_url, name))


@pytest.fixture(scope="session", autouse=True)
def personnummer_scan_of_the_session(tmp_path_factory) -> Iterator[None]:
    """Issue 11: after the last test (of this worker), no personnummer the tests used may be in any file they
    wrote but the deliveries: reports, run summaries, logs, XCom, dbt's artifacts (tests/personnummer_scan.py).
    A find fails the session, naming the file, never the number."""
    import time

    import personnummer_scan

    started = time.time()
    yield
    personnummer_scan.check_session_files(tmp_path_factory.getbasetemp(), started)


@pytest.fixture
def db_url(test_db_factory, monkeypatch) -> str:
    """A fresh, empty warehouse database, also exported as WAREHOUSE_URL for code under test."""
    url = test_db_factory()
    monkeypatch.setenv("WAREHOUSE_URL", url)
    return url


@pytest.fixture
def quarantine(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "quarantine"
    monkeypatch.setenv("QUARANTINE_DIR", str(target))
    monkeypatch.setenv("QUARANTINE_MODE", "copy")
    return target


@pytest.fixture
def landing(tmp_path) -> Path:
    """A landing folder holding copies of the sample register deliveries (incl. ``invalid/``)."""
    target = tmp_path / "landing"
    shutil.copytree(REGISTER, target / "agreement_register")
    return target


def copy_register_and_forms(landing: Path, forms: str = "*.*") -> None:
    """Into ``landing``: the sample register's two valid snapshots (2024-06-30, 2024-12-31) and the sample
    follow-up forms matching ``forms`` (the tests of the outcomes and the report build on them)."""
    for snapshot in ("overenskommelser_2024-06-30", "overenskommelser_2024-12-31"):
        shutil.copytree(REGISTER / snapshot, landing / "agreement_register" / snapshot)
    (landing / "followup_forms").mkdir(parents=True)
    for form in (FIXTURES / "followup_forms").glob(forms):
        shutil.copy(form, landing / "followup_forms" / form.name)


# dbt selections (``dbt_build(url, select=…)``): the models a test reads and everything they are built from, so
# that a test builds its part of the warehouse and not the rest.
REGISTER_MODELS = (
    "+dim_agreement +bridge_agreement_municipality +bridge_agreement_party +bridge_agreement_target_group"
    " +mart_agreement_summary +mart_municipality_coverage +dim_organisation +dim_county +dim_period"
)
FORMS_MODELS = "+path:models/marts/followup_forms"
SURVEY_MODELS = "+path:models/marts/survey"
REGISTRY_MODELS = "+tag:registry"


@pytest.fixture(scope="module")
def module_db(test_db_factory) -> Iterator[str]:
    """A warehouse database shared by the tests of one module (built once, then only read), exported as
    WAREHOUSE_URL for code under test while the module runs."""
    url = test_db_factory()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", url)
        yield url


@pytest.fixture(scope="module")
def module_quarantine(tmp_path_factory) -> Iterator[Path]:
    target = tmp_path_factory.mktemp("quarantine")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUARANTINE_DIR", str(target))
        patch.setenv("QUARANTINE_MODE", "copy")
        yield target


def table_counts(url: str) -> dict[str, int]:
    """Row counts of every table in raw and meta: "nothing changed" means these are equal."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'meta') order by 1"
        ).fetchall()
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in tables}


def pytest_report_header():
    where = "WAREHOUSE_URL" if os.environ.get("WAREHOUSE_URL") else "embedded PostgreSQL"
    return [f"warehouse server: {where}; dbt: {project_config.dbt_executable()}"]


@pytest.fixture(scope="session")
def airflow_env() -> dict[str, str]:
    """Environment for `airflow dags test`: the project's DAG folder and a migrated Airflow home.

    Under pytest-xdist each worker gets a home of its own, with a copy of the migrated metadata database
    (SQLite: two workers' DAG runs must not share one file)."""
    import subprocess
    import sys

    home = Path(os.environ.get("AIRFLOW_HOME", project_config.state_dir() / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    # migrated once per home, the pools made (what `make airflow-init` does: a no-op after it)
    subprocess.run(
        [sys.executable, "-m", "ingestion", "airflow-init"],
        check=True,
        capture_output=True,
        env=os.environ | {"AIRFLOW_HOME": str(home)},
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        own = project_config.state_dir() / "test-workers" / worker / "airflow"
        if own.exists():
            shutil.rmtree(own)
        own.mkdir(parents=True)
        shutil.copy2(home / "airflow.db", own / "airflow.db")
        home = own
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(project_config.PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    os.environ.update(env)
    return env


def pytest_configure(config):
    """Under pytest-xdist (``make test`` runs two workers) each worker gets its own dbt artifacts and log
    folder: two dbt builds at once must not read each other's run_results.json."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        base = project_config.state_dir() / "test-workers" / worker
        os.environ["DBT_TARGET_PATH"] = str(base / "dbt-target")
        os.environ["DBT_LOG_PATH"] = str(base / "dbt-logs")


def pytest_collection_modifyitems(items):
    """Mark each test by its folder (unit, integration, airflow), so that ``-m`` selects a part. ``make test``
    runs two pytest-xdist workers with ``--dist loadfile``: a module's tests stay on one worker, in order (they
    share its built warehouse)."""
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in ("unit", "integration", "airflow"):
            item.add_marker(folder)
