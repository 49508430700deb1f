"""The register contract: every valid delivery passes, every broken rule is named (no database)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import INVALID, SNAPSHOT_1, SNAPSHOT_2

from ingestion.core.deliveries import read_delivery
from ingestion.sources.agreement_register.rules import validate, validate_delivery

BOM = "\ufeff"


def edit(tmp_path: Path, file_name: str, old: str, new: str, name: str = SNAPSHOT_1.name) -> Path:
    """A copy of the first sample snapshot with one text replacement in one file."""
    target = tmp_path / name
    shutil.copytree(SNAPSHOT_1, target)
    path = target / file_name
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(BOM + text.replace(old, new, 1), encoding="utf-8", newline="")
    return target


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_delivery(path)]


@pytest.mark.parametrize("snapshot", [SNAPSHOT_1, SNAPSHOT_2])
def test_valid_samples_pass(snapshot):
    assert messages(snapshot) == []


def test_invalid_sample_names_all_three_broken_rules():
    found = "\n".join(messages(INVALID))
    assert "overenskommelse_kommuner.csv, rad 4, kolumn overenskommelse_id" in found
    assert "ÖK-9999-0001" in found and "finns inte i overenskommelser.csv" in found
    assert "rad 3, kolumn kommunkod" in found and "0199" in found
    assert "cykel: ÖK-2022-0141 → ÖK-2022-0150 → ÖK-2022-0141" in found


def test_kommunkod_without_leading_zero_is_accepted():
    # the sample itself writes Nykvarn as 140; the rule is checked after restoring the zero
    assert ";140;" in (SNAPSHOT_1 / "overenskommelse_kommuner.csv").read_text(encoding="utf-8-sig")
    assert messages(SNAPSHOT_1) == []


@pytest.mark.parametrize(
    ("file_name", "old", "new", "expected"),
    [
        ("overenskommelser.csv", ";lokal;;;2023-01-30", ";lokalt;;;2023-01-30", "värdet ”lokalt”"),
        ("overenskommelser.csv", "ÖK-2022-0150;Samverkan", "ÖK-2022-0141;Samverkan", "bara förekomma en gång"),
        (
            "overenskommelser.csv",
            "RÖK-2022-01;Regional överenskommelse om samverkan i Stockholms län;regional;;01;",
            "RÖK-2022-01;Regional överenskommelse om samverkan i Stockholms län;regional;;;",
            "regional överenskommelse ska ange sitt län",
        ),
        ("overenskommelser.csv", "regional;;01;", "regional;;31;", "länskoden ”31”"),
        (
            "overenskommelser.csv",
            "2023-01-01;2026-12-31;tecknad",
            "2023-01-01;2022-12-31;tecknad",
            "giltig_tom får inte vara före giltig_from",
        ),
        (
            "overenskommelser.csv",
            ";2023-04-03;2023-05-01;",
            ";2024-07-03;2023-05-01;",
            "tecknad_datum får inte vara efter",
        ),
        (
            "overenskommelser.csv",
            ";2023-04-03;2023-05-01;",
            ";2023-02-30;2023-05-01;",
            "”2023-02-30” är inget giltigt datum",
        ),
        ("overenskommelser.csv", ";2023-04-03;2023-05-01;", ";3/4/2023;2023-05-01;", "ÅÅÅÅ-MM-DD"),
        (
            "overenskommelser.csv",
            "lokal;;;2023-01-30",
            "lokal;ÖK-1999-0001;;2023-01-30",
            "”ÖK-1999-0001” finns inte i samma leverans",
        ),
        ("overenskommelser.csv", ";tecknad;;egen;ar;", ";signerad;;egen;ar;", "status ska vara"),
        ("overenskommelser.csv", ";egen;ar;J;N;N;J;J;", ";egen;ar;Kanske;N;N;J;J;", "har_mal ska vara J/N"),
        ("overenskommelse_kommuner.csv", "ÖK-2023-0044;2523;egen", "ÖK-2023-0044;2523;ibland", "tackning ska vara"),
        (
            "overenskommelse_kommuner.csv",
            "ÖK-2023-0012;0127;egen",
            "ÖK-2023-0012;0127;egen\r\nÖK-2023-0012;9999;egen",
            "kommunkoden ”9999”",
        ),
        (
            "overenskommelse_kommuner.csv",
            "ÖK-2023-0012;0127;egen\r\n",
            "",
            "lokal överenskommelse som är tecknad eller reviderad ska täcka minst 1",
        ),
        (
            "overenskommelse_kommuner.csv",
            "ÖK-2022-0150;0160;egen\r\nÖK-2022-0150;0115;egen\r\n",
            "",
            "flerkommunal överenskommelse som är tecknad eller reviderad ska täcka minst 2",
        ),
        (
            "overenskommelse_parter.csv",
            "ÖK-2023-0012;Botkyrka kommun;kommun;undertecknare",
            "ÖK-2023-0012;Botkyrka kommun;kommun;undertecknare\r\nÖK-2023-0012;Botkyrka kommun;kommun;undertecknare",
            "en gång per roll",
        ),
        (
            "overenskommelse_parter.csv",
            "Botkyrka kommun;kommun;",
            "Botkyrka kommun;kommunen;",
            "organisationstyp ska vara",
        ),
        ("overenskommelse_malgrupper.csv", "ÖK-2023-0012;unga", "ÖK-2023-0012;pensionarer", "malgrupp ska vara"),
        (
            "overenskommelse_malgrupper.csv",
            "ÖK-2023-0012;unga",
            "ÖK-2023-0013;unga",
            "”ÖK-2023-0013” finns inte i overenskommelser.csv",
        ),
        ("overenskommelser.csv", "overenskommelse_id;namn;niva", "overenskommelse_id;titel;niva", "kolumnen saknas"),
        ("overenskommelser.csv", ";registrerad", ";registrerad;extra", "okänd kolumn"),
        ("overenskommelse_malgrupper.csv", "ÖK-2023-0012;unga", "ÖK-2023-0012;unga;x", "raden har 3 fält"),
    ],
)
def test_each_rule_rejects_with_a_named_place(tmp_path, file_name, old, new, expected):
    found = messages(edit(tmp_path, file_name, old, new))
    assert any(expected in m for m in found), found
    assert all(m.startswith(("overenskommelse", "overenskommelser")) for m in found)


def test_every_problem_is_reported_at_once(tmp_path):
    target = edit(tmp_path, "overenskommelser.csv", ";lokal;;;2023-01-30", ";lokalt;;;2023-01-30")
    path = target / "overenskommelse_malgrupper.csv"
    text = path.read_text(encoding="utf-8-sig").replace("ÖK-2023-0012;unga", "ÖK-2023-0012;pensionarer")
    path.write_text(BOM + text, encoding="utf-8", newline="")
    found = "\n".join(messages(target))
    assert "lokalt" in found and "pensionarer" in found


def test_missing_file_and_bad_name(tmp_path):
    target = tmp_path / "overenskommelser_2024-13-45"
    shutil.copytree(SNAPSHOT_1, target)
    (target / "overenskommelse_parter.csv").unlink()
    found = "\n".join(messages(target))
    assert "overenskommelse_parter.csv: filen saknas" in found
    assert "leveransens namn ska vara overenskommelser_ÅÅÅÅ-MM-DD" in found


def test_not_utf8_is_rejected_in_plain_words(tmp_path):
    target = tmp_path / SNAPSHOT_1.name
    shutil.copytree(SNAPSHOT_1, target)
    path = target / "overenskommelser.csv"
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("cp1252", errors="replace"))
    assert any("inte kodad som utf-8" in m for m in messages(target))


def test_quoted_semicolons_and_line_breaks_are_data(tmp_path):
    target = edit(
        tmp_path,
        "overenskommelser.csv",
        ";Lokal överenskommelse Botkyrka;",
        ';"Lokal överenskommelse; Botkyrka\r\n(""reviderad"")";',
    )
    parsed = validate(read_delivery(target))
    assert parsed.problems == []
    names = parsed.frames["overenskommelser.csv"].set_index("overenskommelse_id")["namn"]
    assert names["ÖK-2023-0012"] == 'Lokal överenskommelse; Botkyrka\r\n("reviderad")'
    # the row after the multi-line record keeps its real line number in the file
    rows = parsed.frames["overenskommelser.csv"].set_index("overenskommelse_id")["_rad"]
    assert rows["ÖK-2023-0031"] == 8


def test_yes_no_spellings_and_empty_are_accepted(tmp_path):
    target = edit(tmp_path, "overenskommelser.csv", ";egen;ar;J;N;N;J;J;", ";egen;ar;Ja;nej;0;1;;")
    assert messages(target) == []


def test_zip_delivery_is_read_like_the_folder(tmp_path):
    archive = tmp_path / f"{SNAPSHOT_1.name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in SNAPSHOT_1.iterdir():
            zf.write(f, f"{SNAPSHOT_1.name}/{f.name}")
    zipped, folder = read_delivery(archive), read_delivery(SNAPSHOT_1)
    assert zipped.name == folder.name
    assert zipped.checksum == folder.checksum
    assert validate_delivery(archive) == []


def test_a_nul_byte_in_a_field_is_refused_naming_line_and_column():
    """A NUL byte reached COPY and crashed the load (PostgreSQL cannot store it in text)."""
    from ingestion.core.csv_files import CsvError, read_csv

    text = "overenskommelse_id;namn;typ\nÖK-2024-0001;Samverkan\x00 Norr;lokal\n"
    with pytest.raises(CsvError, match="rad 2, kolumn namn innehåller en NUL-byte") as error:
        read_csv(text)
    assert "Samverkan" not in str(error.value)
