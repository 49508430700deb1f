"""The report's dbt exposure names exactly the marts its query module reads, so the dbt docs' lineage shows
what the situation report is built from (and a new table in a query cannot be left out of it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def test_exposure_lists_every_mart_the_report_reads():
    queries = (ROOT / "ingestion" / "report" / "queries.py").read_text(encoding="utf-8")
    read = set(re.findall(r"\bmarts\.([a-z_]+)", queries))
    exposure = yaml.safe_load((ROOT / "dbt_project" / "models" / "marts" / "report_exposures.yml").read_text())
    (lagesbild,) = [e for e in exposure["exposures"] if e["name"] == "lagesbild"]
    declared = {re.fullmatch(r"ref\('([a-z_]+)'\)", d).group(1) for d in lagesbild["depends_on"]}
    assert read and declared == read


def test_report_reads_no_schema_but_marts():
    queries = (ROOT / "ingestion" / "report" / "queries.py").read_text(encoding="utf-8")
    schemas = set(re.findall(r"\b(raw|staging|intermediate|restricted|meta|marts)\.[a-z_]+", queries))
    assert schemas == {"marts"}
