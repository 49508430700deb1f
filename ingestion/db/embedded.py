"""The embedded default: a PostgreSQL server in a folder of the project.

Used when ``WAREHOUSE_URL`` is not set. The data lives in ``.state/pg`` and survives between runs.
Binaries come from the pip-installed ``pgserver`` package (a PostgreSQL 16 build) or, failing that,
from the system's PostgreSQL. Only the binaries are used: pgserver's own start-up code creates a
system user when run as root, which we must not do.

PostgreSQL refuses to run as root. As root we start it inside a new, unprivileged user namespace
(``unshare --user``): inside, the server runs as the overflow account ``nobody`` and the data folder
(owned by the invoking user) appears owned by that same account, so no system user is created and no
permission outside the project is changed.

Access: the server listens on 127.0.0.1 only, has no unix socket, and asks every connection for a
password (``scram-sha-256``), so another account of the machine cannot connect as its superuser and the
analyst role's limits hold. The admin's password is generated at first start and kept in
``.state/pg/admin.password`` (0600, folder 0700); the project's URL carries no password but names a libpq
password file (``passfile=``, also 0600), so the password is never printed, logged or put in a URL.
A cluster made by earlier versions with ``trust`` is converted when it is started (see :func:`start`).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from ingestion.core import config

DATABASE = "warehouse"
SUPERUSER = "postgres"
HOST = "127.0.0.1"
AUTH_METHOD = "scram-sha-256"
PRIVATE_DIR = 0o700  # the folder holds the cluster's passwords and data: its owner's only
PRIVATE_FILE = 0o600


def pg_dir() -> Path:
    return config.state_dir() / "pg"


def data_dir() -> Path:
    return pg_dir() / "data"


def password_file() -> Path:
    """The admin's password, one line (what ``initdb --pwfile`` reads)."""
    return pg_dir() / "admin.password"


def passfile() -> Path:
    """libpq password file for the admin URL (``passfile=`` in :func:`url`)."""
    return pg_dir() / "pgpass"


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


def private_dir(path: Path) -> Path:
    """``path`` as a folder of its owner's only (0700), created if needed, narrowed if it was wider."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a secret to ``path`` as a 0600 file, whatever the umask, replacing it atomically: a reader
    never sees a half-written file, nor one that was readable by others for a moment."""
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def generate_password() -> str:
    """A new random password: 32 bytes from ``secrets``, URL-safe (no ``:`` or ``\\`` to escape in a
    libpq password file)."""
    return secrets.token_urlsafe(32)


