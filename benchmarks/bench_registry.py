"""Benchmark: registry extracts at national scale. Not a test: ``make bench`` runs it and writes
``benchmarks/results/registry.md`` (linked from the README). Three figures, measured side by side:

1. Loader throughput: wall time of the project's loader for one 500 000-row month (read, validate,
   pseudonymise, COPY, audit, partition swap) ÷ wall time of a bare ``psql \\copy`` of the same
   decompressed file into an untyped table (median of three months each). Target ≤ 1.5 (2.0 before issue 11).
2. Incremental cost: with 24 months and a national register (600 agreements) loaded, the dbt build of the
   registry models (the outcome marts per agreement included, ``tag:registry``) after adding month 25 ÷ a
   full rebuild of the same models (``--full-refresh``). Target ≤ 0.15. The outcome marts' own times too.
3. Peak memory of the loader (its process and its worker processes together, sampled) for a
   500 000-row and a 2 000 000-row file. Target: flat (within 20 %).

``python benchmarks/bench_registry.py [ROWS_PER_MONTH] [MONTHS]`` (defaults 500 000 and 24).

Two parts can be run alone, for a quick figure while working on the loader or the pseudonym:

* ``python benchmarks/bench_registry.py --loader [ROWS_PER_MONTH] [MONTHS]`` (defaults 500 000 and 5): only
  figure 1, over that many months, each loader run right after the ``psql \\copy`` of the same file so
  that both see the same load of the machine; prints the ratio of the medians and the runs.
* ``python benchmarks/bench_registry.py --mac [ROWS]`` (default 500 000): the MAC alone, no database, in
  blocks of the size the loader hands it (the rows of a 1 MB block, ≈ 17 000): ``pseudonym.aes_cmac``
  (one AES call per block) against HMAC-SHA256 through ``hmac`` (one call per number), median of five.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import psutil
import psycopg

from ingestion import sources
from ingestion.core import config
from ingestion.db import connection, embedded
from ingestion.orchestration.transform import dbt
from ingestion.privacy import pseudonym
from ingestion.sources.registry import pipeline as registry_pipeline
from ingestion.synthetic.demo import mark_finished_uploads
from ingestion.synthetic.register import generate_register
from ingestion.synthetic.registry import generate_registry, write_jobseeker_month

RESULTS = Path(__file__).parent / "results" / "registry.md"
UNTYPED = (
    "create table if not exists bench_untyped (pnr text, manad text, kommunkod text, kon text, fodelsear text,"
    " fodelseregion text, sokandekategori text, etablering text, funktionsnedsattning text,"
    " ekonomiskt_bistand text, inskrivningsdatum text, avaktualiseringsdatum text,"
    " avaktualiseringsorsak text, projektkod text)"
)


def psql() -> str:
    found = shutil.which("psql")
    return found or str(embedded.bindir() / "psql")


def month_after(month: str, n: int = 1) -> str:
    index = int(month[:4]) * 12 + int(month[4:]) - 1 + n
    return f"{index // 12}{index % 12 + 1:02d}"


def plain_copy(path: Path, folder: Path) -> Path:
    """The decompressed file the baseline reads (the loader reads the delivered one)."""
    if not path.name.endswith(".gz"):
        return path
    target = folder / path.name[:-3]
    with gzip.open(path, "rb") as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return target


def baseline_seconds(url: str, path: Path) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table if exists bench_untyped")
        conn.execute(UNTYPED)
    command = [
        psql(),
        url,
        "-q",
        "-c",
        f"\\copy bench_untyped from '{path}' with (format text, delimiter '|', header true, encoding 'WIN1252')",
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def loader_seconds(url: str, path: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    outcome = registry_pipeline.process_jobseekers(path, run_id="bench", url=url)
    elapsed = time.perf_counter() - start
    assert outcome["status"] == "loaded", outcome
    return elapsed, outcome


def peak_memory_mb(url: str, path: Path) -> tuple[float, float]:
    """Peak of the summed resident memory of a loader process and its workers (sampled every 10 ms)."""
    code = (
        "import sys; from pathlib import Path; from ingestion.sources.registry import pipeline as r; "
        "o = r.process_jobseekers(Path(sys.argv[1]), run_id='bench', url=sys.argv[2]); "
        "assert o['status'] == 'loaded', o"
    )
    start = time.perf_counter()
    process = psutil.Popen([sys.executable, "-c", code, str(path), url])
    peak = 0
    while process.poll() is None:
        try:
            rss = process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))
            peak = max(peak, rss)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.01)
    if process.returncode:
        raise SystemExit(f"loader failed on {path.name}")
    return peak / 2**20, time.perf_counter() - start


def loader_ratio(url: str, files: list[Path], folder: Path) -> tuple[float, float, list, list[float]]:
    """(median loader seconds, median ``psql \\copy`` seconds, loader runs, baseline runs): for each file the
    baseline right before the loader, so a machine that slows down for a while slows down both."""
    base: list[float] = []
    loads: list[tuple[float, dict]] = []
    for path in files:
        base.append(baseline_seconds(url, plain_copy(path, folder)))
        loads.append(loader_seconds(url, path))
        print(f"… {path.name}: loader {loads[-1][0]:.2f} s, psql \\copy {base[-1]:.2f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table if exists bench_untyped")
    return statistics.median(t for t, _ in loads), statistics.median(base), loads, base


def loader_only(rows: int = 500_000, n_months: int = 5) -> None:
    """Figure 1 alone (see the module's docstring)."""
    os.environ.setdefault(pseudonym.KEY_ENV, "benchmark-key-not-secret-" + "0" * 16)
    os.environ["QUARANTINE_DIR"] = tempfile.mkdtemp(prefix="bench_quarantine_")
    months = [month_after("202201", i) for i in range(n_months)]
    with connection.scratch_database("samverkan_bench") as url, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate_registry(tmp / "registry", months, rows_per_month=rows, seed=7)
        files = [next((tmp / "registry").glob(f"sokande_{m}.txt*")) for m in months]
        loader, baseline, loads, base = loader_ratio(url, files, tmp)
    print(
        f"loader ÷ psql \\copy, {rows:,}-row months ({os.cpu_count()} cores): {loader / baseline:.2f} "
        f"({loader:.2f} s ÷ {baseline:.2f} s; {rows / loader:,.0f} rows/s)\n"
        f"loader runs: {', '.join(f'{t:.2f} s' for t, _ in loads)}; psql: {', '.join(f'{t:.2f} s' for t in base)}; "
        f"per-month ratios: {', '.join(f'{t / b:.2f}' for (t, _), b in zip(loads, base, strict=True))}"
    )


def mac_only(rows: int = 500_000) -> None:
    """The MAC alone (see the module's docstring): what the pseudonym costs a national month."""
    import numpy as np

    rng = np.random.default_rng(7)
    numbers = (rng.integers(0, 10, (rows, 12)) + ord("0")).astype(np.uint8)
    key = pseudonym.mac_key(b"benchmark-key-not-secret-" + b"0" * 39)

    def timed(work) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            work()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    per_block = 17_000  # the rows of one 1 MB block of an extract
    blocks = [numbers[i : i + per_block] for i in range(0, rows, per_block)]
    cmac = timed(lambda: [pseudonym.aes_cmac(block, key) for block in blocks])
    messages = [row.tobytes() for row in numbers]
    hmac_key = hashlib.sha256(key).digest()
    per_row = timed(lambda: [hmac.digest(hmac_key, m, "sha256") for m in messages])
    print(
        f"{rows:,} numbers in {len(blocks)} blocks: AES-CMAC (one AES call per block) {cmac:.3f} s, "
        f"HMAC-SHA256 (one call per number) {per_row:.3f} s (median of five)"
    )


OUTCOME_MODELS = (
    "int_agreement_outcomes__coverage",
    "fct_jobseeker_period",
    "mart_agreement_outcomes",
    "mart_coverage_outcomes",
)


def dbt_seconds(url: str, *args: str) -> float:
    start = time.perf_counter()
    dbt("build", "--select", "tag:registry", *args, url=url)
    return time.perf_counter() - start


def model_seconds(names: tuple[str, ...]) -> dict[str, float]:
    """Build time of each named model in the last dbt command (run_results.json)."""
    import json

    results = json.loads((config.DBT_PROJECT_DIR / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {
        r["unique_id"].rsplit(".", 1)[-1]: r["execution_time"]
        for r in results["results"]
        if r["unique_id"].startswith("model.") and r["unique_id"].rsplit(".", 1)[-1] in names
    }


def slowest_models(n: int = 3) -> list[tuple[str, float]]:
    """The ``n`` slowest models of the last dbt command (run_results.json): the largest builds."""
    import json

    results = json.loads((config.DBT_PROJECT_DIR / "target" / "run_results.json").read_text(encoding="utf-8"))
    models = [(r["unique_id"].rsplit(".", 1)[-1], r["execution_time"]) for r in results["results"]]
    return sorted((m for m in models if m[0]), key=lambda m: -m[1])[:n]


def disk_bytes(conn: psycopg.Connection) -> dict[str, int]:
    """Bytes on disk per schema (tables with their indexes and TOAST; a partitioned table by its partitions),
    the job-seeker months alone (``registry_jobseekers``), and the whole database."""
    sizes = dict(
        conn.execute(
            """select n.nspname, sum(pg_total_relation_size(c.oid))::bigint from pg_class c
               join pg_namespace n on n.oid = c.relnamespace
               where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
               group by 1"""
        ).fetchall()
    )
    sizes["registry_jobseekers"] = conn.execute(
        """select coalesce(sum(pg_total_relation_size(relid)), 0)::bigint
           from pg_partition_tree('raw.registry_jobseekers') where isleaf"""
    ).fetchone()[0]
    sizes["database"] = conn.execute("select pg_database_size(current_database())").fetchone()[0]
    return sizes


def main(rows: int = 500_000, n_months: int = 24) -> None:
    os.environ.setdefault(pseudonym.KEY_ENV, "benchmark-key-not-secret-" + "0" * 16)
    os.environ["QUARANTINE_DIR"] = tempfile.mkdtemp(prefix="bench_quarantine_")
    first = "202201"
    months = [month_after(first, i) for i in range(n_months + 1)]
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    with connection.scratch_database("samverkan_bench") as url, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        landing = tmp / "landing"
        generate_registry(
            landing / "registry",
            months,
            rows_per_month=rows,
            seed=7,
            gzip_months={m for m in months if int(m[4:]) % 3 == 0},
        )
        later = tmp / "later" / "registry"
        later.mkdir(parents=True)
        for path in (landing / "registry").glob(f"*{months[-1]}*"):
            shutil.move(str(path), later / path.name)
        for name in (registry_pipeline.CATEGORY_FILE, registry_pipeline.REASON_FILE):
            shutil.copy(landing / "registry" / name, later / name)
        # a national register (~600 agreements, half-yearly snapshots over the months), for the outcome marts
        snapshots = sorted({date(int(m[:4]), 6, 30) if int(m[4:]) <= 6 else date(int(m[:4]), 12, 31) for m in months})
        generate_register(landing / "agreement_register", n_agreements=600, snapshot_dates=snapshots, seed=2024)
        mark_finished_uploads(landing)  # the ready markers a sender writes (else the quiet period holds them back)
        mark_finished_uploads(later.parent)
        print(f"… generated {len(months)} months × {rows:,} rows in {time.perf_counter() - start:.0f} s", flush=True)

        # 1. loader vs psql \copy, on the first three months (median of each)
        files = [next((landing / "registry").glob(f"sokande_{m}.txt*")) for m in months[:3]]
        loader, baseline, loads, base = loader_ratio(url, files, tmp)
        n_rows = statistics.median(o["n_rows"] for _, o in loads)
        print(f"… loader {loader:.2f} s, psql \\copy {baseline:.2f} s: ratio {loader / baseline:.2f}", flush=True)

        # 2. the other months, then a full rebuild and an incremental build after month 25
        start = time.perf_counter()
        registry_pipeline.ingest(landing, run_id="bench", url=url)
        load_rest = time.perf_counter() - start
        print(f"… loaded the other {n_months - 3} months in {load_rest:.0f} s", flush=True)
        sources.ingest("agreement_register", landing, run_id="bench", url=url)
        dbt("seed", url=url)
        dbt("run", "--exclude", "tag:registry", url=url)
        full = dbt_seconds(url, "--full-refresh")
        full_models = model_seconds(OUTCOME_MODELS)
        largest = slowest_models()
        print(f"… full build of the registry models over {n_months} months: {full:.1f} s", flush=True)
        start = time.perf_counter()
        registry_pipeline.ingest(later.parent, run_id="bench", url=url)
        load_25 = time.perf_counter() - start
        incremental = dbt_seconds(url)
        incremental_models = model_seconds(OUTCOME_MODELS)
        print(
            f"… month {n_months + 1} loaded in {load_25:.1f} s, incremental build {incremental:.1f} s: "
            f"ratio {incremental / full:.2f}",
            flush=True,
        )
        with psycopg.connect(url) as conn:
            total_rows = conn.execute(
                "select sum(n_rows) from meta.registry_months where extract = 'sokande'"
            ).fetchone()[0]
            disk = disk_bytes(conn)

        # 3. peak memory for a 500 000-row and a 2 000 000-row file (a month not loaded yet)
        memory = {}
        (tmp / "memory").mkdir()
        for size, month in ((rows, "203001"), (4 * rows, "203002")):
            path = write_jobseeker_month(tmp / "memory" / f"sokande_{month}.txt", month, size, seed=3)
            for name in (registry_pipeline.CATEGORY_FILE, registry_pipeline.REASON_FILE):
                shutil.copy(landing / "registry" / name, path.parent / name)
            memory[size] = peak_memory_mb(url, path)
            print(f"… {size:,} rows: peak {memory[size][0]:.0f} MB", flush=True)
            path.unlink()

    small, large = memory[rows], memory[4 * rows]
    say(
        f"# Registry benchmark ({datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
        f"PostgreSQL via {'WAREHOUSE_URL' if os.environ.get('WAREHOUSE_URL') else 'embedded server'})"
    )
    say("")
    say("| figure | measured | target |")
    say("|---|---|---|")
    say(
        f"| loader ÷ `psql \\copy`, one {rows:,}-row month | **{loader / baseline:.2f}** "
        f"({loader:.2f} s ÷ {baseline:.2f} s; {n_rows / loader:,.0f} rows/s) | ≤ 1.5 |"
    )
    say(
        f"| dbt build after month {n_months + 1} ÷ full rebuild ({total_rows:,} person-months) | "
        f"**{incremental / full:.2f}** ({incremental:.1f} s ÷ {full:.1f} s) | ≤ 0.15 |"
    )
    say(
        f"| loader peak memory, {rows:,} vs {4 * rows:,} rows | **{small[0]:.0f} MB vs {large[0]:.0f} MB** "
        f"({(large[0] / small[0] - 1):+.0%}; loads took {small[1]:.1f} s and {large[1]:.1f} s) | within 20 % |"
    )
    say("")
    say("The outcome marts' own build times (included in the builds above; a register of 600 agreements):")
    say("")
    say(f"| model | full build | after month {n_months + 1} |")
    say("|---|---|---|")
    for name in OUTCOME_MODELS:
        say(f"| {name} | {full_models.get(name, 0):.1f} s | {incremental_models.get(name, 0):.1f} s |")
    say("")
    loaded_months = n_months + 1
    say(
        f"Disk after {loaded_months} months ({total_rows:,} person-months) and the builds: the job-seeker months "
        f"{disk['registry_jobseekers'] / 2**30:.2f} GiB ({disk['registry_jobseekers'] / loaded_months / 2**20:.0f} MiB "
        f"a month, {disk['registry_jobseekers'] / total_rows:.0f} bytes a person-month); per schema: "
        + ", ".join(
            f"{schema} {size / 2**30:.2f} GiB"
            for schema, size in sorted(disk.items())
            if schema not in {"registry_jobseekers", "database"}
        )
        + f"; the database {disk['database'] / 2**30:.2f} GiB."
    )
    say(
        "The slowest models of the full build: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in largest)
        + "."
    )
    say("")
    say(
        f"Also: the other {n_months - 3} months loaded in {load_rest:.0f} s; month {n_months + 1} in {load_25:.1f} s. "
        f"Loader runs: {', '.join(f'{t:.2f} s' for t, _ in loads)}; psql: {', '.join(f'{t:.2f} s' for t in base)}."
    )
    say(f"Command: `make bench` (`python benchmarks/bench_registry.py {rows} {n_months}`).")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"(written to {RESULTS.relative_to(config.PROJECT_ROOT)})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--loader"]:
        loader_only(*[int(a) for a in sys.argv[2:4]])
    elif sys.argv[1:2] == ["--mac"]:
        mac_only(*[int(a) for a in sys.argv[2:3]])
    else:
        main(*[int(a) for a in sys.argv[1:3]])
