"""dbt on a real PostgreSQL: history, dimensions and marts, checked against the delivered files."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import psycopg
import pytest
from conftest import REGISTER, REGISTER_MODELS, SNAPSHOT_1, SNAPSHOT_2

from ingestion import sources
from ingestion.orchestration.transform import dbt_build
from ingestion.sources.agreement_register import contract as register
from ingestion.validation.marts import validate_marts

SOURCE = register.SOURCE


def read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def expected_summary(snapshot: Path, basis: str = "i_kraft") -> dict[str, tuple[int, int]]:
    """n_agreements and n_municipalities_covered per level, computed straight from the CSV files:
    for ``basis`` 'i_kraft' the agreements in force on the date, for 'tecknade' those signed by then."""
    day = date.fromisoformat(snapshot.name.removeprefix("overenskommelser_"))

    def counted(a: dict) -> bool:
        # in force: validity started (giltig_from, else tecknad_datum); signed: tecknad_datum alone
        start = a["tecknad_datum"] if basis == "tecknade" else a["giltig_from"] or a["tecknad_datum"]
        return (
            a["status"] in ("tecknad", "reviderad")
            and (not start or date.fromisoformat(start) <= day)
            and (not a["giltig_tom"] or date.fromisoformat(a["giltig_tom"]) >= day)
        )

    levels = {a["overenskommelse_id"]: a["niva"] for a in read(snapshot / "overenskommelser.csv") if counted(a)}
    covered: dict[str, set[str]] = {}
    for row in read(snapshot / "overenskommelse_kommuner.csv"):
        if row["overenskommelse_id"] in levels:
            code = row["kommunkod"].zfill(4)
            covered.setdefault(levels[row["overenskommelse_id"]], set()).add(code)
            covered.setdefault("alla", set()).add(code)
    result = {}
    for level in ("central", "regional", "flerkommunal", "lokal", "kommunlokal", "alla"):
        n = sum(1 for v in levels.values() if level in (v, "alla"))
        result[level] = (n, len(covered.get(level, set())))
    return result


def landing_with(tmp_path: Path, *snapshots: Path) -> Path:
    landing = tmp_path / f"landing_{len(list(tmp_path.iterdir()))}"
    for snapshot in snapshots:
        shutil.copytree(snapshot, landing / SOURCE / snapshot.name)
    return landing


def fetch(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def built(module_db, module_quarantine, tmp_path_factory) -> str:
    """The two sample snapshots (and the invalid delivery, rejected) loaded, and the register's models built:
    once for the module, whose tests only read it."""
    landing = tmp_path_factory.mktemp("landing")
    shutil.copytree(REGISTER, landing / SOURCE)
    sources.ingest(SOURCE, landing)
    dbt_build(module_db, select=REGISTER_MODELS)
    return module_db


@pytest.mark.parametrize("basis", ["i_kraft", "tecknade"])
def test_summary_mart_matches_the_files(built, basis):
    for snapshot in (SNAPSHOT_1, SNAPSHOT_2):
        rows = fetch(
            built,
            "select niva, n_agreements, n_municipalities_covered, share_municipalities_covered"
            " from marts.mart_agreement_summary where snapshot_date = %s and basis = %s",
            snapshot.name[-10:],
            basis,
        )
        got = {niva: (n, covered) for niva, n, covered, _ in rows}
        assert got == expected_summary(snapshot, basis)
        shares = {niva: share for niva, _, _, share in rows}
        assert float(shares["alla"]) == pytest.approx(got["alla"][1] / 290)


def test_demo_headlines_show_agreements_in_force_once_and_the_signed_count(built, capsys):
    """The demo's headlines print one line per level of the agreements in force (not one per basis),
    then the published count of signed agreements."""
    from ingestion.orchestration.summary import print_headlines

    print_headlines()
    out = capsys.readouterr().out
    in_force, signed = expected_summary(SNAPSHOT_2, "i_kraft"), expected_summary(SNAPSHOT_2, "tecknade")
    alla = [line for line in out.splitlines() if line.strip().startswith("alla ")]
    assert len(alla) == 1
    n, covered = re.search(r"(\d+) gällande överenskommelser, täcker +(\d+) kommuner", alla[0]).groups()
    assert (int(n), int(covered)) == in_force["alla"]
    assert f"  {signed['alla'][0]} tecknade överenskommelser" in out


def test_history_shows_every_change_between_the_snapshots(built):
    def versions(agreement_id: str) -> list[tuple]:
        return fetch(
            built,
            "select valid_from::text, valid_to::text, is_current, in_register, status, uppfoljning,"
            " senast_reviderad::text from marts.dim_agreement where overenskommelse_id = %s"
            " order by valid_from",
            agreement_id,
        )

    # removed from the register: kept, with a closing version that says so
    removed = versions("LÖK-2016-0180")
    assert [(v[0], v[1], v[2], v[3]) for v in removed] == [
        ("2024-06-30", "2024-12-31", False, True),
        ("2024-12-31", None, True, False),
    ]
    # new agreement
    assert [(v[0], v[2], v[3]) for v in versions("ÖK-2024-0019")] == [("2024-12-31", True, True)]
    # the draft gets signed
    assert [v[4] for v in versions("ÖK-2024-0002")] == ["utkast", "tecknad"]
    # cadence change
    assert [v[5] for v in versions("ÖK-2023-0031")] == ["ar", "halvar"]
    # revision
    assert [v[6] for v in versions("ÖK-2023-0012")] == ["2024-03-01", "2024-11-15"]
    # unchanged agreements have one version
    assert len(versions("ÖK-2022-0150")) == 1


def test_dimensions_and_bridges(built):
    assert fetch(built, "select count(*) from marts.dim_municipality") == [(290,)]
    assert fetch(built, "select count(*) from marts.dim_county") == [(21,)]
    nykvarn = fetch(
        built,
        "select tackning from marts.bridge_agreement_municipality"
        " where overenskommelse_id = 'ÖK-2022-0141' and kommunkod = '0140'",
    )
    assert nykvarn and {t for (t,) in nykvarn} == {"hangavtal"}
    af = fetch(
        built,
        "select distinct o.organisation_name from marts.bridge_agreement_party b"
        " join marts.dim_organisation o using (organisation_key)"
        " where b.organisation_name_as_written in ('Af Södertälje', 'Arbetsformedlingen', 'Arbetsförmedlingen Täby')",
    )
    assert af == [("Arbetsförmedlingen",)]
    assert fetch(
        built,
        "select period_key, followup_due_date::text from marts.dim_period"
        " where period_key in ('2024H1', '2024H2') order by 1",
    ) == [("2024H1", "2024-08-31"), ("2024H2", "2025-02-28")]
    assert fetch(built, "select count(*) from marts.mart_municipality_coverage") == [(580,)]
    sodertalje = fetch(
        built,
        "select is_covered, covering_levels, n_agreements from marts.mart_municipality_coverage"
        " where kommunkod = '0181' and snapshot_date = '2024-06-30'",
    )
    assert sodertalje == [(True, "kommunlokal,regional", 2)]


def test_marts_pass_gx_and_analyst_reads_only_marts(built):
    # only the register was delivered: the registry marts are empty by design and their suites skipped
    assert validate_marts(built) == {
        "validated": ["mart_agreement_summary", "mart_municipality_coverage"],
        "skipped_no_deliveries": [
            "mart_agreement_outcomes",
            "mart_coverage_outcomes",
            "mart_jobseekers_monthly",
            "mart_jobtrack_outcomes",
            "mart_jobtracks_active",
            "mart_transitions_90d",
        ],
    }
    with psycopg.connect(built, autocommit=True) as conn:
        conn.execute("set role analyst")
        # two snapshots x two bases x six levels
        assert conn.execute("select count(*) from marts.mart_agreement_summary").fetchone()[0] == 24
        for relation in (
            "staging.stg_agreement_register__agreements",
            "intermediate.int_agreement_register__agreements_history",
            "raw.register_overenskommelser",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select 1 from {relation} limit 1")


def test_the_load_audit_is_fresh_and_comments_show_in_psql(built):
    """dbt's source freshness passes on loads made today, and the descriptions are in the database itself
    (persist_docs for the dbt models, the migrations for raw and meta), where psql's \\d+ shows them."""
    from ingestion.orchestration.transform import source_freshness

    assert source_freshness(built)["meta.load_audit"]["status"] == "pass"
    [(mart, column)] = fetch(
        built,
        """
        select obj_description('marts.mart_agreement_summary'::regclass, 'pg_class'),
               col_description('marts.mart_agreement_summary'::regclass, a.attnum)
        from pg_attribute a
        where a.attrelid = 'marts.mart_agreement_summary'::regclass and a.attname = 'n_agreements'""",
    )
    assert mart and column
    raw = fetch(built, "select obj_description('raw.register_overenskommelser'::regclass, 'pg_class')")
    assert raw[0][0]


