"""``make demo``: generate national data for every source and run every pipeline over it.

The demo gets a database of its own on the same server (``samverkan_demo``), so generated data never mixes
with what ``make run`` loads into the warehouse.
"""

from __future__ import annotations

import os
from pathlib import Path

from ingestion.core import config
from ingestion.core.numbers import tal
from ingestion.db import connection
from ingestion.orchestration.runner import run_all
from ingestion.orchestration.summary import print_headlines, print_summary

DEMO_DATABASE = "samverkan_demo"

DEMO_REGISTRY_ROWS = 500_000  # a national month


def mark_finished_uploads(landing: Path) -> list[Path]:
    """Write the ready marker of every delivery under ``landing``, as senders are asked to once an upload is
    finished (README): without it, deliveries generated a moment ago would wait out the quiet period.
    Returns the markers."""
    from ingestion.core.deliveries import find_deliveries, find_files, mark_finished
    from ingestion.sources.agreement_register.pipeline import SPEC as REGISTER
    from ingestion.sources.followup_forms.contract import FILE_PATTERN as FORMS
    from ingestion.sources.registry.pipeline import delivery_files
    from ingestion.sources.survey.pipeline import SPEC as SURVEY

    paths = find_deliveries(landing / REGISTER.name, REGISTER.delivery_pattern, finished_only=False)
    paths += find_deliveries(landing / SURVEY.name, SURVEY.delivery_pattern, finished_only=False)
    paths += find_files(landing / "followup_forms", FORMS, finished_only=False)
    paths += delivery_files(landing / "registry", finished_only=False)
    return [mark_finished(path) for path in paths]


def demo() -> None:
    """Generate a national register (several snapshots and one bad delivery) and follow-up forms for
    several years (both templates and formats, corrections, late, missing and bad ones) and survey
    exports (a municipal survey, an annual survey in three waves, a party survey); run everything.

    The demo gets a database of its own on the same server (``samverkan_demo``), so generated data
    never mixes with what ``make run`` loads into the connection.
    """
    from ingestion.synthetic.register import generate_register

    os.environ["WAREHOUSE_URL"] = connection.with_database(connection.warehouse_url(), DEMO_DATABASE)
    connection.bootstrap()
    landing = config.state_dir() / "demo" / "landing"
    target = landing / "agreement_register"
    if not target.exists():
        print(f"… genererar syntetiska leveranser till {landing}", flush=True)
        generate_register(target, n_agreements=600, seed=2024, invalid=True)
    forms = landing / "followup_forms"
    if not forms.exists():
        from ingestion.synthetic.forms import generate_followup_forms

        print(f"… genererar syntetiska uppföljningsformulär till {forms}", flush=True)
        # every half-year up to the last one the register covers; its forms arrive after the last snapshot
        periods = [f"{year}H{half}" for year in range(2022, 2026) for half in (1, 2)]
        generate_followup_forms(forms, register_dir=target, periods=periods, seed=2024)
    surveys = landing / "survey"
    if not surveys.exists():
        from ingestion.synthetic.survey import generate_surveys

        print(f"… genererar syntetiska enkätexporter till {surveys}", flush=True)
        generate_surveys(surveys, register_dir=target, seed=2024)
    registry = landing / "registry"
    if not registry.exists():
        from ingestion.synthetic.registry import generate_registry

        print(
            f"… genererar syntetiska registerutdrag (6 månader à {tal(DEMO_REGISTRY_ROWS)} rader) till {registry}",
            flush=True,
        )
        months = [f"2025{m:02d}" for m in range(1, 7)]
        generate_registry(
            registry,
            months,
            rows_per_month=DEMO_REGISTRY_ROWS,
            seed=2024,
            gzip_months={"202503"},
            bad_rows_per_month=40,
            invalid_month="202506",
        )
    mark_finished_uploads(landing)
    report_dir = run_all(landing)
    print_summary(landing, report_dir)
    from ingestion.orchestration.transform import dbt_docs

    docs = dbt_docs()
    print_headlines()
    url = connection.warehouse_url()
    print("\nResultaten finns i schemat marts i databasen:")
    print(f"  psql {url}")
    example = "select * from marts.mart_agreement_summary where basis = 'i_kraft' order by snapshot_date desc, niva;"
    print(f"  t.ex.: {example}")
    print(f"Avvisade leveranser och felrapporter: {config.quarantine_dir()}")
    print(f"dbt-dokumentationen: {docs}")
    from ingestion.report.build import RUN_SUMMARY_NOTE, build_editions, note_for_run_summary

    note = report_dir / RUN_SUMMARY_NOTE
    if not note.exists():  # the warehouse was built before (a second make demo): build the editions here
        note_for_run_summary(build_editions(), report_dir)
    line = note.read_text(encoding="utf-8").strip()
    print(line[0].upper() + line[1:])
