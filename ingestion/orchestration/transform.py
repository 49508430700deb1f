"""Running dbt (installed in its own virtual environment) against the warehouse."""

from __future__ import annotations

import json
import logging
import os
import subprocess

from ingestion.core import config
from ingestion.db import connection

log = logging.getLogger(__name__)


class DbtError(RuntimeError):
    pass


def dbt_environment(url: str | None = None) -> dict[str, str]:
    """The environment dbt (and sqlfluff's dbt templater) runs in: the connection from the warehouse URL."""
    return (
        os.environ
        | connection.dbt_env(url)
        | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DBT_LOG_PATH": str(config.dbt_log_dir())}
    )


def dbt(*args: str, url: str | None = None) -> subprocess.CompletedProcess:
    """Run a dbt command in ``dbt_project/`` with the connection taken from the warehouse URL."""
    env = dbt_environment(url)
    command = [
        config.dbt_executable(),
        *args,
        "--project-dir",
        str(config.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(config.DBT_PROJECT_DIR),
    ]
    if not os.path.exists(command[0]):
        raise DbtError(f"dbt finns inte på {command[0]}: kör `make setup` (eller sätt DBT_EXECUTABLE)")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        log.info("dbt: %s", line)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-40:])
        raise DbtError(
            f"`dbt {' '.join(args)}` misslyckades (kod {result.returncode}):\n{tail}\n{result.stderr[-2000:]}"
        )
    return result


def dbt_build(url: str | None = None, select: str | None = None) -> dict:
    """``dbt build`` (seeds, models, tests); returns counts per status from run_results.json.

    ``select`` (dbt's node selection, e.g. ``tag:registry`` or ``+mart_agreement_summary``) builds a part of
    the warehouse; its tests run only where every model they read is built (cautious indirect selection),
    so a part builds and passes on its own.
    """
    args = ["build"]
    if select:
        args += ["--select", *select.split(), "--indirect-selection", "cautious"]
    dbt(*args, url=url)
    results = json.loads((config.dbt_target_dir() / "run_results.json").read_text())
    counts: dict[str, int] = {}
    models = []
    for item in results["results"]:
        kind = item["unique_id"].split(".")[0]
        key = f"{kind}:{item['status']}"
        counts[key] = counts.get(key, 0) + 1
        if kind == "model":
            models.append(item["unique_id"].split(".")[-1])
    return {
        "elapsed_s": round(results.get("elapsed_time", 0.0), 1),
        "counts": counts,
        "models": sorted(models),
        "select": select,
    }


def source_freshness(url: str | None = None) -> dict:
    """``dbt source freshness``: how old the newest load is (``meta.load_audit``, thresholds in
    ``dbt_project/models/staging/meta/_meta__sources.yml``). Returns each source's status (pass, warn,
    error) and age; an error (no delivery for longer than the error threshold) raises :class:`DbtError`."""
    dbt("source", "freshness", "--output", str(config.dbt_target_dir() / "sources.json"), url=url)
    results = json.loads((config.dbt_target_dir() / "sources.json").read_text())["results"]
    return {
        item["unique_id"].removeprefix("source.samverkan."): {
            "status": item["status"],
            "age_days": round(item.get("max_loaded_at_time_ago_in_s", 0) / 86400, 1),
        }
        for item in results
    }


def dbt_docs(url: str | None = None) -> str:
    dbt("docs", "generate", url=url)
    return str(config.dbt_target_dir() / "index.html")


def sqlfluff_lint(paths: tuple[str, ...] = ("models", "tests")) -> int:
    """``sqlfluff lint`` of the dbt project (rules in the repository's ``.sqlfluff``) with dbt's templater,
    which compiles each model and so needs the warehouse connection; returns sqlfluff's exit code."""
    executable = os.path.join(os.path.dirname(config.dbt_executable()), "sqlfluff")
    if not os.path.exists(executable):
        raise DbtError(f"sqlfluff finns inte på {executable}: kör `make setup`")
    env = dbt_environment()
    targets = [str(config.DBT_PROJECT_DIR / path) for path in paths]
    return subprocess.run([executable, "lint", *targets], env=env, cwd=config.PROJECT_ROOT).returncode
