"""One rule for personnummer (issue 11, first part): the detector itself, and that no message quotes one,
free text that leaves raw has them masked, and an id or number field that holds one is rejected. Every
number here is made by the tests' own generator (``registry_rows.pnr``), with its own check digit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from registry_rows import pnr, row, write

from ingestion.core import personnummer, reference
from ingestion.core.problems import Problem, quote, render_report
from ingestion.privacy.free_text import strip_names
from ingestion.sources.followup_forms.reading import read_file
from ingestion.sources.followup_forms.rules import validate_forms
from ingestion.sources.registry.extract import CodeLists, ExtractError, stream
from ingestion.sources.survey.reading import detect_encoding
from ingestion.sources.survey.rules import validate_delivery

FIXTURES = Path(__file__).parents[1] / "fixtures"
TWELVE = pnr("19850412", "238")  # YYYYMMDDNNNC
SAMORDNING = pnr("19850472", "238")  # day of birth + 60
CODES = CodeLists(frozenset({"11"}), frozenset({"01"}))


@pytest.mark.parametrize(
    "text",
    [
        TWELVE,
        f"{TWELVE[:8]}-{TWELVE[8:]}",
        TWELVE[2:],
        f"{TWELVE[2:8]}-{TWELVE[8:]}",
        f"{TWELVE[2:8]}+{TWELVE[8:]}",
        SAMORDNING,
        f"{SAMORDNING[:8]}-{SAMORDNING[8:]}",
    ],
    ids=[
        "12 digits",
        "12 with dash",
        "10 digits",
        "10 with dash",
        "10 with plus (over 100)",
        "samordningsnummer",
        "samordningsnummer with dash",
    ],
)
def test_every_spelling_is_a_personnummer(text):
    assert personnummer.is_personnummer(text)
    assert personnummer.mask(f"Deltagare {text} fick jobb") == "Deltagare [personnummer] fick jobb"


@pytest.mark.parametrize(
    "text",
    [
        TWELVE[:-1] + str((int(TWELVE[-1]) + 1) % 10),
        "19850230" + TWELVE[8:],
        "2024-06-30",
        "0180",
        "12345678901234",
        "1" + TWELVE,
    ],
    ids=["wrong check digit", "no such date", "a date", "a municipality code", "a longer number", "inside digits"],
)
def test_what_is_not_a_personnummer_is_left_alone(text):
    assert not personnummer.is_personnummer(text)
    assert personnummer.mask(f"x {text} y") == f"x {text} y"


def test_no_message_repeats_a_personnummer():
    problem = Problem("svar.csv", 3, "Q2", f"värdet {quote(TWELVE)} är ogiltigt, liksom {TWELVE[2:]}")
    assert TWELVE not in str(problem) and TWELVE[2:] not in str(problem)
    assert TWELVE[2:] not in render_report("leverans", "enkätexport", [problem])


def test_an_extract_without_its_header_line_is_rejected_without_quoting_the_first_row(tmp_path):
    first = row(PNR=TWELVE)
    path = write(tmp_path, [row()], header=first)
    stats, blocks = stream(path, CODES, reference.municipality_codes(), b"k" * 64)
    with pytest.raises(ExtractError) as error:
        list(blocks)
    assert "rubrikraden följer inte kontraktet" in str(error.value)
    assert TWELVE not in str(error.value) and "0180" not in str(error.value).split("Förväntat")[0]


def test_free_text_that_leaves_raw_has_personnummer_masked():
    assert strip_names(f"Deltagare {TWELVE[:8]}-{TWELVE[8:]} fick jobb") == "Deltagare [personnummer] fick jobb"


def edited(tmp_path: Path, sample: Path, file_name: str, old: str, new: str) -> Path:
    target = tmp_path / sample.name
    import shutil

    shutil.copytree(sample, target)
    text, encoding = detect_encoding((target / file_name).read_bytes())
    assert old in text
    (target / file_name).write_bytes(text.replace(old, new, 1).encode(encoding))
    return target


def test_a_survey_number_answer_or_respondent_id_that_is_a_personnummer_is_rejected(tmp_path):
    municipal = FIXTURES / "survey" / "kommunenkat_2024-02-01"
    answer = edited(
        tmp_path / "a",
        municipal,
        "svar.csv",
        "R1003;komplett;2024-01-18 14:26:00;1;2;1;1;0;0;2;3;2;;6",
        f"R1003;komplett;2024-01-18 14:26:00;1;2;1;1;0;0;2;3;2;;{TWELVE}",
    )
    messages = [str(p) for p in validate_delivery(answer)]
    assert any("kolumn Q6: svaret på Q6 är ett personnummer" in m for m in messages), messages
    assert not any(TWELVE in m for m in messages)
    frame = edited(tmp_path / "b", municipal, "urval.csv", "R1003;", f"{TWELVE};")
    messages = [str(p) for p in validate_delivery(frame)]
    assert any("respondent_id är ett personnummer" in m for m in messages), messages
    assert not any(TWELVE in m for m in messages)


def test_a_form_with_a_personnummer_in_a_count_is_rejected_and_one_in_a_comment_masked(tmp_path):
    export = (FIXTURES / "followup_forms" / "uppfoljning_export_20240903T0800.csv").read_bytes().decode("utf-8-sig")
    count = "F-10231;2024-02-27 09:12:44;ÖK-2023-0007;2023H2;2023.1;deltagare;behovsbaserad|K||;deltagare;19"
    comment = "F-10231;2024-02-27 09:12:44;ÖK-2023-0007;2023H2;2023.1;mal;2;kommentar;Genomförd i mars"
    assert count in export and comment in export
    path = tmp_path / "uppfoljning_export_20240905T0800.csv"
    path.write_bytes(
        (
            "\ufeff"
            + export.replace(count, count[:-2] + TWELVE).replace(comment, comment + f" med {TWELVE[2:8]}-{TWELVE[8:]}")
        ).encode("utf-8")
    )
    forms, file_problems = read_file(path, datetime(2024, 9, 15, tzinfo=UTC))
    known = {f.overenskommelse_id for f in forms}
    validate_forms(forms, known)
    [form] = [f for f in forms if f.form_id == "F-10231"]
    messages = [str(p) for p in form.problems]
    assert any("kolumn deltagare: fältet innehåller ett personnummer" in m for m in messages), messages
    assert not any(TWELVE in m or TWELVE[2:] in m for m in messages)
    goal = next(g for g in form.goals if g["nr"] == 2)
    assert goal["kommentar_utan_namn"] == "Genomförd i mars med [personnummer]"
    assert all(not f.problems for f in forms if f.form_id != "F-10231")
