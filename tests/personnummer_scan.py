"""After the tests: the personnummer they used must be nowhere but in the deliveries themselves.

Issue 11 asks that no report, log, XCom value, run summary or table ever holds a delivered personnummer;
the one place one may stay is the quarantined delivery file. The tests deliver thousands of them (the
fixtures, the sample landing folder, the rows of ``tests/registry_rows.py``, whatever the generators
write), so after the session every file and every test database they wrote is searched for those
numbers (:func:`known_personnummer`), in both spellings (12 or 10 digits, with or without ``-``/``+``):
the comparison is on the last ten digits.

The scan looks for the numbers the tests used rather than for anything the detector accepts: a
checksum, a timestamp or the text form of a pseudonym (a UUID) is now and then shaped like a valid
personnummer, and a suite that fails at random would soon be ignored. For the same reason the database
scan skips the column types that cannot hold a typed number (``uuid``, ``bytea``, dates, booleans).
A finding is a digit run the project's detector accepts (:func:`ingestion.core.personnummer.is_personnummer`)
that also stands in a delivery; the deliveries are read only when the outputs hold such a run at all
(:class:`Known`), and their digit runs are found with numpy (:func:`candidates`), tens of megabytes a second.

What is not scanned: delivery files (by their suffix, :data:`DELIVERY_SUFFIXES`: the tests' inputs and
the quarantined copies of them), and any folder holding a file named :data:`PLANTED` (a test that puts
a number in a log on purpose, to prove the scan finds it).

Findings name the file, or the table and column, and how many times; never the number itself.

Run by hand to time it: ``python tests/personnummer_scan.py FOLDER… [--database URL…]``.
"""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import psycopg
from psycopg import sql

from ingestion.core import personnummer

TESTS = Path(__file__).resolve().parent
INPUT_FOLDERS = (TESTS / "fixtures", TESTS.parent / "examples" / "landing")
PLANTED = ".planted-personnummer"
DELIVERY_SUFFIXES = frozenset({".csv", ".txt", ".gz", ".zip", ".xlsx", ".xlsm", ".xls", ".tsv"})
REPORT_ENDINGS = (".fel.txt", ".varning.txt")
READ_LIMIT = 64 << 20  # of one delivery, decompressed: the tests deliver decompression bombs on purpose
CANDIDATE = re.compile(rb"(?<![0-9])(?:[0-9]{8}|[0-9]{6})[-+]?[0-9]{4}(?![0-9])")  # the detector's pattern
SMALL = 4096  # bytes: below, CANDIDATE finds the runs; above, numpy does
SQL_CANDIDATE = "[0-9]{6}[-+]?[0-9]{4}"  # that shape, loosely: the rows PostgreSQL hands to Python to look at
SKIPPED_TYPES = ("uuid", "_uuid", "bytea", "_bytea")  # pseudonyms and MACs: cannot hold a typed number
SKIPPED_CATEGORIES = ("B", "D", "T")  # booleans, dates and times, intervals


@dataclass(frozen=True)
class Finding:
    """Where a personnummer the tests used was found: a file, or a table and its column."""

    where: str
    column: str | None
    count: int

    def __str__(self) -> str:
        place = f"{self.where}, column {self.column}" if self.column else self.where
        return f"{place}: {self.count} occurrence(s) of a personnummer the tests used"


class PersonnummerFound(AssertionError):
    """The session wrote a personnummer somewhere it must not be."""

    def __init__(self, findings: list[Finding]) -> None:
        lines = "\n".join(f"  {f}" for f in findings)
        super().__init__(
            f"Personnummer outside the deliveries ({len(findings)} place(s); the number itself is not shown):\n{lines}"
        )
        self.findings = findings


def _take(data: np.ndarray, starts: np.ndarray, n: int) -> list[bytes]:
    if not len(starts):
        return []
    return data[starts[:, None] + np.arange(n)].view(f"S{n}").ravel().tolist()


