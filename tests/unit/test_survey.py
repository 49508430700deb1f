"""The survey export contract: both sample waves pass and load long, every broken rule is named (no database)."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from ingestion.core.deliveries import read_delivery
from ingestion.sources.survey import contract as survey
from ingestion.sources.survey import reading
from ingestion.sources.survey.codebook import parse_condition
from ingestion.sources.survey.reading import detect_encoding
from ingestion.sources.survey.rules import validate, validate_delivery

SURVEYS = Path(__file__).parents[1] / "fixtures" / "survey"
MUNICIPAL = SURVEYS / "kommunenkat_2024-02-01"  # UTF-8 with BOM, villkor, flerval, matris, fritext + kodning, tal
PARTIES = SURVEYS / "cok_parter_2005-06-20"  # Windows-1252, a matris about actors, non-substantive codes


def copy(tmp_path: Path, sample: Path = MUNICIPAL, name: str | None = None) -> Path:
    target = tmp_path / (name or sample.name)
    shutil.copytree(sample, target)
    return target


def edit(
    tmp_path: Path, file_name: str, old: str, new: str, sample: Path = MUNICIPAL, target: Path | None = None
) -> Path:
    """A copy of a sample with one text replacement in one file, written back in the file's own encoding."""
    target = target or copy(tmp_path, sample)
    path = target / file_name
    text, encoding = detect_encoding(path.read_bytes())
    assert old in text, f"fixture text not found: {old!r}"
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return target


def drop_column(target: Path, file_name: str, column: str) -> Path:
    path = target / file_name
    text, encoding = detect_encoding(path.read_bytes())
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    index = rows[0].index(column)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([r[:index] + r[index + 1 :] for r in rows])
    path.write_bytes(out.getvalue().encode(encoding))
    return target


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_delivery(path)]


def answers(path: Path) -> list[dict]:
    rows = reading.raw_tables(validate(read_delivery(path)))[survey.ANSWER_CELLS]
    return [dict(zip(rows.columns, row, strict=True)) for row in rows.rows]


# --- valid deliveries ------------------------------------------------------------------------------


@pytest.mark.parametrize(("sample", "encoding"), [(MUNICIPAL, "utf-8-sig"), (PARTIES, "cp1252")])
def test_samples_pass_and_encoding_is_detected(sample, encoding):
    parsed = validate(read_delivery(sample))
    assert [str(p) for p in parsed.problems] == []
    assert parsed.encoding == encoding
    assert parsed.encodings[survey.QUESTIONS] == encoding


def test_windows_1252_reads_swedish_letters():
    parsed = validate(read_delivery(PARTIES))
    texts = list(parsed.frames[survey.QUESTIONS]["fragetext"])
    assert "Länsarbetsnämnden" in texts and "Försäkringskassan" in texts
    assert "Tillhör själv aktören" in list(parsed.frames[survey.SCALES]["etikett"])
    assert parsed.enkat_id == "cok_parter" and parsed.omgang == "2005"
    assert str(parsed.snapshot_date) == "2005-06-20"


def test_utf8_without_bom_is_detected(tmp_path):
    target = copy(tmp_path)
    path = target / survey.WAVE
    path.write_bytes(path.read_bytes().removeprefix(codecs.BOM_UTF8))
    parsed = validate(read_delivery(target))
    assert parsed.problems == []
    assert parsed.encodings[survey.WAVE] == "utf-8" and parsed.encoding == "utf-8-sig"
    assert parsed.frames[survey.WAVE]["enkat_id"].iloc[0] == "kommunenkat"


