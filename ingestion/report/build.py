"""Building the editions of a half-year: ``riket`` and one per county, as self-contained HTML, with a
``manifest.json`` of what they were built from (``REPORT_DIR``, default ``.state/reports``).

An edition carries the data's as-of date (the register snapshot, the months loaded), never the clock, so
the same data give byte-identical files. Figures come from :mod:`ingestion.report.queries` only.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingestion.core import config
from ingestion.db import connection
from ingestion.report import charts, formatting, queries

TEMPLATES = Path(__file__).parent / "templates"
TARGET_GROUP_NAMES = {
    "alla": "Alla inskrivna",
    "unga": "Unga 16–24 år",
    "nyanlanda": "Nyanlända",
    "funktionsnedsattning": "Personer med funktionsnedsättning",
    "ekonomiskt_bistand": "Mottagare av ekonomiskt bistånd",
    "utrikes_fodda_kvinnor": "Utrikes födda kvinnor",
    "langtidsarbetslosa": "Långtidsarbetslösa",
}
OUTCOME_NAMES = {
    "alla": "Alla som lämnade",
    "arbete_eller_studier": "Arbete eller studier",
    "osubventionerat_arbete": "Osubventionerat arbete",
    "subventionerat_arbete": "Subventionerat arbete",
    "studier": "Studier",
    "annat_jobbspar": "Annat jobbspår",
    "arbetsloshet": "Arbetslöshet",
    "ovrigt": "Övrigt",
}
# the registry breakdowns of mart_coverage_outcomes as the report names them: (dimension, the table's
# subject, (value, column heading) in the order shown)
BREAKDOWNS = (
    ("kon", "kön", (("K", "Kvinnor"), ("M", "Män"))),
    (
        "aldersgrupp",
        "åldersgrupp",
        (("16-24", "16–24 år"), ("25-29", "25–29 år"), ("30-64", "30–64 år"), ("ovriga", "Övriga åldrar")),
    ),
    ("fodelseregion", "födelseregion", (("Sverige", "Födda i Sverige"), ("Utrikes", "Utrikes födda"))),
)
# what a participant did after a job track, the outcomes that add up to everyone who left (mart_jobtrack_outcomes)
EXCLUSIVE_OUTCOMES = (
    "osubventionerat_arbete",
    "subventionerat_arbete",
    "studier",
    "annat_jobbspar",
    "arbetsloshet",
    "ovrigt",
)
TRACK_TYPE_NAMES = {"branschriktat": "Branschriktat", "forberedande": "Förberedande", "kort": "Kort"}
LEVEL_NAMES = {
    "central": "Central",
    "regional": "Regional",
    "flerkommunal": "Flerkommunal",
    "lokal": "Lokal",
    "kommunlokal": "Kommunlokal",
    "alla": "Samtliga",
}


def report_dir() -> Path:
    return Path(os.environ.get("REPORT_DIR", config.state_dir() / "reports")).resolve()


@functools.cache
def _environment():
    """One template environment per process (the report DAG's mapped tasks and make report's loop alike)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["count"] = lambda row, name: formatting.count(row.get(name), bool(row.get(f"{name}_suppressed")))
    env.filters["percent"] = lambda row, name, decimals=0: formatting.percent(
        row.get(name), bool(row.get(f"{name}_suppressed")), decimals
    )
    env.filters["tal"] = lambda value: formatting.count(value)
    env.filters["decimal"] = formatting.mean
    env.filters["figure"] = formatting.figure
    env.filters["change"] = lambda row, name: formatting.change(
        row.get(name), row.get("unit", "antal"), bool(row.get(f"{name}_suppressed"))
    )
    env.filters["month_text"] = formatting.month_text
    env.globals.update(
        group_name=lambda code: TARGET_GROUP_NAMES.get(code, code),
        level_name=lambda code: LEVEL_NAMES.get(code, code),
        outcome_name=lambda code: OUTCOME_NAMES.get(code, code),
        track_name=lambda code: TRACK_TYPE_NAMES.get(code, code),
        suppressed_note=formatting.SUPPRESSED_NOTE,
    )
    return env


def _outcome_table(rows: list[dict], dimension: str = "alla", tackning: str = "alla") -> list[dict]:
    by_group = {r["malgrupp"]: r for r in rows if r["dimension"] == dimension and r["tackning"] == tackning}
    return [by_group[g] for g in queries.TARGET_GROUP_ORDER if g in by_group]


