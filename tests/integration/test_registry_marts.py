"""Registry marts on a real PostgreSQL: the sample extracts are loaded month by month with the registry
pipeline and built with dbt. Checked: the analyst role reads the marts but no person-level table,
no count of 1-4 is shown, every suppressed cell is null, no additive relation has exactly one
suppressed cell, the figures match the raw rows, and the incremental builds (a second month only
inserts its rows, a month delivered again replaces its rows) give what a full rebuild gives."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from conftest import REGISTRY_MODELS

from ingestion.orchestration.transform import dbt, dbt_build
from ingestion.privacy import pseudonym
from ingestion.sources.registry import pipeline as registry_pipeline
from ingestion.validation.gx import validate_sql_table

FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"
JUNE, JULY = "2024-06-01", "2024-07-01"
REDELIVERED_JUNE_DROPPED_LINES = 40

MARTS = ["mart_jobseekers_monthly", "mart_transitions_90d", "mart_jobtrack_outcomes", "mart_jobtracks_active"]
COUNTS = {
    "mart_jobseekers_monthly": [
        "n_registered_unemployed",
        "n_in_programme",
        "n_ended",
        "n_ended_to_work",
        "n_ended_to_studies",
    ],
    "mart_transitions_90d": ["n_events", "n_with_outcome"],
    "mart_jobtrack_outcomes": ["n"],
    "mart_jobtracks_active": ["n_participants"],
}
SHARES = {
    "mart_jobseekers_monthly": ["share_ended_to_work_or_studies"],
    "mart_transitions_90d": ["share_with_outcome"],
    "mart_jobtrack_outcomes": ["share_of_left"],
    "mart_jobtracks_active": [],
}
ORDER = {
    "mart_jobseekers_monthly": "manad, kommunkod, malgrupp",
    "mart_transitions_90d": "event_month, event_type, kommunkod, malgrupp",
    "mart_jobtrack_outcomes": "manad, group_type, group_value, aktivitet_efter",
    "mart_jobtracks_active": "manad, kommunkod",
}
WORK_OR_STUDIES = {"osubventionerat_arbete", "subventionerat_arbete", "studier"}


def fetch(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def rows_of(url: str, mart: str) -> list[dict]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute(f"select * from marts.{mart} order by {ORDER[mart]}")
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def row_versions(url: str, relation: str, month_column: str, month: str) -> Counter:
    """How many rows of the month each transaction wrote (xmin): unchanged rows keep theirs."""
    return Counter(
        dict(fetch(url, f"select xmin::text, count(*) from {relation} where {month_column} = %s group by 1", month))
    )


def build_registry(url: str) -> dict[str, int]:
    """dbt build of the registry models; rows each model wrote (from run_results.json)."""
    import json

    from ingestion.core import config

    dbt("build", "--select", REGISTRY_MODELS, "--indirect-selection", "cautious", url=url)
    results = json.loads((config.dbt_target_dir() / "run_results.json").read_text())
    return {
        item["unique_id"].split(".")[-1]: (item.get("adapter_response") or {}).get("rows_affected")
        for item in results["results"]
        if item["unique_id"].startswith("model.")
    }


def redelivered_june(target: Path) -> Path:
    """sokande_202406.txt without its last lines, as a corrected delivery of the same month."""
    data = (FIXTURES / "sokande_202406.txt").read_bytes()
    lines = data.split(b"\r\n")
    while lines and not lines[-1]:
        lines.pop()
    target.mkdir(parents=True)
    path = target / "sokande_202406.txt"
    path.write_bytes(b"\r\n".join(lines[:-REDELIVERED_JUNE_DROPPED_LINES]) + b"\r\n")
    return path


LONG_TERM_ENDED = """
    select manad::text, n_ended
    from marts.mart_jobseekers_monthly
    where kommunkod = '00' and malgrupp = 'langtidsarbetslosa'
    order by 1
"""


def long_term_ended(url: str) -> dict[str, int | None]:
    """Riket's long-term unemployed whose registration ended, per month (None when suppressed)."""
    return dict(fetch(url, LONG_TERM_ENDED))


