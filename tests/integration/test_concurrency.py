"""Concurrency on one warehouse, on a real PostgreSQL: two dbt builds at once, two ``make run`` at once, a
warehouse database dropped and created again under the same name, and two loads of the same form at once.

Each case is a fault the issue found: builds over each other in one target folder, a rebuilt database never
built (the record of the last build was a file keyed by the database's name), a form-id check and insert that
raced into a UniqueViolation.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from conftest import FIXTURES, REGISTER

from ingestion import sources
from ingestion.core import config
from ingestion.db import connection
from ingestion.orchestration import transform
from ingestion.sources.followup_forms import pipeline as forms_pipeline
from ingestion.sources.followup_forms.reading import read_file

# Small on purpose: the lock is held around the whole dbt process (start-up and parsing included), so even a
# build of two models would overlap without it.
SMALL_BUILD = "+dim_county +dim_period"
EXPORT = FIXTURES / "followup_forms" / "uppfoljning_export_20240903T0800.csv"
N_EXPORT_FORMS = 4


def fetch(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def in_threads(*calls) -> list:
    """Run the calls at the same moment, one thread each; their results, or the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:  # returned to the test, which asserts there is none
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return results


def test_two_builds_at_once_run_one_after_the_other(db_url, caplog):
    caplog.set_level(logging.INFO, logger="ingestion.db.locks")
    results = in_threads(*[lambda: transform.dbt_build(db_url, select=SMALL_BUILD)] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    builds = fetch(
        db_url, "select build_id, status, selection, started_at, ended_at from meta.builds order by started_at"
    )
    assert [(status, selection) for _, status, selection, _, _ in builds] == [("succeeded", SMALL_BUILD)] * 2
    (_, _, _, _, first_end), (_, _, _, second_start, _) = builds
    assert second_start >= first_end  # one after the other, as recorded in the warehouse
    assert sorted(r["build_id"] for r in results) == sorted(b[0] for b in builds)
    assert "Väntar på ett annat bygge av lagret" in caplog.text
    # each build had a folder of its own, removed after; the last build's results are where dbt users look
    assert not list((config.dbt_target_dir() / "builds").glob(f"{db_url.rsplit('/', 1)[1]}-*"))
    assert (config.dbt_target_dir() / "run_results.json").exists()


def test_a_build_waits_at_most_the_timeout_then_fails_clearly(db_url, monkeypatch):
    from ingestion.db import locks

    monkeypatch.setenv(locks.BUILD_TIMEOUT_ENV, "1")
    with locks.build_lock(db_url), pytest.raises(locks.LockTimeout, match="ett annat bygge av lagret pågår"):
        transform.dbt_build(db_url, select=SMALL_BUILD)
    assert fetch(db_url, "select count(*) from meta.builds") == [(0,)]


def test_a_load_of_a_source_waits_for_the_one_in_progress(db_url, landing, quarantine, monkeypatch, caplog):
    """While another process loads the register (holds its lock), an ingest of the register waits, here up to
    a timeout of 1 s, and loads nothing; another source is not held up."""
    from ingestion.db import locks

    caplog.set_level(logging.INFO, logger="ingestion.db.locks")
    monkeypatch.setenv(locks.LOAD_TIMEOUT_ENV, "1")
    with locks.source_lock("agreement_register", db_url):
        with pytest.raises(locks.LockTimeout, match="en annan inläsning av källan agreement_register"):
            sources.ingest("agreement_register", landing)
        assert sources.ingest("survey", landing) == []  # its own lock: free
    assert "Väntar på en annan inläsning av källan agreement_register" in caplog.text
    assert fetch(db_url, "select count(*) from meta.load_audit") == [(0,)]
    assert {o["status"] for o in sources.ingest("agreement_register", landing)} == {"loaded", "rejected"}


def run_env(db_url: str, airflow_env: dict, work: Path) -> dict[str, str]:
    """What ``make run`` runs with, pointed at the test's database and folders."""
    return (
        os.environ
        | airflow_env
        | {
            "WAREHOUSE_URL": db_url,
            "WAREHOUSE_STATE_DIR": str(work / "state"),
            "QUARANTINE_DIR": str(work / "quarantine"),
            "REGISTRY_PSEUDONYM_KEY": "test-key-" + "0123456789" * 4,
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }
    )


def start_run(landing: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ingestion", "run", "--landing", str(landing)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    output = process.communicate(timeout=600)[0]
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    return output


@pytest.mark.airflow
def test_two_make_runs_at_once_then_the_database_created_again(db_url, airflow_env, quarantine, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(REGISTER, landing / "agreement_register")
    env = run_env(db_url, airflow_env, tmp_path)

    outputs = [finish(p) for p in [start_run(landing, env), start_run(landing, env)]]
    loaded = fetch(db_url, "select delivery_name, count(*) from meta.load_audit group by 1 order by 1")
    assert loaded == [("overenskommelser_2024-06-30", 1), ("overenskommelser_2024-12-31", 1)]  # exactly once
    assert fetch(db_url, "select status, selection from meta.builds") == [("succeeded", None)]  # built once
    assert sorted("byggt: inget" in output for output in outputs) == [False, True], outputs
    assert fetch(db_url, "select count(*) from marts.mart_agreement_summary")[0][0] > 0
    assert transform.unchanged_since_last_build(db_url)

    # Dropped and created again under the same name (or restored from a backup taken before any build), then
    # loaded again: the old file beside the checkout, keyed by the database's name, still said "built up to
    # load N" and make run reported "unchanged" over an empty marts whenever the new loads reached the same
    # id. The new database has no record of a build, so make run builds it (the decision run_all takes after
    # the loads).
    connection.drop_database(db_url)
    connection.bootstrap(db_url)
    sources.ingest("agreement_register", landing)
    assert fetch(db_url, "select count(*) from meta.builds") == [(0,)]
    assert not transform.unchanged_since_last_build(db_url)


def export_forms(tmp_path: Path, name: str, blank_lines: int) -> Path:
    """The sample export under another name with blank lines added: the same forms, another file (checksum)."""
    path = tmp_path / "followup_forms" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(EXPORT.read_bytes() + b"\r\n" * blank_lines)
    return path


def wait_until_blocked(url: str, timeout_s: float = 60) -> None:
    """Until some session of the database waits for a lock (the second load, on the first's form ids)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        waiting = fetch(
            url,
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        )[0][0]
        if waiting:
            return
        time.sleep(0.1)
    raise AssertionError("the second load never waited for the first")


def load_second(path: Path, url: str) -> list[dict]:
    return forms_pipeline.process_batch([str(path)], url=url)


@pytest.mark.parametrize("first_load", ["commits", "rolls back"])
def test_a_form_loaded_by_two_loads_at_once(db_url, landing, quarantine, tmp_path, first_load):
    """The first load has inserted the forms and not committed when the second reaches them: the second
    waits on the database, then counts them as already loaded (or loads them, if the first rolled back)."""
    sources.ingest("agreement_register", landing)
    first, second = export_forms(tmp_path, "export_a.csv", 1), export_forms(tmp_path / "b", "export_b.csv", 2)
    forms, problems = read_file(first, datetime.now(UTC))
    assert len(forms) == N_EXPORT_FORMS and not problems
    with psycopg.connect(db_url) as in_progress:
        in_progress.execute("select 1")  # an open transaction: load_forms' own commits only to a savepoint
        _, new = forms_pipeline.load_forms(in_progress, first.name, "checksum-a", forms, 0, None)
        assert len(new) == N_EXPORT_FORMS
        result: list = []
        loader = threading.Thread(target=lambda: result.extend(in_threads(lambda: load_second(second, db_url))))
        loader.start()
        wait_until_blocked(db_url)
        if first_load == "commits":
            in_progress.commit()
        else:
            in_progress.rollback()
        loader.join(timeout=120)
    assert not isinstance(result[0], Exception), result  # old code: UniqueViolation once the first committed
    [outcome] = result[0]
    expected_new = 0 if first_load == "commits" else N_EXPORT_FORMS
    assert (outcome["status"], outcome["forms_loaded"], outcome["forms_already_loaded"]) == (
        "loaded",
        expected_new,
        N_EXPORT_FORMS - expected_new,
    )
    assert fetch(db_url, "select count(*), count(distinct form_id) from raw.followup_forms") == [
        (N_EXPORT_FORMS, N_EXPORT_FORMS)
    ]
    goals_per_form = fetch(db_url, "select count(distinct _load_id) from raw.followup_goals group by form_id")
    assert {n for (n,) in goals_per_form} == {1}  # each form's goals copied by one load only
    counts = fetch(db_url, "select row_counts from meta.load_audit where load_id = %s", outcome["load_id"])[0][0]
    assert (counts["forms_loaded"], counts["raw.followup_forms"]) == (expected_new, expected_new)


def test_two_loads_of_the_same_forms_started_together(db_url, landing, quarantine, tmp_path):
    sources.ingest("agreement_register", landing)
    paths = [export_forms(tmp_path / side, f"export_{side}.csv", n) for n, side in enumerate("ab", start=1)]
    results = in_threads(*[lambda p=p: forms_pipeline.process_batch([str(p)], url=db_url) for p in paths])
    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = sorted((o["status"], o["forms_loaded"], o["forms_already_loaded"]) for [o] in results)
    assert outcomes == [("loaded", 0, N_EXPORT_FORMS), ("loaded", N_EXPORT_FORMS, 0)]
    assert fetch(db_url, "select count(*) from raw.followup_forms") == [(N_EXPORT_FORMS,)]
