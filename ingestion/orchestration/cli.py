"""Command line: ``python -m ingestion <command>`` (the Makefile's targets call these)."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingestion")
    sub = parser.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="embedded PostgreSQL and schema bootstrap")
    db.add_argument("action", choices=["start", "stop", "status", "url", "analyst-login"])
    db.add_argument("--login", default="analytiker", help="analyst-login: the login's name")
    db.add_argument("--database", help="analyst-login: the database to connect to (default: the warehouse's)")
    run = sub.add_parser("run", help="run every pipeline once over a landing folder")
    run.add_argument("--landing", required=True, help="folder with one sub-folder per source")
    sub.add_parser("demo", help="generate national demo data and run every pipeline")
    init = sub.add_parser("airflow-init", help="Airflow's metadata database migrated, the project's pools")
    init.add_argument("--warehouse", action="store_true", help="also the warehouse's schemas, roles and raw tables")
    celery = sub.add_parser("airflow-celery", help="a distributed Airflow on this machine (Celery workers on Redis)")
    celery.add_argument("--workers", type=int, default=2, help="Celery workers (default 2)")
    celery.add_argument("--landing", help="landing folder (default: LANDING_DIR)")
    sub.add_parser("docs", help="generate the dbt documentation site")
    sub.add_parser("lint-sql", help="sqlfluff lint of the dbt project (dbt templater)")
    hostile = sub.add_parser("hostile-landing", help="write issue 11's hostile and broken deliveries (make hostile)")
    hostile.add_argument("folder", help="the landing folder to write (new or empty)")
    rebuild = sub.add_parser("rebuild", help="dbt build --full-refresh (e.g. once after an upgrade)")
    rebuild.add_argument("--select", help="dbt selection, e.g. tag:registry (default: the whole warehouse)")
    report = sub.add_parser("report", help="the situation report: Riket and each county, HTML and PDF")
    report.add_argument("--period", help="half-year, e.g. 2025H1 (default: the latest with registry months and forms)")
    report.add_argument(
        "--database", help="the database to read (default: the warehouse's; samverkan_demo for the demo)"
    )
    registry = sub.add_parser("registry", help="registry extracts: permit a month that shrinks")
    registry.add_argument("action", choices=["allow-shrink"])
    registry.add_argument("file", help="the rejected extract (sokande_YYYYMM.txt[.gz] or jobbspar_YYYYMM.csv)")
    registry.add_argument("--reason", required=True, help="why the smaller month is right (kept in the audit)")
    args = parser.parse_args(argv)

    if args.command == "airflow-init":
        return _airflow_init(args.warehouse)
    if args.command == "airflow-celery":
        from ingestion.orchestration.celery_stack import serve

        _local_pseudonym_key()
        return serve(workers=args.workers, landing=args.landing)
    if args.command == "db":
        if args.action == "analyst-login":
            return _analyst_login(args.login, args.database)
        return _db(args.action)
    if args.command == "rebuild":
        from ingestion.orchestration.transform import dbt_build

        result = dbt_build(select=args.select, full_refresh=True)
        what = args.select or "hela lagret"
        print(f"Ombyggt från raw ({what}): {len(result['models'])} modeller, {result['counts']}")
        return 0
    if args.command == "registry":
        from ingestion.sources.registry.pipeline import allow_shrink

        print(allow_shrink(args.file, args.reason))
        return 0
    if args.command == "hostile-landing":
        return _hostile_landing(args.folder)
    if args.command == "report":
        from ingestion.db import connection
        from ingestion.report.build import build_editions, summary_line

        url = connection.with_database(connection.warehouse_url(), args.database) if args.database else None
        try:
            manifest = build_editions(args.period, url=url)
        except (ValueError, RuntimeError) as error:  # a period without data, or none built yet: said, not a traceback
            print(f"Lägesbilden byggs inte: {error}", file=sys.stderr)
            return 2
        line = summary_line(manifest)
        print(line[0].upper() + line[1:])
        return 0
    if args.command == "lint-sql":
        from ingestion.orchestration.transform import sqlfluff_lint

        return sqlfluff_lint()
    from ingestion.orchestration import runner

    if args.command in ("run", "demo"):
        _local_pseudonym_key()
    try:
        if args.command == "run":
            from ingestion.orchestration.summary import print_summary

            report_dir = runner.run_all(args.landing)
            print_summary(args.landing, report_dir)
        elif args.command == "demo":
            from ingestion.synthetic.demo import demo

            demo()
        elif args.command == "docs":
            from ingestion.orchestration.transform import dbt_docs

            print(f"dbt-dokumentationen: {dbt_docs()}")
    except runner.DagRunFailed as exc:
        print(exc)
        return 1
    return 0


def _airflow_init(warehouse: bool) -> int:
    """``airflow db migrate`` (once per Airflow home: a marker file remembers it), then the pools of
    :mod:`ingestion.orchestration.task_policy` (again only when they changed); with ``warehouse`` the
    warehouse's schemas, roles and raw tables as well (``python -m ingestion db start`` does that locally)."""
    import json
    import subprocess
    from pathlib import Path

    from ingestion.orchestration import task_policy

    home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    migrated = home / ".migrated"
    if not migrated.exists():
        log = home / "migrate.log"
        with open(log, "w") as out:
            result = subprocess.run(
                [str(Path(sys.executable).parent / "airflow"), "db", "migrate"], stdout=out, stderr=subprocess.STDOUT
            )
        if result.returncode:
            print("\n".join(log.read_text().splitlines()[-30:]), file=sys.stderr)
            return result.returncode
        migrated.touch()
    pools = home / ".pools"
    wanted = json.dumps(task_policy.POOLS, ensure_ascii=False, sort_keys=True)
    if not pools.exists() or pools.read_text(encoding="utf-8") != wanted:
        task_policy.ensure_pools()
        pools.write_text(wanted, encoding="utf-8")
    if warehouse:
        from ingestion.db import connection

        applied = connection.bootstrap()
        print(f"Lagret är redo ({len(applied)} migreringar körda).")
    return 0


