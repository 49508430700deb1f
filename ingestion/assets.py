"""Airflow Assets: one per raw table. A source DAG emits them when it loaded something new;
the warehouse DAG is scheduled on them. Kept here so DAG files and tests name them identically."""

from __future__ import annotations

from airflow.sdk import Asset

from ingestion.forms_tables import RAW_TABLES as FORMS_TABLES
from ingestion.register import RAW_TABLES as REGISTER_TABLES
from ingestion.registry_tables import RAW_TABLES as REGISTRY_TABLES
from ingestion.survey import ANSWER_CELLS
from ingestion.survey import RAW_TABLES as SURVEY_TABLES


def raw_asset(table: str) -> Asset:
    schema, name = table.split(".")
    return Asset(name=table, uri=f"postgres://warehouse/warehouse/{schema}/{name}", group="raw")


REGISTER_ASSETS = [raw_asset(t) for t in REGISTER_TABLES.values()]
FORMS_ASSETS = [raw_asset(t) for t in FORMS_TABLES]
SURVEY_ASSETS = [raw_asset(t) for t in [*SURVEY_TABLES.values(), ANSWER_CELLS]]
REGISTRY_ASSETS = [raw_asset(t) for t in REGISTRY_TABLES]
ALL_RAW_ASSETS = REGISTER_ASSETS + FORMS_ASSETS + SURVEY_ASSETS + REGISTRY_ASSETS
