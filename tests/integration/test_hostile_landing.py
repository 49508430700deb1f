"""Issue 11's acceptance scenario: one landing folder holding every case of the issue's first list beside the
good sample deliveries (``ingestion/synthetic/hostile.py``, what ``make hostile`` runs), run through every
source the way its DAG does (``sources.ingest``, no Airflow), quarantine in ``move`` mode as in production and
the production quiet period of 60 s.

Each delivery ends as the folder's README says: rejected whole with a Swedish report naming it, loaded (one
with a row set aside, one with its free text masked), left for later (the upload in progress, picked up once
its marker is written) or never read (links). No personnummer the deliveries hold is in a report, an outcome
or a log line; the registry months delivered whole keep every row whatever is sent after them; the file a
link points at, outside the landing folder, is copied nowhere.

Before issue 11 most of these crashed the run with a traceback, quoted the personnummer or emptied a month.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import personnummer_scan
import psycopg
import pytest

from ingestion import sources
from ingestion.core import personnummer
from ingestion.core.deliveries import mark_finished
from ingestion.privacy import pseudonym
from ingestion.synthetic import hostile


def fetch(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture
def key(monkeypatch) -> None:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)


@pytest.fixture
def production_like(quarantine, monkeypatch, key) -> Path:
    """Quarantine in move mode (rejected deliveries leave the landing folder) and the default quiet period."""
    monkeypatch.setenv("QUARANTINE_MODE", "move")
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "60")
    return quarantine


def leaks(text: str) -> list[str]:
    """The personnummer-shaped values in ``text`` and the spellings of the numbers the folder holds (only
    whether there are any is shown, never which)."""
    found = [text[a:b] for a, b in personnummer.find(text)]
    found += [s for number in hostile.PERSONNUMMER for s in hostile.spellings(number) if s in text]
    return ["(ett personnummer)"] * len(found)


def by_path(outcomes: list[dict], landing: Path) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for outcome in outcomes:
        relative = Path(outcome["path"]).relative_to(landing).as_posix()
        assert relative not in found, f"{relative}: two outcomes"
        found[relative] = outcome
    return found


def test_every_hostile_delivery_ends_as_expected_and_nothing_leaks(db_url, production_like, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    landing = tmp_path / "landing"
    expected = hostile.write_hostile_landing(landing)
    assert (landing / "README.md").is_file()
    assert not leaks((landing / "README.md").read_text(encoding="utf-8"))
    secret = hostile.outside_folder(landing) / "sokande_202503.txt"
    secret_digest = hashlib.sha256(secret.read_bytes()).hexdigest()

    outcomes = [o for source in sources.SOURCES for o in sources.ingest(source.name, landing)]
    got = by_path(outcomes, landing)
    quarantine = production_like

    for case, what in sorted(expected.items()):
        outcome, kind = got.get(case), what.split(":", 1)[0]
        if kind == hostile.REJECTED:
            assert outcome is not None and outcome["status"] == "rejected", (case, outcome)
            report = Path(outcome["report"])
            assert report.name.endswith(".fel.txt") and report.parent == quarantine / case.split("/")[0], case
            text = report.read_text(encoding="utf-8")
            assert f"Leveransen {outcome['delivery']} (" in text and "har avvisats" in text, (case, text)
            assert outcome["problems"], case
            assert (report.parent / Path(case).name).exists(), f"{case}: not in the quarantine"
            assert not (landing / case).exists(), f"{case}: still in the landing folder (move mode)"
        elif kind == hostile.LOADED:
            assert outcome is not None and outcome["status"] == "loaded", (case, outcome)
            assert (landing / case).exists()
        elif kind == hostile.WAITING:
            assert outcome is None, (case, outcome)
            assert (landing / case).is_file()
        else:
            assert kind == hostile.NOT_READ, what
            assert outcome is None, (case, outcome)
            assert (landing / case).is_symlink()
    assert set(got) <= set(expected), sorted(set(got) - set(expected))
    reports = [o["report"] for o in outcomes if o["report"]]
    assert len(reports) == len(set(reports)), "two deliveries share one report: the first one's is lost"

    # the reports, as the sender reads them
    def report_of(case: str) -> str:
        return Path(got[case]["report"]).read_text(encoding="utf-8")

    nul = report_of("agreement_register/nul_i_falt/overenskommelser_2025-03-31")
    assert "rad 2, kolumn namn innehåller en NUL-byte" in nul, nul
    assert "rubrikraden följer inte kontraktet" in report_of("registry/utan_rubrikrad/sokande_202408.txt")
    assert "inga datarader" in report_of("registry/bara_rubrikrad/sokande_202406.txt")
    assert "inga datarader" in report_of("registry/tomma_rader/sokande_202406.txt.gz")
    assert "(REGISTRY_MIN_SHARE)" in report_of("registry/avbruten_30_procent/sokande_202407.txt")
    assert "tar slut för tidigt" in report_of("registry/avbruten_gzip/sokande_202407.txt.gz")
    assert "inte gzip-komprimerad" in report_of("registry/inte_gzip/sokande_202501.txt.gz")
    assert "teckenkodning" in report_of("registry/kodlista_windows1252/sokande_202410.txt")
    assert "(MAX_FIELD_CHARS)" in report_of("registry/kodlista_langt_falt/sokande_202411.txt")
    assert "536 byte utan radbrytning" in report_of("registry/lang_rad/sokande_202412.txt")
    assert "antal_arbetsgivare ska vara ett heltal" in report_of(
        "registry/antal_arbetsgivare_unicode/jobbspar_202407.csv"
    )
    assert "MAX_COMPRESSION_RATIO" in report_of("agreement_register/zipbomb/overenskommelser_2025-05-31.zip")
    assert "MAX_COMPRESSION_RATIO" in report_of("followup_forms/xlsx_bomb/Uppföljning Stockholm bomb.xlsx")
    assert "zip-arkiv" in report_of("agreement_register/avbruten_zip/overenskommelser_2025-04-30.zip")
    assert "personnummer" in report_of("followup_forms/personnummer_i_antal/uppfoljning_export_20240910T0800.csv")
    assert "Q6 är ett personnummer" in report_of("survey/personnummer_som_tal/kommunenkat_2024-10-01")
    assert "respondent_id är ett personnummer" in report_of("survey/personnummer_som_respondent/kommunenkat_2024-11-01")
    marked = got["registry/projektkod_0x81/sokande_202409.txt"]
    assert marked["n_rejected_rows"] == 1 and Path(marked["report"]).name == "sokande_202409.txt.varning.txt"
    assert "har lästs in" in Path(marked["report"]).read_text(encoding="utf-8")

    # no personnummer in any report, outcome or log line
    for report in quarantine.rglob("*.txt"):
        if report.name.endswith((".fel.txt", ".varning.txt")):
            assert not leaks(report.read_text(encoding="utf-8")), report.name
    assert not leaks(json.dumps(outcomes, ensure_ascii=False))
    assert not leaks("\n".join(r.getMessage() for r in caplog.records))

    # the months delivered whole are whole, whatever came after them; the link's month was never read
    june, july = got["registry/sokande_202406.txt"], got["registry/sokande_202407.txt.gz"]
    assert fetch(
        db_url, "select extract, manad::text, rows_load_id, n_rows from meta.registry_months order by 1, 2"
    ) == [
        ("jobbspar", "2024-06-01", got["registry/jobbspar_202406.csv"]["load_id"], 609),
        ("sokande", "2024-06-01", june["load_id"], june["n_rows"]),
        ("sokande", "2024-07-01", july["load_id"], july["n_rows"]),
        ("sokande", "2024-09-01", marked["load_id"], hostile.REGISTRY_ROWS - 1),
    ]
    assert fetch(db_url, "select manad::text, count(*) from raw.registry_jobseekers group by 1 order by 1") == [
        ("2024-06-01", june["n_rows"]),
        ("2024-07-01", july["n_rows"]),
        ("2024-09-01", hostile.REGISTRY_ROWS - 1),
    ]
    assert june["n_rows"] == 3000 and july["n_rows"] == 2807  # the samples' months, rows set aside not counted
    assert fetch(db_url, "select count(*) from meta.load_audit where delivery_name = 'sokande_202503.txt'") == [(0,)]
    copies = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and p != secret
        and hashlib.sha256(p.read_bytes()).hexdigest() == secret_digest
    ]
    assert copies == [], "the file outside the landing folder was copied"

    # the form's free text: loaded, masked as it was read (raw included)
    assert fetch(
        db_url, "select kommentar, kommentar_utan_namn from raw.followup_goals where form_id = 'F-90002' and nr = 2"
    ) == [("Genomförd i mars med [personnummer]",) * 2]
    assert fetch(db_url, "select count(*) from raw.followup_forms where form_id = 'F-90001'") == [(0,)]

    # the upload finishes: the next run picks it up, and nothing else
    for source in ("agreement_register", "followup_forms", "survey"):
        assert sources.find_new(source, landing) == []
    in_progress = "registry/uppladdning_pagar/sokande_202502.txt"
    mark_finished(landing / in_progress)
    [late] = sources.ingest("registry", landing)
    assert late["path"] == str(landing / in_progress) and late["status"] == "loaded"
    assert late["n_rows"] == hostile.REGISTRY_ROWS
    assert fetch(db_url, "select count(*) from raw.registry_jobseekers where manad = '2025-02-01'") == [
        (hostile.REGISTRY_ROWS,)
    ]

    # and none in any table of any schema of the warehouse, raw included (tests/personnummer_scan.py's scan)
    known = personnummer_scan.Known.of(personnummer_scan.key(n) for n in hostile.PERSONNUMMER)
    assert personnummer_scan.scan_database(db_url, known) == []
