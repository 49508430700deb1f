"""Registry extracts against a real PostgreSQL: the samples load (two rows set aside), the bad file is
rejected whole, a month delivered again replaces it atomically, the key is checked, and nothing of a
rejected file reaches the database."""

from __future__ import annotations

import gzip
import shutil
import threading
import time
from pathlib import Path

import psycopg
import pytest
from conftest import table_counts
from registry_rows import pnr, row, write

from ingestion.privacy import pseudonym
from ingestion.sources.registry import pipeline as registry_pipeline
from ingestion.sources.registry.load import KeyMismatchError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"


@pytest.fixture
def key(monkeypatch) -> str:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, "test-key-" + "0123456789" * 4)
    return "test-key-" + "0123456789" * 4


@pytest.fixture
def registry_landing(tmp_path) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(FIXTURES, target / "registry")
    return target


def months(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {
            (e, m.isoformat()[:7]): (load_id, n)
            for e, m, load_id, n in conn.execute("select extract, manad, load_id, n_rows from meta.registry_months")
        }


def test_samples_load_with_rejects_and_the_invalid_file_is_rejected_whole(db_url, quarantine, registry_landing, key):
    outcomes = registry_pipeline.ingest(registry_landing)
    by_path = {Path(o["path"]).relative_to(registry_landing / "registry").as_posix(): o for o in outcomes}
    assert by_path["invalid/sokande_202406.txt"]["status"] == "rejected"
    assert by_path["sokande_202406.txt"]["status"] == "loaded"
    assert by_path["sokande_202406.txt"]["n_rows"] == 3000
    assert by_path["sokande_202406.txt"]["n_rejected_rows"] == 2
    assert by_path["sokande_202407.txt.gz"]["n_rows"] == 2807
    assert by_path["jobbspar_202406.csv"]["status"] == "loaded"
    with psycopg.connect(db_url) as conn:
        counts = dict(conn.execute("select manad::text, count(*) from raw.registry_jobseekers group by 1"))
        assert counts == {"2024-06-01": 3000, "2024-07-01": 2807}
        rejects = conn.execute(
            "select file_name, line_number, column_name, reason from meta.registry_rejects "
            "order by line_number, column_name"
        ).fetchall()
        assert [(r[1], r[2]) for r in rejects] == [(19, "PNR"), (402, "KOMMUNKOD"), (402, "PNR")]
        assert {r[0] for r in rejects} == {"sokande_202406.txt"}
        assert conn.execute("select count(*) from raw.registry_jobtracks").fetchone()[0] == 5
        assert conn.execute("select count(*) from raw.registry_jobtrack_participants").fetchone()[0] == 609
        # the same person has the same pseudonym in both months and in the job-track snapshot
        linked = conn.execute(
            """select count(*) from raw.registry_jobtrack_participants p
               where exists (select from raw.registry_jobseekers j where j.person_id = p.person_id)"""
        ).fetchone()[0]
        assert linked > 500
        code_lists = conn.execute(
            "select manad::text, count(*) from raw.registry_sokandekategorier group by 1 order by 1"
        ).fetchall()
        assert code_lists == [("2024-06-01", 8), ("2024-07-01", 8)]
    report = Path(by_path["invalid/sokande_202406.txt"]["report"]).read_text(encoding="utf-8")
    assert "16 av 300 rader" in report and "rad 2, kolumn MANAD" in report
    warning = Path(by_path["sokande_202406.txt"]["report"]).read_text(encoding="utf-8")
    assert "2 av 3002 rader" in warning and "rad 402, kolumn KOMMUNKOD" in warning
    # a second run loads nothing again; only the bad file (left in landing in copy mode) is judged again
    before = table_counts(db_url)
    again = registry_pipeline.ingest(registry_landing)
    assert [(o["delivery"], o["status"]) for o in again] == [("sokande_202406.txt", "rejected")]
    assert table_counts(db_url) == before


def test_a_month_delivered_again_replaces_it_and_leaves_other_months(db_url, quarantine, tmp_path, key):
    landing = tmp_path / "landing"
    folder = landing / "registry"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "sokandekategorier.csv", folder)
    shutil.copy(FIXTURES / "avaktualiseringsorsaker.csv", folder)
    shutil.copy(FIXTURES / "sokande_202407.txt.gz", folder)
    shutil.copy(FIXTURES / "sokande_202406.txt", folder)
    registry_pipeline.ingest(landing)
    before = months(db_url)
    july = before[("sokande", "2024-07")]
    # a corrected June: the bad rows fixed by leaving them out, and only 2000 rows (two thirds: above the share that guards a month)
    header, *lines = (FIXTURES / "sokande_202406.txt").read_bytes().split(b"\r\n")
    good = [line for number, line in enumerate(lines, start=2) if number not in (19, 402)]
    (folder / "sokande_202406.txt").write_bytes(b"\r\n".join([header, *good[:2000]]) + b"\r\n")
    assert registry_pipeline.find_new(landing) == ["202406"]
    [outcome] = registry_pipeline.ingest(landing)
    assert outcome["status"] == "loaded" and outcome["replaced_load_id"] == before[("sokande", "2024-06")][0]
    after = months(db_url)
    assert after[("sokande", "2024-06")][1] == 2000
    assert after[("sokande", "2024-07")] == july
    with psycopg.connect(db_url) as conn:
        assert conn.execute(
            "select count(*), count(distinct _load_id) from raw.registry_jobseekers where manad = '2024-06-01'"
        ).fetchone() == (2000, 1)
        partitions = conn.execute(
            "select count(*) from pg_inherits where inhparent = 'raw.registry_jobseekers'::regclass"
        ).fetchone()[0]
        assert partitions == 2
        # the rejects of the replaced load stay with that load (its audit row stays too)
        assert conn.execute("select count(distinct load_id) from meta.registry_rejects").fetchone()[0] == 1


