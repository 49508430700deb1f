"""The agreement register's rules: row-level ones as GX suites (``expectations/agreement_register/``),
and the ones that span rows or files (references, parent cycles, coverage, dates against the snapshot
date, official codes) here. All problems of a delivery are reported at once."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion.core import reference
from ingestion.core.deliveries import Delivery, read_delivery
from ingestion.core.frames import ROW_COLUMN, parse_iso_date, records, stripped
from ingestion.core.problems import Problem, quote
from ingestion.sources.agreement_register.contract import (
    AGREEMENTS,
    COLUMNS,
    DATE_COLUMNS,
    LOCAL_LEVELS,
    MUNICIPALITIES,
    PARTIES,
    SIGNED,
    SUITES,
    TARGET_GROUPS,
)
from ingestion.sources.agreement_register.reading import ParsedDelivery, parse
from ingestion.validation.gx import validate_frames

if TYPE_CHECKING:
    import pandas as pd


def validate(delivery: Delivery) -> ParsedDelivery:
    """Parse and check every contract rule; ``parsed.problems`` lists all problems found."""
    parsed = parse(delivery)
    if len(parsed.frames) == len(COLUMNS):
        clean = {name: stripped(frame) for name, frame in parsed.frames.items()}
        parsed.problems += validate_frames(SUITES, clean)
        parsed.problems += cross_file_problems(clean, parsed.snapshot_date)
    parsed.problems = sorted(set(parsed.problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
    return parsed


def validate_delivery(path: Path) -> list[Problem]:
    return validate(read_delivery(path)).problems


def cross_file_problems(frames: dict[str, pd.DataFrame], snapshot: date | None) -> list[Problem]:
    """Rules that need more than one row or file, or the official code lists."""
    problems: list[Problem] = []
    agreements = records(frames[AGREEMENTS])
    ids = {a["overenskommelse_id"] for a in agreements if a["overenskommelse_id"]}
    municipalities = reference.municipality_codes()
    counties = reference.county_codes()

    # Every id referenced in the three child files exists in overenskommelser.csv.
    for file_name in (MUNICIPALITIES, PARTIES, TARGET_GROUPS):
        for row in records(frames[file_name]):
            ref = row["overenskommelse_id"]
            if ref and ref not in ids:
                problems.append(
                    Problem(
                        file_name,
                        row[ROW_COLUMN],
                        "overenskommelse_id",
                        f"överenskommelsen {quote(ref)} finns inte i {AGREEMENTS} i samma leverans "
                        "(regel: varje id i underfilerna ska finnas i overenskommelser.csv)",
                    )
                )

    # Every kommunkod is a valid municipality (a lost leading zero is restored first).
    coverage: dict[str, set[str]] = {}
    for row in records(frames[MUNICIPALITIES]):
        code = row["kommunkod"]
        if code is None:
            continue
        if reference.restore_kommunkod(code) not in municipalities:
            problems.append(
                Problem(
                    MUNICIPALITIES,
                    row[ROW_COLUMN],
                    "kommunkod",
                    f"kommunkoden {quote(code)} finns inte bland Sveriges 290 kommuner "
                    "(regel: kommunkod ska vara en giltig kommun)",
                )
            )
        elif row["overenskommelse_id"]:
            coverage.setdefault(row["overenskommelse_id"], set()).add(reference.restore_kommunkod(code))

    parents: dict[str, str] = {}
    rows_by_id: dict[str, int] = {}
    for a in agreements:
        line, agreement_id, level = a[ROW_COLUMN], a["overenskommelse_id"], a["niva"]
        rows_by_id.setdefault(agreement_id, line)
        lanskod = a["lanskod"]
        if lanskod is not None and reference.restore_lanskod(lanskod) not in counties:
            problems.append(
                Problem(
                    AGREEMENTS,
                    line,
                    "lanskod",
                    f"länskoden {quote(lanskod)} finns inte bland Sveriges 21 län "
                    "(regel: lanskod ska vara ett giltigt län)",
                )
            )
        if level == "regional" and lanskod is None:
            problems.append(
                Problem(
                    AGREEMENTS, line, "lanskod", "lanskod saknas (regel: en regional överenskommelse ska ange sitt län)"
                )
            )
        if level in LOCAL_LEVELS and a["status"] in SIGNED:
            covered = len(coverage.get(agreement_id, set()))
            needed = 2 if level == "flerkommunal" else 1
            if covered < needed:
                problems.append(
                    Problem(
                        AGREEMENTS,
                        line,
                        "overenskommelse_id",
                        f"överenskommelsen {quote(agreement_id)} ({level}, {a['status']}) täcker {covered} "
                        f"giltig(a) kommun(er) i {MUNICIPALITIES} (regel: en {level} överenskommelse som är "
                        f"tecknad eller reviderad ska täcka minst {needed})",
                    )
                )
        for column in DATE_COLUMNS:
            if (
                a[column] is not None
                and parse_iso_date(a[column]) is None
                and re.fullmatch(r"\d{4}-\d{2}-\d{2}", a[column])
            ):
                problems.append(
                    Problem(
                        AGREEMENTS,
                        line,
                        column,
                        f"{quote(a[column])} är inget giltigt datum (regel: datum skrivs ÅÅÅÅ-MM-DD)",
                    )
                )
        start, end = parse_iso_date(a["giltig_from"]), parse_iso_date(a["giltig_tom"])
        if start and end and end < start:
            problems.append(
                Problem(
                    AGREEMENTS,
                    line,
                    "giltig_tom",
                    f"giltig_tom {quote(a['giltig_tom'])} är före giltig_from {quote(a['giltig_from'])} "
                    "(regel: giltig_tom får inte vara före giltig_from)",
                )
            )
        signed = parse_iso_date(a["tecknad_datum"])
        if signed and snapshot and signed > snapshot:
            problems.append(
                Problem(
                    AGREEMENTS,
                    line,
                    "tecknad_datum",
                    f"tecknad_datum {quote(a['tecknad_datum'])} är efter ögonblicksbildens datum {snapshot} "
                    "(regel: tecknad_datum får inte vara efter leveransens datum)",
                )
            )
        parent = a["overordnad_id"]
        if parent is not None:
            if parent not in ids:
                problems.append(
                    Problem(
                        AGREEMENTS,
                        line,
                        "overordnad_id",
                        f"den överordnade överenskommelsen {quote(parent)} finns inte i samma leverans "
                        "(regel: overordnad_id ska hänvisa till en överenskommelse i leveransen)",
                    )
                )
            else:
                parents[agreement_id] = parent
    problems += _cycle_problems(parents, rows_by_id)
    return problems


def _cycle_problems(parents: dict[str, str], rows_by_id: dict[str, int]) -> list[Problem]:
    """One problem per parent cycle, on the row of each agreement in it."""
    problems: list[Problem] = []
    seen_cycles: set[frozenset[str]] = set()
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in path:
            path.append(node)
            node = parents.get(node)
        if node is None:
            continue
        cycle = path[path.index(node) :]
        key = frozenset(cycle)
        if key in seen_cycles:
            continue
        seen_cycles.add(key)
        chain = " → ".join(cycle + [cycle[0]])
        for member in cycle:
            problems.append(
                Problem(
                    AGREEMENTS,
                    rows_by_id.get(member),
                    "overordnad_id",
                    f"överordnade överenskommelser bildar en cykel: {chain} "
                    "(regel: overordnad_id får inte bilda en cykel)",
                )
            )
    return problems
