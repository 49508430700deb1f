"""Validating the marts with GX after each dbt build (suites in ``expectations/marts/``).

Each suite names the source its mart is built from (``meta.source``). A mart whose source has never
delivered anything is empty by design — a warehouse that so far only takes registry extracts has no
agreement summary — so its suite is skipped (and listed as skipped) rather than failing the build."""

from __future__ import annotations

import json

from ingestion.core import config
from ingestion.db import connection
from ingestion.validation.gx import validate_sql_table


class MartValidationError(RuntimeError):
    pass


def loaded_sources(url: str) -> set[str]:
    with connection.connect(url) as conn:
        return {source for (source,) in conn.execute("select distinct source from meta.load_audit")}


def validate_marts(url: str | None = None, only: list[str] | None = None) -> dict:
    """Run every mart suite (``only``: the suites of these marts, e.g. those a partial build rebuilt)."""
    url = url or connection.warehouse_url()
    loaded = loaded_sources(url)
    checked, skipped, failures = [], [], []
    for suite in sorted((config.EXPECTATIONS_DIR / "marts").glob("*.json")):
        if only is not None and suite.stem not in only:
            continue
        source = json.loads(suite.read_text(encoding="utf-8")).get("meta", {}).get("source")
        if source is not None and source not in loaded:
            skipped.append(suite.stem)
            continue
        checked.append(suite.stem)
        failures += validate_sql_table(url, "marts", suite.stem, f"marts/{suite.name}")
    if failures:
        raise MartValidationError("Marts klarade inte valideringen:\n" + "\n".join(failures))
    return {"validated": checked, "skipped_no_deliveries": skipped}
