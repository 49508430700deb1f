"""Where things are: project folders, landing and quarantine folders, dbt.

The warehouse URL is the database layer's (:func:`ingestion.db.connection.warehouse_url`): this
module imports nothing of the project, so every other module may import it.

Everything is read from environment variables at call time (not import time), so a test or a DAG
run can point the same code at another database or landing folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REFERENCE_DIR = DBT_PROJECT_DIR / "seeds" / "reference"


class ConfigurationError(RuntimeError):
    """The deployment's settings are wrong or missing (a key, a secret), not the delivery and not the moment:
    another try cannot succeed, so a task that raises one fails without retries."""


def airflow_connection(conn_id: str):
    """The Airflow connection ``conn_id``, or ``None``: Airflow not installed, no such connection, or no way
    to ask (Airflow's secrets backends and, in a task, its API server)."""
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id)
    except Exception:  # ImportError, AirflowNotFoundException, or nobody to ask: the caller's next source
        return None


def state_dir() -> Path:
    """Folder for everything the project keeps between runs (embedded database, Airflow home...)."""
    return Path(os.environ.get("WAREHOUSE_STATE_DIR", PROJECT_ROOT / ".state")).resolve()


def landing_dir() -> Path:
    return Path(os.environ.get("LANDING_DIR", state_dir() / "landing")).resolve()


def quarantine_dir() -> Path:
    return Path(os.environ.get("QUARANTINE_DIR", state_dir() / "quarantine")).resolve()


def quarantine_mode() -> str:
    """``move`` (production: the bad delivery leaves the landing folder) or ``copy``
    (the landing folder belongs to someone else, e.g. ``make run`` over a shared folder)."""
    mode = os.environ.get("QUARANTINE_MODE", "move")
    if mode not in ("move", "copy"):
        raise ValueError(f"QUARANTINE_MODE must be 'move' or 'copy', not {mode!r}")
    return mode


def dbt_target_dir() -> Path:
    """Where the last build's dbt artifacts are kept (manifest, run_results.json, the docs site):
    ``DBT_TARGET_PATH`` (dbt's own variable) when set. Each build runs in a folder of its own below it
    (``builds/``) and copies its artifacts here when done (see ``orchestration/transform.py``)."""
    return Path(os.environ.get("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")).resolve()


def dbt_log_dir() -> Path:
    """Where dbt writes its log: ``DBT_LOG_PATH`` (dbt's own variable) when set, else the state folder."""
    return Path(os.environ.get("DBT_LOG_PATH", state_dir() / "dbt-logs")).resolve()


def dbt_executable() -> str:
    return os.environ.get("DBT_EXECUTABLE", str(PROJECT_ROOT / ".venv-dbt" / "bin" / "dbt"))


# When an upload is finished: the sender's ready marker, or a quiet period without changes.


def upload_marker() -> str:
    """The ready marker's name (``UPLOAD_MARKER``, default ``.klar``): a sender writes ``<file>.klar`` beside
    a delivered file, or ``.klar`` in a delivery folder (or in the folder of the files), once the upload is
    complete. Nothing else tells a finished upload from one still being written."""
    return os.environ.get("UPLOAD_MARKER", ".klar")


def upload_quiet_seconds() -> float:
    """Without a marker, a delivery is taken as finished once nothing in it has changed for this many
    seconds (``UPLOAD_QUIET_SECONDS``, default 60): long enough for a stalled transfer to show, short
    enough that a sender without markers waits only one more run."""
    return float(os.environ.get("UPLOAD_QUIET_SECONDS", 60))


def upload_requires_marker() -> bool:
    """``UPLOAD_REQUIRE_MARKER=1``: only a delivery with its ready marker is picked up (the quiet period is
    not trusted, e.g. for senders whose transfers pause for longer than it)."""
    return os.environ.get("UPLOAD_REQUIRE_MARKER", "0").strip().lower() in ("1", "true", "yes", "ja")


# Limits on what one delivered file may hold: a national delivery fits well inside each of them, a hostile
# or broken file is refused naming the one it broke, before it can take the memory of the machine.


def max_field_chars() -> int:
    """The longest field of a semicolon file, in characters (``MAX_FIELD_CHARS``, default 65 536: a form's
    longest free text is a few thousand characters)."""
    return int(os.environ.get("MAX_FIELD_CHARS", 65_536))


def max_rows_per_file() -> int:
    """The most data rows in one semicolon file (``MAX_ROWS_PER_FILE``, default 1 000 000: the largest, a
    half-year's bulk export of the follow-up forms, has some tens of thousands)."""
    return int(os.environ.get("MAX_ROWS_PER_FILE", 1_000_000))


def registry_max_rows() -> int:
    """The most data lines in one registry extract (``REGISTRY_MAX_ROWS``, default 5 000 000: a national
    month has 400 000–700 000)."""
    return int(os.environ.get("REGISTRY_MAX_ROWS", 5_000_000))
