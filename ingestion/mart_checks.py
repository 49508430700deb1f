"""Validating the marts with GX after each dbt build (suites in ``expectations/marts/``)."""

from __future__ import annotations

from ingestion import config
from ingestion.gx_validation import validate_sql_table


class MartValidationError(RuntimeError):
    pass


def validate_marts(url: str | None = None) -> dict:
    url = url or config.warehouse_url()
    checked, failures = [], []
    for suite in sorted((config.EXPECTATIONS_DIR / "marts").glob("*.json")):
        checked.append(suite.stem)
        failures += validate_sql_table(url, "marts", suite.stem, f"marts/{suite.name}")
    if failures:
        raise MartValidationError("Marts klarade inte valideringen:\n" + "\n".join(failures))
    return {"validated": checked}