def test_raw_tables_of_the_municipal_sample():
    parsed = validate(read_delivery(MUNICIPAL))
    tables = reading.raw_tables(parsed)
    assert set(tables) == {
        "raw.survey_waves",
        "raw.survey_questions",
        "raw.survey_scales",
        "raw.survey_sample",
        "raw.survey_responses",
        "raw.survey_answers",
        "raw.survey_coding",
    }
    counts = {table: rows.count for table, rows in tables.items()}
    assert counts | {"raw.survey_answers": 0} == {
        "raw.survey_waves": 1,
        "raw.survey_questions": 8,
        "raw.survey_scales": 13,
        "raw.survey_sample": 30,
        "raw.survey_responses": 21,
        "raw.survey_answers": 0,
        "raw.survey_coding": 30,
    }
    wave = tables["raw.survey_waves"]
    assert [dict(zip(wave.columns, row, strict=True)) for row in wave.rows] == [
        {
            "_source_row": 2,
            "enkat_id": "kommunenkat",
            "omgang": "2024",
            "namn": "Kommunernas syn på samverkan med Arbetsförmedlingen 2024",
            "oppnad": "2024-01-08",
            "stangd": "2024-01-31",
            "enhet": "kommun",
            "encoding": "utf-8-sig",
        }
    ]
    for table, rows in tables.items():
        if table != "raw.survey_waves":
            assert {"_source_row", "enkat_id", "omgang"} <= set(rows.columns)
            listed = list(rows.rows)
            assert len(listed) == rows.count
            assert all(row[rows.columns.index("enkat_id")] == "kommunenkat" for row in listed)
    responses = tables["raw.survey_responses"]
    assert list(responses.columns) == ["enkat_id", "omgang", "_source_row", "respondent_id", "status", "besvarad"]


def test_answers_are_long_with_question_and_grid_row_or_option():
    rows = answers(MUNICIPAL)
    by_respondent = {}
    for row in rows:
        by_respondent.setdefault(row["respondent_id"], []).append(
            (row["kolumn"], row["fraga_id"], row["delfraga"], row["varde"])
        )
    # R1001: 3;;1;1;0;0;6;2;4;Tydliga rutiner för möten;(empty tal)
    assert by_respondent["R1001"] == [
        ("Q1", "Q1", None, "3"),  # enval; Q2 is empty and not stored
        ("Q3_1", "Q3", "1", "1"),
        ("Q3_2", "Q3", "2", "1"),  # flerval: only the chosen options
        ("Q4_r1", "Q4", "r1", "6"),
        ("Q4_r2", "Q4", "r2", "2"),
        ("Q4_r3", "Q4", "r3", "4"),  # matris
        ("Q5", "Q5", None, "Tydliga rutiner för möten"),  # fritext as delivered
    ]
    r1002 = {row["kolumn"]: row for row in rows if row["respondent_id"] == "R1002"}
    assert r1002["Q5"]["varde"] == 'Vi når vår kontaktperson, "oftast" samma dag'
    assert r1002["Q6"]["varde"] == "6" and r1002["Q6"]["_source_row"] == 3
    r1004 = {row["kolumn"]: row for row in rows if row["respondent_id"] == "R1004"}
    assert r1004["Q5"]["varde"] == "Gemensam målgruppsanalys\ngjord i höstas"  # a line break inside the cell
    assert r1004["Q5"]["_source_row"] == 5
    tal = [row["varde"] for row in rows if row["fraga_id"] == "Q6"]
    assert "3,5" in tal  # decimal comma kept as delivered
    assert all(row["varde"] == "1" for row in rows if row["fraga_id"] == "Q3")
    assert len(rows) == len({(row["respondent_id"], row["kolumn"]) for row in rows})
    assert rows[0]["enkat_id"] == "kommunenkat" and rows[0]["omgang"] == "2024"


def test_answer_to_a_question_not_asked_loads():
    # R1011 answered Q1=2 (no) and still answered Q2 (villkor Q1=1): flagged in dbt, not a rejection
    rows = answers(MUNICIPAL)
    assert ("Q1", "2") in {(r["kolumn"], r["varde"]) for r in rows if r["respondent_id"] == "R1011"}
    assert [
        (r["fraga_id"], r["delfraga"], r["varde"])
        for r in rows
        if r["respondent_id"] == "R1011" and r["fraga_id"] == "Q2"
    ] == [("Q2", None, "2")]


