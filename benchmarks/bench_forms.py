"""Benchmark: parse, validate and load a national half-year of follow-up workbooks (600 files).

Run with ``make bench`` (or ``python benchmarks/bench_forms.py [N]``). It generates N workbooks with the
project's generator, loads a register that knows their agreements into a scratch database on the
warehouse server, then times ``forms_pipeline.ingest`` (read + GX validation + COPY + audit) end to end
and prints the figures. Not a test: performance targets live here, not in the test suite.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from ingestion.db import connection
from ingestion.sources.followup_forms import pipeline as forms_pipeline
from ingestion.synthetic.forms import generate_workbooks_for_benchmark


def main(n: int = 600) -> None:
    with connection.scratch_database("samverkan_bench") as url, tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        paths = generate_workbooks_for_benchmark(landing / "followup_forms", n=n, seed=1)
        with psycopg.connect(url) as conn:  # the agreements the workbooks name must be in the register
            from ingestion.sources.followup_forms.reading import read_file

            now = datetime.now(UTC)
            ids = sorted({f.overenskommelse_id for p in paths for f in read_file(p, now)[0]})
            with conn.transaction():
                load_id = conn.execute(
                    "insert into meta.load_audit (source, delivery_name, checksum, row_counts, n_rows, status)"
                    " values ('agreement_register', 'bench', 'bench', '{}', 0, 'loaded') returning load_id"
                ).fetchone()[0]
                with conn.cursor().copy(
                    "copy raw.register_overenskommelser (_load_id, _snapshot_date,"
                    " _source_row, overenskommelse_id) from stdin"
                ) as copy:
                    for i, agreement in enumerate(ids):
                        copy.write_row([load_id, "2025-06-30", i + 2, agreement])
        start = time.perf_counter()
        outcomes = forms_pipeline.ingest(landing, run_id="bench", url=url)
        elapsed = time.perf_counter() - start
        loaded = sum(o["forms_loaded"] for o in outcomes)
        rejected = sum(1 for o in outcomes if o["status"] == "rejected")
        print(
            f"{len(paths)} workbooks: {loaded} forms loaded, {rejected} rejected, "
            f"{elapsed:.1f} s for read + validate + load ({len(paths) / elapsed:.0f} workbooks/s)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
