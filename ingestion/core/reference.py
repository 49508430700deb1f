"""Official municipality and county codes, read from the project's copy of the reference data."""

from __future__ import annotations

import csv
from functools import cache

from ingestion.core import config


@cache
def municipality_codes() -> frozenset[str]:
    with open(config.REFERENCE_DIR / "municipalities.csv", encoding="utf-8", newline="") as f:
        return frozenset(row["municipality_code"] for row in csv.DictReader(f))


@cache
def county_codes() -> frozenset[str]:
    with open(config.REFERENCE_DIR / "counties.csv", encoding="utf-8", newline="") as f:
        return frozenset(row["county_code"] for row in csv.DictReader(f))


def restore_kommunkod(value: str) -> str:
    """Excel drops the leading zero (``114`` for ``0114``): put it back. Other values pass unchanged."""
    value = value.strip()
    if value.isdigit() and len(value) < 4:
        return value.zfill(4)
    return value


def restore_lanskod(value: str) -> str:
    value = value.strip()
    if value.isdigit() and len(value) < 2:
        return value.zfill(2)
    return value
