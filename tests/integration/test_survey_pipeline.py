"""Survey exports into a real PostgreSQL: load, reject whole with a named row, results in the marts."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import FIXTURES, SURVEY_MODELS, table_counts

from ingestion import sources

SURVEYS = FIXTURES / "survey"
MUNICIPAL = SURVEYS / "kommunenkat_2024-02-01"
PARTIES = SURVEYS / "cok_parter_2005-06-20"


def fetch(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture
def survey_landing(tmp_path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(SURVEYS, landing / "survey")
    return landing


def broken_copy(landing: Path, file_name: str, old: str, new: str) -> Path:
    """Replace the municipal sample in ``landing`` by a copy with one text replacement."""
    target = landing / "survey" / MUNICIPAL.name
    path = target / file_name
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    assert old in text
    path.write_text("\ufeff" + text.replace(old, new, 1), encoding="utf-8", newline="")
    return target


def test_both_samples_load(db_url, survey_landing, quarantine):
    outcomes = {o["delivery"]: o["status"] for o in sources.ingest("survey", survey_landing)}
    assert outcomes == {MUNICIPAL.name: "loaded", PARTIES.name: "loaded"}
    waves = fetch(db_url, "select enkat_id, omgang, encoding from raw.survey_waves order by 1")
    assert waves == [("cok_parter", "2005", "cp1252"), ("kommunenkat", "2024", "utf-8-sig")]
    assert fetch(
        db_url, "select count(*) from raw.survey_answers where respondent_id = 'R1011' and fraga_id = 'Q2'"
    ) == [(1,)]  # kept: flagged later, not rejected
    again = sources.ingest("survey", survey_landing)
    assert again == []  # same checksums: nothing new


@pytest.mark.parametrize(
    ("file_name", "old", "new", "expected"),
    [
        (
            "svar.csv",
            "R1003;komplett;2024-01-18 14:26:00;1;",
            "R1003;komplett;2024-01-18 14:26:00;9;",
            ["rad 4", "Q1", "9"],
        ),
        ("svar.csv", "R1003;komplett", "R9999;komplett", ["R9999", "urval"]),
        ("svar.csv", "R1003;komplett", "R1002;komplett", ["R1002", "två gånger"]),
    ],
    ids=["unknown answer code", "respondent not in the frame", "duplicate respondent"],
)
def test_a_broken_delivery_is_rejected_whole(db_url, survey_landing, quarantine, file_name, old, new, expected):
    broken_copy(survey_landing, file_name, old, new)
    before = table_counts(db_url)
    outcomes = {o["delivery"]: o for o in sources.ingest("survey", survey_landing)}
    assert outcomes[MUNICIPAL.name]["status"] == "rejected"
    assert outcomes[PARTIES.name]["status"] == "loaded"  # the other delivery is not affected
    report = Path(outcomes[MUNICIPAL.name]["report"]).read_text(encoding="utf-8")
    for word in expected:
        assert word in report, (word, report)
    after = table_counts(db_url)
    assert fetch(db_url, "select count(*) from raw.survey_answers where enkat_id = 'kommunenkat'") == [(0,)]
    assert after["meta.load_audit"] == before["meta.load_audit"] + 1


@pytest.fixture(scope="module")
def built_surveys(module_db, module_quarantine, tmp_path_factory) -> str:
    """Both sample surveys loaded and the survey models built, once for the module (its tests only read)."""
    from ingestion.orchestration.transform import dbt_build

    landing = tmp_path_factory.mktemp("survey_landing")
    shutil.copytree(SURVEYS, landing / "survey")
    sources.ingest("survey", landing)
    dbt_build(module_db, select=SURVEY_MODELS)
    return module_db


def test_answer_given_when_not_asked_is_flagged_and_left_out(built_surveys):
    flagged = fetch(
        built_surveys,
        "select is_asked, is_flagged_not_asked from marts.fct_survey_answer"
        " where enkat_id = 'kommunenkat' and respondent_id = 'R1011' and fraga_id = 'Q2'",
    )
    assert flagged == [(False, True)]
    results = fetch(
        built_surveys,
        "select label, n, n_answered from marts.mart_survey_results"
        " where enkat_id = 'kommunenkat' and fraga_id = 'Q2' order by answer_order",
    )
    asked_and_answered = fetch(
        built_surveys,
        "select count(*) from marts.fct_survey_answer where enkat_id = 'kommunenkat' and fraga_id = 'Q2' and is_asked",
    )
    assert sum(n for _, n, _ in results) == asked_and_answered[0][0]
    assert {n_answered for *_, n_answered in results} == {asked_and_answered[0][0]}


def test_non_substantive_answers_count_in_answered_but_not_in_substantive_shares(built_surveys):
    rows = fetch(
        built_surveys,
        "select label, substantive, n, share_of_answered, share_of_substantive,"
        " n_answered, n_substantive from marts.mart_survey_results"
        " where enkat_id = 'cok_parter' and fraga_id = 'Q34' and grid_row_id = 'r2'",
    )
    by_label = {r[0]: r[1:] for r in rows}
    for label in ("Tillhör själv aktören", "Medverkar inte i samverkan"):
        substantive, n, share_answered, share_substantive, n_answered, _ = by_label[label]
        assert substantive is False and share_substantive is None
        assert float(share_answered) == pytest.approx(n / n_answered)
    substantive_rows = [r for r in by_label.values() if r[0]]
    assert sum(float(r[3]) for r in substantive_rows) == pytest.approx(1.0)
    assert sum(float(r[2]) for r in by_label.values()) == pytest.approx(1.0)


def test_response_rate_uses_the_net_sample(built_surveys):
    wave = fetch(
        built_surveys,
        "select n_sent, n_bad_contact, n_net, n_answered, response_rate"
        " from marts.mart_survey_response where enkat_id = 'kommunenkat' and level = 'wave'",
    )
    sent, bad, net, answered, rate = wave[0]
    assert (sent, net) == (30, sent - bad)
    assert float(rate) == pytest.approx(answered / net)
