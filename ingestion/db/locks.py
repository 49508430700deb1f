"""Advisory locks that serialise work on one warehouse: one dbt build at a time, one load of a source at a time.

Why advisory locks and not files: the two contenders may be ``make run`` on a laptop and the scheduler on a
server, with nothing in common but the database. A PostgreSQL session-level advisory lock is held by a
connection of its own for as long as the work runs and is released by the server when that session ends,
also when the process holding it is killed: no stale lock to clean up by hand. The keys are next to
``MIGRATION_LOCK_KEY`` in :mod:`ingestion.db.migrate`, so that no two locks share a number.

A second contender waits, saying so in the log (in Swedish, for the operators), up to a timeout
(``BUILD_LOCK_TIMEOUT`` / ``LOAD_LOCK_TIMEOUT`` in seconds, default two hours); then it fails with a message
that names what it waited for, rather than hang an Airflow worker slot forever.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from babel.numbers import format_decimal

from ingestion.db import connection
from ingestion.db.migrate import BUILD_LOCK_KEY, SOURCE_LOCK_KEY

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 2 * 3600  # longer than a full national build or a month's load; short of "forever"
BUILD_TIMEOUT_ENV = "BUILD_LOCK_TIMEOUT"
LOAD_TIMEOUT_ENV = "LOAD_LOCK_TIMEOUT"


class LockTimeout(RuntimeError):
    """Another build or load held the lock longer than the timeout."""


def timeout_s(variable: str) -> float:
    """The wait allowed by ``variable`` (seconds, > 0), or the default."""
    text = os.environ.get(variable)
    if not text:
        return DEFAULT_TIMEOUT_S
    value = float(text)
    if value <= 0:
        raise ValueError(f"{variable} must be a positive number of seconds, not {text!r}")
    return value


def source_key(source: str) -> tuple[int, int]:
    """The two-key advisory lock of one source: SOURCE_LOCK_KEY and the CRC-32 of its name (as a signed int4,
    stable across processes and versions, unlike Python's ``hash``)."""
    crc = zlib.crc32(source.encode("utf-8"))
    return SOURCE_LOCK_KEY, crc - (1 << 32) if crc >= 1 << 31 else crc


def _seconds(value: float) -> str:
    """Whole seconds as Swedish readers write them (``7 200``)."""
    return format_decimal(round(value), locale="sv_SE")


@contextmanager
def advisory_lock(
    key: tuple[int, ...], waiting_for: str, timeout: float, url: str | None = None
) -> Iterator[psycopg.Connection]:
    """Hold the session-level advisory lock ``key`` in the warehouse database while the block runs.

    Yields the lock's own connection (autocommit), which callers may use for bookkeeping that must happen
    under the lock. ``waiting_for`` says in Swedish what holds the lock (e.g. "ett annat bygge av lagret"),
    for the log line and the timeout's message.
    """
    placeholders = ", ".join(["%s"] * len(key))
    conn = connection.connect(url, autocommit=True)
    try:
        if not conn.execute(f"select pg_try_advisory_lock({placeholders})", key).fetchone()[0]:
            log.info("Väntar på %s (högst %s s) …", waiting_for, _seconds(timeout))
            started = time.monotonic()
            conn.execute(f"set lock_timeout = {int(timeout * 1000)}")
            try:
                conn.execute(f"select pg_advisory_lock({placeholders})", key)
            except psycopg.errors.LockNotAvailable:
                raise LockTimeout(
                    f"Gav upp efter {_seconds(timeout)} s: {waiting_for} pågår fortfarande. Försök igen när det är "
                    "klart (väntetiden ställs in med BUILD_LOCK_TIMEOUT / LOAD_LOCK_TIMEOUT, sekunder)."
                ) from None
            conn.execute("reset lock_timeout")
            log.info("Väntade %s s på %s; fortsätter.", _seconds(time.monotonic() - started), waiting_for)
        yield conn
    finally:
        conn.close()  # ending the session releases the lock (a dead connection has released it already)


@contextmanager
def source_lock(source: str, url: str | None = None) -> Iterator[None]:
    """Loads of ``source`` one at a time in this warehouse (see :func:`advisory_lock`)."""
    with advisory_lock(source_key(source), f"en annan inläsning av källan {source}", timeout_s(LOAD_TIMEOUT_ENV), url):
        yield


@contextmanager
def build_lock(url: str | None = None) -> Iterator[psycopg.Connection]:
    """One dbt build at a time in this warehouse; yields the lock's connection (for the build's record)."""
    with advisory_lock((BUILD_LOCK_KEY,), "ett annat bygge av lagret", timeout_s(BUILD_TIMEOUT_ENV), url) as conn:
        yield conn


def build_running(url: str | None = None) -> bool:
    """Whether another session holds the build lock right now (to say so before waiting on it)."""
    with connection.connect(url, autocommit=True) as conn:
        free = conn.execute("select pg_try_advisory_lock(%s)", (BUILD_LOCK_KEY,)).fetchone()[0]
        if free:
            conn.execute("select pg_advisory_unlock(%s)", (BUILD_LOCK_KEY,))
    return not free