def test_late_delivery_gives_the_same_history_as_in_order(built, test_db_factory, tmp_path, monkeypatch):
    """``built`` had the snapshots in order; here the older one arrives after the newer one was built."""
    tables = [
        "dim_agreement",
        "bridge_agreement_municipality",
        "bridge_agreement_party",
        "mart_agreement_summary",
        "mart_municipality_coverage",
    ]

    def snapshot_of(url: str) -> dict[str, list]:
        return {t: sorted(map(repr, fetch(url, f"select * from marts.{t}"))) for t in tables}

    late = test_db_factory()
    monkeypatch.setenv("WAREHOUSE_URL", late)
    monkeypatch.setenv("QUARANTINE_DIR", str(tmp_path / "quarantine"))
    sources.ingest(SOURCE, landing_with(tmp_path, SNAPSHOT_2))
    dbt_build(late, select=REGISTER_MODELS)
    assert fetch(late, "select count(*) from marts.dim_agreement where valid_from = '2024-06-30'") == [(0,)]
    sources.ingest(SOURCE, landing_with(tmp_path, SNAPSHOT_1))  # the older snapshot arrives last
    dbt_build(late, select=REGISTER_MODELS)
    assert snapshot_of(late) == snapshot_of(built)


def test_generated_national_register_builds_and_validates(db_url, quarantine, tmp_path):
    from ingestion.synthetic.register import generate_register

    landing = tmp_path / "generated"
    deliveries = generate_register(
        landing / SOURCE,
        n_agreements=300,
        snapshot_dates=[date(2024, 6, 30), date(2024, 12, 31), date(2025, 6, 30)],
        seed=7,
        invalid=True,
    )
    outcomes = sources.ingest(SOURCE, landing)
    assert sorted(o["status"] for o in outcomes) == ["loaded", "loaded", "loaded", "rejected"]
    build = dbt_build(db_url, select=REGISTER_MODELS)
    assert validate_marts(db_url, only=build["models"])["validated"] == [
        "mart_agreement_summary",
        "mart_municipality_coverage",
    ]
    n = dict(
        fetch(
            db_url,
            "select basis, n_agreements from marts.mart_agreement_summary"
            " where niva = 'alla' and snapshot_date = '2025-06-30'",
        )
    )
    # the generator signs agreements a month or two before their validity starts: some are signed
    # on the snapshot date but not yet in force, so the published basis counts more
    assert 100 < n["i_kraft"] < n["tecknade"] <= 300
    for snapshot in deliveries[:3]:  # the valid ones; the last is the rejected delivery
        for basis in ("i_kraft", "tecknade"):
            rows = fetch(
                db_url,
                "select niva, n_agreements, n_municipalities_covered from marts.mart_agreement_summary"
                " where snapshot_date = %s and basis = %s",
                snapshot.name[-10:],
                basis,
            )
            assert {niva: (k, m) for niva, k, m in rows} == expected_summary(snapshot, basis), (snapshot, basis)
