"""What ``make run`` and ``make demo`` print: the run's outcome per source, and a few figures from the marts.

Read from the run's report folder (written by each DAG's ``publish`` task) and from the marts (aggregated,
disclosure-controlled: nothing here reads a person-level table). Swedish: it is read by the operators.
"""

from __future__ import annotations

from pathlib import Path

from ingestion.core.numbers import andel, tal
from ingestion.db import connection
from ingestion.db.loader import already_loaded
from ingestion.orchestration.run_report import read_outcomes
from ingestion.orchestration.task_policy import FAILURE_LOG
from ingestion.report.build import RUN_SUMMARY_NOTE
from ingestion.sources import SOURCES

LIST_AT_MOST = 8


def already_loaded_elsewhere(source, landing: Path, this_run: list[dict]) -> list[str]:
    """Deliveries in the landing folder that an earlier run already loaded (same checksum)."""
    handled = {o["checksum"] for o in this_run}
    names = []
    with connection.connect() as conn:
        pipeline = source.module()
        for path in pipeline.delivery_paths(landing / source.name):
            checksum = pipeline.checksum(path)
            if checksum in handled:
                continue
            if already_loaded(conn, source.name, checksum) is not None:
                names.append(path.name)
    return names


def waiting_for_upload(source, landing: Path) -> list[str]:
    """Deliveries left for a later run because their upload is not finished (no marker, changed just now)."""
    pipeline = source.module()
    folder = landing / source.name
    finished = set(pipeline.delivery_paths(folder))
    return [p.name for p in pipeline.delivery_paths(folder, finished_only=False) if p not in finished]


def print_summary(landing: Path, report_dir: Path) -> None:
    print("\nSammanfattning")
    reports = {r["source"]: r for r in read_outcomes(report_dir)}
    for source in SOURCES:
        report = reports.get(source.name, {"loaded": [], "rejected": [], "skipped": []})
        this_run = report["loaded"] + report["rejected"] + report["skipped"]
        earlier = already_loaded_elsewhere(source, Path(landing).resolve(), this_run)
        rows = sum(o["n_rows"] for o in report["loaded"])
        print(
            f"  {source.name}: inlästa {len(report['loaded'])} ({tal(rows)} rader), "
            f"redan inlästa {len(earlier) + len(report['skipped'])}, "
            f"avvisade {len(report['rejected'])}"
        )
        if any(o["forms_loaded"] + o["forms_already_loaded"] + o["forms_rejected"] for o in report["loaded"]):
            print(
                f"    formulär: {sum(o['forms_loaded'] for o in report['loaded'])} nya versioner, "
                f"{sum(o['forms_already_loaded'] for o in report['loaded'])} redan inlästa"
            )
        for o in report["loaded"][:LIST_AT_MOST]:
            print(f"    inläst:  {o['delivery']} ({tal(o['n_rows'])} rader, load_id {o['load_id']})")
        if len(report["loaded"]) > LIST_AT_MOST:
            print(f"    … och {len(report['loaded']) - LIST_AT_MOST} filer till")
        for o in report.get("partly_rejected", []):
            if not o["n_rejected_rows"]:
                print(f"    delvis avvisad: {o['delivery']} ({o['forms_rejected']} formulär) → {o['report']}")
            else:  # a registry month loaded with a few rows set aside (within the tolerance)
                print(
                    f"    rader satta åt sidan: {o['delivery']} ({o.get('n_rejected_rows', 0)} rader, högst 0,1 % "
                    f"tolereras; i meta.registry_rejects) → {o['report']}"
                )
        for o in report["rejected"]:
            print(f"    avvisad: {o['delivery']} ({len(o['problems'])} fel) → {o['report']}")
        waiting = waiting_for_upload(source, Path(landing).resolve())
        if waiting:
            print(
                f"    väntar på att uppladdningen blir klar (ingen .klar-markör, ändrad nyss): {', '.join(waiting)}"
                " – läses in av en senare körning"
            )
    failed = report_dir / FAILURE_LOG  # the tasks' failure callbacks (task_policy): one line per failed try
    if failed.exists():
        lines = failed.read_text(encoding="utf-8").splitlines()
        print(f"  uppgifter som misslyckades ({len(lines)} försök; {failed}):")
        for line in lines[:LIST_AT_MOST]:
            _, dag_id, _, task, attempt, _, outcome, error = line.split("\t")
            print(f"    {dag_id}.{task}, {attempt}: {outcome} ({error})")
    with connection.connect() as conn:
        marts = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        if (report_dir / "connection.built").exists():
            print(f"  byggt: {len(marts)} tabeller i schemat marts (dbt build + GX-validering OK)")
        else:
            print(f"  byggt: inget (oförändrat sedan förra körningen); {len(marts)} tabeller i schemat marts")
        for (name,) in marts:
            if name.startswith("mart_"):
                count = conn.execute(f'select count(*) from marts."{name}"').fetchone()[0]
                print(f"    marts.{name}: {tal(count)} rader")
    note = report_dir / RUN_SUMMARY_NOTE
    if note.exists():
        print(f"  {note.read_text(encoding='utf-8').strip()}")
    print(f"  körningens loggar: {report_dir}")