def test_answers_of_the_parties_sample():
    rows = answers(PARTIES)
    p0003 = [(r["kolumn"], r["fraga_id"], r["delfraga"], r["varde"]) for r in rows if r["respondent_id"] == "P0003"]
    # P0003: 1;;2;2;4;2;1;1;2 — the empty grid row r1 is not stored
    assert p0003 == [
        ("Q1", "Q1", None, "1"),
        ("Q34_r2", "Q34", "r2", "2"),
        ("Q34_r3", "Q34", "r3", "2"),
        ("Q34_r4", "Q34", "r4", "4"),
        ("Q34_r5", "Q34", "r5", "2"),
        ("Q34_r6", "Q34", "r6", "1"),
        ("Q34_r7", "Q34", "r7", "1"),
        ("Q35", "Q35", None, "2"),
    ]
    assert len(rows) == 132


def test_zip_reads_like_the_folder(tmp_path):
    archive = tmp_path / f"{PARTIES.name}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(PARTIES.iterdir()):
            z.write(path, f"{PARTIES.name}/{path.name}")
    zipped, folder = validate(read_delivery(archive)), validate(read_delivery(PARTIES))
    assert zipped.problems == [] and zipped.name == folder.name and zipped.checksum == folder.checksum
    assert zipped.encoding == "cp1252"
    assert answers(archive) == answers(PARTIES)


def test_lost_leading_zero_in_kommunkod_is_accepted(tmp_path):
    assert messages(edit(tmp_path, "urval.csv", "R1001;0114;", "R1001;114;")) == []


def test_new_survey_loads_from_its_own_codebook(tmp_path):
    """A survey the code has never seen: other ids, a flerval without a scale (numeric options),
    a villkor on a grid row with several codes and a != condition, no kodning.csv."""
    target = tmp_path / "dua_samverkan_2023-12-15"
    target.mkdir()
    files = {
        "enkat.csv": "enkat_id;omgang;namn;oppnad;stangd;enhet\r\ndua_samverkan;2023;DUA;2023-11-01;2023-11-30;part\r\n",
        "fragor.csv": "fraga_id;delfraga;fragetext;typ;skala_id;villkor;jamforbar_med\r\n"
        "Q10;a;Arbetsgivare;matris;NOJD;;Q9\r\nQ10;b;Unga;matris;NOJD;;Q9\r\n"
        "Q11;;Vilka?;flerval;;Q10_a=1,2;\r\nQ12;;Varför inte?;fritext;;Q10_b!=1;\r\n",
        "skalor.csv": "skala_id;kod;etikett;substantiell;ordning\r\nNOJD;1;Nöjd;J;1\r\nNOJD;2;Missnöjd;J;2\r\n"
        "NOJD;9;Vet ej;N;3\r\n",
        "urval.csv": "respondent_id;kommunkod;lanskod;organisation;aktorstyp;overenskommelse_id;utskick\r\n"
        "A1;;01;Region Stockholm;region_landsting;DUA-1;ok\r\nA2;180;;Stockholms stad;kommun;DUA-1;ok\r\n",
        "svar.csv": "respondent_id;status;besvarad;Q10_a;Q10_b;Q11_1;Q11_2;Q11_3;Q12\r\n"
        "A1;delvis;2023-11-20 09:00;1;9;1;0;1;Vi saknar tid\r\nA2;komplett;;2;;;;;\r\n",
    }
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    parsed = validate(read_delivery(target))
    assert [str(p) for p in parsed.problems] == []
    assert parsed.encoding == "utf-8"
    tables = reading.raw_tables(parsed)
    assert tables["raw.survey_coding"].count == 0
    rows = [dict(zip(tables[survey.ANSWER_CELLS].columns, r, strict=True)) for r in tables[survey.ANSWER_CELLS].rows]
    assert [(r["respondent_id"], r["kolumn"], r["fraga_id"], r["delfraga"], r["varde"]) for r in rows] == [
        ("A1", "Q10_a", "Q10", "a", "1"),
        ("A1", "Q10_b", "Q10", "b", "9"),
        ("A1", "Q11_1", "Q11", "1", "1"),
        ("A1", "Q11_3", "Q11", "3", "1"),
        ("A1", "Q12", "Q12", None, "Vi saknar tid"),
        ("A2", "Q10_a", "Q10", "a", "2"),
    ]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("Q8=1", ("Q8", "=", ["1"])),
        ("Q8=1,2", ("Q8", "=", ["1", "2"])),
        ("Q8 != 3", ("Q8", "!=", ["3"])),
        ("Q4_r1=2", ("Q4_r1", "=", ["2"])),
        ("Q8", None),
        ("Q8=ja", None),
        ("Q8<3", None),
    ],
)
def test_parse_condition(text, parsed):
    assert parse_condition(text) == parsed