@pytest.fixture(scope="module")
def history(test_db_factory, tmp_path_factory) -> dict:
    """One warehouse through three deliveries: June (job seekers and job tracks), then July, then June
    again with fewer rows; a dbt build after each. Returns the URL and what was seen after each step."""
    url = test_db_factory()
    work = tmp_path_factory.mktemp("registry_marts")
    landing = work / "landing" / "registry"
    landing.mkdir(parents=True)
    seen: dict = {"url": url}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", url)
        patch.setenv("QUARANTINE_DIR", str(work / "quarantine"))
        patch.setenv("QUARANTINE_MODE", "copy")
        patch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
        patch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)

        for name in (
            "sokande_202406.txt",
            "sokandekategorier.csv",
            "avaktualiseringsorsaker.csv",
            "jobbspar_202406.csv",
            "jobbspar_deltagare_202406.csv",
        ):
            shutil.copy(FIXTURES / name, landing / name)
        registry_pipeline.ingest(landing.parent, url=url)
        dbt_build(url, select=REGISTRY_MODELS)  # the seeds and every registry model, once
        seen["june"] = {
            "fct": row_versions(url, "restricted.fct_jobseeker_month", "manad", JUNE),
            "mart": row_versions(url, "marts.mart_jobseekers_monthly", "manad", JUNE),
        }

        shutil.copy(FIXTURES / "sokande_202407.txt.gz", landing / "sokande_202407.txt.gz")
        registry_pipeline.ingest(landing.parent, url=url)
        seen["july_rows_written"] = build_registry(url)
        seen["july"] = {
            "fct": row_versions(url, "restricted.fct_jobseeker_month", "manad", JUNE),
            "mart": row_versions(url, "marts.mart_jobseekers_monthly", "manad", JUNE),
            "fct_july": row_versions(url, "restricted.fct_jobseeker_month", "manad", JULY),
            "mart_july": row_versions(url, "marts.mart_jobseekers_monthly", "manad", JULY),
            "outcomes_load": fetch(url, "select distinct _load_id from marts.mart_jobtrack_outcomes"),
            "long_term_ended": long_term_ended(url),
        }

        redelivered_june(landing / "omleverans")
        outcomes = registry_pipeline.ingest(landing.parent, url=url)
        assert [(o["delivery"], o["status"]) for o in outcomes] == [("sokande_202406.txt", "loaded")]
        seen["redelivery_rows_written"] = build_registry(url)
        seen["redelivery"] = {
            "fct_july": row_versions(url, "restricted.fct_jobseeker_month", "manad", JULY),
            "mart_july": row_versions(url, "marts.mart_jobseekers_monthly", "manad", JULY),
            "outcomes_load": fetch(url, "select distinct _load_id from marts.mart_jobtrack_outcomes"),
            "long_term_ended": long_term_ended(url),
        }
        yield seen


def test_a_second_month_only_inserts_its_rows(history):
    url = history["url"]
    # June's rows were neither rewritten nor added to when July came
    assert history["july"]["fct"] == history["june"]["fct"]
    assert history["july"]["mart"] == history["june"]["mart"]
    written = history["july_rows_written"]
    july_rows = fetch(url, "select n_rows from meta.registry_months where extract = 'sokande' and manad = %s", JULY)
    assert written["fct_jobseeker_month"] == july_rows[0][0] == 2807
    assert written["mart_jobseekers_monthly"] == sum(history["july"]["mart_july"].values())
    # the job-track months had nothing new: nothing rebuilt
    assert written["fct_jobtrack_participation"] == 0
    assert written["mart_jobtrack_outcomes"] == 0


def test_a_month_delivered_again_replaces_its_rows(history):
    url = history["url"]
    june = fetch(
        url,
        "select load_id, n_rows, replaced_load_id from meta.registry_months where extract = 'sokande' and manad = %s",
        JUNE,
    )[0]
    assert june[2] is not None
    fct = fetch(
        url, "select count(*), min(_load_id), max(_load_id) from restricted.fct_jobseeker_month where manad = %s", JUNE
    )[0]
    assert fct == (june[1], june[0], june[0])
    assert fct[0] < 3000
    assert fetch(url, "select distinct _load_id from marts.mart_jobseekers_monthly where manad = %s", JUNE) == [
        (june[0],)
    ]
    # July rebuilt too (its endings take their target groups from June), with June's newer load;
    # June's job-track figures rebuilt, as residences come from June's job seekers
    july = fetch(url, "select n_rows from meta.registry_months where extract = 'sokande' and manad = %s", JULY)[0][0]
    assert not set(history["redelivery"]["fct_july"]) & set(history["july"]["fct_july"])
    assert not set(history["redelivery"]["mart_july"]) & set(history["july"]["mart_july"])
    assert fetch(url, "select distinct _load_id from restricted.fct_jobseeker_month where manad = %s", JULY) == [
        (june[0],)
    ]
    assert history["redelivery"]["outcomes_load"] != history["july"]["outcomes_load"]
    assert history["redelivery_rows_written"]["fct_jobseeker_month"] == june[1] + july