def candidates(raw: bytes) -> list[bytes]:
    """The digits of every run in ``raw`` shaped like a personnummer, as the detector's pattern reads them: 12
    or 10 digits, or 8 or 6 then ``-`` or ``+`` then 4, not inside a longer run of digits. With numpy, not a
    regular expression: the deliveries the tests write add up to tens of megabytes per session."""
    if len(raw) < SMALL:  # a value of a table: numpy's set-up would cost more than the search
        return [m.replace(b"-", b"").replace(b"+", b"") for m in CANDIDATE.findall(raw)]
    data = np.frombuffer(raw, dtype=np.uint8)
    digit = ((data >= ord("0")) & (data <= ord("9"))).view(np.int8)
    edge = np.diff(digit, prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    lengths = ends - starts
    found = _take(data, starts[lengths == 10], 10) + _take(data, starts[lengths == 12], 12)
    if len(starts) > 1:  # a run, one separator, a run of four
        joined = (starts[1:] == ends[:-1] + 1) & (lengths[1:] == 4) & np.isin(data[ends[:-1]], (ord("-"), ord("+")))
        for n in (6, 8):
            pick = joined & (lengths[:-1] == n)
            found += [
                a + b for a, b in zip(_take(data, starts[:-1][pick], n), _take(data, starts[1:][pick], 4), strict=True)
            ]
    return found


def key(number: bytes | str) -> bytes:
    """The comparison key of a personnummer in any spelling: its last ten digits (``YYMMDDNNNC``)."""
    raw = number.encode() if isinstance(number, str) else number
    return raw.replace(b"-", b"").replace(b"+", b"")[-10:]


def is_delivery(path: Path) -> bool:
    """A delivered file (an input of a test or its quarantined copy), as opposed to what the code wrote."""
    name = path.name.lower()
    return not name.endswith(REPORT_ENDINGS) and path.suffix.lower() in DELIVERY_SUFFIXES


def _read_capped(stream, limit: int = READ_LIMIT) -> bytes:
    """Up to ``limit`` bytes of ``stream``; what was read before a damaged stream broke off."""
    parts, total = [], 0
    try:
        while total < limit and (chunk := stream.read(min(1 << 20, limit - total))):
            parts.append(chunk)
            total += len(chunk)
    except (OSError, EOFError, zipfile.BadZipFile, ValueError):
        pass  # a cut or damaged delivery: the part before the damage still counts
    return b"".join(parts)


def _ascii(data: bytes) -> bytes:
    """The bytes the digit pattern reads: as they are, except UTF-16 (a survey export may come so)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode("ascii", errors="replace")
    return data


def delivery_bytes(path: Path) -> Iterator[bytes]:
    """The content of a delivery: the file, a gzip's content, or every member of a zip (and so of a workbook)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(0)
            if head[:2] == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=f) as unpacked:
                    yield _ascii(_read_capped(unpacked))
            elif head == b"PK\x03\x04":
                budget = READ_LIMIT
                try:
                    with zipfile.ZipFile(f) as archive:
                        for member in archive.infolist():
                            if budget <= 0 or member.is_dir():
                                continue
                            with archive.open(member) as unpacked:
                                data = _read_capped(unpacked, budget)
                            budget -= len(data)
                            yield _ascii(data)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                    f.seek(0)
                    yield _ascii(_read_capped(f))
            else:
                yield _ascii(_read_capped(f))
    except OSError:
        return


def numbers_in_sources(folder: Path = TESTS) -> set[bytes]:
    """Personnummer written out in the tests' own code."""
    found: set[bytes] = set()
    for path in folder.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= {key(text[start:end]) for start, end in personnummer.find(text)}
    return found


def numbers_in_deliveries(folders: Iterable[Path], every_file: bool = False) -> set[bytes]:
    """The key of every digit run shaped like a personnummer in the delivery files under ``folders`` (with
    ``every_file``, in every file there: the fixture folders hold nothing but inputs). Not checked with the
    detector here: a finding is checked with it already, and this way a national month reads in a blink."""
    found: set[bytes] = set()
    for path in _files(folders):
        if every_file or is_delivery(path):
            for data in delivery_bytes(path):
                found.update(number[-10:] for number in candidates(data))
    return found


class Known:
    """The numbers the tests used, collected at the first look-up (a session whose outputs hold nothing
    shaped like a personnummer never reads the deliveries again)."""

    def __init__(self, collect: Callable[[], set[bytes]]) -> None:
        self._collect, self._numbers = collect, None

    @classmethod
    def of(cls, numbers: Iterable[bytes]) -> Known:
        return cls(lambda: set(numbers))

    @property
    def collected(self) -> bool:
        return self._numbers is not None

    def numbers(self) -> frozenset[bytes]:
        if self._numbers is None:
            self._numbers = frozenset(self._collect())
        return self._numbers

    def __contains__(self, number: bytes) -> bool:
        return key(number) in self.numbers()