def read_or_create_secret(path: Path) -> str:
    """The password kept in ``path``, generated the first time. Two processes starting at once end with
    the same one: the file is made under a temporary name and linked into place, which fails if another
    process got there first (its password is then read)."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        write_private(temporary, generate_password() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    path.chmod(PRIVATE_FILE)
    return path.read_text(encoding="utf-8").strip()


def passfile_line(host: str, port_number: int, user: str, password: str) -> str:
    """One line of a libpq password file, for any database of that server and user."""
    return f"{host}:{port_number}:*:{user}:{password}\n"


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
            s.bind((HOST, 0))
            chosen = s.getsockname()[1]
    private_dir(pg_dir())
    port_file.write_text(f"{chosen}\n")
    return chosen


def url(database: str = DATABASE) -> str:
    """The admin URL: no password in it, only the password file libpq reads it from (safe to print)."""
    return f"postgresql://{SUPERUSER}@{HOST}:{port()}/{database}?passfile={quote(str(passfile()), safe='/')}"


def is_running() -> bool:
    if not (data_dir() / "PG_VERSION").exists():
        return False
    return _run([str(bindir() / "pg_ctl"), "-D", str(data_dir()), "status"]).returncode == 0


def start() -> str:
    """Initialise (first time) and start the embedded server; idempotent. Returns its URL.

    A cluster initialised by an earlier version of the project with ``trust`` is converted here: the admin
    gets the generated password and ``pg_hba.conf`` asks for ``scram-sha-256`` from then on."""
    bins = bindir()
    private_dir(pg_dir())
    password = read_or_create_secret(password_file())
    write_private(passfile(), passfile_line(HOST, port(), SUPERUSER, password))
    if not (data_dir() / "PG_VERSION").exists():
        result = _run(
            [
                str(bins / "initdb"),
                "-D",
                str(data_dir()),
                "-U",
                SUPERUSER,
                f"--auth={AUTH_METHOD}",
                f"--pwfile={password_file()}",
                "-E",
                "UTF8",
                "--no-locale",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb misslyckades:\n{result.stdout}\n{result.stderr}")
    if not is_running():
        # No unix socket at all: the one way in is TCP on 127.0.0.1, with a password.
        options = (
            f"-p {port()} -c listen_addresses={HOST} -c unix_socket_directories='' -c password_encryption={AUTH_METHOD}"
        )
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
    if trusts_connections():
        _require_passwords(password)
    _ensure_database()
    return url()


# A method field of pg_hba.conf that lets a connection in without a password.
_TRUST = re.compile(r"(?<=\s)trust(?=\s|$)")


def _hba_file() -> Path:
    return data_dir() / "pg_hba.conf"


def trusts_connections() -> bool:
    """Whether ``pg_hba.conf`` lets any connection in with ``trust`` (clusters of earlier versions)."""
    hba = _hba_file()
    if not hba.exists():
        return False
    return any(_TRUST.search(line) for line in hba.read_text().splitlines() if not line.lstrip().startswith("#"))


def _require_passwords(password: str) -> None:
    """Convert a running ``trust`` cluster: give the admin its password, then have ``pg_hba.conf`` ask every
    connection for one, and reload. The password goes to the server as a SCRAM verifier computed here
    (libpq's ``PQencryptPasswordConn``), so it is in no statement the server could log. Safe to repeat: a
    conversion cut short is finished at the next start, with the same password."""
    import psycopg
    from psycopg import sql

    with _connect_when_up(url("postgres")) as conn:
        verifier = conn.pgconn.encrypt_password(password.encode(), SUPERUSER.encode(), AUTH_METHOD.encode())
        conn.execute(
            sql.SQL("alter role {} with password {}").format(
                sql.Identifier(SUPERUSER), sql.Literal(verifier.decode("ascii"))
            )
        )
        hba = _hba_file()
        lines = hba.read_text().splitlines(keepends=True)
        converted = "".join(line if line.lstrip().startswith("#") else _TRUST.sub(AUTH_METHOD, line) for line in lines)
        temporary = hba.with_name(f".{hba.name}.{secrets.token_hex(4)}")
        temporary.write_text(converted)
        temporary.chmod(hba.stat().st_mode & 0o777)
        os.replace(temporary, hba)
        conn.execute("select pg_reload_conf()")
        errors = conn.execute("select count(*) from pg_hba_file_rules where error is not null").fetchone()[0]
        if errors:
            raise RuntimeError(f"pg_hba.conf i {data_dir()} har fel efter omskrivningen: se pg_hba_file_rules")
    psycopg.connect(url("postgres")).close()  # the new rules are in force: a password is asked, and given


def _connect_when_up(target: str):
    """A connection to the server that was just started (it may still be coming up)."""
    import psycopg

    for attempt in range(30):
        try:
            return psycopg.connect(target, autocommit=True)
        except psycopg.OperationalError:
            if attempt == 29:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _ensure_database() -> None:
    with _connect_when_up(url("postgres")) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
        if not exists:
            conn.execute(f'create database "{DATABASE}"')


def stop() -> bool:
    """Stop the embedded server if it runs. Returns whether it was running."""
    if not is_running():
        return False
    result = _run([str(bindir() / "pg_ctl"), "-D", str(data_dir()), "-m", "fast", "-w", "stop"])
    if result.returncode != 0:
        raise RuntimeError(f"pg_ctl stop misslyckades: {result.stderr}")
    return True