def test_readers_see_the_old_or_the_new_month_never_a_mix(db_url, quarantine, tmp_path, key):
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True)
    for name in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(FIXTURES / name, folder)
    big = [row(PNR=_pnr(i)) for i in range(60_000)]
    write(folder, big)
    registry_pipeline.ingest(folder.parent)
    write(folder, big[:40_000])  # the month again, smaller
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            while not stop.is_set():
                seen.add(conn.execute("select count(*) from raw.registry_jobseekers").fetchone()[0])
                time.sleep(0.005)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        registry_pipeline.ingest(folder.parent)
    finally:
        time.sleep(0.05)
        stop.set()
        reader.join()
    assert seen <= {60_000, 40_000} and 40_000 in seen


def _pnr(i: int) -> str:
    return pnr(f"19{50 + i // 3000 % 50:02d}{1 + i // 250 % 12:02d}{1 + i // 10 % 25:02d}", f"{i % 1000:03d}")


def test_too_many_bad_rows_or_a_broken_file_leave_nothing_behind(db_url, quarantine, tmp_path, key):
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True)
    for name in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(FIXTURES / name, folder)
    rows = [row(PNR=_pnr(i)) for i in range(3000)]
    rows[10] = row(PNR=_pnr(10), KON="X")
    rows[20] = row(PNR=_pnr(20), KOMMUNKOD="9999")
    rows[30] = row(PNR=_pnr(30), MANAD="202401")
    write(folder, rows)  # 3 of 3000 = 0.1 %: tolerated
    path = write(folder, rows + [row(PNR=_pnr(3000), KON="?")], name="sokande_202407.txt")  # not July: MANAD
    path.write_bytes(path.read_bytes().replace(b"|202406|", b"|202407|"))
    gz = folder / "sokande_202408.txt.gz"
    gz.write_bytes(gzip.compress(b"PNR|MANAD\r\n"))
    before = table_counts(db_url)
    outcomes = {o["delivery"]: o for o in registry_pipeline.ingest(folder.parent)}
    assert outcomes["sokande_202406.txt"]["status"] == "loaded"
    assert outcomes["sokande_202406.txt"]["n_rejected_rows"] == 3
    assert outcomes["sokande_202407.txt"]["status"] == "rejected"  # 4 of 3001 > 0.1 %
    assert "4 av 3\xa0001 rader" in outcomes["sokande_202407.txt"]["problems"][0]
    assert outcomes["sokande_202408.txt.gz"]["status"] == "rejected"
    assert "rubrikraden" in outcomes["sokande_202408.txt.gz"]["problems"][0]
    after = table_counts(db_url)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select array_agg(distinct manad::text) from raw.registry_jobseekers").fetchone()[0] == [
            "2024-06-01"
        ]
        leftovers = conn.execute(
            "select count(*) from pg_tables where schemaname = 'raw' and tablename like 'registry_jobseekers_y2024m0%'"
        ).fetchone()[0]
        assert leftovers == 1  # only June's partition: no half-built table of a rejected month
        audits = conn.execute("select delivery_name from meta.load_audit").fetchall()
        assert audits == [("sokande_202406.txt",)]
    assert after["meta.registry_rejects"] == before["meta.registry_rejects"] + 3