@cache
def known_personnummer(basetemp: Path | None) -> Known:
    """The numbers this test process used: in the fixtures and the sample landing folder, in the tests'
    code, made by ``registry_rows.pnr`` and written into the deliveries under ``basetemp``.

    Looked up when the session ends (the deliveries are all written by then), collected once per process."""

    def collect() -> set[bytes]:
        import registry_rows

        found = numbers_in_deliveries(INPUT_FOLDERS, every_file=True) | numbers_in_sources()
        found |= {key(number) for number in registry_rows.MADE}
        if basetemp is not None:
            found |= numbers_in_deliveries([basetemp])
        return found

    return Known(collect)


def _files(roots: Iterable[Path], since: float | None = None) -> Iterator[Path]:
    """Regular files under ``roots`` (links are not followed), outside planted folders; with ``since``,
    only those changed after it."""
    for root in roots:
        if root.is_file():
            yield root
            continue
        for folder, subfolders, names in os.walk(root):
            if PLANTED in names:
                subfolders.clear()
                continue
            for name in names:
                path = Path(folder, name)
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if path.is_symlink() or not path.is_file() or (since is not None and info.st_mtime < since):
                    continue
                yield path


# Names dbt makes up, which its logs and artifacts repeat: each data test's name ends in the first ten hex
# digits of a hash (``test.samverkan.not_null_<model>_<column>.3f2a…``), and a unit test's temporary table
# in digits of the clock (``…__dbt_tmp<digits>``). Now and then such digits are a valid personnummer and,
# among the tens of thousands the tests use, one of them: a finding by chance, which would fail a session
# at random. Those digits are not read.
DBT_NODE_HASH = re.compile(rb"(\b(?:test|unit_test)\.samverkan\.[A-Za-z0-9_]+\.)[0-9a-f]{10}(?![0-9A-Za-z])")
DBT_TMP_TABLE = re.compile(rb"(__dbt_tmp)[0-9]+")


def count_in_bytes(data, known: Known) -> int:
    """How many personnummer (by the detector) in ``data`` are numbers the tests used (the digits of names dbt
    makes up left out: :data:`DBT_NODE_HASH`, :data:`DBT_TMP_TABLE`)."""
    if b"samverkan." in data or b"__dbt_tmp" in data:
        data = DBT_TMP_TABLE.sub(rb"\1x", DBT_NODE_HASH.sub(rb"\1" + b"x" * 10, bytes(data)))
    return sum(1 for number in candidates(data) if personnummer.is_personnummer(number.decode()) and number in known)