def _hostile_landing(folder: str) -> int:
    """Write the hostile landing folder and say what must happen to each delivery (as its README does)."""
    from pathlib import Path

    from ingestion.synthetic.hostile import outside_folder, write_hostile_landing

    cases = write_hostile_landing(Path(folder))
    width = max(map(len, cases))
    print(
        f"Skrev {len(cases)} leveranser till {folder} (se README.md där; länkmålet ligger i {outside_folder(folder)}):"
    )
    for path, expected in sorted(cases.items()):
        print(f"  {path:<{width}}  {expected}")
    return 0


def _local_pseudonym_key() -> None:
    """Local runs get a pseudonymisation key in the state folder (production sets its own secret)."""
    from ingestion.privacy.pseudonym import KEY_FILE_ENV, ensure_local_key

    path = ensure_local_key()
    if path is not None:
        print(
            f"… registerutdrag: lokal nyckel för pseudonymisering i {path} "
            f"(i drift: sätt en egen hemlighet, se README; {KEY_FILE_ENV} pekar nu hit)",
            flush=True,
        )


def _analyst_login(login: str, database: str | None) -> int:
    """A login for analysts (member of ``analyst`` only) on the warehouse's server, its generated password in
    a 0600 file of the state folder; prints the psql command that uses that file (never the password)."""
    from ingestion.db import connection, embedded

    if not os.environ.get("WAREHOUSE_URL"):
        embedded.start()
    connection.bootstrap()
    url = connection.warehouse_url()
    login_url = connection.analyst_login(connection.with_database(url, database) if database else url, login)
    print(
        f"Inloggningen {login} (medlem av rollen analyst: läser schemat marts, inget annat) är klar. "
        f"Lösenordet finns i {connection.analyst_passfile(login)} (bara din användare kan läsa filen).\n"
        f"Anslut med:\n  {connection.psql_command(login_url)}"
    )
    return 0


def _db(action: str) -> int:
    from ingestion.db import connection, embedded

    external = bool(os.environ.get("WAREHOUSE_URL"))
    if action == "start":
        if not external:
            embedded.start()
        connection.bootstrap()
        where = "WAREHOUSE_URL" if external else f"inbäddad PostgreSQL, port {embedded.port()}"
        print(f"Databasen är redo ({where}).")
    elif action == "stop":
        if external:
            print("WAREHOUSE_URL är satt: den databasen startas och stoppas inte av projektet.")
        elif embedded.stop():
            print("Den inbäddade PostgreSQL har stoppats.")
        else:
            print("Den inbäddade PostgreSQL körde inte.")
    elif action == "status":
        print("körs" if external or embedded.is_running() else "stoppad")
    elif action == "url":
        print(connection.warehouse_url())
    return 0