def test_another_key_is_refused_once_the_warehouse_has_pseudonyms(
    db_url, quarantine, registry_landing, key, monkeypatch
):
    registry_pipeline.process_month("202407", registry_landing)
    (registry_landing / "registry" / "sokande_202407.txt.gz").unlink()
    monkeypatch.setenv(pseudonym.KEY_ENV, "another-key-" + "9" * 40)
    with pytest.raises(KeyMismatchError, match="ursprungliga nyckeln"):
        registry_pipeline.process_month("202406", registry_landing)
    assert months(db_url).keys() == {("sokande", "2024-07")}


def test_job_tracks_reject_the_pair_on_a_bad_track_and_rows_on_bad_participants(db_url, quarantine, tmp_path, key):
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True)
    tracks = (FIXTURES / "jobbspar_202406.csv").read_text(encoding="utf-8-sig")
    people = (FIXTURES / "jobbspar_deltagare_202406.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "jobbspar_202406.csv").write_text(tracks.replace(";kort;", ";okand_typ;"), encoding="utf-8")
    (folder / "jobbspar_deltagare_202406.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    people[5] = people[5].split(";")[0] + ";198502260841;" + ";".join(people[5].split(";")[2:])
    (folder / "jobbspar_202407.csv").write_text(tracks, encoding="utf-8")
    (folder / "jobbspar_deltagare_202407.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    outcomes = {o["delivery"]: o for o in registry_pipeline.ingest(folder.parent)}
    assert outcomes["jobbspar_202406.csv"]["status"] == "rejected"
    assert any("kolumn typ" in p for p in outcomes["jobbspar_202406.csv"]["problems"])
    # one bad participant row of 609 is more than 0.1 %: the pair is rejected, the number is not shown
    assert outcomes["jobbspar_202407.csv"]["status"] == "rejected"
    report = Path(outcomes["jobbspar_202407.csv"]["report"]).read_text(encoding="utf-8")
    assert "rad 6, kolumn PNR: personnumrets kontrollsiffra stämmer inte" in report
    assert (quarantine / "registry" / "jobbspar_deltagare_202407.csv").exists()
    assert "198502260841" not in report and "8502260841" not in report
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from raw.registry_jobtrack_participants").fetchone()[0] == 0


def test_every_column_arrives_as_delivered(db_url, quarantine, tmp_path, key):
    """The binary COPY (extract._copy_lines) against the rows as written here: each column's value, NULL
    for an empty field, the leading zero of KOMMUNKOD restored, Windows-1252 text stored as the same
    characters, the line number and the pseudonym."""
    delivered = [
        row(PNR=pnr("19850412", "238"), KOMMUNKOD="180", PROJEKTKOD="JS-0180-0042 Södertörn"),
        row(PNR=pnr("19640101", "111"), KOMMUNKOD="2584", SOKANDEKATEGORI="", ETABLERING="", KON="M"),
        row(
            PNR=pnr("20000229", "123")[:8] + "-" + pnr("20000229", "123")[8:],
            FODELSEAR="2000",
            FODELSEREGION="UE",
            FUNKTIONSNEDSATTNING="J",
            EKONOMISKT_BISTAND="",
            AVAKTUALISERINGSDATUM="2024-06-30",
            AVAKTUALISERINGSORSAK="03",
            PROJEKTKOD="Å€",
        ),
    ]
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True)
    for name in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(FIXTURES / name, folder)
    write(folder, delivered)
    [outcome] = registry_pipeline.ingest(tmp_path / "landing")
    assert outcome["status"] == "loaded" and outcome["n_rows"] == 3
    columns = (
        "kommunkod, kon, fodelsear, fodelseregion, sokandekategori, etablering, funktionsnedsattning, "
        "ekonomiskt_bistand, inskrivningsdatum, avaktualiseringsdatum, avaktualiseringsorsak, projektkod"
    )
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(
            f"select _source_row, person_id::text, manad::text, {columns} from raw.registry_jobseekers order by 1"
        ).fetchall()
    expected = []
    for line, text in enumerate(delivered, start=2):
        fields = text.split("|")
        number = fields[0].replace("-", "")
        kept = [value or None for value in fields[2:]]
        kept[0] = kept[0].rjust(4, "0")
        expected.append((line, pseudonym.pseudonymise(number.encode(), pseudonym.load_key()), "2024-06-01", *kept))
    assert [(r[0], r[1].replace("-", ""), *r[2:]) for r in stored] == expected