def scan_sqlite(path: Path, known: Known) -> list[Finding]:
    """Every text and blob value of every table of an SQLite database (Airflow's XCom, task logs, DAG runs),
    value by value: read as bytes, the file runs neighbouring fields together."""
    counts: dict[tuple[str, str], int] = {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        tables = [t for (t,) in conn.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            cursor = conn.execute(f'select * from "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor:
                for name, value in zip(names, row, strict=True):
                    if isinstance(value, str):
                        value = value.encode()
                    elif isinstance(value, int):
                        value = str(value).encode()
                    if isinstance(value, bytes) and (n := count_in_bytes(value, known)):
                        counts[(table, name)] = counts.get((table, name), 0) + n
    return [Finding(f"{path} table {t}", c, n) for (t, c), n in sorted(counts.items())]


def scan_file(path: Path, known: Known) -> list[Finding]:
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data.startswith(b"SQLite format 3\x00"):
            return scan_sqlite(path, known)
        n = count_in_bytes(data, known)
    except (OSError, ValueError, sqlite3.Error):
        return []  # gone or unreadable meanwhile (a worker's file being replaced)
    return [Finding(str(path), None, n)] if n else []


def scan_files(roots: Iterable[Path], known: Known, since: float | None = None) -> list[Finding]:
    """What the code wrote under ``roots`` (reports, run summaries, logs, Airflow's database, dbt's
    artifacts): every file but the deliveries and the planted folders."""
    roots = sorted({r.resolve() for r in roots if r.exists()}, key=lambda r: len(r.parts))
    outermost = [r for i, r in enumerate(roots) if not any(r.is_relative_to(o) for o in roots[:i])]
    return [f for path in _files(outermost, since) if not is_delivery(path) for f in scan_file(path, known)]


_TABLES = """
select n.nspname, c.relname, array_agg(a.attname::text order by a.attnum)
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
join pg_type t on t.oid = a.atttypid
where c.relkind in ('r', 'p', 'm') and not c.relispartition
  and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%%'
  and t.typcategory <> all(%s) and t.typname <> all(%s)
group by 1, 2 order by 1, 2
"""


def scan_database(url: str, known: Known) -> list[Finding]:
    """Every table of every schema (partitioned tables through their parent; views are computed from the
    tables), every column that can hold a typed number, in one query: PostgreSQL keeps the rows with a
    digit run of a personnummer's length, Python compares those with the numbers the tests used."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(_TABLES, (list(SKIPPED_CATEGORIES), list(SKIPPED_TYPES))).fetchall()
        if not tables:
            return []
        branches = []
        for schema, table, columns in tables:
            values = sql.SQL("array[{}]").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns)
            )
            branches.append(
                sql.SQL("select {}::int, {} from {} where array_to_string({}, '|') ~ {}").format(
                    sql.Literal(len(branches)),
                    values,
                    sql.Identifier(schema, table),
                    values,
                    sql.Literal(SQL_CANDIDATE),
                )
            )
        counts: dict[tuple[int, int], int] = {}
        for index, values in conn.execute(sql.SQL(" union all ").join(branches)):
            for position, value in enumerate(values):
                if value and (n := count_in_bytes(value.encode(), known)):
                    counts[(index, position)] = counts.get((index, position), 0) + n
    database = urlsplit(url).path.lstrip("/")  # not the query: the embedded server's names its password file
    return [
        Finding(f"database {database}, table {tables[i][0]}.{tables[i][1]}", tables[i][2][p], n)
        for (i, p), n in sorted(counts.items())
    ]


def scan_databases(urls: Iterable[str], known: Known) -> list[Finding]:
    findings: list[Finding] = []
    for url in urls:
        try:
            findings += scan_database(url, known)
        except psycopg.OperationalError:
            continue  # dropped already by its test
    return findings


def written_elsewhere() -> list[Path]:
    """Where the tests' code writes outside the pytest folder: run summaries (``make run``), Airflow's home
    (task logs, XCom in its SQLite database; under pytest-xdist each worker's own), dbt's logs and artifacts."""
    from ingestion.core import config

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    homes = [config.state_dir() / "test-workers" / worker] if worker else []
    homes.append(Path(os.environ.get("AIRFLOW_HOME", config.state_dir() / "airflow")))
    return [config.state_dir() / "runs", *homes, config.dbt_log_dir(), config.dbt_target_dir()]


def check_session_files(basetemp: Path, started: float) -> None:
    """Fail (naming the files) when a personnummer the tests used is in a file the session wrote: anything
    under ``basetemp`` and whatever changed since ``started`` in :func:`written_elsewhere`."""
    import pytest

    known = known_personnummer(basetemp)
    findings = scan_files([basetemp], known) + scan_files(written_elsewhere(), known, since=started - 1)
    if findings:
        pytest.fail(str(PersonnummerFound(findings)), pytrace=False)


def check_session_databases(urls: Iterable[str], basetemp: Path) -> None:
    """Fail (naming database, table and column) when a test database holds a personnummer the tests used."""
    import pytest

    findings = scan_databases(urls, known_personnummer(basetemp))
    if findings:
        pytest.fail(str(PersonnummerFound(findings)), pytrace=False)


def main(argv: list[str]) -> int:
    """Scan folders (and databases after ``--database``) with the numbers of the fixtures and of the
    deliveries in those folders; print what was found and the seconds it took."""
    folders = [Path(a) for a in argv if not a.startswith("postgresql://") and a != "--database"]
    urls = [a for a in argv if a.startswith("postgresql://")]
    started = time.perf_counter()
    known = Known(
        lambda: (
            numbers_in_deliveries(INPUT_FOLDERS, every_file=True)
            | numbers_in_sources()
            | numbers_in_deliveries(folders)
        )
    )
    findings = scan_files(folders, known)
    scanned = time.perf_counter()
    findings += scan_databases(urls, known)
    done = time.perf_counter()
    for finding in findings:
        print(finding)
    collected = f"{len(known.numbers())} collected" if known.collected else "not needed"
    print(
        f"files scanned in {scanned - started:.2f} s, {len(urls)} database(s) in {done - scanned:.2f} s (the numbers"
        f" of the deliveries: {collected}); {len(findings)} finding(s)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS))
    raise SystemExit(main(sys.argv[1:]))
