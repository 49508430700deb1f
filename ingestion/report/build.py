"""Building the editions of a half-year: ``riket`` and one per county, as self-contained HTML, with a
``manifest.json`` of what they were built from (``REPORT_DIR``, default ``.state/reports``).

An edition carries the data's as-of date (the register snapshot, the months loaded), never the clock, so
the same data give byte-identical files. Figures come from :mod:`ingestion.report.queries` only.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingestion.core import config
from ingestion.db import connection
from ingestion.report import formatting, queries

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


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["count"] = lambda row, name: formatting.count(row.get(name), bool(row.get(f"{name}_suppressed")))
    env.filters["percent"] = lambda row, name: formatting.percent(row.get(name), bool(row.get(f"{name}_suppressed")))
    env.filters["tal"] = lambda value: formatting.count(value)
    env.globals.update(
        group_name=lambda code: TARGET_GROUP_NAMES.get(code, code),
        level_name=lambda code: LEVEL_NAMES.get(code, code),
        suppressed_note=formatting.SUPPRESSED_NOTE,
    )
    return env


def _outcome_table(rows: list[dict], dimension: str = "alla", tackning: str = "alla") -> list[dict]:
    by_group = {r["malgrupp"]: r for r in rows if r["dimension"] == dimension and r["tackning"] == tackning}
    return [by_group[g] for g in queries.TARGET_GROUP_ORDER if g in by_group]


def edition_data(conn, period: str, lanskod: str | None, county_name: str | None) -> dict[str, Any]:
    """Everything one edition shows, read through the query module."""
    facts = queries.period_facts(conn, period)
    snapshot = facts["register_snapshot_date"]
    outcomes = queries.outcomes(conn, period, lanskod)
    previous = queries.outcomes(conn, queries.previous_period(period), lanskod)
    totals = next((r for r in _outcome_table(outcomes)), None)
    previous_totals = next((r for r in _outcome_table(previous)), None)
    covered = {r["malgrupp"]: r for r in outcomes if r["dimension"] == "alla" and r["tackning"] == "tackt"}
    uncovered = {r["malgrupp"]: r for r in outcomes if r["dimension"] == "alla" and r["tackning"] == "ej_tackt"}
    by_value = {(r["malgrupp"], r["dimension_value"]): r for r in outcomes if r["tackning"] == "alla"}
    by_sex = [
        {"malgrupp": g, "K": by_value[(g, "K")], "M": by_value[(g, "M")]}
        for g in queries.TARGET_GROUP_ORDER
        if (g, "K") in by_value and (g, "M") in by_value
    ]
    return {
        "period": period,
        "period_text": formatting.period_text(period),
        "edition": "riket" if lanskod is None else lanskod,
        "area_name": "Riket" if lanskod is None else county_name,
        "facts": facts,
        "snapshot": snapshot,
        "levels": queries.agreements_by_level(conn, snapshot) if lanskod is None else [],
        "coverage": queries.coverage_by_area(conn, snapshot, lanskod),
        "uncovered": queries.uncovered_municipalities(conn, snapshot, lanskod),
        "totals": totals,
        "previous_totals": previous_totals,
        "previous_period_text": formatting.period_text(queries.previous_period(period)),
        "groups": _outcome_table(outcomes),
        "covered": covered,
        "uncovered_outcomes": uncovered,
        "by_sex": by_sex,
        "beside": queries.registry_beside_reported(conn, period, lanskod),
    }


def _commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "okänd"


def build_editions(period: str | None = None, url: str | None = None, out_dir: Path | None = None) -> dict:
    """Write every edition of ``period`` (default: :func:`queries.latest_period`) and its manifest;
    returns the manifest."""
    env = _environment()
    template = env.get_template("edition.html.j2")
    with connection.connect(url) as conn:
        period = period or queries.latest_period(conn)
        if period is None:
            raise RuntimeError("Inget halvår med registerutfall i marts ännu: kör make run eller make demo först.")
        target = (out_dir or report_dir()) / period
        target.mkdir(parents=True, exist_ok=True)
        editions = [(None, None)] + [(c["lanskod"], c["county_name"]) for c in queries.counties(conn)]
        files = {}
        facts = queries.period_facts(conn, period)
        for lanskod, name in editions:
            data = edition_data(conn, period, lanskod, name)
            path = target / f"{data['edition']}.html"
            html = template.render(**data)
            path.write_text(html, encoding="utf-8")
            files[path.name] = hashlib.sha256(html.encode("utf-8")).hexdigest()
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
        "files": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