def print_headlines() -> None:
    """A few figures read from the marts, for the end of the demo."""
    with connection.connect() as conn:
        latest = conn.execute("select max(snapshot_date) from marts.mart_agreement_summary").fetchone()[0]
        if latest is None:
            print("Inga ögonblicksbilder av registret är inlästa ännu.")
            return
        print(f"\nNyckeltal från marts (registrets ögonblicksbild {latest}):")
        # in force per level (what applies on the date), then the published basis: signed, valid or not yet
        rows = conn.execute(
            """select niva, n_agreements, n_municipalities_covered, share_municipalities_covered
               from marts.mart_agreement_summary where snapshot_date = %s and basis = 'i_kraft'
               order by niva = 'alla', niva""",
            (latest,),
        ).fetchall()
        for niva, n, covered, share in rows:
            print(
                f"  {niva:<13} {tal(n):>5} gällande överenskommelser, täcker {tal(covered):>3} kommuner "
                f"({andel(float(share or 0), 0)} av 290)"
            )
        signed, signed_covered = conn.execute(
            """select n_agreements, n_municipalities_covered from marts.mart_agreement_summary
               where snapshot_date = %s and basis = 'tecknade' and niva = 'alla'""",
            (latest,),
        ).fetchone()
        print(
            f"  {tal(signed)} tecknade överenskommelser (även de som ännu inte börjat gälla), "
            f"omfattar {tal(signed_covered)} kommuner"
        )
        uncovered = conn.execute(
            "select count(*) from marts.mart_municipality_coverage where snapshot_date = %s and not is_covered",
            (latest,),
        ).fetchone()[0]
        print(f"  {uncovered} kommuner saknar gällande överenskommelse")
        n_snapshots = conn.execute("select count(distinct snapshot_date) from marts.mart_agreement_summary").fetchone()[
            0
        ]
        changed, removed, versions = conn.execute(
            """select count(distinct overenskommelse_id) filter (where version_number > 1 and in_register),
                      count(distinct overenskommelse_id) filter (where not in_register),
                      count(*)
               from marts.dim_agreement"""
        ).fetchone()
        print(
            f"  historik: {n_snapshots} ögonblicksbilder, {versions} versioner i dim_agreement; "
            f"{changed} överenskommelser har ändrats, {removed} har tagits bort ur registret"
        )
        if conn.execute("select to_regclass('marts.mart_followup_completeness') is not null").fetchone()[0]:
            _print_followup_headlines(conn)
        if conn.execute("select to_regclass('marts.mart_survey_response') is not null").fetchone()[0]:
            _print_survey_headlines(conn)
        if conn.execute("select to_regclass('marts.mart_jobseekers_monthly') is not null").fetchone()[0]:
            _print_registry_headlines(conn)
        if conn.execute("select to_regclass('marts.mart_agreement_outcomes') is not null").fetchone()[0]:
            _print_outcome_headlines(conn)


def _print_survey_headlines(conn) -> None:
    waves = conn.execute(
        """select enkat_id, omgang, n_sent, n_net, n_answered, response_rate
           from marts.mart_survey_response where level = 'wave' order by enkat_id, omgang"""
    ).fetchall()
    if not waves:
        return
    print("\nEnkäter (svarsfrekvens = besvarade / utskickade utan felaktiga kontakter):")
    for enkat_id, omgang, sent, net, answered, rate in waves:
        print(
            f"  {enkat_id:<16} {omgang:<6} {tal(sent):>5} utskick, {tal(answered):>5} svar av {tal(net):>5} "
            f"({andel(float(rate or 0), 0)})"
        )
    n_trend = conn.execute("select count(distinct comparable_question_key) from marts.mart_survey_trend").fetchone()[0]
    print(f"  {n_trend} frågor kan jämföras över omgångar (marts.mart_survey_trend)")


def _print_followup_headlines(conn) -> None:
    row = conn.execute(
        """select period, count(*) filter (where expected), count(*) filter (where expected and received),
                  count(*) filter (where expected and received_on_time), count(*) filter (where not expected)
           from marts.mart_followup_completeness
           group by period order by period desc limit 1"""
    ).fetchone()
    if row is None:
        return
    period, expected, received, on_time, unexpected = row
    print(
        f"\nUppföljningsformulär {period}: {tal(expected)} förväntade, {tal(received)} inkomna "
        f"({andel(received / expected, 0)}), {tal(on_time)} i tid; {tal(expected - received)} saknas; "
        f"{tal(unexpected)} formulär från överenskommelser som inte var skyldiga att skicka"
        if expected
        else f"\nUppföljningsformulär {period}: inga förväntade formulär"
    )
    ended, to_work, to_studies = conn.execute(
        "select sum(ended), sum(to_work), sum(to_studies) from marts.mart_followup_participants where period = %s",
        (period,),
    ).fetchone()
    if ended:
        print(
            f"  deltagare som avslutat {period}: {tal(ended)}, varav {andel(to_work / ended, 0)} till arbete "
            f"och {andel(to_studies / ended, 0)} till studier"
        )
    moves = dict(
        conn.execute(
            "select coalesce(movement, 'första formuläret'), count(*) from marts.mart_followup_collaboration_level"
            " where period = %s group by 1",
            (period,),
        ).fetchall()
    )
    if moves:
        print(
            "  samverkansnivå jämfört med förra formuläret: " + ", ".join(f"{k} {v}" for k, v in sorted(moves.items()))
        )


