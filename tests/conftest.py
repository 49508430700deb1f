"""Test fixtures: a fresh database per test session on a real PostgreSQL.

The server is ``WAREHOUSE_URL``'s when set, else the project's embedded PostgreSQL (started here
if needed). Each session creates its own database and drops it at the end, so tests never touch
the demo data.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from ingestion.core import config as project_config
from ingestion.db import connection, embedded

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
def test_db_factory(server_url):
    """Create fresh bootstrapped databases; all are dropped at the end of the session."""
    created: list[str] = []

    def make() -> str:
        name = f"samverkan_test_{uuid.uuid4().hex[:10]}"
        url = connection.with_database(server_url, name)
        connection.bootstrap(url)
        created.append(name)
        return url

    yield make
    for name in created:
        connection.drop_database(connection.with_database(server_url, name))


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
    """Environment for `airflow dags test`: the project's DAG folder and a migrated Airflow home."""
    import subprocess
    import sys

    home = Path(os.environ.get("AIRFLOW_HOME", project_config.state_dir() / "airflow"))
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(project_config.PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    os.environ.update(env)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / ".migrated").exists():
        airflow = str(Path(sys.executable).parent / "airflow")
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
        (home / ".migrated").touch()
    return env


def pytest_collection_modifyitems(items):
    """Mark each test by its folder (unit, integration, airflow), so that ``-m`` selects a part."""
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in ("unit", "integration", "airflow"):
            item.add_marker(folder)
