"""The pseudonym scheme on a real PostgreSQL: the loader records its scheme beside the key's fingerprint, a
warehouse made with the SipHash scheme (or any other) is refused like one made with another key, revision
0007 marks an existing fingerprint as SipHash, and samordningsnummer load with the library CMAC as their
pseudonym, as personnummer do."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC
from registry_rows import pnr, row, write

from ingestion.db import connection
from ingestion.db.migrate import downgrade, migrate
from ingestion.privacy import pseudonym
from ingestion.sources.registry import pipeline as registry_pipeline
from ingestion.sources.registry.load import KeyMismatchError, SchemeMismatchError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"
SECRET = "test-key-" + "0123456789" * 4
SAMORDNING = [pnr("19850472"), pnr("20000289", "123")]  # 12 April 1985 and 29 February 2000, day + 60


@pytest.fixture
def key(monkeypatch) -> bytes:
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(pseudonym.KEY_ENV, SECRET)
    return pseudonym.load_key()


def landing_with(tmp_path: Path, rows: list[str], name: str = "sokande_202406.txt") -> Path:
    folder = tmp_path / "landing" / "registry"
    folder.mkdir(parents=True, exist_ok=True)
    for code_list in ("sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        shutil.copy(FIXTURES / code_list, folder / code_list)
    write(folder, rows, name=name)
    return folder.parent


def key_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("select fingerprint, scheme from meta.pseudonym_key").fetchall()


def test_samordningsnummer_load_and_the_pseudonym_is_the_library_cmac(db_url, quarantine, tmp_path, key):
    people = [*SAMORDNING, pnr()]
    rows = [row(PNR=SAMORDNING[0], ETABLERING="J", FODELSEREGION="UE")]
    rows += [row(PNR=f"{SAMORDNING[1][:8]}-{SAMORDNING[1][8:]}", FODELSEAR="2000", ETABLERING="J")]
    rows += [row()]
    (outcome,) = registry_pipeline.ingest(landing_with(tmp_path, rows))
    assert (outcome["status"], outcome["n_rows"], outcome.get("n_rejected_rows", 0)) == ("loaded", 3, 0), outcome
    with psycopg.connect(db_url) as conn:
        ids = [
            str(person_id).replace("-", "")
            for (person_id,) in conn.execute("select person_id from raw.registry_jobseekers order by _source_row")
        ]
    mac = []
    for person in people:
        cmac = CMAC(algorithms.AES(pseudonym.mac_key(key)))
        cmac.update(person.encode())
        mac.append(cmac.finalize().hex())
    assert ids == mac
    assert key_rows(db_url) == [(pseudonym.fingerprint(key), "aes-cmac-128-v1")]


def test_a_warehouse_made_with_the_siphash_scheme_is_refused_and_nothing_loads(db_url, quarantine, tmp_path, key):
    with psycopg.connect(db_url) as conn:  # what 0007 leaves in a warehouse loaded before it
        conn.execute(
            "insert into meta.pseudonym_key (fingerprint, scheme) values (%s, 'siphash-2-4-128')",
            (pseudonym.fingerprint(key),),
        )
    landing = landing_with(tmp_path, [row(), row(PNR=SAMORDNING[0])])
    with pytest.raises(SchemeMismatchError, match="schemat siphash-2-4-128") as refused:
        registry_pipeline.ingest(landing)
    assert isinstance(refused.value, KeyMismatchError)  # handled wherever another key is
    message = str(refused.value)
    assert "aes-cmac-128-v1" in message and "Bygg om lagret" in message
    assert not any(p in message or p[2:] in message for p in [pnr(), SAMORDNING[0]])
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from raw.registry_jobseekers").fetchone()[0] == 0
        assert conn.execute("select count(*) from meta.load_audit").fetchone()[0] == 0
    assert key_rows(db_url) == [(pseudonym.fingerprint(key), "siphash-2-4-128")]
    # the configuration is wrong, not the file: it stays in the landing folder, not quarantined or reported
    assert (landing / "registry" / "sokande_202406.txt").exists()
    assert not (quarantine / "registry").exists() or not any((quarantine / "registry").iterdir())


def test_another_key_is_still_refused_before_the_scheme_is_looked_at(db_url, quarantine, tmp_path, key):
    with psycopg.connect(db_url) as conn:
        conn.execute("insert into meta.pseudonym_key (fingerprint, scheme) values ('0011223344556677', 'x')")
    with pytest.raises(KeyMismatchError, match="ursprungliga nyckeln") as refused:
        registry_pipeline.ingest(landing_with(tmp_path, [row()]))
    assert not isinstance(refused.value, SchemeMismatchError)


@pytest.fixture
def new_url(server_url) -> Iterator[str]:
    """A database not created yet (migrate creates it), dropped at the end."""
    url = connection.with_database(server_url, f"samverkan_scheme_{uuid.uuid4().hex[:10]}")
    yield url
    connection.drop_database(url)


def test_revision_0007_marks_an_existing_fingerprint_siphash_and_later_ones_aes_cmac(new_url):
    migrate(new_url, target="0006_load_audit_index_comments")
    with psycopg.connect(new_url) as conn:
        conn.execute("insert into meta.pseudonym_key (fingerprint) values ('f1ngerpr1nt')")
    assert migrate(new_url, target="0007_pseudonym_scheme") == ["0007_pseudonym_scheme"]
    assert key_rows(new_url) == [("f1ngerpr1nt", "siphash-2-4-128")]
    with psycopg.connect(new_url) as conn:
        conn.execute("insert into meta.pseudonym_key (fingerprint) values ('later')")
        conn.commit()
        assert conn.execute("select scheme from meta.pseudonym_key where fingerprint = 'later'").fetchone() == (
            "aes-cmac-128-v1",
        )
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute("insert into meta.pseudonym_key (fingerprint, scheme) values ('none', null)")
        conn.rollback()
        comment = conn.execute(
            "select col_description('meta.pseudonym_key'::regclass, 3)",
        ).fetchone()[0]
        assert "scheme" in comment

    # below 0007 nothing would tell the loader that months were made with AES-CMAC: the downgrade refuses
    with pytest.raises(RuntimeError, match="another scheme than SipHash"):
        downgrade(new_url, "0006_load_audit_index_comments")
    assert {r[1] for r in key_rows(new_url)} == {"siphash-2-4-128", "aes-cmac-128-v1"}
    with psycopg.connect(new_url) as conn:
        conn.execute("delete from meta.pseudonym_key where fingerprint = 'later'")
    assert downgrade(new_url, "0006_load_audit_index_comments") == ["0007_pseudonym_scheme"]
    with psycopg.connect(new_url) as conn:
        assert conn.execute("select * from meta.pseudonym_key").fetchall()[0][0] == "f1ngerpr1nt"
        columns = conn.execute(
            "select column_name from information_schema.columns where table_schema = 'meta' "
            "and table_name = 'pseudonym_key' order by ordinal_position"
        ).fetchall()
    assert columns == [("fingerprint",), ("first_used",)]