def test_analyst_reads_the_marts_but_no_person_level_registry_data(history):
    with psycopg.connect(history["url"], autocommit=True) as conn:
        conn.execute("set role analyst")
        for mart in MARTS:
            assert conn.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0
        for relation in (
            "restricted.fct_jobseeker_month",
            "restricted.fct_transition_90d",
            "restricted.fct_jobtrack_participation",
            "raw.registry_jobseekers",
            "raw.registry_jobtrack_participants",
            "raw.registry_jobtracks",
            "staging.stg_registry__jobseekers",
            "intermediate.int_registry__jobseeker_months",
            "meta.registry_months",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select 1 from {relation} limit 1")


@pytest.mark.parametrize("mart", MARTS)
def test_no_small_count_is_shown_and_suppressed_cells_are_null(history, mart):
    rows = rows_of(history["url"], mart)
    assert rows
    n_suppressed = 0
    for row in rows:
        for column in COUNTS[mart]:
            suppressed = row[f"{column}_suppressed"]
            assert suppressed is not None, (column, row)
            if suppressed:
                n_suppressed += 1
                assert row[column] is None, (column, row)
            else:
                assert row[column] is not None and not 1 <= row[column] <= 4, (column, row)
        for column in SHARES[mart]:
            if row[f"{column}_suppressed"]:
                assert row[column] is None, (column, row)
    if mart != "mart_jobtracks_active":  # the samples are small: the other marts have suppressed cells
        assert n_suppressed > 0


def relations(mart: str) -> list[tuple[str, Callable[[dict], object], Callable[[dict], bool]]]:
    """The additive relations of a mart: name, the relation instance of a cell, whether a cell takes part.
    A cell is a mart row and one of its counts (``measure``)."""

    def everything(cell: dict) -> bool:
        return True

    if mart == "mart_jobseekers_monthly":
        return [("kommuner + Riket", lambda c: (c["manad"], c["malgrupp"], c["measure"]), everything)]
    if mart == "mart_transitions_90d":
        return [
            ("kommuner + Riket", lambda c: (c["event_month"], c["event_type"], c["malgrupp"], c["measure"]), everything)
        ]
    if mart == "mart_jobtracks_active":
        return [("kommuner + Riket", lambda c: (c["manad"], c["measure"]), everything)]

    def group(c: dict) -> tuple:
        return c["manad"], c["group_type"], c["group_value"]

    found = [
        ("six categories + alla", group, lambda c: c["aktivitet_efter"] != "arbete_eller_studier"),
        (
            "work and studies + arbete_eller_studier",
            group,
            lambda c: c["aktivitet_efter"] in WORK_OR_STUDIES | {"arbete_eller_studier"},
        ),
        ("arbete_eller_studier + the other three + alla", group, lambda c: c["aktivitet_efter"] not in WORK_OR_STUDIES),
    ]
    for group_type in ("typ", "lanskod", "kommungrupp", "avbrott"):
        found.append(
            (
                f"values of {group_type} + alla",
                lambda c: (c["manad"], c["aktivitet_efter"]),
                lambda c, g=group_type: c["group_type"] in (g, "alla"),
            )
        )
    return found


@pytest.mark.parametrize("mart", MARTS)
def test_no_suppressed_cell_can_be_recomputed_from_its_relation(history, mart):
    cells = [
        row | {"measure": column, "suppressed": row[f"{column}_suppressed"]}
        for row in rows_of(history["url"], mart)
        for column in COUNTS[mart]
    ]
    for name, instance, member in relations(mart):
        suppressed = Counter()
        for cell in cells:
            if member(cell):
                suppressed[instance(cell)] += 0
                if cell["suppressed"]:
                    suppressed[instance(cell)] += 1
        single = [key for key, n in suppressed.items() if n == 1]
        assert not single, (name, single)


def test_figures_match_the_raw_rows(history):
    url = history["url"]
    expected = dict(
        fetch(
            url,
            """
        select j.manad::text, count(*) filter (where k.grupp in ('oppet_arbetslos', 'program_med_aktivitetsstod'))
        from raw.registry_jobseekers j
        left join raw.registry_sokandekategorier k on k.kod = j.sokandekategori and k.manad = j.manad
        group by 1""",
        )
    )
    published = dict(
        fetch(
            url,
            "select manad::text, n_registered_unemployed from marts.mart_jobseekers_monthly "
            "where kommunkod = '00' and malgrupp = 'alla'",
        )
    )
    assert published == expected and set(expected) == {JUNE, JULY}
    to_work = dict(
        fetch(
            url,
            """
        select j.manad::text, count(*)
        from raw.registry_jobseekers j
        join raw.registry_avaktualiseringsorsaker o on o.kod = j.avaktualiseringsorsak and o.manad = j.manad
        where o.utfall = 'arbete'
        group by 1""",
        )
    )
    assert (
        dict(
            fetch(
                url,
                "select manad::text, n_ended_to_work from marts.mart_jobseekers_monthly "
                "where kommunkod = '00' and malgrupp = 'alla'",
            )
        )
        == to_work
    )
    # every participation that has ended, once in the alla group
    left = fetch(url, "select count(*) from raw.registry_jobtrack_participants where slutdatum is not null")[0][0]
    assert fetch(
        url, "select n from marts.mart_jobtrack_outcomes where group_type = 'alla' and aktivitet_efter = 'alla'"
    ) == [(left,)]
    # June's establishment-programme leavers can be measured once July has come
    assert fetch(
        url,
        "select n_events > 0 from marts.mart_transitions_90d where event_month = %s "
        "and event_type = 'etablering' and kommunkod = '00' and malgrupp = 'alla'",
        JUNE,
    ) == [(True,)]


@pytest.mark.parametrize("mart", MARTS)
def test_marts_pass_their_gx_suites(history, mart):
    assert validate_sql_table(history["url"], "marts", mart, f"marts/{mart}.json") == []


PARTITIONS = """
    select child.relname, pg_get_expr(child.relpartbound, child.oid)
    from pg_inherits
    join pg_class as child on child.oid = pg_inherits.inhrelid
    where pg_inherits.inhparent = 'restricted.fct_jobseeker_month'::regclass
    order by 1
"""


def test_the_person_month_fact_has_one_partition_per_month(history):
    url = history["url"]
    assert fetch(
        url, "select count(*) from pg_partitioned_table where partrelid = 'restricted.fct_jobseeker_month'::regclass"
    ) == [(1,)]
    assert fetch(url, PARTITIONS) == [
        ("fct_jobseeker_month_202406", "FOR VALUES FROM ('2024-06-01') TO ('2024-07-01')"),
        ("fct_jobseeker_month_202407", "FOR VALUES FROM ('2024-07-01') TO ('2024-08-01')"),
    ]
    # each partition holds its month only, and the indexes reach every partition
    for month, partition in ((JUNE, "fct_jobseeker_month_202406"), (JULY, "fct_jobseeker_month_202407")):
        assert fetch(url, f"select distinct manad::text from restricted.{partition}") == [(month[:10],)]
        assert fetch(
            url, "select count(*) from pg_indexes where schemaname = 'restricted' and tablename = %s", partition
        ) == [(2,)]


def test_a_table_from_before_partitioning_is_rebuilt_partitioned(history):
    """A warehouse built before fct_jobseeker_month was partitioned holds a plain table: the next
    (incremental) build replaces it with the partitioned one, with the same rows."""
    url = history["url"]
    columns = "person_id, manad, kommunkod, sokandekategori, ended, unga, langtidsarbetslosa, _load_id"
    before = fetch(url, f"select {columns} from restricted.fct_jobseeker_month order by person_id, manad")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create table restricted.fct_jobseeker_month_plain as select * from restricted.fct_jobseeker_month"
        )
        conn.execute("drop table restricted.fct_jobseeker_month")
        conn.execute("alter table restricted.fct_jobseeker_month_plain rename to fct_jobseeker_month")
        conn.execute("alter table restricted.fct_jobseeker_month owner to warehouse_transformer")
    assert fetch(url, PARTITIONS) == []
    written = build_registry(url)
    assert written["fct_jobseeker_month"] == len(before)
    assert [name for name, _ in fetch(url, PARTITIONS)] == ["fct_jobseeker_month_202406", "fct_jobseeker_month_202407"]
    assert fetch(url, f"select {columns} from restricted.fct_jobseeker_month order by person_id, manad") == before