def _means_table(rows: list[dict], questions: list[str], group_type: str) -> dict[str, Any]:
    """Mean answers as a table: one row per county or SKR group (and Riket last), one column per question."""
    by_group: dict[str, dict] = {}
    for r in rows:
        if r["group_type"] in (group_type, "alla"):
            group = by_group.setdefault(r["group_value"], {"name": r["group_name"], "alla": r["group_type"] == "alla"})
            group[r["question_code"]] = r["mean_answer"]
    ordered = sorted(by_group.values(), key=lambda g: g["alla"])
    return {
        "id": f"tabell-bedomning-{group_type}",
        "title": "län" if group_type == "lanskod" else "SKR:s kommungrupp",
        "questions": questions,
        "rows": [
            {"name": "Riket" if g["alla"] else g["name"], "means": [g.get(q) for q in questions]} for g in ordered
        ],
    }


def edition_data(conn, period: str, lanskod: str | None, county_name: str | None) -> dict[str, Any]:
    """Everything one edition shows, read through the query module."""
    facts = queries.period_facts(conn, period)
    snapshot = facts["register_snapshot_date"]
    outcomes = queries.outcomes(conn, period, lanskod)
    groups = _outcome_table(outcomes)
    totals = groups[0] if groups else None
    covered = {r["malgrupp"]: r for r in outcomes if r["dimension"] == "alla" and r["tackning"] == "tackt"}
    uncovered = {r["malgrupp"]: r for r in outcomes if r["dimension"] == "alla" and r["tackning"] == "ej_tackt"}
    by_value = {(r["malgrupp"], r["dimension"], r["dimension_value"]): r for r in outcomes if r["tackning"] == "alla"}
    breakdowns = [
        {
            "id": f"tabell-resultat-{dimension}",
            "title": title,
            "columns": [label for _, label in values],
            "rows": [
                {"malgrupp": g, "cells": [by_value[(g, dimension, v)] for v, _ in values]}
                for g in queries.TARGET_GROUP_ORDER
                if all((g, dimension, v) in by_value for v, _ in values)
            ],
        }
        for dimension, title, values in BREAKDOWNS
    ]
    share = "share_ended_to_work_or_studies"
    shown = lambda row, name: None if not row or row.get(f"{name}_suppressed") else row.get(name)  # noqa: E731
    for breakdown in breakdowns:  # a decimal where two cells of a row would otherwise look alike
        breakdown["decimals"] = formatting.share_decimals(
            [[shown(cell, share) for cell in row["cells"]] for row in breakdown["rows"]]
        )
    group_labels = [TARGET_GROUP_NAMES[r["malgrupp"]] for r in groups]
    decimals = {
        "groups": formatting.share_decimals([[shown(r, share) for r in groups]]),
        "coverage": formatting.share_decimals(
            [[shown(covered.get(r["malgrupp"]), share), shown(uncovered.get(r["malgrupp"]), share)] for r in groups]
        ),
    }
    coverage_chart = charts.horizontal_bars(
        group_labels,
        {
            "Med regional eller lokal överenskommelse": [shown(covered.get(r["malgrupp"]), share) for r in groups],
            "Utan": [shown(uncovered.get(r["malgrupp"]), share) for r in groups],
        },
        "Andel av de avaktualiserade som gick till arbete eller studier",
    )
    assessment_rows = queries.assessment(conn, period, lanskod)
    questions = [r["question_code"] for r in assessment_rows]
    means = queries.assessment_means_by_group(conn, period, "lanskod")
    national_means = {r["question_code"]: r["mean_answer"] for r in means if r["group_type"] == "alla"}
    if lanskod is None:
        assessment_chart = charts.vertical_bars(
            questions, [r["mean_answer"] for r in assessment_rows], "Medelvärde per fråga (1–5)", 5
        )
        assessment_groups = [
            _means_table(queries.assessment_means_by_group(conn, period, "kommungrupp"), questions, "kommungrupp"),
            _means_table(means, questions, "lanskod"),
        ]
    else:
        own = {r["question_code"]: r["mean_answer"] for r in means if r["group_value"] == lanskod}
        assessment_chart = charts.grouped_columns(
            questions,
            {county_name: [own.get(q) for q in questions], "Riket": [national_means.get(q) for q in questions]},
            "Medelvärde per fråga (1–5)",
            5,
        )
        assessment_groups = []
    levels_of_collaboration = queries.collaboration_levels(conn, period, lanskod)
    collaboration_chart = charts.stacked_bars(
        [r["samverkansniva"] for r in levels_of_collaboration],
        {
            "Upp": [r["n_up"] for r in levels_of_collaboration],
            "Oförändrad": [r["n_same"] for r in levels_of_collaboration],
            "Ned": [r["n_down"] for r in levels_of_collaboration],
            "Första formuläret": [r["n_first"] for r in levels_of_collaboration],
        },
        "Formulär per samverkansnivå och förändring sedan förra formuläret",
    )
    goal_rows = queries.goals(conn, period, lanskod)
    per_group = [r for r in goal_rows if r["label"] != "Samtliga mål"]  # the chart without the total row
    goals_chart = charts.stacked_bars(
        [r["label"] for r in per_group],
        {
            "Uppnått": [r["n_achieved"] for r in per_group],
            "Delvis uppnått": [r["n_partly"] for r in per_group],
            "Ej uppnått": [r["n_not"] for r in per_group],
            "Kan inte bedöma": [r["n_cannot"] for r in per_group],
        },
        "Mål efter parternas bedömning, per målgrupp",
    )
    completeness = queries.forms_completeness(conn, period, lanskod)
    key_figures = queries.key_figures(conn, period, lanskod)
    coverage = queries.coverage_by_area(conn, snapshot, lanskod)
    if lanskod is None:
        forms_chart = charts.stacked_bars(
            [r["name"] for r in completeness],
            {
                "I tid": [r["n_on_time"] for r in completeness],
                "Sent": [r["n_late"] for r in completeness],
                "Saknas": [r["n_missing"] for r in completeness],
            },
            "Uppföljningsformulär per län",
        )
        coverage_by_county_chart = charts.stacked_bars(
            [r["name"] for r in coverage],
            {
                "Med gällande överenskommelse": [r["n_covered"] for r in coverage],
                "Utan": [r["n_uncovered"] for r in coverage],
            },
            "Kommuner per län",
        )
    else:
        forms_chart = coverage_by_county_chart = None
    order = list(OUTCOME_NAMES)  # the table in the order of the legend: all, then work or studies, then each
    jobtrack_rows = sorted(
        queries.jobtracks(conn, period, lanskod),
        key=lambda r: (r["group_value"], order.index(r["aktivitet_efter"]) if r["aktivitet_efter"] in order else 99),
    )
    by_track: dict[str, dict[str, dict]] = {}
    for r in jobtrack_rows:
        by_track.setdefault(r["group_label"], {})[r["aktivitet_efter"]] = r
    jobtracks_chart = (
        charts.stacked_bars(
            [TRACK_TYPE_NAMES.get(label, label) for label in by_track],
            {
                OUTCOME_NAMES[outcome]: [shown(track.get(outcome), "share_of_left") for track in by_track.values()]
                for outcome in EXCLUSIVE_OUTCOMES
            },
            "Andel av dem som lämnade, efter vad de gjorde sedan",
            shares=True,
        )
        if by_track
        else None
    )
    charts_of_edition = {
        "jobtracks_chart": jobtracks_chart,
        "coverage_chart": coverage_chart,
        "assessment_chart": assessment_chart,
        "collaboration_chart": collaboration_chart,
        "goals_chart": goals_chart,
        "forms_chart": forms_chart,
        "coverage_by_county_chart": coverage_by_county_chart,
    }
    return charts_of_edition | {
        "period": period,
        "period_text": formatting.period_text(period),
        "edition": "riket" if lanskod is None else lanskod,
        "area_name": "Riket" if lanskod is None else county_name,
        "facts": facts,
        "snapshot": snapshot,
        "levels": queries.agreements_by_level(conn, snapshot) if lanskod is None else [],
        "coverage": coverage,
        "key_figures": key_figures,
        "key_figures_by_ordinal": {r["ordinal"]: r for r in key_figures},
        "missing_forms": queries.missing_forms(conn, period, lanskod),
        "registry_months": queries.registry_months(conn, period),
        "assessment_groups": assessment_groups,
        "national_means": national_means,
        "uncovered": queries.uncovered_municipalities(conn, snapshot, lanskod),
        "totals": totals,
        "previous_period_text": formatting.period_text(queries.previous_period(period)),
        "groups": groups,
        "covered": covered,
        "uncovered_outcomes": uncovered,
        "breakdowns": breakdowns,
        "decimals": decimals,
        "beside": queries.registry_beside_reported(conn, period, lanskod),
        "completeness": completeness,
        "assessment": assessment_rows,
        "levels_of_collaboration": levels_of_collaboration,
        "goals": goal_rows,
        "jobtracks": jobtrack_rows,
    }


