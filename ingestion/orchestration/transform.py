"""Running dbt (installed in its own virtual environment) against the warehouse."""

from __future__ import annotations

import glob
import json
import logging
import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from ingestion.core import config
from ingestion.db import connection, locks

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


BUILD_ARTIFACTS = ("manifest.json", "run_results.json", "semantic_manifest.json", "graph_summary.json")


def dbt_build(
    url: str | None = None,
    select: str | None = None,
    run_id: str | None = None,
    only_if_changed: bool = False,
    full_refresh: bool = False,
) -> dict:
    """``dbt build`` (seeds, models, tests); returns counts per status from run_results.json.

    ``select`` (dbt's node selection, e.g. ``tag:registry`` or ``+mart_agreement_summary``) builds a part of
    the warehouse; its tests run only where every model they read is built (cautious indirect selection),
    so a part builds and passes on its own.

    One build at a time per warehouse: the build holds the build lock (``BUILD_LOCK_KEY``, see
    :mod:`ingestion.db.locks`) from before dbt starts until its end is recorded, so ``make run`` and the
    scheduler never build over each other; a second build waits (and says so) up to ``BUILD_LOCK_TIMEOUT``.
    Each build writes into a folder of its own (``--target-path``), so no build reads another's
    run_results.json; its artifacts are then copied to ``DBT_TARGET_PATH`` (default ``dbt_project/target``),
    where the last build's manifest is found as before. The build is recorded in ``meta.builds`` (when, how it
    ended, the selection, the loads it was built from): that record, not a file, is what
    :func:`unchanged_since_last_build` compares with.

    ``full_refresh`` (``python -m ingestion rebuild``): every selected model rebuilt from raw, e.g. once after an
    upgrade that changes a partitioned registry fact's columns.

    ``only_if_changed`` (``make run``): decided under the lock, so that of two runs that both found new loads,
    the second, having waited for the first, does not build the same loads again; the result then says
    ``unchanged`` and names no models.
    """
    url = url or connection.warehouse_url()
    args = ["build", *(["--full-refresh"] if full_refresh else [])]
    if select:
        args += ["--select", *select.split(), "--indirect-selection", "cautious"]
    requested_at = datetime.now(UTC)
    with locks.build_lock(url) as lock:
        lock.execute("set role warehouse_transformer")
        if only_if_changed and not select and _unchanged(lock):
            log.info("Lagret är redan byggt från exakt de här inläsningarna; det byggs inte om.")
            return {"elapsed_s": 0.0, "counts": {}, "models": [], "select": None, "build_id": None, "unchanged": True}
        build_id = _record_start(lock, requested_at, select, run_id)
        target = _fresh_target(url, build_id)
        try:
            dbt(*args, "--target-path", str(target), url=url)
            results = json.loads((target / "run_results.json").read_text())
        except BaseException:
            try:
                lock.execute(
                    "update meta.builds set status = 'failed', ended_at = clock_timestamp() where build_id = %s",
                    (build_id,),
                )
            except psycopg.Error:  # the database itself is gone (restarted): the next build marks it interrupted
                log.warning("Bygget %s kunde inte registreras som misslyckat i meta.builds", build_id)
            log.warning("Bygget %s misslyckades; dbt:s filer finns kvar i %s", build_id, target)
            raise
        lock.execute(
            "update meta.builds set status = 'succeeded', ended_at = clock_timestamp() where build_id = %s",
            (build_id,),
        )
        _publish_artifacts(target)
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
        "build_id": build_id,
    }


def _record_start(lock: psycopg.Connection, requested_at: datetime, select: str | None, run_id: str | None) -> int:
    """The build's row in meta.builds, with the loads it is built from (read under the lock, so a load that
    commits later is not counted as built: the next run builds again). A row still ``running`` can only be a
    build whose process died (this one holds the lock): it is marked ``interrupted``."""
    lock.execute("update meta.builds set status = 'interrupted' where status = 'running'")
    return lock.execute(
        """
        insert into meta.builds (requested_at, selection, load_ids, newest_load_ids, run_id)
        select %s, %s,
               coalesce((select array_agg(load_id order by load_id) from meta.load_audit), '{}'),
               coalesce((select jsonb_object_agg(source, newest)
                         from (select source, max(load_id) as newest from meta.load_audit group by source) as s),
                        '{}'),
               %s
        returning build_id
        """,
        (requested_at, select, run_id),
    ).fetchone()[0]


def unchanged_since_last_build(url: str | None = None) -> bool:
    """Whether the loads in ``meta.load_audit`` are exactly those the last successful build of the whole
    warehouse (``meta.builds``, in the same database) was built from. False when the warehouse has never been
    built, as a database dropped and created again, or restored from a backup, has no such record."""
    with connection.connect(url) as conn:
        return _unchanged(conn)


def _unchanged(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        """
        select load_ids = coalesce((select array_agg(load_id order by load_id) from meta.load_audit), '{}')
        from meta.builds
        where status = 'succeeded' and selection is null
        order by build_id desc
        limit 1
        """
    ).fetchone()
    return bool(row and row[0])


def wait_for_build(url: str | None = None) -> None:
    """Return when no build holds the build lock (waiting at most ``BUILD_LOCK_TIMEOUT``); for callers that
    decide whether to build from the record of the last one (``make run``)."""
    with locks.build_lock(url):
        pass


def _builds_root() -> Path:
    return config.dbt_target_dir() / "builds"


def _fresh_target(url: str, build_id: int) -> Path:
    """An empty target folder for one build, named by database and build id; the folders of earlier failed
    builds of the same database (kept for inspection) are removed. dbt's partial-parse file is copied in from
    the last build, so a fresh folder does not cost a full parse of the project."""
    prefix = f"{urlsplit(url).path.lstrip('/') or 'postgres'}-"
    root = _builds_root()
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob(f"{glob.escape(prefix)}*"):
        if old.name.removeprefix(prefix).isdigit():
            shutil.rmtree(old, ignore_errors=True)
    target = root / f"{prefix}{build_id}"
    target.mkdir()
    _copy_partial_parse(target)
    return target


def _copy_partial_parse(target: Path) -> None:
    parse_state = config.dbt_target_dir() / "partial_parse.msgpack"
    if parse_state.exists():
        shutil.copy2(parse_state, target / parse_state.name)


def _publish_artifacts(target: Path) -> None:
    """The build's artifacts to DBT_TARGET_PATH (each file replaced whole, never half-written), then its own
    folder removed: what stays is the last build's manifest and results, where dbt users look for them."""
    final = config.dbt_target_dir()
    for name in (*BUILD_ARTIFACTS, "partial_parse.msgpack"):
        if (target / name).exists():
            partial = final / f".{name}.{target.name}"
            shutil.copy2(target / name, partial)
            os.replace(partial, final / name)
    shutil.rmtree(target, ignore_errors=True)


def source_freshness(url: str | None = None) -> dict:
    """``dbt source freshness``: how old the newest load is (``meta.load_audit``, thresholds in
    ``dbt_project/models/staging/meta/_meta__sources.yml``). Returns each source's status (pass, warn,
    error) and age; an error (no delivery for longer than the error threshold) raises :class:`DbtError`."""
    _builds_root().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="freshness-", dir=_builds_root()) as folder:
        target = Path(folder)  # its own, like a build's: two runs at once must not share one
        _copy_partial_parse(target)
        dbt("source", "freshness", "--target-path", folder, "--output", str(target / "sources.json"), url=url)
        results = json.loads((target / "sources.json").read_text())["results"]
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