# --- broken rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "file_name", "old", "new", "expected"),
    [
        # an answer code that is not on the question's scale (enval, matris)
        (
            MUNICIPAL,
            "svar.csv",
            "R1001;komplett;2024-01-19 14:33:00;3;",
            "R1001;komplett;2024-01-19 14:33:00;9;",
            "svar.csv, rad 2, kolumn Q1: svarskoden ”9” finns inte på skalan JNV för Q1",
        ),
        (
            PARTIES,
            "svar.csv",
            "P0002;komplett;2005-06-03 10:00:00;1;1;",
            "P0002;komplett;2005-06-03 10:00:00;1;8;",
            "svar.csv, rad 2, kolumn Q34_r1: svarskoden ”8” finns inte på skalan SAMV för Q34 (delfråga r1)",
        ),
        # a respondent who is not in the sample frame
        (
            MUNICIPAL,
            "svar.csv",
            "R1028;",
            "R9999;",
            "svar.csv, rad 22, kolumn respondent_id: respondenten ”R9999” finns inte i urvalet (urval.csv)",
        ),
        # duplicate respondents (line numbers count the line break inside R1004's free text)
        (
            MUNICIPAL,
            "svar.csv",
            "R1016;",
            "R1003;",
            "svar.csv, rad 13, kolumn respondent_id: respondenten ”R1003” förekommer två gånger i svar.csv "
            "(rad 4 och rad 13)",
        ),
        (
            PARTIES,
            "urval.csv",
            "P0005;",
            "P0004;",
            "urval.csv, rad 6, kolumn respondent_id: respondenten ”P0004” förekommer två gånger i urval.csv "
            "(rad 5 och rad 6)",
        ),
        # flerval cells are 1, 0 or empty
        (
            MUNICIPAL,
            "svar.csv",
            "2024-01-19 14:33:00;3;;1;",
            "2024-01-19 14:33:00;3;;2;",
            "svar.csv, rad 2, kolumn Q3_1: värdet ”2” är inget flervalssvar för Q3",
        ),
        # tal is a number with decimal comma
        (
            MUNICIPAL,
            "svar.csv",
            'samma dag";6',
            'samma dag";sex',
            "svar.csv, rad 3, kolumn Q6: värdet ”sex” är inget tal för Q6",
        ),
        (MUNICIPAL, "svar.csv", 'snabba svar";3,5', 'snabba svar";3.5', "värdet ”3.5” är inget tal för Q6"),
        # every scale a question uses exists
        (
            MUNICIPAL,
            "fragor.csv",
            "matris;BRA;;",
            "matris;BRA2;;",
            "fragor.csv, rad 5, kolumn skala_id: skalan ”BRA2” finns inte i skalor.csv",
        ),
        # villkor refers to an existing question, in a readable form, with codes on its scale
        (
            MUNICIPAL,
            "fragor.csv",
            "JNV;Q1=1;",
            "JNV;Q9=1;",
            "fragor.csv, rad 3, kolumn villkor: villkoret ”Q9=1” hänvisar till frågan ”Q9” som inte finns i fragor.csv",
        ),
        (MUNICIPAL, "fragor.csv", "JNV;Q1=1;", "JNV;om Q1 är ja;", "värdet ”om Q1 är ja” bryter mot regeln: villkor"),
        (MUNICIPAL, "fragor.csv", "JNV;Q1=1;", "JNV;Q1=1,7;", "koden ”7” finns inte på skalan JNV för Q1"),
        # the question types, scale codes and J/N flags are in their sets
        (MUNICIPAL, "fragor.csv", ";tal;;;", ";heltal;;;", "fragor.csv, rad 9, kolumn typ: värdet ”heltal”"),
        (
            PARTIES,
            "skalor.csv",
            "SAMV;5;Ingen åsikt;N;5",
            "SAMV;5;Ingen åsikt;Nej;5",
            "skalor.csv, rad 8, kolumn substantiell: värdet ”Nej”",
        ),
        (MUNICIPAL, "urval.csv", "kommun;;felaktig_kontakt", "kommun;;studsade", "urval.csv, rad 6, kolumn utskick"),
        (MUNICIPAL, "svar.csv", "R1001;komplett;", "R1001;klar;", "svar.csv, rad 2, kolumn status: värdet ”klar”"),
        (MUNICIPAL, "enkat.csv", ";kommun\r\n", ";kommuner\r\n", "enkat.csv, rad 2, kolumn enhet: värdet ”kommuner”"),
        # a wrong header
        (
            MUNICIPAL,
            "urval.csv",
            "respondent_id;kommunkod;",
            "respondent_id;kommun_kod;",
            "urval.csv, rad 1, kolumn kommunkod: kolumnen saknas i rubrikraden",
        ),
        # enkat_id as in the delivery's name, one row, dates
        (
            MUNICIPAL,
            "enkat.csv",
            "kommunenkat;2024",
            "kommunenkaten;2024",
            "enkat.csv, rad 2, kolumn enkat_id: enkat_id ”kommunenkaten” stämmer inte med leveransens namn",
        ),
        (
            MUNICIPAL,
            "enkat.csv",
            ";kommun\r\n",
            ";kommun\r\nkommunenkat;2025;X;2025-01-08;2025-01-31;kommun\r\n",
            "enkat.csv: filen har 2 rader (regel: enkat.csv ska ha exakt en rad",
        ),
        (MUNICIPAL, "enkat.csv", ";2024-01-31;", ";2024-02-15;", "stangd ”2024-02-15” är efter leveransens datum"),
        # municipality and county codes are official ones
        (
            MUNICIPAL,
            "urval.csv",
            "R1001;0114;",
            "R1001;0199;",
            "urval.csv, rad 2, kolumn kommunkod: kommunkoden ”0199” finns inte bland Sveriges 290 kommuner",
        ),
        (
            PARTIES,
            "urval.csv",
            "P0013;1280;12;",
            "P0013;1280;31;",
            "urval.csv, rad 14, kolumn lanskod: länskoden ”31” finns inte bland Sveriges 21 län",
        ),
        # kodning is on fritext questions of respondents who answered
        (
            MUNICIPAL,
            "kodning.csv",
            "R1001;Q5;",
            "R1001;Q4;",
            "kodning.csv, rad 2, kolumn fraga_id: frågan ”Q4” är av typen matris, inte fritext",
        ),
        (MUNICIPAL, "kodning.csv", "R1001;Q5;", "R1005;Q5;", "respondenten ”R1005” finns inte i svar.csv"),
    ],
)
def test_broken_rule_is_named(tmp_path, sample, file_name, old, new, expected):
    found = "\n".join(messages(edit(tmp_path, file_name, old, new, sample)))
    assert expected in found


