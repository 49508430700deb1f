"""Job-seeker rows and extract files made by the tests themselves (unit and integration tests share them):
personnummer with a check digit computed here, independently of the code under test."""

from __future__ import annotations

import gzip
from pathlib import Path

from ingestion.sources.registry.contract import HEADER


def luhn_digit(nine: str) -> str:
    """Check digit computed here, independently of the code under test."""
    total = 0
    for i, char in enumerate(nine):
        d = int(char) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


# every personnummer pnr() made in this process: the scan after the session looks for them (tests/personnummer_scan.py)
MADE: set[str] = set()


def pnr(birth: str = "19850412", serial: str = "238") -> str:
    number = birth + serial + luhn_digit(birth[2:] + serial)
    MADE.add(number)
    return number


def row(**changes: str) -> str:
    values = {
        "PNR": pnr(),
        "MANAD": "202406",
        "KOMMUNKOD": "0180",
        "KON": "K",
        "FODELSEAR": "1985",
        "FODELSEREGION": "SE",
        "SOKANDEKATEGORI": "11",
        "ETABLERING": "N",
        "FUNKTIONSNEDSATTNING": "N",
        "EKONOMISKT_BISTAND": "N",
        "INSKRIVNINGSDATUM": "2023-01-09",
        "AVAKTUALISERINGSDATUM": "",
        "AVAKTUALISERINGSORSAK": "",
        "PROJEKTKOD": "",
    } | changes
    return "|".join(values[c] for c in HEADER)


def write(folder: Path, rows: list[str], name: str = "sokande_202406.txt", header: str | None = None) -> Path:
    path = folder / name
    text = "\r\n".join([header or "|".join(HEADER), *rows]) + "\r\n"
    data = text.encode("cp1252")
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


# The delivered order of the columns the loader copies (from KOMMUNKOD on), for copy_lines below
_DELIVERED_ORDER = tuple(column.lower() for column in HEADER[HEADER.index("KOMMUNKOD") :])


def copy_tuples(data: bytes) -> list[dict[str, bytes | None]]:
    """The loader's binary COPY tuples (without signature and trailer), read here with ``struct`` by the
    format's documentation, independently of the code that wrote them: a column → bytes (None: NULL) per row."""
    import struct

    from ingestion.sources.registry.contract import COPY_COLUMNS

    rows, at = [], 0
    while at < len(data):
        (n_fields,) = struct.unpack_from(">h", data, at)
        at += 2
        assert n_fields == len(COPY_COLUMNS)
        fields: list[bytes | None] = []
        for _ in range(n_fields):
            (length,) = struct.unpack_from(">i", data, at)
            at += 4
            fields.append(None if length == -1 else data[at : at + length])
            at += max(length, 0)
        rows.append(dict(zip(COPY_COLUMNS, fields, strict=True)))
    return rows


def copy_lines(data: bytes) -> list[str]:
    """The COPY tuples as ``line|pseudonym|KOMMUNKOD|…|PROJEKTKOD`` (UTF-8 decoded, NULL as empty),
    for assertions that read like the delivered rows."""
    lines = []
    for t in copy_tuples(data):
        line = int.from_bytes(t["_source_row"], "big", signed=True)
        rest = [(t[c] or b"").decode("utf-8") for c in _DELIVERED_ORDER]
        lines.append("|".join([str(line), t["person_id"].hex(), *rest]))
    return lines
