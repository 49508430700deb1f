"""The agreement register contract (``överenskommelseregistret``): parsing and every rule it sets.

A delivery is a folder (or zip) ``overenskommelser_YYYY-MM-DD`` with four ``;``-separated UTF-8
files. Row-level rules (required values, allowed codes, date formats, unique ids) live in the GX
suites under ``expectations/agreement_register/``; rules that span rows or files (references,
parent cycles, coverage, dates against the snapshot date, official codes) are checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ingestion import reference
from ingestion.csv_files import CsvError, decode, read_csv
from ingestion.deliveries import Delivery, read_delivery
from ingestion.frames import parse_iso_date, records, stripped
from ingestion.gx_validation import ROW_COLUMN, validate_frames
from ingestion.loader import Rows, frame_rows
from ingestion.problems import Problem, quote

if TYPE_CHECKING:  # pandas is imported where used: DAG files import this module and must parse fast
    import pandas as pd

SOURCE = "agreement_register"
LABEL = "överenskommelseregistret"
DELIVERY_PATTERN = r"overenskommelser_.*"

AGREEMENTS = "overenskommelser.csv"
MUNICIPALITIES = "overenskommelse_kommuner.csv"
PARTIES = "overenskommelse_parter.csv"
TARGET_GROUPS = "overenskommelse_malgrupper.csv"

COLUMNS: dict[str, list[str]] = {
    AGREEMENTS: [
        "overenskommelse_id", "namn", "niva", "overordnad_id", "lanskod", "tecknad_datum",
        "giltig_from", "giltig_tom", "status", "senast_reviderad", "mall", "uppfoljning", "har_mal",
        "har_uppfoljningsprocess", "malgrupp_arbetsgivare", "malgrupp_arbetssokande",
        "samordning_etablering", "registrerad",
    ],
    MUNICIPALITIES: ["overenskommelse_id", "kommunkod", "tackning"],
    PARTIES: ["overenskommelse_id", "organisation", "organisationstyp", "roll"],
    TARGET_GROUPS: ["overenskommelse_id", "malgrupp"],
}
RAW_TABLES = {name: "raw.register_" + name.removesuffix(".csv") for name in COLUMNS}
SUITES = {name: f"agreement_register/{name.removesuffix('.csv')}.json" for name in COLUMNS}

LOCAL_LEVELS = {"lokal", "flerkommunal", "kommunlokal"}
SIGNED = {"tecknad", "reviderad"}
DATE_COLUMNS = ["tecknad_datum", "giltig_from", "giltig_tom", "senast_reviderad"]


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
        parsed.problems.append(Problem(delivery.name, None, None,
            "leveransens namn ska vara overenskommelser_ÅÅÅÅ-MM-DD med ett giltigt datum (ögonblicksbildens datum)"))
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
            parsed.problems.append(Problem(file_name, 1, column or "(tom rubrik)",
                                           "okänd kolumn: kontraktet har inte den kolumnen"))
        if missing or unknown:
            continue
        records = []
        for line, cells in table.rows:
            if len(cells) != len(header):
                parsed.problems.append(Problem(file_name, line, None,
                    f"raden har {len(cells)} fält men rubrikraden har {len(header)}"))
                continue
            values = dict(zip(header, cells, strict=True))
            records.append([line] + [values[c] if values[c].strip() != "" else None for c in expected])
        parsed.frames[file_name] = pd.DataFrame(records, columns=[ROW_COLUMN] + expected, dtype=object)
    return parsed


def validate(delivery: Delivery) -> ParsedDelivery:
    """Parse and check every contract rule; ``parsed.problems`` lists all problems found."""
    parsed = parse(delivery)
    if len(parsed.frames) == len(COLUMNS):
        clean = {name: stripped(frame) for name, frame in parsed.frames.items()}
        parsed.problems += validate_frames(SUITES, clean)
        parsed.problems += cross_file_problems(clean, parsed.snapshot_date)
    parsed.problems = sorted(set(parsed.problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
    return parsed


def raw_tables(parsed: ParsedDelivery) -> dict[str, Rows]:
    """The rows to COPY: each file into its raw table, with the snapshot date and line number."""
    return {RAW_TABLES[name]: frame_rows(frame, {"_snapshot_date": parsed.snapshot_date})
            for name, frame in parsed.frames.items()}


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
                problems.append(Problem(file_name, row[ROW_COLUMN], "overenskommelse_id",
                    f"överenskommelsen {quote(ref)} finns inte i {AGREEMENTS} i samma leverans "
                    "(regel: varje id i underfilerna ska finnas i overenskommelser.csv)"))

    # Every kommunkod is a valid municipality (a lost leading zero is restored first).
    coverage: dict[str, set[str]] = {}
    for row in records(frames[MUNICIPALITIES]):
        code = row["kommunkod"]
        if code is None:
            continue
        if reference.restore_kommunkod(code) not in municipalities:
            problems.append(Problem(MUNICIPALITIES, row[ROW_COLUMN], "kommunkod",
                f"kommunkoden {quote(code)} finns inte bland Sveriges 290 kommuner "
                "(regel: kommunkod ska vara en giltig kommun)"))
        elif row["overenskommelse_id"]:
            coverage.setdefault(row["overenskommelse_id"], set()).add(reference.restore_kommunkod(code))

    parents: dict[str, str] = {}
    rows_by_id: dict[str, int] = {}
    for a in agreements:
        line, agreement_id, level = a[ROW_COLUMN], a["overenskommelse_id"], a["niva"]
        rows_by_id.setdefault(agreement_id, line)
        lanskod = a["lanskod"]
        if lanskod is not None and reference.restore_lanskod(lanskod) not in counties:
            problems.append(Problem(AGREEMENTS, line, "lanskod",
                f"länskoden {quote(lanskod)} finns inte bland Sveriges 21 län "
                "(regel: lanskod ska vara ett giltigt län)"))
        if level == "regional" and lanskod is None:
            problems.append(Problem(AGREEMENTS, line, "lanskod",
                "lanskod saknas (regel: en regional överenskommelse ska ange sitt län)"))
        if level in LOCAL_LEVELS and a["status"] in SIGNED:
            covered = len(coverage.get(agreement_id, set()))
            needed = 2 if level == "flerkommunal" else 1
            if covered < needed:
                problems.append(Problem(AGREEMENTS, line, "overenskommelse_id",
                    f"överenskommelsen {quote(agreement_id)} ({level}, {a['status']}) täcker {covered} "
                    f"giltig(a) kommun(er) i {MUNICIPALITIES} (regel: en {level} överenskommelse som är "
                    f"tecknad eller reviderad ska täcka minst {needed})"))
        for column in DATE_COLUMNS:
            if a[column] is not None and parse_iso_date(a[column]) is None and re.fullmatch(
                    r"\d{4}-\d{2}-\d{2}", a[column]):
                problems.append(Problem(AGREEMENTS, line, column,
                    f"{quote(a[column])} är inget giltigt datum (regel: datum skrivs ÅÅÅÅ-MM-DD)"))
        start, end = parse_iso_date(a["giltig_from"]), parse_iso_date(a["giltig_tom"])
        if start and end and end < start:
            problems.append(Problem(AGREEMENTS, line, "giltig_tom",
                f"giltig_tom {quote(a['giltig_tom'])} är före giltig_from {quote(a['giltig_from'])} "
                "(regel: giltig_tom får inte vara före giltig_from)"))
        signed = parse_iso_date(a["tecknad_datum"])
        if signed and snapshot and signed > snapshot:
            problems.append(Problem(AGREEMENTS, line, "tecknad_datum",
                f"tecknad_datum {quote(a['tecknad_datum'])} är efter ögonblicksbildens datum {snapshot} "
                "(regel: tecknad_datum får inte vara efter leveransens datum)"))
        parent = a["overordnad_id"]
        if parent is not None:
            if parent not in ids:
                problems.append(Problem(AGREEMENTS, line, "overordnad_id",
                    f"den överordnade överenskommelsen {quote(parent)} finns inte i samma leverans "
                    "(regel: overordnad_id ska hänvisa till en överenskommelse i leveransen)"))
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
        cycle = path[path.index(node):]
        key = frozenset(cycle)
        if key in seen_cycles:
            continue
        seen_cycles.add(key)
        chain = " → ".join(cycle + [cycle[0]])
        for member in cycle:
            problems.append(Problem(AGREEMENTS, rows_by_id.get(member), "overordnad_id",
                f"överordnade överenskommelser bildar en cykel: {chain} "
                "(regel: overordnad_id får inte bilda en cykel)"))
    return problems
