"""Where the warehouse is: the Airflow connection ``warehouse_db`` first, then ``WAREHOUSE_URL``, then the
embedded server; a connection's fields become a libpq URL with only libpq's own extras."""

from __future__ import annotations

import json

import pytest

from ingestion.db import connection


@pytest.fixture(autouse=True)
def _fresh_lookup():
    connection._airflow_connection_url.cache_clear()
    yield
    connection._airflow_connection_url.cache_clear()


def test_the_airflow_connection_wins_over_warehouse_url(monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://postgres@127.0.0.1:5432/fallback")
    assert connection.warehouse_url() == "postgresql://postgres@127.0.0.1:5432/fallback"
    monkeypatch.setenv(
        "AIRFLOW_CONN_WAREHOUSE_DB",
        json.dumps(
            {
                "conn_type": "postgres",
                "host": "warehouse-db",
                "port": 5432,
                "login": "warehouse",
                "password": "p@ss/ord",
                "schema": "warehouse",
                "extra": {"passfile": "/run/secrets/warehouse_pgpass", "sslmode": "require", "cursor": "dictcursor"},
            }
        ),
    )
    assert connection.warehouse_url() == (
        "postgresql://warehouse:p%40ss%2Ford@warehouse-db:5432/warehouse"
        "?passfile=%2Frun%2Fsecrets%2Fwarehouse_pgpass&sslmode=require"
    )


def test_a_connection_without_password_or_port_and_the_uri_form(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DB", "postgres://analys@db.example:6543/lager")
    assert connection.warehouse_url() == "postgresql://analys@db.example:6543/lager"
    assert connection.connection_url("h", None, None, None, None) == "postgresql://h/postgres"


def test_without_the_connection_warehouse_url_is_used(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE_DB", raising=False)
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://postgres@127.0.0.1:5432/other")
    assert connection.warehouse_url() == "postgresql://postgres@127.0.0.1:5432/other"
