"""Reading an agreement register delivery into one DataFrame per file, and the rows it loads.

Problems found here are about the delivery's shape (its name, missing files, headers, ragged rows);
the contract's rules on the values are in :mod:`ingestion.sources.agreement_register.rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ingestion.core.csv_files import CsvError, decode, read_csv
from ingestion.core.deliveries import Delivery
from ingestion.core.frames import ROW_COLUMN
from ingestion.core.problems import Problem
from ingestion.db.loader import Rows, frame_rows
from ingestion.sources.agreement_register.contract import COLUMNS, RAW_TABLES

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this package and must parse fast
    import pandas as pd


@dataclass
class ParsedDelivery:
    """A delivery read into one DataFrame per file (text as delivered, empty → None, ``_rad``)."""

    name: str
    checksum: str
    snapshot_date: date | None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames.items()}


def snapshot_date_of(name: str) -> date | None:
    match = re.fullmatch(r"overenskommelser_(\d{4}-\d{2}-\d{2})", name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def parse(delivery: Delivery) -> ParsedDelivery:
    """Read the four files; problems here are about the delivery's shape (names, files, headers)."""
    import pandas as pd

    parsed = ParsedDelivery(delivery.name, delivery.checksum, snapshot_date_of(delivery.name))
    if parsed.snapshot_date is None:
        parsed.problems.append(
            Problem(
                delivery.name,
                None,
                None,
                "leveransens namn ska vara overenskommelser_ÅÅÅÅ-MM-DD med ett giltigt datum (ögonblicksbildens datum)",
            )
        )
    by_lower = {name.lower(): name for name in delivery.files}
    for file_name, expected in COLUMNS.items():
        actual_name = by_lower.get(file_name)
        if actual_name is None:
            parsed.problems.append(Problem(file_name, None, None, "filen saknas i leveransen"))
            continue
        try:
            table = read_csv(decode(delivery.files[actual_name]))
        except CsvError as exc:
            parsed.problems.append(Problem(file_name, None, None, str(exc)))
            continue
        header = [h.strip().lower() for h in table.header]
        missing = [c for c in expected if c not in header]
        unknown = [h for h in header if h not in expected]
        for column in missing:
            parsed.problems.append(Problem(file_name, 1, column, "kolumnen saknas i rubrikraden"))
        for column in unknown:
            parsed.problems.append(
                Problem(file_name, 1, column or "(tom rubrik)", "okänd kolumn: kontraktet har inte den kolumnen")
            )
        if missing or unknown:
            continue
        records = []
        for line, cells in table.rows:
            if len(cells) != len(header):
                parsed.problems.append(
                    Problem(file_name, line, None, f"raden har {len(cells)} fält men rubrikraden har {len(header)}")
                )
                continue
            values = dict(zip(header, cells, strict=True))
            records.append([line] + [values[c] if values[c].strip() != "" else None for c in expected])
        parsed.frames[file_name] = pd.DataFrame(records, columns=[ROW_COLUMN] + expected, dtype=object)
    return parsed


def raw_tables(parsed: ParsedDelivery) -> dict[str, Rows]:
    """The rows to COPY: each file into its raw table, with the snapshot date and line number."""
    return {
        RAW_TABLES[name]: frame_rows(frame, {"_snapshot_date": parsed.snapshot_date})
        for name, frame in parsed.frames.items()
    }