def test_unknown_column_in_svar(tmp_path):
    # the codebook no longer has grid row r3, so svar.csv's Q4_r3 is unknown
    target = edit(tmp_path, "fragor.csv", "Q4;r3;Samverkan med kompletterande aktörer;matris;BRA;;\r\n", "")
    assert messages(target) == [
        "svar.csv, rad 1, kolumn Q4_r3: okänd kolumn: Q4_r3 motsvarar ingen fråga i kodboken (fragor.csv) "
        "(regel: svarskolumnerna heter <fraga_id>, <fraga_id>_<kod> för flerval och <fraga_id>_<delfraga> för matris)"
    ]


def test_renamed_column_in_svar_is_unknown_and_missing(tmp_path):
    found = messages(edit(tmp_path, "svar.csv", "Q5;Q6", "Q5;Q7"))
    assert found == [
        "svar.csv, rad 1, kolumn Q6: kolumnen saknas i rubrikraden: kodboken har frågan Q6 (tal)",
        "svar.csv, rad 1, kolumn Q7: okänd kolumn: Q7 motsvarar ingen fråga i kodboken (fragor.csv) "
        "(regel: svarskolumnerna heter <fraga_id>, <fraga_id>_<kod> för flerval och <fraga_id>_<delfraga> för matris)",
    ]


