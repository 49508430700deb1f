"""A personnummer typed into free text never reaches the database, not even raw (issue 11): the loader masks
it, the rest of the text is kept as written. Fields where the contract expects an id or a number reject a
personnummer instead (tests/unit/test_personnummer.py)."""

from __future__ import annotations

import shutil

import openpyxl
import psycopg
from conftest import FIXTURES, REGISTER

from ingestion import sources

PNR_12, PNR_10 = "19121212-1212", "121212-1212"  # the tax agency's test number, in both spellings


def test_personnummer_in_form_free_text_is_masked_before_raw(db_url, quarantine, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(REGISTER, landing / "agreement_register")
    folder = landing / "followup_forms"
    folder.mkdir()
    workbook = openpyxl.load_workbook(FIXTURES / "followup_forms" / "stockholm_2024H1.xlsx")
    workbook["Mål"]["I3"] = f"Genomförd i mars; deltagare {PNR_12} fick jobb"
    workbook["Bedömning"]["D2"] = f"Ring {PNR_10} om analysen"
    workbook.save(folder / "stockholm_2024H1.xlsx")
    sources.ingest("agreement_register", landing)
    [outcome] = sources.ingest("followup_forms", landing)
    assert outcome["status"] == "loaded"
    with psycopg.connect(db_url) as conn:
        goals = conn.execute("select kommentar, kommentar_utan_namn from raw.followup_goals where nr = 2").fetchall()
        assessments = conn.execute(
            "select kommentar, kommentar_utan_namn from raw.followup_assessments where fraga = 'F1'"
        ).fetchall()
        everything = " ".join(
            conn.execute(f"select coalesce(string_agg(t::text, ' '), '') from raw.{table} t").fetchone()[0]
            for table in ("followup_forms", "followup_goals", "followup_assessments", "followup_participants")
        )
    assert goals == [("Genomförd i mars; deltagare [personnummer] fick jobb",) * 2]
    assert assessments[0][0] == "Ring [personnummer] om analysen"
    assert not any(spelling in everything for spelling in (PNR_12, PNR_10, "191212121212", "1212121212"))


def test_the_loader_masks_personnummer_in_every_text_it_copies(db_url):
    """The one path of the folder sources (register, survey) into raw: a survey's free-text answer."""
    from ingestion.db.loader import Rows, load_delivery

    columns = ["_source_row", "enkat_id", "omgang", "respondent_id", "kolumn", "fraga_id", "delfraga", "varde"]
    answers = [
        [2, "E1", "2024", "R-1", "Q5", "Q5", None, f"Min handläggare ({PNR_12}) var bra"],
        [3, "E1", "2024", "R-2", "Q5", "Q5", None, f"{PNR_10.replace('-', '')}"],
        [4, "E1", "2024", "R-3", "Q2", "Q2", None, "3"],
    ]
    with psycopg.connect(db_url) as conn:
        result = load_delivery(
            conn,
            source="survey",
            delivery_name="enkat_E1_2024",
            checksum="c" * 64,
            snapshot_date=None,
            tables={"raw.survey_answers": Rows(columns=columns, rows=answers, count=3)},
            run_id=None,
        )
        assert not result.skipped
        values = [v for (v,) in conn.execute("select varde from raw.survey_answers order by _source_row")]
    assert values == ["Min handläggare ([personnummer]) var bra", "[personnummer]", "3"]
