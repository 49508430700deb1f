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

from ingestion import config, warehouse
from ingestion.run_report import read_outcomes
from ingestion.sources import SOURCES

LIST_AT_MOST = 8


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
    """Run every source DAG over ``landing``, then the warehouse DAG if anything new was loaded
    (as the Asset schedule would) or the marts do not exist yet; return the report folder."""
    landing = Path(landing).resolve()
    if not landing.is_dir():
        raise SystemExit(f"Landningsmappen {landing} finns inte.")
    os.environ.setdefault("QUARANTINE_MODE", "copy")
    report_dir = config.state_dir() / "runs" / datetime.now().strftime("%Y%m%dT%H%M%S")
    for source in SOURCES:
        print(f"… {source.name}: letar efter leveranser i {landing / source.name}", flush=True)
        run_dag(source.name, {"landing_dir": str(landing), "report_dir": str(report_dir)}, report_dir)
    newest = newest_load_id()
    if newest is None or newest != last_built_load_id():
        print("… warehouse: dbt build och validering av marts", flush=True)
        run_dag("warehouse", None, report_dir)
        _build_marker().write_text(json.dumps({"newest_load_id": newest}))
        (report_dir / "warehouse.built").touch()
    else:
        print("… warehouse: inget nytt inläst sedan förra bygget, lagret byggs inte om", flush=True)
    return report_dir


def newest_load_id() -> int | None:
    with warehouse.connect() as conn:
        return conn.execute("select max(load_id) from meta.load_audit").fetchone()[0]


def _build_marker() -> Path:
    """Per database: the newest load the last successful build saw (a failed build leaves it behind,
    so the next run builds again even though nothing new arrived, as a retried Asset event would)."""
    from urllib.parse import urlsplit

    parts = urlsplit(config.warehouse_url())
    folder = config.state_dir() / "builds"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{parts.hostname}_{parts.port}_{parts.path.lstrip('/')}.json"


def last_built_load_id() -> int | None:
    marker = _build_marker()
    return json.loads(marker.read_text())["newest_load_id"] if marker.exists() else -1


def already_loaded_elsewhere(source, landing: Path, this_run: list[dict]) -> list[str]:
    """Deliveries in the landing folder that an earlier run already loaded (same checksum)."""
    handled = {o["checksum"] for o in this_run}
    names = []
    with warehouse.connect() as conn:
        for path in source.find(landing / source.name):
            checksum = source.checksum(path)
            if checksum in handled:
                continue
            if conn.execute("select 1 from meta.load_audit where source = %s and checksum = %s",
                            (source.name, checksum)).fetchone():
                names.append(path.name)
    return names


def print_summary(landing: Path, report_dir: Path) -> None:
    print("\nSammanfattning")
    reports = {r["source"]: r for r in read_outcomes(report_dir)}
    for source in SOURCES:
        report = reports.get(source.name, {"loaded": [], "rejected": [], "skipped": []})
        this_run = report["loaded"] + report["rejected"] + report["skipped"]
        earlier = already_loaded_elsewhere(source, Path(landing).resolve(), this_run)
        rows = sum(o["n_rows"] for o in report["loaded"])
        print(f"  {source.name}: inlästa {len(report['loaded'])} ({rows} rader), "
              f"redan inlästa {len(earlier) + len(report['skipped'])}, "
              f"avvisade {len(report['rejected'])}")
        if "forms_loaded" in (report["loaded"] or [{}])[0]:
            print(f"    formulär: {sum(o['forms_loaded'] for o in report['loaded'])} nya versioner, "
                  f"{sum(o['forms_already_loaded'] for o in report['loaded'])} redan inlästa")
        for o in report["loaded"][:LIST_AT_MOST]:
            print(f"    inläst:  {o['delivery']} ({o['n_rows']} rader, load_id {o['load_id']})")
        if len(report["loaded"]) > LIST_AT_MOST:
            print(f"    … och {len(report['loaded']) - LIST_AT_MOST} filer till")
        for o in report.get("partly_rejected", []):
            if "forms_rejected" in o:
                print(f"    delvis avvisad: {o['delivery']} ({o['forms_rejected']} formulär) → {o['report']}")
            else:  # a registry month loaded with a few rows set aside (within the tolerance)
                print(f"    rader satta åt sidan: {o['delivery']} ({o.get('n_rejected_rows', 0)} rader, högst 0,1 % "
                      f"tolereras; i meta.registry_rejects) → {o['report']}")
        for o in report["rejected"]:
            print(f"    avvisad: {o['delivery']} ({len(o['problems'])} fel) → {o['report']}")
    with warehouse.connect() as conn:
        marts = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        if (report_dir / "warehouse.built").exists():
            print(f"  byggt: {len(marts)} tabeller i schemat marts (dbt build + GX-validering OK)")
        else:
            print(f"  byggt: inget (oförändrat sedan förra körningen); {len(marts)} tabeller i schemat marts")
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
        changed, removed, versions = conn.execute(
            """select count(distinct overenskommelse_id) filter (where version_number > 1 and in_register),
                      count(distinct overenskommelse_id) filter (where not in_register),
                      count(*)
               from marts.dim_agreement""").fetchone()
        print(f"  historik: {n_snapshots} ögonblicksbilder, {versions} versioner i dim_agreement; "
              f"{changed} överenskommelser har ändrats, {removed} har tagits bort ur registret")
        if conn.execute("select to_regclass('marts.mart_followup_completeness') is not null").fetchone()[0]:
            _print_followup_headlines(conn)
        if conn.execute("select to_regclass('marts.mart_survey_response') is not null").fetchone()[0]:
            _print_survey_headlines(conn)
        if conn.execute("select to_regclass('marts.mart_jobseekers_monthly') is not null").fetchone()[0]:
            _print_registry_headlines(conn)


