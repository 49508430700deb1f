"""Faults in the middle of a registry load (issue 11): the loader killed with SIGKILL while its COPY streams
and while it waits to swap the month in, and the database server restarted during a load. Each time no
partial month is visible, the month readers saw before is still whole, nothing of the delivery is moved
or reported (the file was fine), and running the loader again loads the month.

The loader runs in a process of its own (``pipeline.ingest``, what the registry task calls); the test
watches it from PostgreSQL (``pg_stat_activity`` and ``pg_stat_progress_copy``, by the loader's
``application_name``) to strike at the moment it means, without hooks in the code under test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest

from ingestion.db import connection, embedded
from ingestion.privacy import pseudonym
from ingestion.sources.registry import pipeline as registry_pipeline
from ingestion.synthetic.registry import write_code_lists, write_jobseeker_month

KEY = "fault-test-key-" + "0123456789" * 4
MONTH = date(2024, 6, 1)
BIG = 200_000  # a COPY of about a second on the project's 2-core machine: long enough to strike in
SMALL = 2_000
STRIKE_AFTER = 20_000  # rows the COPY has taken in when the loader is killed
TIMEOUT = 60  # seconds to wait for any one thing before the test gives up

# What the registry task does, in a process the test can kill; prints the outcomes' statuses only.
LOADER = """
import json, sys
from ingestion.sources.registry import pipeline
outcomes = pipeline.ingest(sys.argv[1], url=sys.argv[2])
print(json.dumps([{k: o.get(k) for k in ("delivery", "status", "n_rows", "load_id")} for o in outcomes]))
"""


@pytest.fixture
def key(monkeypatch) -> str:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, KEY)
    return KEY


@pytest.fixture
def month_folder(tmp_path) -> Path:
    """A landing folder with the registry's code lists and nothing else yet."""
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True)
    write_code_lists(folder)
    return folder


def deliver(folder: Path, n_rows: int, seed: int) -> Path:
    """A valid June extract of ``n_rows`` rows (a later delivery of the month replaces the file)."""
    return write_jobseeker_month(folder / "sokande_202406.txt", "202406", n_rows, seed=seed)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Loader:
    process: subprocess.Popen
    application_name: str
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stderr.read_text(errors="replace")[-3000:]


def start_loader(landing: Path, url: str, tmp_path: Path) -> Loader:
    """The loader in a process of its own, named in ``pg_stat_activity`` by a name of its own.

    Quarantine in ``move`` mode (production's): a kill must not leave a delivery half moved."""
    name = f"fault-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != pseudonym.KEY_FILE_ENV}
    env |= {pseudonym.KEY_ENV: KEY, "PGAPPNAME": name, "QUARANTINE_MODE": "move", "WAREHOUSE_URL": url}
    stdout, stderr = tmp_path / f"{name}.out.log", tmp_path / f"{name}.err.log"
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", LOADER, str(landing), url], stdout=out, stderr=err, env=env, cwd=tmp_path
        )
    return Loader(process, name, stdout, stderr)


def wait_until(url: str, loader: Loader, query: str, params: tuple = ()) -> tuple:
    """Poll ``query`` (first parameter: the loader's application_name) until it returns a row; fail if the
    loader ends first or nothing comes within the timeout."""
    deadline = time.monotonic() + TIMEOUT
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(query, (loader.application_name, *params)).fetchone()
            if row:
                return row
            if loader.process.poll() is not None:
                pytest.fail(
                    f"the loader ended (exit {loader.process.returncode}) before the moment:\n{loader.output()}"
                )
            time.sleep(0.01)
    loader.process.kill()
    pytest.fail(f"the loader did not reach the moment within {TIMEOUT} s")


COPYING = """
select a.pid, p.tuples_processed from pg_stat_activity a join pg_stat_progress_copy p on p.pid = a.pid
where a.application_name = %s and a.state = 'active' and a.query ilike 'copy %%registry_jobseekers%%from stdin%%'
  and p.tuples_processed >= %s
"""
WAITING_FOR_A_LOCK = """
select pid, query from pg_stat_activity
where application_name = %s and wait_event_type = 'Lock' and query ilike 'alter table%%partition%%'
"""


