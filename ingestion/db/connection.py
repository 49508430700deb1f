"""Connecting to the warehouse and creating its schemas, roles and raw tables."""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from ingestion.core import config
from ingestion.db import embedded

WAREHOUSE_CONNECTION = "warehouse_db"
# The connection's extras that are libpq connection parameters (the rest, Airflow's own, are not passed on)
LIBPQ_PARAMETERS = frozenset(
    {
        "application_name",
        "connect_timeout",
        "keepalives",
        "keepalives_idle",
        "options",
        "passfile",
        "sslcert",
        "sslcrl",
        "sslkey",
        "sslmode",
        "sslrootcert",
        "target_session_attrs",
    }
)


def warehouse_url() -> str:
    """The admin URL of the warehouse database, from the first of:

    1. the Airflow connection ``warehouse_db`` (:data:`WAREHOUSE_CONNECTION`), when Airflow runs this process
       (a task) or ``AIRFLOW_CONN_WAREHOUSE_DB`` is set: a deployment keeps it where it keeps its other
       connections (environment, secrets backend, metadata database);
    2. ``WAREHOUSE_URL``;
    3. the project's own embedded PostgreSQL (it must have been started with ``python -m ingestion db
       start``, which ``make`` does for you). The embedded server's URL holds no password: it names the
       libpq password file the password is read from.
    """
    url = _from_airflow()
    if url:
        return url
    url = os.environ.get("WAREHOUSE_URL")
    if url:
        return url
    return embedded.url()


def _from_airflow() -> str | None:
    """The ``warehouse_db`` connection as a libpq URL, or ``None`` (not in Airflow, or no such connection).
    Asked only where Airflow is loaded already or the connection is in the environment: importing Airflow
    to find nothing would cost the command line a second."""
    declared = os.environ.get(f"AIRFLOW_CONN_{WAREHOUSE_CONNECTION.upper()}")
    if declared or "airflow.sdk" in sys.modules:
        return _airflow_connection_url(declared)
    return None


@functools.cache
def _airflow_connection_url(declared: str | None) -> str | None:
    """Looked up once per process (and per value of the environment variable): a task asks often."""
    found = config.airflow_connection(WAREHOUSE_CONNECTION)
    if found is None:
        return None
    return connection_url(found.host, found.port, found.login, found.password, found.schema, found.extra_dejson)


def connection_url(
    host: str | None,
    port: int | None,
    login: str | None,
    password: str | None,
    database: str | None,
    extra: dict | None = None,
) -> str:
    """A libpq URL from a connection's fields; of its extras only libpq's own parameters (``sslmode``,
    ``passfile``, …) are kept."""
    user = quote(login or "", safe="")
    if user and password:
        user += ":" + quote(password, safe="")
    netloc = f"{user}@" if user else ""
    netloc += host or "127.0.0.1"
    if port:
        netloc += f":{port}"
    query = urlencode(sorted((k, str(v)) for k, v in (extra or {}).items() if k in LIBPQ_PARAMETERS))
    return urlunsplit(("postgresql", netloc, f"/{database or 'postgres'}", query, ""))


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
    env = {
        "WAREHOUSE_HOST": parts.hostname or "127.0.0.1",
        "WAREHOUSE_PORT": str(parts.port or 5432),
        "WAREHOUSE_USER": parts.username or "postgres",
        "WAREHOUSE_PASSWORD": parts.password or "",
        "WAREHOUSE_DBNAME": parts.path.lstrip("/") or "postgres",
    }
    # dbt's profile has no passfile setting; libpq (under dbt's psycopg2) reads the same file from PGPASSFILE.
    passfiles = parse_qs(parts.query).get("passfile")
    if passfiles:
        env["PGPASSFILE"] = passfiles[0]
    return env


ANALYST_LOGIN = "analytiker"
ANALYST_ROLE = "analyst"
_LOGIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def analyst_passfile(login: str) -> Path:
    """Where the password of an analyst login made by :func:`analyst_login` is kept (a libpq password file,
    0600, apart from the admin's so that it can be handed over alone)."""
    return config.state_dir() / "logins" / f"{login}.pgpass"


def analyst_login(url: str | None = None, login: str = ANALYST_LOGIN) -> str:
    """Create (or update) a LOGIN user that is a member of ``analyst`` and nothing else, with a generated
    password kept in :func:`analyst_passfile`; return the URL to connect with (it names the password file,
    never the password, so it can be printed).

    The password is kept across calls (a client set up with it keeps working); delete the file and call
    again to change it. The file names the server's host and port and any database, so one login reads the
    marts of every warehouse database on the server (``make run``'s and ``make demo``'s). The password
    reaches the server as a SCRAM verifier computed here, never in clear text. The warehouse's migrations
    must have run (they create the ``analyst`` role). A role of that name that is a superuser or a member
    of any other role is refused, not narrowed: it was not made here."""
    if not _LOGIN_NAME.fullmatch(login) or login == ANALYST_ROLE or login.startswith(("warehouse_", "pg_")):
        raise ValueError(
            f"Ogiltigt namn på inloggningen: {login!r} (små bokstäver, siffror och _, inte en av projektets roller)"
        )
    url = url or warehouse_url()
    parts = urlsplit(url)
    host, port_number = parts.hostname or "127.0.0.1", parts.port or 5432
    path = analyst_passfile(login)
    # The password file is the one place the password is kept: its last field, URL-safe characters only.
    password = path.read_text(encoding="utf-8").strip().rsplit(":", 1)[-1] if path.exists() else ""
    password = password or embedded.generate_password()
    # Kept before the server has it: a failure in between leaves a password the next call sets, never a
    # login whose password is nowhere.
    embedded.write_private(path, embedded.passfile_line(host, port_number, login, password))
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_roles where rolname = %s", (ANALYST_ROLE,)).fetchone():
            raise RuntimeError(f"Rollen {ANALYST_ROLE} finns inte: kör först `python -m ingestion db start`.")
        existing = conn.execute(
            "select rolsuper or rolcreaterole or rolcreatedb or rolreplication or rolbypassrls, "
            "array(select b.rolname from pg_auth_members m join pg_roles b on b.oid = m.roleid "
            "      where m.member = r.oid and b.rolname <> %s) "
            "from pg_roles r where rolname = %s",
            (ANALYST_ROLE, login),
        ).fetchone()
        if existing and (existing[0] or existing[1]):
            raise RuntimeError(
                f"Rollen {login} finns redan med fler rättigheter än rollen {ANALYST_ROLE}: välj ett annat namn."
            )
        verifier = conn.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode("ascii")
        statement = "alter role {} with login password {}" if existing else "create role {} with login password {}"
        conn.execute(sql.SQL(statement).format(sql.Identifier(login), sql.Literal(verifier)))
        conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(ANALYST_ROLE), sql.Identifier(login)))
    login_url = parts._replace(netloc=f"{login}@{host}:{port_number}", query=f"passfile={quote(str(path), safe='/')}")
    return urlunsplit(login_url)


def psql_command(url: str) -> str:
    """The command an analyst runs to open ``url`` in psql (the project's own psql when none is installed)."""
    psql = shutil.which("psql") or str(embedded.bindir() / "psql")
    return shlex.join([psql, url])
