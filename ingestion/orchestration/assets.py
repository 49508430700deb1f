"""Airflow Assets: one per raw table. A source DAG emits its tables' Assets when it loaded something new;
the warehouse DAG is scheduled on all of them. Built from the registry of sources, so DAG files and tests
name them identically and a new source's tables are listened to without another list."""

from __future__ import annotations

from airflow.sdk import Asset

from ingestion.sources import SOURCES
from ingestion.sources.base import Source


def raw_asset(table: str) -> Asset:
    schema, name = table.split(".")
    return Asset(name=table, uri=f"postgres://warehouse/warehouse/{schema}/{name}", group="raw")


def source_assets(source: Source) -> list[Asset]:
    return [raw_asset(table) for table in source.raw_tables]


ALL_RAW_ASSETS = [asset for source in SOURCES for asset in source_assets(source)]


# The marts, once built and validated: the warehouse DAG's validation emits it, the report DAG listens.
MARTS_ASSET = Asset(name="marts", uri="samverkan://warehouse/marts", group="marts")
