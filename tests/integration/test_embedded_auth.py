"""The embedded PostgreSQL asks every connection for a password (issue 11).

Before, it was initialised with ``trust``: any account of the machine connected to 127.0.0.1 as its
superuser, so the analyst role's limits meant nothing. These tests start throwaway clusters, each in a
state folder of its own (never the checkout's ``.state``), and stop them at the end: one made as the
project makes it now, and clusters made with ``trust`` as earlier versions made them, which must be
converted when started.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from ingestion.core import config
from ingestion.db import connection, embedded


def _cannot_run_embedded() -> str | None:
    """Why the embedded server cannot start on this machine (then the tests are skipped), or None."""
    try:
        embedded.bindir()
    except RuntimeError:
        return "inga PostgreSQL-program (pgserver eller systemets) att starta en inbäddad server med"
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            return "körs som root och `unshare` saknas: PostgreSQL vägrar köras som root"
        if subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode != 0:
            return "körs som root och användarnamnrymder (unshare --user) är avstängda"
    return None


pytestmark = pytest.mark.skipif(_cannot_run_embedded() is not None, reason=str(_cannot_run_embedded()))


def _own_state(patch: pytest.MonkeyPatch, state: Path) -> None:
    """Point the embedded server's code at ``state`` (a fresh folder), away from any other server."""
    patch.setenv("WAREHOUSE_STATE_DIR", str(state))
    patch.delenv("WAREHOUSE_URL", raising=False)
    patch.delenv("EMBEDDED_PG_PORT", raising=False)
    patch.delenv("PGPASSFILE", raising=False)
    patch.delenv("PGPASSWORD", raising=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Path]:
    """A new embedded cluster, started as ``make db`` starts it; its state folder."""
    state = tmp_path_factory.mktemp("embedded-state")
    with pytest.MonkeyPatch.context() as patch:
        _own_state(patch, state)
        embedded.start()
        try:
            yield state
        finally:
            embedded.stop()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _no_password_url(database: str = "postgres", user: str = embedded.SUPERUSER, tmp: Path | None = None) -> str:
    """The server's address with no password anywhere: an empty password file, so that libpq does not fall
    back on the account's own ``~/.pgpass``."""
    empty = (tmp or Path(os.environ["WAREHOUSE_STATE_DIR"])) / "empty.pgpass"
    empty.touch(mode=0o600)
    return f"postgresql://{user}@127.0.0.1:{embedded.port()}/{database}?passfile={empty}"


def test_password_is_generated_into_private_files(cluster):
    password = embedded.password_file().read_text().strip()
    assert _mode(embedded.pg_dir()) == 0o700
    assert _mode(embedded.password_file()) == 0o600
    assert _mode(embedded.passfile()) == 0o600
    assert len(password) >= 40  # 32 random bytes
    assert embedded.passfile().read_text() == f"127.0.0.1:{embedded.port()}:*:postgres:{password}\n"
    # Never in the URL the project prints and passes around, nor in the server's log.
    assert password not in embedded.url()
    printed = subprocess.run(
        [sys.executable, "-m", "ingestion", "db", "url"], capture_output=True, text=True, check=True, env=os.environ
    ).stdout
    assert printed.strip() == embedded.url() and password not in printed
    assert password not in (embedded.pg_dir() / "server.log").read_text()


def test_connection_without_the_password_is_refused(cluster):
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_no_password_url(), connect_timeout=10).close()
    wrong = _no_password_url().replace("postgres@", "postgres:not-the-password@")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10).close()
    hba = (embedded.data_dir() / "pg_hba.conf").read_text()
    assert "trust" not in "".join(line for line in hba.splitlines() if not line.startswith("#"))