def test_a_full_refresh_gives_the_same_marts(history):
    """Run last in this module: rebuilds everything from raw and compares with the incremental result."""
    url = history["url"]
    before = {mart: rows_of(url, mart) for mart in MARTS}
    dbt("build", "--select", REGISTRY_MODELS, "--indirect-selection", "cautious", "--full-refresh", url=url)
    for mart in MARTS:
        assert rows_of(url, mart) == before[mart], mart


def test_the_long_term_unemployed_who_ended_count_in_the_month_before(history):
    """A person whose registration ends has no category in that month, so by the month's own flags
    nobody who ended is ever långtidsarbetslös (the mart showed 0 in every month). With the target
    groups of the month before, July has long-term unemployed who ended; June, the first month, has
    no month before and keeps 0. Checked against the person-level rows: July's count is the number
    of July's endings whose person was long-term unemployed in June."""
    url = history["url"]
    assert history["july"]["long_term_ended"][JUNE] == 0
    july = history["july"]["long_term_ended"][JULY]
    assert july is not None and july > 0
    own_flags, from_june = fetch(
        url,
        """
        select count(*) filter (where july.langtidsarbetslosa),
               count(*) filter (where june.langtidsarbetslosa)
        from restricted.fct_jobseeker_month as july
        left join restricted.fct_jobseeker_month as june
            on june.person_id = july.person_id and june.manad = %s
        where july.manad = %s and july.ended""",
        JUNE,
        JULY,
    )[0]
    assert own_flags == 0
    assert history["redelivery"]["long_term_ended"][JULY] == from_june