def test_missing_expected_columns(tmp_path):
    target = drop_column(copy(tmp_path), "svar.csv", "Q3_4")
    assert messages(target) == [
        "svar.csv, rad 1, kolumn Q3_4: kolumnen saknas i rubrikraden: "
        "kodboken har frågan Q3 (flerval) med alternativet 4 på skalan FORUM"
    ]
    target = edit(tmp_path, "fragor.csv", "Q5;;", "Q4;r4;Ny rad;matris;BRA;;\r\nQ5;;", target=copy(tmp_path / "b"))
    assert (
        "svar.csv, rad 1, kolumn Q4_r4: kolumnen saknas i rubrikraden: kodboken har frågan Q4 (matris) "
        "med matrisraden r4" in messages(target)
    )


def test_missing_file(tmp_path):
    target = copy(tmp_path)
    (target / "skalor.csv").unlink()
    (target / "kodning.csv").unlink()  # optional: not a problem
    assert messages(target) == ["skalor.csv: filen saknas i leveransen"]


def test_enkat_id_must_match_the_folder_name(tmp_path):
    found = messages(copy(tmp_path, name="kommunenkaten_2024-02-01"))
    assert found == [
        "enkat.csv, rad 2, kolumn enkat_id: enkat_id ”kommunenkat” stämmer inte med leveransens namn "
        "kommunenkaten_2024-02-01 (regel: leveransen ska heta <enkat_id>_ÅÅÅÅ-MM-DD, här väntades "
        "enkat_id ”kommunenkaten”)"
    ]
    assert "leveransens namn ska vara <enkat_id>_ÅÅÅÅ-MM-DD" in "\n".join(messages(copy(tmp_path, name="enkat")))


def test_all_problems_are_reported_at_once(tmp_path):
    target = edit(
        tmp_path, "svar.csv", "R1001;komplett;2024-01-19 14:33:00;3;", "R1001;komplett;2024-01-19 14:33:00;9;"
    )
    edit(tmp_path, "svar.csv", "R1028;", "R9999;", target=target)
    edit(tmp_path, "urval.csv", "R1001;0114;", "R1001;0199;", target=target)
    edit(tmp_path, "fragor.csv", "JNV;Q1=1;", "JNV;Q9=1;", target=target)
    found = messages(target)
    assert len(found) == 4
    assert [f.split(":")[0] for f in found] == [
        "fragor.csv, rad 3, kolumn villkor",
        "svar.csv, rad 2, kolumn Q1",
        "svar.csv, rad 22, kolumn respondent_id",
        "urval.csv, rad 2, kolumn kommunkod",
    ]


def test_undecodable_file_is_named(tmp_path):
    target = copy(tmp_path)
    (target / "enkat.csv").write_bytes(b"enkat_id;omgang\r\n\x81\x8d;2024\r\n")  # bytes neither UTF-8 nor cp1252 has
    assert "enkat.csv: filen är varken kodad som UTF-8 eller Windows-1252" in messages(target)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            ";tal;;;",
            ";heltal;;;",
            "fragor.csv, rad 9, kolumn typ: värdet ”heltal” bryter mot regeln: typ ska vara en av",
        ),
        (
            "flerval;FORUM;",
            "flerval;FORA;",
            "fragor.csv, rad 4, kolumn skala_id: skalan ”FORA” finns inte i skalor.csv",
        ),
    ],
)
def test_a_broken_codebook_row_is_reported_once(tmp_path, old, new, expected):
    # not again as unknown answer columns (Q6, Q3_1…) in svar.csv
    found = messages(edit(tmp_path, "fragor.csv", old, new))
    assert len(found) == 1 and found[0].startswith(expected)
