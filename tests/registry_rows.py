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
