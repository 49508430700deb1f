"""Every figure of the report, read from the marts (the only tables analysts and the report may read).

One function per table of the report; each returns plain rows (dicts). Nothing is recomputed in the
report's code: where a table needs a sum or a count over a mart's rows, it is taken here, in SQL, on
published (disclosure-controlled) values only. An edition is ``riket`` or a county code.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import psycopg

TARGET_GROUP_ORDER = (
    "alla",
    "unga",
    "nyanlanda",
    "funktionsnedsattning",
    "ekonomiskt_bistand",
    "utrikes_fodda_kvinnor",
    "langtidsarbetslosa",
)


def _rows(conn: psycopg.Connection, query: str, params: tuple = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(query, params)
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def latest_period(conn: psycopg.Connection) -> str | None:
    """The latest half-year with both registry months and follow-up forms (the report's default)."""
    row = conn.execute(
        """select max(period) from marts.mart_agreement_outcomes where reported_participants is not null"""
    ).fetchone()
    if row[0] is None:
        row = conn.execute("select max(period) from marts.mart_agreement_outcomes").fetchone()
    return row[0]


def periods_with_outcomes(conn: psycopg.Connection) -> list[str]:
    """The half-years an edition can be built for: those with registry outcomes in the marts."""
    return [r["period"] for r in _rows(conn, "select distinct period from marts.mart_agreement_outcomes order by 1")]


PERIOD_PATTERN = re.compile(r"^\d{4}H[12]$")


def period_bounds(period: str) -> tuple[date, date]:
    """First day of the half-year and of the one after it."""
    year, first = int(period[:4]), period.endswith("H1")
    return (date(year, 1, 1), date(year, 7, 1)) if first else (date(year, 7, 1), date(year + 1, 1, 1))


def previous_period(period: str) -> str:
    return f"{period[:4]}H1" if period.endswith("H2") else f"{int(period[:4]) - 1}H2"


def counties(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return _rows(conn, "select lanskod, county_name, n_municipalities from marts.dim_county order by lanskod")


def period_facts(conn: psycopg.Connection, period: str) -> dict[str, Any]:
    """What the half-year's figures are built from: months loaded, the register snapshot, the loads."""
    rows = _rows(
        conn,
        """select max(n_months_loaded) as n_months_loaded, bool_and(is_period_complete) as is_period_complete,
                  max(register_snapshot_date) as register_snapshot_date, max(_load_id) as registry_load_id,
                  max(_register_load_id) as register_load_id, max(_forms_load_id) as forms_load_id
           from marts.mart_agreement_outcomes where period = %s""",
        (period,),
    )
    return rows[0]


def agreements_by_level(conn: psycopg.Connection, snapshot_date) -> list[dict[str, Any]]:
    """Agreements signed and in force per level on the register snapshot (mart_agreement_summary)."""
    return _rows(
        conn,
        """select niva,
                  max(n_agreements) filter (where basis = 'tecknade') as n_signed,
                  max(n_agreements) filter (where basis = 'i_kraft') as n_in_force,
                  max(n_municipalities_covered) filter (where basis = 'i_kraft') as n_municipalities_covered
           from marts.mart_agreement_summary where snapshot_date = %s
           group by niva order by niva = 'alla', niva""",
        (snapshot_date,),
    )


def coverage_by_area(conn: psycopg.Connection, snapshot_date, lanskod: str | None) -> list[dict[str, Any]]:
    """Per county (national edition) or per municipality (county edition): covered by an agreement in
    force on the snapshot (mart_municipality_coverage)."""
    if lanskod is None:
        return _rows(
            conn,
            """select lanskod as code, county_name as name, count(*) as n_municipalities,
                      count(*) filter (where is_covered) as n_covered,
                      count(*) filter (where not is_covered) as n_uncovered
               from marts.mart_municipality_coverage where snapshot_date = %s
               group by lanskod, county_name order by lanskod""",
            (snapshot_date,),
        )
    return _rows(
        conn,
        """select kommunkod as code, municipality_name as name, is_covered, n_agreements, covering_levels
           from marts.mart_municipality_coverage where snapshot_date = %s and lanskod = %s
           order by kommunkod""",
        (snapshot_date, lanskod),
    )


def uncovered_municipalities(conn: psycopg.Connection, snapshot_date, lanskod: str | None) -> list[str]:
    return [
        r["municipality_name"]
        for r in _rows(
            conn,
            """select municipality_name from marts.mart_municipality_coverage
               where snapshot_date = %s and not is_covered and (%s::text is null or lanskod = %s)
               order by municipality_name""",
            (snapshot_date, lanskod, lanskod),
        )
    ]


OUTCOME_COLUMNS = """malgrupp, dimension, dimension_value, tackning,
    n_registered_unemployed, n_registered_unemployed_suppressed, n_ended, n_ended_suppressed,
    n_ended_to_work_or_studies, n_ended_to_work_or_studies_suppressed,
    share_ended_to_work_or_studies, share_ended_to_work_or_studies_suppressed, n_months_loaded"""


def outcomes(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """Registry outcomes of the area per target group, breakdown and coverage (mart_coverage_outcomes,
    coverage by regional and local agreements: basis utan_centrala)."""
    return _rows(
        conn,
        f"""select {OUTCOME_COLUMNS} from marts.mart_coverage_outcomes
            where period = %s and basis = 'utan_centrala'
              and ((%s::text is null and niva = 'riket') or lanskod = %s)""",
        (period, lanskod, lanskod),
    )


def registry_beside_reported(
    conn: psycopg.Connection, period: str, lanskod: str | None, limit: int = 10
) -> list[dict[str, Any]]:
    """Agreements of the area with a form: the registry's figures beside the form's, per target group
    (mart_agreement_outcomes, breakdown alla), the largest first."""
    return _rows(
        conn,
        """select overenskommelse_id, niva, malgrupp,
                  n_registered_unemployed, n_registered_unemployed_suppressed,
                  n_ended_to_work_or_studies, n_ended_to_work_or_studies_suppressed,
                  share_ended_to_work_or_studies, share_ended_to_work_or_studies_suppressed,
                  reported_participants, reported_ended, reported_to_work, reported_to_studies
           from marts.mart_agreement_outcomes
           where period = %s and dimension = 'alla' and malgrupp <> 'alla' and reported_participants is not null
             and (%s::text is null or lanskod = %s)
           order by n_registered_unemployed desc nulls last, overenskommelse_id, malgrupp
           limit %s""",
        (period, lanskod, lanskod, limit),
    )


# Each agreement's county, whatever the half-year: the county of its current version in the register, else
# that of its current municipalities when they share one (a central agreement, or one across counties, has none
# and appears in the national edition only).
_AGREEMENTS_OF_AREA = """select a.overenskommelse_id,
                                coalesce(max(a.lanskod),
                                         case when count(distinct m.lanskod) = 1 then max(m.lanskod) end) as lanskod
                         from marts.dim_agreement a
                         left join marts.bridge_agreement_municipality b
                             on b.overenskommelse_id = a.overenskommelse_id and b.is_current
                         left join marts.dim_municipality m on m.kommunkod = b.kommunkod
                         where a.is_current
                         group by a.overenskommelse_id"""


def forms_completeness(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """Forms owed, received, on time and missing (mart_followup_completeness): per county in the national
    edition (an agreement's county as in mart_agreement_outcomes), per agreement in a county's."""
    if lanskod is None:
        return _rows(
            conn,
            f"""select coalesce(areas.lanskod, '–') as code, coalesce(max(counties.county_name), 'Utan län') as name,
                       count(*) filter (where c.expected) as n_owed,
                       count(*) filter (where c.expected and c.received) as n_received,
                       count(*) filter (where c.expected and c.received_on_time) as n_on_time,
                       count(*) filter (where c.expected and c.received and not c.received_on_time) as n_late,
                       count(*) filter (where c.expected and not c.received) as n_missing
                from marts.mart_followup_completeness c
                left join ({_AGREEMENTS_OF_AREA}) as areas on areas.overenskommelse_id = c.overenskommelse_id
                left join marts.dim_county counties on counties.lanskod = areas.lanskod
                where c.period = %s
                group by areas.lanskod order by areas.lanskod nulls last""",
            (period,),
        )
    return _rows(
        conn,
        f"""select c.overenskommelse_id as code, c.niva as name, c.expected, c.received, c.received_on_time
            from marts.mart_followup_completeness c
            join ({_AGREEMENTS_OF_AREA}) as areas on areas.overenskommelse_id = c.overenskommelse_id
            where c.period = %s and areas.lanskod = %s and c.expected
            order by c.overenskommelse_id""",
        (period, lanskod),
    )


def assessment(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """F1–F12: the distribution of answers (1–5, kan inte bedöma) and the mean per question, for the
    country or the county (mart_followup_assessment_by_group)."""
    group_type, group_value = ("alla", "alla") if lanskod is None else ("lanskod", lanskod)
    return _rows(
        conn,
        """select a.question_code, max(q.question_text) as question_text, a.n_answers, a.mean_answer,
                  a.n_1, a.n_2, a.n_3, a.n_4, a.n_5, a.n_not_assessable
           from marts.mart_followup_assessment_by_group a
           left join marts.mart_followup_assessment q on q.question_code = a.question_code and q.period = a.period
           where a.period = %s and a.group_type = %s and a.group_value = %s
           group by a.question_code, a.n_answers, a.mean_answer, a.n_1, a.n_2, a.n_3, a.n_4, a.n_5, a.n_not_assessable
           order by min(q.question_order), a.question_code""",
        (period, group_type, group_value),
    )


def collaboration_levels(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """The collaboration level (samtal → samhandling) of the period's forms and its movement."""
    return _rows(
        conn,
        f"""select l.samverkansniva, l.samverkansniva_step,
                   count(*) as n_forms,
                   count(*) filter (where l.movement = 'upp') as n_up,
                   count(*) filter (where l.movement = 'oförändrad') as n_same,
                   count(*) filter (where l.movement = 'ned') as n_down,
                   count(*) filter (where l.movement is null) as n_first
            from marts.mart_followup_collaboration_level l
            left join ({_AGREEMENTS_OF_AREA}) as areas on areas.overenskommelse_id = l.overenskommelse_id
            where l.period = %s and (%s::text is null or areas.lanskod = %s)
            group by l.samverkansniva, l.samverkansniva_step order by l.samverkansniva_step""",
        (period, lanskod, lanskod),
    )


def goals(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """Goals by assessment per target group as the forms name them (mart_followup_goals, dim_target_group),
    goals without a target group as their own row, and all goals last."""
    return _rows(
        conn,
        f"""select case when grouping(g.malgrupp) = 1 then 'Samtliga mål'
                        when g.malgrupp is null then 'Utan angiven målgrupp'
                        else coalesce(max(t.malgrupp_label), g.malgrupp) end as label,
                   count(*) filter (where g.bedomning = 'uppnatt') as n_achieved,
                   count(*) filter (where g.bedomning = 'delvis_uppnatt') as n_partly,
                   count(*) filter (where g.bedomning = 'ej_uppnatt') as n_not,
                   count(*) filter (where g.bedomning = 'kan_inte_bedoma') as n_cannot,
                   count(*) as n_goals
            from marts.mart_followup_goals g
            left join marts.dim_target_group t on t.malgrupp = g.malgrupp
            left join ({_AGREEMENTS_OF_AREA}) as areas on areas.overenskommelse_id = g.overenskommelse_id
            where g.period = %s and (%s::text is null or areas.lanskod = %s)
            group by grouping sets ((g.malgrupp), ())
            order by grouping(g.malgrupp), g.malgrupp is null, label""",
        (period, lanskod, lanskod),
    )


def jobtracks(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """What participants who left a local job track did afterwards, in the half-year's last month with job
    tracks (mart_jobtrack_outcomes): by type of track nationally, for the county in its edition."""
    start, end = period_bounds(period)
    group_type, group_value = ("typ", None) if lanskod is None else ("lanskod", lanskod)
    return _rows(
        conn,
        """select manad, group_value, group_label, aktivitet_efter, n, n_suppressed, share_of_left,
                  share_of_left_suppressed
           from marts.mart_jobtrack_outcomes
           where manad = (select max(manad) from marts.mart_jobtrack_outcomes where manad >= %s and manad < %s)
             and group_type = %s and (%s::text is null or group_value = %s)
           order by group_value, aktivitet_efter""",
        (start, end, group_type, group_value, group_value),
    )


def key_figures(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """The summary's key figures for the half-year and the one before, and the change between them, all in
    one statement: agreements and municipalities (mart_municipality_coverage on each half-year's register
    snapshot, as mart_followup_completeness chose it), forms (mart_followup_completeness) and the registry
    (mart_coverage_outcomes, published values; a change is suppressed when either side is). ``unit`` is
    ``antal`` or ``andel`` (the change of a share is in percentage points)."""
    return _rows(
        conn,
        f"""with periods as (
                select %(period)s::text as period union all select %(previous)s::text
            ),
            snapshots as (
                select period, max(register_snapshot_date) as snapshot_date from marts.mart_followup_completeness
                where period in (select period from periods) group by period
            ),
            coverage as (
                select s.period, count(*) as n_municipalities, count(*) filter (where m.is_covered) as n_covered
                from snapshots s join marts.mart_municipality_coverage m on m.snapshot_date = s.snapshot_date
                where %(lanskod)s::text is null or m.lanskod = %(lanskod)s
                group by s.period
            ),
            forms as (
                select s.period,
                       count(c.overenskommelse_id) filter (where c.expected) as n_owed,
                       count(c.overenskommelse_id) filter (where c.expected and c.received) as n_received,
                       count(c.overenskommelse_id) filter (where c.expected and c.received_on_time) as n_on_time
                from snapshots s
                left join (
                    select c.* from marts.mart_followup_completeness c
                    left join ({_AGREEMENTS_OF_AREA}) as areas on areas.overenskommelse_id = c.overenskommelse_id
                    where %(lanskod)s::text is null or areas.lanskod = %(lanskod)s
                ) as c on c.period = s.period
                group by s.period
            ),
            outcomes as (
                select * from marts.mart_coverage_outcomes
                where period in (select period from periods) and basis = 'utan_centrala' and tackning = 'alla'
                  and malgrupp = 'alla' and dimension = 'alla'
                  and ((%(lanskod)s::text is null and niva = 'riket') or lanskod = %(lanskod)s)
            ),
            names (ordinal, measure, unit) as (
                values (1, 'Kommuner med en gällande överenskommelse', 'antal'), (2, 'Kommuner utan', 'antal'),
                       (3, 'Uppföljningsformulär som skulle lämnas', 'antal'), (4, 'Inkomna formulär', 'antal'),
                       (5, 'Inkomna i tid', 'antal'), (6, 'Inskrivna arbetslösa', 'antal'),
                       (7, 'Avaktualiserade', 'antal'), (8, 'Till arbete eller studier', 'antal'),
                       (9, 'Andel av de avaktualiserade till arbete eller studier', 'andel')
            ),
            measures as (
                select period, 1 as ordinal, n_covered::numeric as value, false as suppressed from coverage
                union all select period, 2, (n_municipalities - n_covered)::numeric, false from coverage
                union all select period, 3, n_owed::numeric, false from forms
                union all select period, 4, n_received::numeric, false from forms
                union all select period, 5, n_on_time::numeric, false from forms
                union all select period, 6, n_registered_unemployed::numeric, n_registered_unemployed_suppressed
                from outcomes
                union all select period, 7, n_ended::numeric, n_ended_suppressed from outcomes
                union all select period, 8, n_ended_to_work_or_studies::numeric, n_ended_to_work_or_studies_suppressed
                from outcomes
                union all select period, 9, share_ended_to_work_or_studies::numeric,
                       share_ended_to_work_or_studies_suppressed
                from outcomes
            ),
            pivoted as (
                select names.ordinal, names.measure, names.unit,
                       max(value) filter (where period = %(period)s) as current,
                       coalesce(bool_or(suppressed) filter (where period = %(period)s), false) as current_suppressed,
                       max(value) filter (where period = %(previous)s) as previous,
                       coalesce(bool_or(suppressed) filter (where period = %(previous)s), false) as previous_suppressed
                from names left join measures on measures.ordinal = names.ordinal
                group by names.ordinal, names.measure, names.unit
            )
            select ordinal, measure, unit, current, current_suppressed, previous, previous_suppressed,
                   current - previous as change, current_suppressed or previous_suppressed as change_suppressed
            from pivoted order by ordinal""",
        {"period": period, "previous": previous_period(period), "lanskod": lanskod},
    )


def assessment_means_by_group(conn: psycopg.Connection, period: str, group_type: str) -> list[dict[str, Any]]:
    """The mean answer per question F1–F12 for each county (``lanskod``) or SKR municipality group
    (``kommungrupp``), and for the country (mart_followup_assessment_by_group), one row per group and
    question."""
    return _rows(
        conn,
        """select group_type, group_value, group_name, question_code, n_answers, mean_answer
           from marts.mart_followup_assessment_by_group
           where period = %s and group_type in (%s, 'alla')
           order by group_type = 'alla', group_value, question_code""",
        (period, group_type),
    )


def missing_forms(conn: psycopg.Connection, period: str, lanskod: str | None) -> list[dict[str, Any]]:
    """The agreements of the area whose form for the half-year is missing or came in after the deadline
    (mart_followup_completeness), for *Om statistiken*."""
    return _rows(
        conn,
        f"""select c.overenskommelse_id, c.niva, c.followup_due_date, c.received, c.received_on_time,
                   c.first_submitted_at::date as first_submitted_on
            from marts.mart_followup_completeness c
            left join ({_AGREEMENTS_OF_AREA}) as areas on areas.overenskommelse_id = c.overenskommelse_id
            where c.period = %s and c.expected and not coalesce(c.received_on_time, false)
              and (%s::text is null or areas.lanskod = %s)
            order by c.received, c.overenskommelse_id""",
        (period, lanskod, lanskod),
    )


def registry_months(conn: psycopg.Connection, period: str) -> list[date]:
    """The months of the half-year that are in the registry marts (mart_jobseekers_monthly)."""
    start, end = period_bounds(period)
    return [
        r["manad"]
        for r in _rows(
            conn,
            """select distinct manad from marts.mart_jobseekers_monthly where manad >= %s and manad < %s
               order by manad""",
            (start, end),
        )
    ]
