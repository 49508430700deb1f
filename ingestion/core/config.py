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
    """Where dbt writes its artifacts (run_results.json, the docs site): ``DBT_TARGET_PATH`` (dbt's own
    variable) when set, so that two builds at once (parallel test workers) do not share one folder."""
    return Path(os.environ.get("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")).resolve()


def dbt_log_dir() -> Path:
    """Where dbt writes its log: ``DBT_LOG_PATH`` (dbt's own variable) when set, else the state folder."""
    return Path(os.environ.get("DBT_LOG_PATH", state_dir() / "dbt-logs")).resolve()


def dbt_executable() -> str:
    return os.environ.get("DBT_EXECUTABLE", str(PROJECT_ROOT / ".venv-dbt" / "bin" / "dbt"))
