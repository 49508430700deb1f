"""Benchmark: the situation report's editions (issue 13's target: all 22 editions of a half-year, HTML and
PDF, in under 60 s on the demo data). Not a test: ``make bench`` runs it after the others when ``make demo``'s
database (``samverkan_demo``) is there, and says so when it is not.

``python benchmarks/bench_report.py [PERIOD]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psycopg

from ingestion.db import connection
from ingestion.report.build import build_editions


def main(period: str | None = None) -> None:
    url = connection.with_database(connection.warehouse_url(), "samverkan_demo")
    try:
        psycopg.connect(url).close()
    except psycopg.OperationalError:
        print("report benchmark: no demo database (samverkan_demo); run make demo first")
        return
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = build_editions(period, url=url, out_dir=Path(out))
        elapsed = time.perf_counter() - start
    n = sum(name.endswith(".html") for name in manifest["files"])
    print(f"report: {n} editions of {manifest['period']} (HTML and PDF) in {elapsed:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
