"""The embedded default: a PostgreSQL server in a folder of the project.

Used when ``WAREHOUSE_URL`` is not set. The data lives in ``.state/pg`` and survives between runs.
Binaries come from the pip-installed ``pgserver`` package (a PostgreSQL 16 build) or, failing that,
from the system's PostgreSQL. Only the binaries are used: pgserver's own start-up code creates a
system user when run as root, which we must not do.

PostgreSQL refuses to run as root. As root we start it inside a new, unprivileged user namespace
(``unshare --user``): inside, the server runs as the overflow account ``nobody`` and the data folder
(owned by the invoking user) appears owned by that same account, so no system user is created and no
permission outside the project is changed.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from ingestion.core import config

DATABASE = "warehouse"
SUPERUSER = "postgres"


def pg_dir() -> Path:
    return config.state_dir() / "pg"


def data_dir() -> Path:
    return pg_dir() / "data"


def bindir() -> Path:
    """Directory holding initdb/pg_ctl: pgserver's bundled build first, then the system's."""
    spec = importlib.util.find_spec("pgserver")
    if spec and spec.submodule_search_locations:
        candidate = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
        if (candidate / "pg_ctl").exists():
            return candidate
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    system = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if system:
        return Path(system[-1])
    raise RuntimeError(
        "Hittar ingen PostgreSQL att starta: installera miljön med `make setup` (paketet pgserver) "
        "eller sätt WAREHOUSE_URL till en befintlig PostgreSQL."
    )


def _prefix() -> list[str]:
    """Command prefix that drops root before running a PostgreSQL binary."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("unshare"):
        raise RuntimeError(
            "PostgreSQL kan inte köras som root och `unshare` saknas. Kör som en vanlig användare "
            "eller sätt WAREHOUSE_URL till en befintlig PostgreSQL."
        )
    return ["unshare", "--user"]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(_prefix() + args, capture_output=True, text=True)


def port() -> int:
    """The port recorded at first start (a free one is picked so that clones don't collide)."""
    port_file = pg_dir() / "port"
    if port_file.exists():
        return int(port_file.read_text().strip())
    wanted = os.environ.get("EMBEDDED_PG_PORT")
    if wanted:
        chosen = int(wanted)
    else:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            chosen = s.getsockname()[1]
    pg_dir().mkdir(parents=True, exist_ok=True)
    port_file.write_text(f"{chosen}\n")
    return chosen


def url(database: str = DATABASE) -> str:
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port()}/{database}"


def is_running() -> bool:
    if not (data_dir() / "PG_VERSION").exists():
        return False
    return _run([str(bindir() / "pg_ctl"), "-D", str(data_dir()), "status"]).returncode == 0


def start() -> str:
    """Initialise (first time) and start the embedded server; idempotent. Returns its URL."""
    bins = bindir()
    if not (data_dir() / "PG_VERSION").exists():
        data_dir().parent.mkdir(parents=True, exist_ok=True)
        result = _run(
            [str(bins / "initdb"), "-D", str(data_dir()), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb misslyckades:\n{result.stdout}\n{result.stderr}")
    if not is_running():
        options = f"-p {port()} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        result = _run(
            [
                str(bins / "pg_ctl"),
                "-D",
                str(data_dir()),
                "-l",
                str(pg_dir() / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        if result.returncode != 0:
            log = (pg_dir() / "server.log").read_text()[-2000:] if (pg_dir() / "server.log").exists() else ""
            raise RuntimeError(f"Den inbäddade PostgreSQL startade inte:\n{result.stderr}\n{log}")
    _ensure_database()
    return url()


def _ensure_database() -> None:
    import psycopg

    for attempt in range(30):
        try:
            with psycopg.connect(url("postgres"), autocommit=True) as conn:
                exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
                if not exists:
                    conn.execute(f'create database "{DATABASE}"')
                return
        except psycopg.OperationalError:
            if attempt == 29:
                raise
            time.sleep(0.5)


def stop() -> bool:
    """Stop the embedded server if it runs. Returns whether it was running."""
    if not is_running():
        return False
    result = _run([str(bindir() / "pg_ctl"), "-D", str(data_dir()), "-m", "fast", "-w", "stop"])
    if result.returncode != 0:
        raise RuntimeError(f"pg_ctl stop misslyckades: {result.stderr}")
    return True