def test_connection_with_the_password_is_accepted(cluster, monkeypatch):
    with psycopg.connect(embedded.url("postgres")) as conn:
        assert conn.execute("select current_user").fetchone()[0] == "postgres"
        assert conn.execute("show listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("show unix_socket_directories").fetchone()[0] == ""  # no socket: TCP only
        stored = conn.execute("select rolpassword from pg_authid where rolname = 'postgres'").fetchone()[0]
        assert stored.startswith("SCRAM-SHA-256$")
    # dbt's profile takes host, port, user and password apart: the password file reaches it as PGPASSFILE.
    env = connection.dbt_env(embedded.url())
    assert env["PGPASSFILE"] == str(embedded.passfile()) and env["WAREHOUSE_PASSWORD"] == ""
    monkeypatch.setenv("PGPASSFILE", env["PGPASSFILE"])
    with psycopg.connect(
        host=env["WAREHOUSE_HOST"], port=env["WAREHOUSE_PORT"], user=env["WAREHOUSE_USER"], dbname="postgres"
    ) as conn:
        assert conn.execute("select 1").fetchone()[0] == 1


@pytest.fixture(scope="module")
def warehouse(cluster) -> str:
    """The cluster's warehouse database, migrated, with one table in marts as dbt would make it."""
    url = embedded.url()
    connection.bootstrap(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set role warehouse_transformer")
        conn.execute("create table if not exists marts.mart_test as select 3 as n_agreements")
    return url


def test_analyst_login_reads_marts_and_nothing_else(warehouse):
    login_url = connection.analyst_login(warehouse, "analytiker_test")
    passfile = connection.analyst_passfile("analytiker_test")
    password = passfile.read_text().strip().rsplit(":", 1)[-1]
    assert _mode(passfile) == 0o600 and _mode(passfile.parent) == 0o700
    assert password not in login_url and len(password) >= 40
    assert urlsplit(login_url).username == "analytiker_test"
    with psycopg.connect(login_url) as conn:
        assert conn.execute("select current_user").fetchone()[0] == "analytiker_test"
        assert conn.execute("select n_agreements from marts.mart_test").fetchone()[0] == 3
        raw_table = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' limit 1"
        ).fetchone()
        assert raw_table is None  # the catalog does not even list raw's tables to it
    with psycopg.connect(warehouse) as admin:
        raw_table = admin.execute("select min(table_name) from information_schema.tables where table_schema = 'raw'")
        raw_table = raw_table.fetchone()[0]
    assert raw_table
    for table in (("raw", raw_table), ("meta", "load_audit")):
        with psycopg.connect(login_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("select * from {}.{}").format(*map(sql.Identifier, table)))
    with psycopg.connect(login_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("create table marts.written_by_analyst (n int)")
    # Called again, the login keeps its password (a client set up with it keeps working).
    assert connection.analyst_login(warehouse, "analytiker_test") == login_url
    assert passfile.read_text().strip().rsplit(":", 1)[-1] == password
    # Without the file's password the login is refused like the admin.
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_no_password_url("warehouse", "analytiker_test"), connect_timeout=10).close()


def test_analyst_login_refuses_a_role_with_more_rights(warehouse):
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute("drop role if exists analytiker_super")
        conn.execute("create role analytiker_super login superuser")
    try:
        with pytest.raises(RuntimeError, match="fler rättigheter"):
            connection.analyst_login(warehouse, "analytiker_super")
        with psycopg.connect(warehouse) as conn:  # unchanged: still no password
            assert conn.execute("select rolpassword from pg_authid where rolname = 'analytiker_super'").fetchone() == (
                None,
            )
    finally:
        with psycopg.connect(warehouse, autocommit=True) as conn:
            conn.execute("drop role analytiker_super")
    with pytest.raises(ValueError, match="Ogiltigt namn"):
        connection.analyst_login(warehouse, "warehouse_loader")


def test_the_readme_example_works_as_the_analyst(warehouse):
    """What the README tells an analyst to do: ``python -m ingestion db analyst-login``, then the printed
    psql command, with a query on the marts; the password is in no line printed."""
    result = subprocess.run(
        [sys.executable, "-m", "ingestion", "db", "analyst-login"],
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=config.PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    password = connection.analyst_passfile("analytiker").read_text().strip().rsplit(":", 1)[-1]
    assert password not in result.stdout + result.stderr
    command = shlex.split(result.stdout.strip().splitlines()[-1])
    assert Path(command[0]).name == "psql"
    query = subprocess.run(
        [*command, "-Atc", "select n_agreements from marts.mart_test"], capture_output=True, text=True, timeout=60
    )
    assert (query.returncode, query.stdout.strip()) == (0, "3"), query.stderr
    refused = subprocess.run(
        [*command, "-Atc", "select count(*) from meta.load_audit"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "permission denied" in refused.stderr


@pytest.fixture
def trust_cluster(tmp_path) -> Iterator[Path]:
    """A cluster made as earlier versions made it: initdb with ``trust`` and no password, a 0755 folder."""
    state = tmp_path / "state"
    with pytest.MonkeyPatch.context() as patch:
        _own_state(patch, state)
        embedded.pg_dir().mkdir(parents=True)
        embedded.pg_dir().chmod(0o755)
        old_initdb = [str(embedded.bindir() / "initdb"), "-D", str(embedded.data_dir()), "-U", "postgres"]
        result = embedded._run([*old_initdb, "--auth=trust", "-E", "UTF8", "--no-locale"])
        assert result.returncode == 0, result.stderr
        try:
            yield state
        finally:
            embedded.stop()


def _start_as_earlier_versions_did() -> None:
    options = f"-p {embedded.port()} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
    pg_ctl = [str(embedded.bindir() / "pg_ctl"), "-D", str(embedded.data_dir()), "-l", str(embedded.pg_dir() / "log")]
    result = embedded._run([*pg_ctl, "-o", options, "-w", "start"])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("running", [False, True], ids=["stopped", "running"])
def test_a_trust_cluster_is_converted_on_start(trust_cluster, running):
    if running:  # started by an earlier version, still up when the new code starts it
        _start_as_earlier_versions_did()
        with psycopg.connect(_no_password_url(tmp=trust_cluster), autocommit=True) as conn:
            conn.execute("create database kept")
        with psycopg.connect(_no_password_url("kept", tmp=trust_cluster), autocommit=True) as conn:
            conn.execute("create table data_of_before as select 42 as n")
    assert embedded.trusts_connections()

    embedded.start()

    assert not embedded.trusts_connections()
    assert _mode(embedded.pg_dir()) == 0o700 and _mode(embedded.password_file()) == 0o600
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_no_password_url(tmp=trust_cluster), connect_timeout=10).close()
    with psycopg.connect(embedded.url("postgres")) as conn:
        assert conn.execute("select current_user").fetchone()[0] == "postgres"
        assert conn.execute("select count(*) from pg_hba_file_rules where auth_method = 'trust'").fetchone()[0] == 0
    if running:
        with psycopg.connect(embedded.url("kept")) as conn:
            assert conn.execute("select n from data_of_before").fetchone()[0] == 42
    # Started again: nothing left to convert, the same password.
    password = embedded.password_file().read_text()
    embedded.stop()
    embedded.start()
    assert embedded.password_file().read_text() == password
    psycopg.connect(embedded.url("postgres")).close()
