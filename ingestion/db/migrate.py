"""Ordered schema migrations of the warehouse (Alembic), applied programmatically on every start.

The schema used to be made by one idempotent script of ``create ... if not exists``: a table could
never change in a warehouse that already held data. Now each change is a revision, applied once and
recorded in ``meta.schema_migrations``. The first revisions are that script split up (core, then one
per source), still idempotent, so a warehouse built by it is adopted: migrating records them as
applied and changes nothing; later revisions then alter it like any other.

Where revisions live: the core ones in ``ingestion/db/migrations/versions/``, each source's in
``ingestion/sources/<source>/migrations/`` (found by glob, so a new source only adds its folder).
They form one linear chain: a new revision's ``down_revision`` is the current head, wherever that is.

No alembic.ini: the configuration is built here, so there is one way to migrate (this module) and
nothing to keep in step with it. To write a new revision, copy the latest one (or use
``alembic.command.revision(alembic_config(), message, rev_id=..., version_path=...)``).
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# Alembic's own INFO lines (plugins set up, "Context impl PostgresqlImpl", each step) would fill every
# task log at each start; the revisions applied are logged below instead. Whoever wants Alembic's lines
# sets the level of the "alembic" logger (any level set before or after this import wins). Alembic
# logs some of them when imported, hence its imports inside the functions (which also keeps this
# module cheap to import for DAG parsing).
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)

# Serialises migrations on one server: roles are cluster-wide (their creation and grants race between
# two databases being migrated at once) and two processes may both find the database missing. Taken
# in the server's "postgres" database, as advisory locks are per database: the old bootstrap() took
# this same number in the warehouse database itself, which serialised only runs on that database.
MIGRATION_LOCK_KEY = 7243501
# The other advisory locks of the project, beside this one so that no two share a number (the helpers that
# take them are in ingestion/db/locks.py). Both are taken in the warehouse database itself, so they hold per
# warehouse: two warehouses on one server build and load independently.
# - BUILD_LOCK_KEY: one dbt build at a time per warehouse (ingestion.orchestration.transform.dbt_build), for the
#   build's whole duration, on a connection of its own.
# - SOURCE_LOCK_KEY: with a second key per source (the CRC-32 of its name, two-key form), loads of one source
#   serialised (a DAG's load task, ingestion.sources.ingest), so the "already loaded?" check and the load
#   cannot interleave between two runs.
BUILD_LOCK_KEY = 7243502
SOURCE_LOCK_KEY = 7243503

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def execute_sql_beside(revision_file: str) -> None:
    """For a revision kept as SQL: run the ``.sql`` file of the same name as ``revision_file``, through the
    driver (the SQL has ``%`` and ``::``, which SQLAlchemy's parameter handling would take)."""
    from alembic import op

    sql_text = Path(revision_file).with_suffix(".sql").read_text(encoding="utf-8")
    op.get_bind().connection.driver_connection.execute(sql_text)


def refuse_baseline_downgrade(revision: str) -> None:
    raise RuntimeError(f"the baseline cannot be downgraded ({revision}): it would drop the warehouse's data")


SOURCES = Path(__file__).resolve().parent.parent / "sources"


def version_locations() -> list[Path]:
    """The core revisions, then every source's ``migrations/`` folder (sorted, for a stable order)."""
    return [MIGRATIONS / "versions", *sorted(p for p in SOURCES.glob("*/migrations") if p.is_dir())]


def alembic_config() -> Config:
    """Alembic's configuration, built in code (no alembic.ini); output of commands goes nowhere."""
    from alembic.config import Config

    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in version_locations()))
    return config


def heads() -> set[str]:
    """The head revisions of the scripts (one, as the chain is linear)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def migrate(url: str, target: str = "heads") -> list[str]:
    """Bring the database named in ``url`` up to ``target``, creating it if missing.

    Returns the revisions applied, in order (empty if it was already there). All of them run in one
    transaction: a failing revision leaves the database as it was. Safe to run from several
    processes at once (see MIGRATION_LOCK_KEY).
    """
    from alembic import command

    return _run(url, lambda config: command.upgrade(config, target))


def downgrade(url: str, target: str) -> list[str]:
    """Revert the database to ``target`` (a revision id or e.g. ``-1``); returns the revisions reverted.

    For development and tests: the baseline revisions refuse (they would drop the warehouse's data).
    """
    from alembic import command

    return _run(url, lambda config: command.downgrade(config, target))


def _run(url: str, step: Callable[[Config], None]) -> list[str]:
    """Run one Alembic command on ``url`` under the server-wide lock; the revisions it went through."""
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    applied: list[str] = []
    with psycopg.connect(_with_database(_libpq_url(url), "postgres"), autocommit=True) as lock:
        lock.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            _ensure_database(lock, _database_name(url))
            engine = sqlalchemy.create_engine(_sqlalchemy_url(url), poolclass=NullPool)
            try:
                with engine.begin() as connection:
                    config = alembic_config()
                    config.attributes["connection"] = connection
                    config.attributes["applied"] = applied
                    step(config)
            finally:
                engine.dispose()
        finally:
            lock.execute("select pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    if applied:
        log.info("Databasen %s är migrerad: %s", _database_name(url), ", ".join(applied))
    return applied


def _ensure_database(conn: psycopg.Connection, name: str) -> None:
    """Create the database (under the lock, so two processes cannot both try)."""
    if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def _libpq_url(url: str) -> str:
    """``url`` as libpq takes it: SQLAlchemy's ``postgresql+psycopg://`` or ``postgres://`` accepted too."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


def _sqlalchemy_url(url: str) -> str:
    """The psycopg 3 driver, not SQLAlchemy's default for ``postgresql://`` (psycopg2)."""
    return re.sub(r"^postgresql://", "postgresql+psycopg://", _libpq_url(url))


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"