def wait_for_backend_to_end(url: str, pid: int) -> None:
    """The killed loader's server process ends (and its transaction rolls back) once it notices its client
    is gone: at once in a COPY, after the lock it waits for is granted in the swap."""
    deadline = time.monotonic() + TIMEOUT
    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute("select 1 from pg_stat_activity where pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the killed loader's session is still there"
            time.sleep(0.05)


@dataclass(frozen=True)
class Month:
    """What a reader of the warehouse sees of June, and what the loader recorded about it."""

    visible_rows: int
    in_force: tuple | None  # meta.registry_months (load_id, n_rows)
    raw_tables: frozenset[str]
    audit: frozenset[tuple[str, str]]  # (checksum, status) of every registry delivery


def visible_rows(conn: psycopg.Connection) -> int:
    return conn.execute("select count(*) from raw.registry_jobseekers where manad = %s", (MONTH,)).fetchone()[0]


def june(url: str) -> Month:
    with psycopg.connect(url) as conn:
        return Month(
            visible_rows(conn),
            conn.execute(
                "select load_id, n_rows from meta.registry_months where extract = 'sokande' and manad = %s", (MONTH,)
            ).fetchone(),
            frozenset(
                r[0]
                for r in conn.execute(
                    "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'raw' and c.relkind in ('r', 'p')"
                )
            ),
            frozenset(
                conn.execute("select checksum, status from meta.load_audit where source = 'registry'").fetchall()
            ),
        )


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assert_nothing_moved_or_reported(delivered: Path, digest: str, quarantine: Path) -> None:
    """The file was fine: it is where it was, whole, and nothing is in the quarantine (no report either)."""
    assert delivered.is_file() and sha256(delivered) == digest
    assert files_under(quarantine) == []


def rerun(landing: Path, url: str) -> dict:
    outcomes = registry_pipeline.ingest(landing, url=url)
    assert [o["status"] for o in outcomes] == ["loaded"], outcomes
    return outcomes[0]


def test_kill_during_the_copy_leaves_the_month_in_force_and_the_rerun_loads_it(
    db_url, quarantine, key, month_folder, tmp_path
):
    landing = month_folder.parent
    deliver(month_folder, SMALL, seed=1)
    first = rerun(landing, db_url)
    before = june(db_url)
    assert before.visible_rows == SMALL == first["n_rows"]
    delivered = deliver(month_folder, BIG, seed=2)
    digest = sha256(delivered)
    loader = start_loader(landing, db_url, tmp_path)
    pid, copied = wait_until(db_url, loader, COPYING, (STRIKE_AFTER,))
    os.kill(loader.process.pid, signal.SIGKILL)
    assert loader.process.wait(TIMEOUT) == -signal.SIGKILL
    assert STRIKE_AFTER <= copied < BIG  # struck in the middle of the COPY
    wait_for_backend_to_end(db_url, pid)

    after = june(db_url)
    assert after == before  # the first version whole, still in force; no new table; no audit row of the second
    assert_nothing_moved_or_reported(delivered, digest, quarantine)

    again = rerun(landing, db_url)
    assert again["n_rows"] == BIG and again["checksum"] not in {checksum for checksum, _ in after.audit}
    loaded = june(db_url)
    assert loaded.visible_rows == BIG and loaded.in_force == (again["load_id"], BIG)
    assert (again["checksum"], "loaded") in loaded.audit


def test_kill_during_the_swap_leaves_the_month_in_force_and_the_rerun_swaps(
    db_url, quarantine, key, month_folder, tmp_path
):
    """A reader in the middle of a query holds the month's table: the swap waits for it (readers see one
    version or the other), and the loader is killed while it waits, its new month table full."""
    landing = month_folder.parent
    deliver(month_folder, SMALL, seed=1)
    first = rerun(landing, db_url)
    before = june(db_url)
    delivered = deliver(month_folder, SMALL + 1_000, seed=2)
    digest = sha256(delivered)
    with psycopg.connect(db_url) as reader:
        assert visible_rows(reader) == SMALL  # and the reader's transaction stays open, holding the month
        loader = start_loader(landing, db_url, tmp_path)
        pid, query = wait_until(db_url, loader, WAITING_FOR_A_LOCK)  # the swap, after the COPY
        assert "registry_jobseekers" in query
        os.kill(loader.process.pid, signal.SIGKILL)
        assert loader.process.wait(TIMEOUT) == -signal.SIGKILL
        assert visible_rows(reader) == SMALL  # the first version, whole
    wait_for_backend_to_end(db_url, pid)  # the reader is gone: the swap's session notices its client is too

    after = june(db_url)
    assert after == before and after.in_force == (first["load_id"], SMALL)
    assert_nothing_moved_or_reported(delivered, digest, quarantine)

    again = rerun(landing, db_url)
    loaded = june(db_url)
    assert loaded.visible_rows == SMALL + 1_000 and loaded.in_force == (again["load_id"], SMALL + 1_000)


@pytest.fixture
def own_server(tmp_path, monkeypatch) -> Iterator[str]:
    """A throwaway embedded PostgreSQL in a state folder of the test's own (the one server a test may
    restart), with a warehouse on it; stopped and removed afterwards."""
    state = tmp_path / "state"
    monkeypatch.setenv("WAREHOUSE_STATE_DIR", str(state))
    monkeypatch.delenv("EMBEDDED_PG_PORT", raising=False)  # a port of its own, not the session's server's
    try:
        url = embedded.start()
    except (RuntimeError, OSError) as error:
        shutil.rmtree(state, ignore_errors=True)
        pytest.skip(f"no PostgreSQL of its own can be started on this machine ({str(error).splitlines()[0]})")
    try:
        connection.bootstrap(url)
        yield url
    finally:
        embedded.stop()
        shutil.rmtree(state / "pg", ignore_errors=True)  # its data files (what was loaded, the WAL)


def test_a_database_restart_during_the_copy_fails_the_load_for_a_retry_and_the_rerun_loads_it(
    own_server, quarantine, key, month_folder, tmp_path
):
    landing = month_folder.parent
    delivered = deliver(month_folder, BIG, seed=3)
    digest = sha256(delivered)
    before = june(own_server)
    loader = start_loader(landing, own_server, tmp_path)
    wait_until(own_server, loader, COPYING, (STRIKE_AFTER,))
    embedded.stop()  # pg_ctl stop -m fast: every session is ended, the open transaction rolled back
    embedded.start()
    error = loader.output() if loader.process.wait(TIMEOUT) else "(the loader succeeded: it ended before the restart)"
    # a database error, which fails the task (Airflow retries it): not a rejected delivery
    assert loader.process.returncode == 1, error
    assert "psycopg" in error and ("OperationalError" in error or "AdminShutdown" in error), error
    assert loader.stdout.read_text() == ""  # no outcome at all, so no "rejected"
    assert_nothing_moved_or_reported(delivered, digest, quarantine)
    after = june(own_server)
    assert after == before and after.visible_rows == 0 and after.in_force is None and after.audit == frozenset()

    again = rerun(landing, own_server)
    loaded = june(own_server)
    assert loaded.visible_rows == BIG and loaded.in_force == (again["load_id"], BIG)