def _commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "okänd"


def plan_editions(period: str | None = None, url: str | None = None) -> list[dict[str, str | None]]:
    """The editions of ``period`` (default: :func:`queries.latest_period`): Riket, then each county; empty
    when the marts have no half-year with registry outcomes yet."""
    with connection.connect(url) as conn:
        period = period or queries.latest_period(conn)
        if period is None:
            return []
        if not queries.PERIOD_PATTERN.match(period):
            raise ValueError(f"Halvåret skrivs ÅÅÅÅH1 eller ÅÅÅÅH2 (t.ex. 2025H1), inte {period!r}.")
        if queries.period_facts(conn, period)["n_months_loaded"] is None:
            available = ", ".join(queries.periods_with_outcomes(conn)) or "inga ännu"
            raise ValueError(f"Marts har inga registerutfall för {period}; halvår med utfall: {available}.")
        counties = queries.counties(conn)
    return [{"period": period, "lanskod": None, "county_name": None}] + [
        {"period": period, "lanskod": c["lanskod"], "county_name": c["county_name"]} for c in counties
    ]


def build_edition(
    period: str,
    lanskod: str | None,
    county_name: str | None,
    url: str | None = None,
    out_dir: Path | None = None,
    pdf: bool = True,
) -> dict[str, str]:
    """Write one edition (HTML, and the PDF unless ``pdf`` is false); returns the file names and checksums
    (for the manifest)."""
    template = _environment().get_template("edition.html.j2")
    with connection.connect(url) as conn:
        data = edition_data(conn, period, lanskod, county_name)
    target = (out_dir or report_dir()) / period
    target.mkdir(parents=True, exist_ok=True)
    html = template.render(**data)
    path = target / f"{data['edition']}.html"
    path.write_text(html, encoding="utf-8")
    result = {"file": path.name, "sha256": hashlib.sha256(html.encode("utf-8")).hexdigest()}
    if pdf:
        pdf_path = target / f"{data['edition']}.pdf"
        write_pdf(html, pdf_path, data["snapshot"])
        result |= {"pdf": pdf_path.name, "pdf_sha256": hashlib.sha256(pdf_path.read_bytes()).hexdigest()}
    return result