def _print_registry_headlines(conn) -> None:
    row = conn.execute(
        """select manad, n_registered_unemployed, n_in_programme, n_ended, share_ended_to_work_or_studies
           from marts.mart_jobseekers_monthly
           where niva = 'riket' and malgrupp = 'alla' order by manad desc limit 1"""
    ).fetchone()
    if row is None:
        return
    month, registered, in_programme, ended, share = row
    print(
        f"\nRegisterutdrag {month:%Y-%m} (hela landet): {tal(registered)} inskrivna arbetslösa, varav "
        f"{tal(in_programme)} i program; {tal(ended)} avaktualiserade, "
        f"{andel(float(share or 0), 0)} till arbete eller studier"
    )
    groups = conn.execute(
        """select malgrupp, n_registered_unemployed from marts.mart_jobseekers_monthly
           where niva = 'riket' and manad = %s and malgrupp <> 'alla' order by malgrupp""",
        (month,),
    ).fetchall()
    if groups:
        print("  målgrupper: " + ", ".join(f"{g} {tal(n)}" for g, n in groups if n is not None))
    cells, suppressed = conn.execute(
        """select count(*), count(*) filter (where n_registered_unemployed_suppressed)
           from marts.mart_jobseekers_monthly where manad = %s and niva = 'kommun'""",
        (month,),
    ).fetchone()
    print(
        f"  röjandekontroll: {tal(suppressed)} av {tal(cells)} kommunceller undertryckta (färre än 5, eller för att "
        "en summa annars skulle avslöja dem)"
    )
    transition = conn.execute(
        """select event_month, event_type, n_events, share_with_outcome from marts.mart_transitions_90d
           where niva = 'riket' and malgrupp = 'alla' and is_window_complete
           order by event_month desc, event_type limit 2"""
    ).fetchall()
    for event_month, event_type, n, share in transition:
        print(
            f"  {event_type} {event_month:%Y-%m}: {tal(n)} lämnade, {andel(float(share or 0), 0)} fick arbete eller "
            "började studera inom 90 dagar"
        )


def _count(value: int | None, suppressed: bool | None) -> str:
    """A published count as the report prints it: ``..`` when suppressed, ``–`` when not reported."""
    from ingestion.report.formatting import count

    return count(value, bool(suppressed))


def _print_outcome_headlines(conn) -> None:
    """Registry figures beside what the agreements reported, for a few agreements of the latest half-year with
    forms, and the coverage comparison for the long-term unemployed."""
    latest = conn.execute(
        "select max(period) from marts.mart_agreement_outcomes where reported_participants is not null"
    ).fetchone()[0]
    if latest is None:
        return
    rows = conn.execute(
        """select overenskommelse_id, malgrupp, n_months_loaded, n_registered_unemployed,
                  n_registered_unemployed_suppressed, n_ended_to_work_or_studies, n_ended_to_work_or_studies_suppressed,
                  reported_participants, reported_to_work + reported_to_studies
           from marts.mart_agreement_outcomes
           where period = %s and dimension = 'alla' and malgrupp <> 'alla' and reported_participants is not null
           order by n_registered_unemployed desc nulls last, overenskommelse_id, malgrupp limit 4""",
        (latest,),
    ).fetchall()
    months = rows[0][2]
    print(f"\nÖverenskommelser {latest}, registret bredvid vad parterna rapporterade ({months} av 6 månader inlästa):")
    for agreement, group, _, registered, reg_s, to_work, work_s, reported, reported_work in rows:
        print(
            f"  {agreement} {group}: registret {_count(registered, reg_s)} inskrivna arbetslösa, "
            f"{_count(to_work, work_s)} till arbete eller studier; formuläret {_count(reported, False)} deltagare, "
            f"{_count(reported_work, False)} till arbete eller studier"
        )
    coverage = conn.execute(
        """select tackning, share_ended_to_work_or_studies from marts.mart_coverage_outcomes
           where period = %s and niva = 'riket' and basis = 'utan_centrala' and malgrupp = 'langtidsarbetslosa'
             and dimension = 'alla' and tackning in ('tackt', 'ej_tackt') order by tackning desc""",
        (latest,),
    ).fetchall()
    if len(coverage) == 2 and all(share is not None for _, share in coverage):
        (_, covered), (_, uncovered) = coverage
        print(
            f"  långtidsarbetslösa som lämnade till arbete eller studier: {andel(float(covered), 0)} i kommuner med "
            f"en regional eller lokal överenskommelse för gruppen, {andel(float(uncovered), 0)} i kommuner utan"
        )
