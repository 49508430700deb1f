"""Running Great Expectations (GX Core) suites kept in ``expectations/``.

Suites are plain GX 1.x JSON files, one per delivered file (``expectations/<source>/<file>.json``)
and one per mart (``expectations/marts/<mart>.json``). Each expectation carries
``meta.regel``: the rule in plain Swedish words, used in the error report sent back to the sender.
GX is imported inside the functions: it takes seconds to import and DAG files must parse fast.
"""

from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from ingestion.core import config
from ingestion.core.frames import ROW_COLUMN
from ingestion.core.problems import Problem, quote

if TYPE_CHECKING:
    import pandas as pd


def load_suite_json(relative: str) -> dict[str, Any]:
    return json.loads((config.EXPECTATIONS_DIR / relative).read_text(encoding="utf-8"))


def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _suite(context, suite_json: dict[str, Any]):
    from great_expectations.core.expectation_suite import ExpectationSuite

    return context.suites.add(ExpectationSuite(**suite_json))


def validate_frames(
    suites: dict[str, str], frames: dict[str, pd.DataFrame], parameters: dict[str, Any] | None = None
) -> list[Problem]:
    """Validate each file's DataFrame with its suite; return one Problem per failing row and rule.

    ``suites`` maps a delivered file name to its suite path under ``expectations/``. Frames carry a
    ``_rad`` column with the line number in the file so that problems name the row.
    """
    import great_expectations as gx

    context = _context()
    source = context.data_sources.add_pandas("delivery")
    problems: list[Problem] = []
    for file_name, suite_path in suites.items():
        frame = frames.get(file_name)
        if frame is None:
            continue
        asset = source.add_dataframe_asset(file_name)
        batch = asset.add_batch_definition_whole_dataframe("whole")
        suite = _suite(context, load_suite_json(suite_path) | {"name": file_name})
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=file_name, data=batch, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters or {},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_COLUMN]},
        )
        for item in result.results:
            if not item.success:
                problems.extend(_problems_from_result(file_name, item))
    return problems


def _problems_from_result(file_name: str, item) -> list[Problem]:
    expectation = item.expectation_config
    rule = (expectation.meta or {}).get("regel") or expectation.type
    column = expectation.kwargs.get("column")
    columns = expectation.kwargs.get("column_list")
    if item.exception_info and item.exception_info.get("raised_exception"):
        return [Problem(file_name, None, column, f"kunde inte kontrolleras ({rule})")]
    rows = (item.result or {}).get("unexpected_index_list")
    if rows:
        found = []
        for row in rows:
            if columns:
                value = " / ".join(str(_clean(row.get(c))) for c in columns)
                found.append(
                    Problem(
                        file_name,
                        int(row[ROW_COLUMN]),
                        ", ".join(columns),
                        f"värdet {quote(value)} bryter mot regeln: {rule}",
                    )
                )
            else:
                value = _clean(row.get(column))
                found.append(
                    Problem(file_name, int(row[ROW_COLUMN]), column, f"värdet {quote(value)} bryter mot regeln: {rule}")
                )
        return found
    observed = (item.result or {}).get("observed_value")
    return [Problem(file_name, None, column, f"{rule} (hittade: {observed})")]


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def validate_sql_table(url: str, schema: str, table: str, suite_path: str) -> list[str]:
    """Validate a warehouse table (a mart) with a suite; return one plain line per failed expectation."""
    import great_expectations as gx

    context = _context()
    source = context.data_sources.add_sql(name="warehouse", connection_string=_sqlalchemy_url(url, VALIDATION_ROLE))
    asset = source.add_table_asset(name=table, table_name=table, schema_name=schema)
    batch = asset.add_batch_definition_whole_table("whole")
    suite = _suite(context, load_suite_json(suite_path) | {"name": f"{schema}.{table}"})
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{schema}.{table}", data=batch, suite=suite)
    )
    result = definition.run(result_format={"result_format": "SUMMARY"})
    failures = []
    for item in result.results:
        if not item.success:
            expectation = item.expectation_config
            rule = (expectation.meta or {}).get("regel") or expectation.type
            detail = item.result.get("partial_unexpected_list") or item.result.get("observed_value")
            failures.append(f"{schema}.{table}: {rule} (hittade: {detail})")
    return failures


# The mart suites read the marts with the privileges of the role that builds them, not the admin's: a
# suite cannot read what the transformer cannot (the admin is always a member of it: see the migrations).
VALIDATION_ROLE = "warehouse_transformer"


def _sqlalchemy_url(url: str, role: str | None = None) -> str:
    """GX goes through SQLAlchemy: use the psycopg 3 driver; with ``role``, every session starts as it."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
            break
    if role:
        url += ("&" if "?" in url else "?") + "options=" + quote_plus(f"-c role={role}")
    return url
