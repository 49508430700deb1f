"""``make run`` and ``make demo``: run every pipeline once with Airflow and say what happened.

Each DAG runs with ``airflow dags test`` (a real DAG run, no scheduler needed): first every source
DAG over the landing folder, then the warehouse DAG (dbt build + GX on the marts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from ingestion import config, pipeline, warehouse
from ingestion.deliveries import find_deliveries, read_delivery
from ingestion.run_report import read_outcomes


class DagRunFailed(RuntimeError):
    pass


def run_dag(dag_id: str, conf: dict | None, log_dir: Path) -> None:
    """``airflow dags test`` one DAG; its output goes to ``log_dir/<dag_id>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{dag_id}.log"
    command = [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id]
    if conf:
        command += ["-c", json.dumps(conf)]
    with open(log_path, "w") as log:
        result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-30:])
        raise DagRunFailed(f"DAG {dag_id} misslyckades (hela loggen: {log_path}):\n{tail}")


def run_all(landing: Path) -> Path:
    """Run every source DAG over ``landing`` and then the warehouse DAG; return the report folder."""
    landing = Path(landing).resolve()
    if not landing.is_dir():
        raise SystemExit(f"Landningsmappen {landing} finns inte.")
    os.environ.setdefault("QUARANTINE_MODE", "copy")
    report_dir = config.state_dir() / "runs" / datetime.now().strftime("%Y%m%dT%H%M%S")
    for source in pipeline.SOURCES:
        print(f"… {source}: letar efter leveranser i {landing / source}", flush=True)
        run_dag(source, {"landing_dir": str(landing), "report_dir": str(report_dir)}, report_dir)
    print("… warehouse: dbt build och validering av marts", flush=True)
    run_dag("warehouse", None, report_dir)
    return report_dir


def already_loaded_elsewhere(source: str, landing: Path, this_run: list[dict]) -> list[str]:
    """Deliveries in the landing folder that an earlier run already loaded (same checksum)."""
    handled = {o["checksum"] for o in this_run}
    names = []
    with warehouse.connect() as conn:
        for path in find_deliveries(landing / source, pipeline.SOURCES[source].DELIVERY_PATTERN):
            checksum = read_delivery(path).checksum
            if checksum in handled:
                continue
            if conn.execute("select 1 from meta.load_audit where source = %s and checksum = %s",
                            (source, checksum)).fetchone():
                names.append(path.name)
    return names


def print_summary(landing: Path, report_dir: Path) -> None:
    print("\nSammanfattning")
    reports = {r["source"]: r for r in read_outcomes(report_dir)}
    for source in pipeline.SOURCES:
        report = reports.get(source, {"loaded": [], "rejected": [], "skipped": []})
        this_run = report["loaded"] + report["rejected"] + report["skipped"]
        earlier = already_loaded_elsewhere(source, Path(landing).resolve(), this_run)
        rows = sum(o["n_rows"] for o in report["loaded"])
        print(f"  {source}: {len(report['loaded'])} inlästa ({rows} rader), "
              f"{len(earlier) + len(report['skipped'])} redan inlästa (oförändrade), "
              f"{len(report['rejected'])} avvisade")
        for o in report["loaded"]:
            print(f"    inläst:  {o['delivery']} ({o['n_rows']} rader, load_id {o['load_id']})")
        for o in report["rejected"]:
            print(f"    avvisad: {o['delivery']} ({len(o['problems'])} fel) → {o['report']}")
    with warehouse.connect() as conn:
        marts = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        print(f"  byggt: {len(marts)} tabeller i schemat marts (dbt build + GX-validering OK)")
        for (name,) in marts:
            if name.startswith("mart_"):
                count = conn.execute(f'select count(*) from marts."{name}"').fetchone()[0]
                print(f"    marts.{name}: {count} rader")
    print(f"  körningens loggar: {report_dir}")


def print_headlines() -> None:
    """A few figures read from the marts, for the end of the demo."""
    with warehouse.connect() as conn:
        latest = conn.execute("select max(snapshot_date) from marts.mart_agreement_summary").fetchone()[0]
        if latest is None:
            print("Inga ögonblicksbilder av registret är inlästa ännu.")
            return
        print(f"\nNyckeltal från marts (registrets ögonblicksbild {latest}):")
        rows = conn.execute(
            """select niva, n_agreements, n_municipalities_covered, share_municipalities_covered
               from marts.mart_agreement_summary where snapshot_date = %s
               order by niva = 'alla', niva""", (latest,)).fetchall()
        for niva, n, covered, share in rows:
            print(f"  {niva:<13} {n:>5} gällande överenskommelser, täcker {covered:>3} kommuner "
                  f"({float(share or 0):.0%} av 290)")
        uncovered = conn.execute(
            "select count(*) from marts.mart_municipality_coverage where snapshot_date = %s and not is_covered",
            (latest,)).fetchone()[0]
        print(f"  {uncovered} kommuner saknar gällande överenskommelse")
        n_snapshots = conn.execute(
            "select count(distinct snapshot_date) from marts.mart_agreement_summary").fetchone()[0]
        print(f"  historik: {n_snapshots} ögonblicksbilder")


def demo() -> None:
    """Generate a national register (several snapshots and one bad delivery) and run everything."""
    from ingestion.generator import generate_register

    landing = config.state_dir() / "demo" / "landing"
    target = landing / "agreement_register"
    if not target.exists():
        print(f"… genererar syntetiska leveranser till {landing}", flush=True)
        generate_register(target, n_agreements=600, seed=2024, invalid=True)
    report_dir = run_all(landing)
    print_summary(landing, report_dir)
    from ingestion.transform import dbt_docs

    docs = dbt_docs()
    print_headlines()
    url = config.warehouse_url()
    print("\nResultaten finns i schemat marts i databasen:")
    print(f"  psql {url}")
    print("  t.ex.: select * from marts.mart_agreement_summary order by snapshot_date desc, niva;")
    print(f"Avvisade leveranser och felrapporter: {config.quarantine_dir()}")
    print(f"dbt-dokumentationen: {docs}")