def _print_registry_headlines(conn) -> None:
    from ingestion.registry_headlines import print_registry_headlines

    print_registry_headlines(conn)


def _print_survey_headlines(conn) -> None:
    waves = conn.execute(
        """select enkat_id, omgang, n_sent, n_net, n_answered, response_rate
           from marts.mart_survey_response where level = 'wave' order by enkat_id, omgang""").fetchall()
    if not waves:
        return
    print("\nEnkäter (svarsfrekvens = besvarade / utskickade utan felaktiga kontakter):")
    for enkat_id, omgang, sent, net, answered, rate in waves:
        print(f"  {enkat_id:<16} {omgang:<6} {sent:>5} utskick, {answered:>5} svar av {net:>5} "
              f"({float(rate or 0):.0%})")
    n_trend = conn.execute("select count(distinct comparable_question_key) from marts.mart_survey_trend").fetchone()[0]
    print(f"  {n_trend} frågor kan jämföras över omgångar (marts.mart_survey_trend)")


def _print_followup_headlines(conn) -> None:
    row = conn.execute(
        """select period, count(*) filter (where expected), count(*) filter (where expected and received),
                  count(*) filter (where expected and received_on_time), count(*) filter (where not expected)
           from marts.mart_followup_completeness
           group by period order by period desc limit 1""").fetchone()
    if row is None:
        return
    period, expected, received, on_time, unexpected = row
    print(f"\nUppföljningsformulär {period}: {expected} förväntade, {received} inkomna "
          f"({received / expected:.0%}), {on_time} i tid; {expected - received} saknas; "
          f"{unexpected} formulär från överenskommelser som inte var skyldiga att skicka"
          if expected else f"\nUppföljningsformulär {period}: inga förväntade formulär")
    ended, to_work, to_studies = conn.execute(
        "select sum(ended), sum(to_work), sum(to_studies) from marts.mart_followup_participants where period = %s",
        (period,)).fetchone()
    if ended:
        print(f"  deltagare som avslutat {period}: {ended}, varav {to_work / ended:.0%} till arbete "
              f"och {to_studies / ended:.0%} till studier")
    moves = dict(conn.execute(
        "select coalesce(movement, 'första formuläret'), count(*) from marts.mart_followup_collaboration_level"
        " where period = %s group by 1", (period,)).fetchall())
    if moves:
        print("  samverkansnivå jämfört med förra formuläret: "
              + ", ".join(f"{k} {v}" for k, v in sorted(moves.items())))


DEMO_DATABASE = "samverkan_demo"
DEMO_REGISTRY_ROWS = 500_000  # a national month


def demo() -> None:
    """Generate a national register (several snapshots and one bad delivery) and follow-up forms for
    several years (both templates and formats, corrections, late, missing and bad ones) and survey
    exports (a municipal survey, an annual survey in three waves, a party survey); run everything.

    The demo gets a database of its own on the same server (``samverkan_demo``), so generated data
    never mixes with what ``make run`` loads into the warehouse.
    """
    from ingestion.generator import generate_register

    os.environ["WAREHOUSE_URL"] = warehouse.with_database(config.warehouse_url(), DEMO_DATABASE)
    warehouse.bootstrap()
    landing = config.state_dir() / "demo" / "landing"
    target = landing / "agreement_register"
    if not target.exists():
        print(f"… genererar syntetiska leveranser till {landing}", flush=True)
        generate_register(target, n_agreements=600, seed=2024, invalid=True)
    forms = landing / "followup_forms"
    if not forms.exists():
        from ingestion.generator_forms import generate_followup_forms

        print(f"… genererar syntetiska uppföljningsformulär till {forms}", flush=True)
        # every half-year up to the last one the register covers; its forms arrive after the last snapshot
        periods = [f"{year}H{half}" for year in range(2022, 2026) for half in (1, 2)]
        generate_followup_forms(forms, register_dir=target, periods=periods, seed=2024)
    surveys = landing / "survey"
    if not surveys.exists():
        from ingestion.generator_survey import generate_surveys

        print(f"… genererar syntetiska enkätexporter till {surveys}", flush=True)
        generate_surveys(surveys, register_dir=target, seed=2024)
    registry = landing / "registry"
    if not registry.exists():
        from ingestion.generator_registry import generate_registry

        print(f"… genererar syntetiska registerutdrag (6 månader à {DEMO_REGISTRY_ROWS:,} rader) till {registry}",
              flush=True)
        months = [f"2025{m:02d}" for m in range(1, 7)]
        generate_registry(registry, months, rows_per_month=DEMO_REGISTRY_ROWS, seed=2024, gzip_months={"202503"},
                          bad_rows_per_month=40, invalid_month="202506")
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