def write_pdf(html: str, path: Path, as_of) -> None:
    """The edition as a tagged PDF (WeasyPrint), vector charts included; nothing is fetched (no base URL,
    no web fonts), and no clock goes into it: the document's dates come from the HTML's own metadata, and
    the embedded font subsets (fontTools stamps them) get the data's as-of date through SOURCE_DATE_EPOCH."""
    from weasyprint import HTML

    epoch = str(int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp()))
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        HTML(string=html, base_url=None).write_pdf(path, pdf_tags=True, pdf_identifier=b"lagesbild")
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def write_manifest(
    period: str, files: list[dict[str, str]], url: str | None = None, out_dir: Path | None = None
) -> dict:
    """``<period>/manifest.json``: what the editions were built from, and each file's checksum."""
    with connection.connect(url) as conn:
        facts = queries.period_facts(conn, period)
    manifest = {
        "period": period,
        "built_from": {
            "registry_load_id": facts["registry_load_id"],
            "register_load_id": facts["register_load_id"],
            "forms_load_id": facts["forms_load_id"],
            "register_snapshot_date": str(facts["register_snapshot_date"]),
            "registry_months_loaded": facts["n_months_loaded"],
        },
        "commit": _commit(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {
            name: digest
            for f in sorted(files, key=lambda f: f["file"])
            for name, digest in ((f["file"], f["sha256"]), (f.get("pdf"), f.get("pdf_sha256")))
            if name
        },
    }
    target = (out_dir or report_dir()) / period
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


RUN_SUMMARY_NOTE = "lagesbild.txt"


def summary_line(manifest: dict) -> str:
    """Which editions were written where, in one line (``make run``'s summary, ``make demo``, ``make report``)."""
    folder = report_dir() / manifest["period"]
    n_editions = sum(name.endswith(".html") for name in manifest["files"])
    return f"lägesbild {manifest['period']}: {n_editions} utgåvor (HTML och PDF), t.ex. {folder / 'riket.html'}"


def note_for_run_summary(manifest: dict, run_dir: str | Path) -> Path:
    """:func:`summary_line` in the run's folder, for ``make run``'s summary to print."""
    path = Path(run_dir) / RUN_SUMMARY_NOTE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary_line(manifest) + "\n", encoding="utf-8")
    return path


def build_editions(
    period: str | None = None, url: str | None = None, out_dir: Path | None = None, pdf: bool = True
) -> dict:
    """Every edition of ``period`` and its manifest (``make report``, ``make demo``), in a process per core
    (at most ``REPORT_WORKERS``, 4); the report DAG builds the editions as mapped tasks instead. Returns the
    manifest."""
    editions = plan_editions(period, url)
    if not editions:
        raise RuntimeError("Inget halvår med registerutfall i marts ännu: kör make run eller make demo först.")
    build = functools.partial(_build_one, url=url, out_dir=out_dir, pdf=pdf)
    workers = min(len(editions), os.cpu_count() or 1, int(os.environ.get("REPORT_WORKERS", "4")))
    # The PDF is most of an edition's time and editions are independent: one process per core. Forked (a
    # spawned worker would import the caller's main module again), so only from a single-threaded process.
    if workers > 1 and threading.active_count() == 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            files = list(pool.map(build, editions))
    else:
        files = [build(edition) for edition in editions]
    return write_manifest(editions[0]["period"], files, url, out_dir)


def _build_one(edition: dict, url: str | None, out_dir: Path | None, pdf: bool) -> dict[str, str]:
    return build_edition(**edition, url=url, out_dir=out_dir, pdf=pdf)
