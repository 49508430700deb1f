"""Connecting to the warehouse and creating its schemas, roles and raw tables."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from ingestion.db import embedded


def warehouse_url() -> str:
    """The admin URL of the warehouse database.

    ``WAREHOUSE_URL`` wins; without it the project's own embedded PostgreSQL is used (it must have
    been started with ``python -m ingestion db start``, which ``make`` does for you).
    """
    url = os.environ.get("WAREHOUSE_URL")
    if url:
        return url
    return embedded.url()


def connect(url: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url or warehouse_url(), **kwargs)


def with_database(url: str, name: str) -> str:
    """The same server and user as ``url``, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    """Drop the database named in ``url`` (sessions on it are ended), if it exists."""
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(urlsplit(url).path.lstrip("/")))
        )


@contextmanager
def scratch_database(prefix: str = "samverkan_scratch") -> Iterator[str]:
    """A new bootstrapped database on the warehouse's server, dropped afterwards (tests, benchmarks)."""
    url = with_database(warehouse_url(), f"{prefix}_{uuid.uuid4().hex[:10]}")
    bootstrap(url)
    try:
        yield url
    finally:
        drop_database(url)


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` if the server does not have it yet."""
    name = urlsplit(url).path.lstrip("/") or "postgres"
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def bootstrap(url: str | None = None) -> list[str]:
    """Bring the warehouse's schemas, roles, raw tables and load audit up to date: apply the migrations
    it has not had yet (:func:`ingestion.db.migrate.migrate`, creating the database if needed). Returns the
    revisions applied (none when it is up to date)."""
    from ingestion.db.migrate import migrate

    return migrate(url or warehouse_url())


def dbt_env(url: str | None = None) -> dict[str, str]:
    """Connection settings for dbt's profile, derived from the warehouse URL."""
    parts = urlsplit(url or warehouse_url())
    return {
        "WAREHOUSE_HOST": parts.hostname or "127.0.0.1",
        "WAREHOUSE_PORT": str(parts.port or 5432),
        "WAREHOUSE_USER": parts.username or "postgres",
        "WAREHOUSE_PASSWORD": parts.password or "",
        "WAREHOUSE_DBNAME": parts.path.lstrip("/") or "postgres",
    }
