"""Follow-up forms into a real PostgreSQL: per-form validation, versions, quarantine, idempotency."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from conftest import FIXTURES, FORMS_MODELS, REGISTER, table_counts

from ingestion import sources
from ingestion.sources.followup_forms import pipeline as forms_pipeline

FORMS = FIXTURES / "followup_forms"


@pytest.fixture
def forms_landing(tmp_path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(REGISTER, landing / "agreement_register")
    shutil.copytree(FORMS, landing / "followup_forms")
    return landing


def fetch(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def run_both(landing: Path) -> list[dict]:
    sources.ingest("agreement_register", landing)
    return forms_pipeline.ingest(landing)


def test_samples_load_and_each_invalid_file_is_quarantined(db_url, forms_landing, quarantine):
    outcomes = {o["delivery"]: o for o in run_both(forms_landing)}
    loaded = sorted(name for name, o in outcomes.items() if o["status"] == "loaded")
    assert loaded == sorted(
        [
            "Uppföljning Nordost vår 2024 (2).xlsx",
            "Uppföljning Södertälje VT2024.xlsx",
            "stockholm_2024H1.xlsx",
            "uppfoljning_export_20240903T0800.csv",
        ]
    )
    assert outcomes["uppfoljning_export_20240903T0800.csv"]["forms_loaded"] == 4
    rejected = sorted(name for name, o in outcomes.items() if o["status"] == "rejected")
    assert rejected == sorted(p.name for p in (FORMS / "invalid").iterdir() if p.name != "EXPECTED.md")

    expected_words = {
        "Uppföljning okänd överenskommelse.xlsx": ["ÖK-2099-9999"],
        "Uppföljning Botkyrka HT2031.xlsx": ["2031H2"],
        "Uppföljning Täby fel i siffror.xlsx": ["blad Deltagare, rad 2", "blad Deltagare, rad 3", "F5", "7"],
        "Uppföljning Malmfälten utan deltagare.xlsx": ["Deltagare", "saknas"],
        "Uppföljning trasig.xlsx": ["Excel"],
        "uppfoljning_export_20240904T1000.csv": ["F-12001", "budget", "tolv"],
    }
    for name, words in expected_words.items():
        report = Path(outcomes[name]["report"]).read_text(encoding="utf-8")
        for word in words:
            assert word in report, (name, word, report)

    forms = fetch(db_url, "select form_id, overenskommelse_id, period from raw.followup_forms order by 1")
    assert len(forms) == 7
    assert not any(agreement == "ÖK-2099-9999" or period == "2031H2" for _, agreement, period in forms)
    assert fetch(db_url, "select count(*) from raw.followup_forms where form_id = 'F-12001'") == [(0,)]


def test_redelivery_changes_nothing(db_url, forms_landing, quarantine):
    run_both(forms_landing)
    before = table_counts(db_url)
    again = run_both(forms_landing)
    assert all(o["status"] == "rejected" for o in again)  # only the bad files are looked at again
    assert table_counts(db_url) == before


def test_same_form_in_a_second_export_is_not_loaded_twice(db_url, forms_landing, quarantine, tmp_path):
    run_both(forms_landing)
    before = fetch(db_url, "select count(*) from raw.followup_forms")
    export = FORMS / "uppfoljning_export_20240903T0800.csv"
    second = tmp_path / "second" / "followup_forms"
    second.mkdir(parents=True)
    text = export.read_bytes() + b""  # same forms, new export file with one more blank line
    (second / "uppfoljning_export_20240910T0800.csv").write_bytes(text + b"\r\n")
    outcomes = forms_pipeline.ingest(tmp_path / "second")
    assert [(o["status"], o["forms_loaded"], o["forms_already_loaded"]) for o in outcomes] == [("loaded", 0, 4)]
    assert fetch(db_url, "select count(*) from raw.followup_forms") == before


def test_an_export_with_one_bad_form_loads_the_others(db_url, forms_landing, quarantine, tmp_path):
    sources.ingest("agreement_register", forms_landing)
    good = (FORMS / "uppfoljning_export_20240903T0800.csv").read_bytes()
    bad_lines = (FORMS / "invalid" / "uppfoljning_export_20240904T1000.csv").read_bytes().split(b"\r\n", 1)[1]
    mixed = tmp_path / "mixed" / "followup_forms" / "uppfoljning_export_20240905T0800.csv"
    mixed.parent.mkdir(parents=True)
    mixed.write_bytes(good.rstrip(b"\r\n") + b"\r\n" + bad_lines)
    [outcome] = forms_pipeline.ingest(tmp_path / "mixed")
    assert (outcome["status"], outcome["forms_loaded"], outcome["forms_rejected"]) == ("loaded", 4, 1)
    report = Path(outcome["report"]).read_text(encoding="utf-8")
    assert report.startswith("4 formulär i filen lästes in; 1 avvisades")
    assert "har delvis avvisats" in report and "F-12001" in report and "budget" in report
    assert fetch(db_url, "select count(*) from raw.followup_forms where form_id = 'F-12001'") == [(0,)]
    assert fetch(db_url, "select count(*) from raw.followup_forms") == [(4,)]


@pytest.fixture(scope="module")
def built_forms(module_db, module_quarantine, tmp_path_factory) -> str:
    """The register and form samples loaded and the forms' models built, once for the module. The tests read
    it; the last one (a corrected workbook) adds a version and rebuilds, so it stays last in this file."""
    from ingestion.orchestration.transform import dbt_build

    landing = tmp_path_factory.mktemp("forms_landing")
    shutil.copytree(REGISTER, landing / "agreement_register")
    shutil.copytree(FORMS, landing / "followup_forms")
    run_both(landing)
    dbt_build(module_db, select=FORMS_MODELS)
    return module_db


def test_export_correction_is_current_and_the_workbook_stays_in_history(built_forms):
    versions = fetch(
        built_forms,
        "select form_id, source_format, is_current, version_number from marts.fct_followup_form"
        " where overenskommelse_id = 'ÖK-2022-0141' and period = '2024H1' order by version_number",
    )
    assert [(fmt, current, n) for _, fmt, current, n in versions] == [("xlsx", False, 1), ("csv", True, 2)]
    assert versions[1][0] == "F-11950"


def test_completeness_2024h1_against_the_june_snapshot(built_forms):
    rows = {
        r[0]: r[1:]
        for r in fetch(
            built_forms,
            "select overenskommelse_id, expected, received, register_snapshot_date::text"
            " from marts.mart_followup_completeness where period = '2024H1'",
        )
    }
    assert rows["ÖK-2022-0160"] == (True, False, "2024-06-30")  # Sundbyberg owes a form that never came
    assert "ÖK-2023-0031" not in rows  # Malmö: yearly cadence in that snapshot
    assert "ÖK-2024-0002" not in rows  # Uppsala: a draft then
    assert rows["ÖK-2022-0141"][:2] == (True, True)


def test_free_text_with_names_never_reaches_marts(built_forms):
    columns = fetch(
        built_forms,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts' and column_name in ('deltagande_parter', 'mal', 'kommentar')",
    )
    assert columns == []


def test_a_corrected_workbook_replaces_the_current_version(built_forms, tmp_path):
    import openpyxl

    from ingestion.orchestration.transform import dbt_build

    workbook = openpyxl.load_workbook(FORMS / "stockholm_2024H1.xlsx")
    workbook["Deltagare"]["E2"] = 19  # one more participant; saving sets "modified" to now: a later submission
    corrected = tmp_path / "correction" / "followup_forms" / "stockholm_2024H1 rättad.xlsx"
    corrected.parent.mkdir(parents=True)
    workbook.save(corrected)
    outcomes = forms_pipeline.ingest(tmp_path / "correction")
    assert [(o["status"], o["forms_loaded"]) for o in outcomes] == [("loaded", 1)]
    dbt_build(built_forms, select=FORMS_MODELS)
    # file names are free text (they can hold a person's name), so only raw knows them
    form_ids = dict(
        fetch(
            built_forms,
            "select source_file, form_id from raw.followup_forms"
            " where overenskommelse_id = 'ÖK-2023-0007' and period = '2024H1'",
        )
    )
    versions = fetch(
        built_forms,
        "select form_id, is_current, superseded_at is not null from marts.fct_followup_form"
        " where overenskommelse_id = 'ÖK-2023-0007' and period = '2024H1' order by version_number",
    )
    assert versions == [
        (form_ids["stockholm_2024H1.xlsx"], False, True),
        (form_ids["stockholm_2024H1 rättad.xlsx"], True, False),
    ]
    participants = fetch(
        built_forms,
        "select sum(participants) from marts.mart_followup_participants"
        " where overenskommelse_id = 'ÖK-2023-0007' and period = '2024H1'",
    )
    original = fetch(
        built_forms,
        "select sum(n_participants) from marts.fct_followup_participants where form_id = %s",
        form_ids["stockholm_2024H1.xlsx"],
    )
    assert participants[0][0] == original[0][0] + 1
