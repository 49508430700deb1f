"""Benchmark: load one survey wave of 5 000 respondents × 100 questions (parse, encoding detection,
codebook validation incl. GX, COPY of the long answer table, audit) into a scratch database.

Run with ``make bench`` (or ``python benchmarks/bench_survey.py [RESPONDENTS] [QUESTIONS]``). Not a test.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psycopg

from ingestion.db import connection
from ingestion.sources.survey import pipeline
from ingestion.synthetic.survey import generate_large_survey


def main(respondents: int = 5000, questions: int = 100) -> None:
    with connection.scratch_database("samverkan_bench") as url, tempfile.TemporaryDirectory() as tmp:
        delivery = generate_large_survey(Path(tmp) / "survey", n_respondents=respondents, n_questions=questions, seed=1)
        import great_expectations  # noqa: F401
        import pandas  # noqa: F401

        start = time.perf_counter()
        [outcome] = pipeline.process(str(delivery), run_id="bench", url=url)
        elapsed = time.perf_counter() - start
        with psycopg.connect(url) as conn:
            cells = conn.execute("select count(*) from raw.survey_answers").fetchone()[0]
        print(
            f"survey {respondents} respondents × {questions} questions: {outcome['status']}, "
            f"{outcome['n_rows']} rows ({cells} answer cells) in {elapsed:.1f} s "
            f"({outcome['n_rows'] / elapsed:,.0f} rows/s)"
        )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
