"""The follow-up form contract: both formats parse into the same model, every tolerance is accepted and
every broken rule is named (no database).

Validation sets GX up once per call, so the workbooks and exports built for the tolerance and rule
cases are read and validated together in one batch (the ``batch`` fixture) and each test looks up its
own form there.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from ingestion.core import config
from ingestion.sources.followup_forms.contract import FILE_PATTERN
from ingestion.sources.followup_forms.export import read_export
from ingestion.sources.followup_forms.model import Form
from ingestion.sources.followup_forms.reading import read_file
from ingestion.sources.followup_forms.rules import validate_forms
from ingestion.sources.followup_forms.values import parse_period
from ingestion.sources.followup_forms.workbook import read_workbook

FIXTURES = Path(__file__).parents[1] / "fixtures" / "followup_forms"
INVALID = FIXTURES / "invalid"
SODERTALJE = FIXTURES / "Uppföljning Södertälje VT2024.xlsx"
NORDOST = FIXTURES / "Uppföljning Nordost vår 2024 (2).xlsx"
STOCKHOLM = FIXTURES / "stockholm_2024H1.xlsx"
EXPORT = FIXTURES / "uppfoljning_export_20240903T0800.csv"
REGISTER = (
    Path(__file__).parents[1]
    / "fixtures"
    / "agreement_register"
    / "overenskommelser_2024-06-30"
    / "overenskommelser.csv"
)
RECEIVED = datetime(2024, 9, 15, 8, 0, tzinfo=UTC)
BOM = "\ufeff"


def known_agreements() -> set[str]:
    with open(REGISTER, encoding="utf-8-sig", newline="") as f:
        return {row["overenskommelse_id"] for row in csv.DictReader(f, delimiter=";")}


def read(path: Path) -> list[Form]:
    forms, file_problems = read_file(path, RECEIVED)
    assert file_problems == []
    return forms


def messages(form: Form) -> str:
    return "\n".join(str(p) for p in form.problems)


# --- building variants of the samples ---------------------------------------------------------------------------

Edit = Callable[[openpyxl.Workbook], None]


def cells(changes: dict[str, dict[str, object]]) -> Edit:
    """An edit that sets cells per sheet: ``{"Deltagare": {"C2": 7}}``."""

    def edit(wb: openpyxl.Workbook) -> None:
        for sheet, values in changes.items():
            for coordinate, value in values.items():
                wb[sheet][coordinate] = value

    return edit


def rename(old: str, new: str) -> Edit:
    """Rename a sheet (in two steps: openpyxl, like Excel, treats names differing in case as the same)."""

    def edit(wb: openpyxl.Workbook) -> None:
        wb[old].title = "tmp"
        wb["tmp"].title = new

    return edit


def rows_of(ws) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def rewrite(ws, rows: list[list[object]]) -> None:
    """Replace a sheet's content (a new sheet with the same name and place)."""
    wb, title = ws.parent, ws.title
    index = wb.index(ws)
    wb.remove(ws)
    new = wb.create_sheet(title, index)
    for row in rows:
        new.append(row)


def build(folder: Path, sample: Path, name: str, *edits: Edit) -> Path:
    wb = openpyxl.load_workbook(sample)
    for edit in edits:
        edit(wb)
    path = folder / name
    wb.save(path)
    return path


def with_cached_values(path: Path, cached: dict[str, str]) -> None:
    """Give formulas a cached value as Excel would (openpyxl writes formulas without one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode("utf-8")
                for formula, value in cached.items():
                    text = re.sub(rf"<f>{re.escape(formula)}</f><v\s*/>", f"<f>{formula}</f><v>{value}</v>", text)
                data = text.encode("utf-8")
            target.writestr(item, data)
    path.write_bytes(buffer.getvalue())


def export_lines(path: Path = EXPORT) -> list[str]:
    return path.read_bytes().decode("utf-8-sig").split("\r\n")


def edited_export(folder: Path, name: str, replacements: list[tuple[str, str, str]], append: list[str]) -> Path:
    """The sample export (BOM, CRLF) with, in the first line containing ``needle``, ``old`` replaced by ``new``
    (``old`` = ``VARDE``: the line's value)."""
    lines = export_lines()
    for needle, old, new in replacements:
        number = next(i for i, line in enumerate(lines) if needle in line)
        if old == VARDE:
            lines[number] = lines[number].rsplit(";", 1)[0] + ";" + new
            continue
        assert old in lines[number], f"fixture text not found: {old!r}"
        lines[number] = lines[number].replace(old, new, 1)
    if lines[-1] == "":
        lines.pop()
    path = folder / name
    path.write_bytes((BOM + "\r\n".join(lines + append) + "\r\n").encode("utf-8"))
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(export_lines(path), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def reorder_with_title(ws) -> None:
    """Header moved down by a title and a blank row, and columns in reverse order."""
    rows = [list(reversed(r)) for r in rows_of(ws)]
    rewrite(ws, [[f"{ws.title} – fyll i en rad per rad i mallen"], [], *rows])


def shuffled_info(wb) -> None:
    """Uppgifter with labels in other case/spacing, a trailing colon, and rows shifted by blank rows."""
    rows = rows_of(wb["Uppgifter"])
    shuffled = []
    for label, value in reversed(rows):
        shuffled += [[f"  {label.upper()}  :", value], [None, None]]
    rewrite(wb["Uppgifter"], [[None, None], *shuffled])


def summed_to_2023(wb) -> None:
    """Template 2024.1 -> 2023.1: Deltagare summed over age group and birth region."""
    rows = rows_of(wb["Deltagare"])[1:]
    totals: dict[tuple[str, str], list[int]] = {}
    for group, sex, _age, _region, *counts in rows:
        current = totals.setdefault((group, sex), [0] * 5)
        totals[(group, sex)] = [a + b for a, b in zip(current, counts, strict=True)]
    rewrite(
        wb["Deltagare"],
        [
            ["Målgrupp", "Kön", "Deltagare", "Nya", "Avslutade", "Till arbete", "Till studier"],
            *[[g, s, *c] for (g, s), c in totals.items()],
        ],
    )
    wb["Uppgifter"]["B7"] = "2023.1"


def serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


# Each case: workbook name -> (sample, edits). Names starting with ok_ must validate without problems.
WORKBOOKS: dict[str, tuple[Path, list[Edit]]] = {
    # tolerances
    "ok_header_moved_columns_reordered": (
        NORDOST,
        [lambda wb: [reorder_with_title(wb[s]) for s in ("Mål", "Bedömning", "Deltagare")]],
    ),
    "ok_sheet_names_case_and_extra_sheets": (
        SODERTALJE,
        [
            rename("Deltagare", "DELTAGARE"),
            rename("Mål", "mål "),
            rename("Bedömning", "BEDÖMNING"),
            lambda wb: wb.create_sheet("Blad1").append(["Deltagare", "Nr", "Svar"]),
            lambda wb: wb.create_sheet("Instruktioner", 0).append(["Fyll i bladen"]),
        ],
    ),
    "ok_info_labels_case_spacing_blank_rows": (SODERTALJE, [shuffled_info]),
    "ok_numbers_as_text": (
        SODERTALJE,
        [
            cells(
                {
                    "Deltagare": {"C2": " 7 ", "D2": "7", "E2": "6,0", "G2": ""},
                    "Mål": {"A2": " 1 ", "F2": "40", "G2": "12,5", "F4": " 12 "},
                    "Bedömning": {"C2": " 5 "},
                }
            )
        ],
    ),
    "ok_serial_date_and_period_spelling": (
        SODERTALJE,
        [cells({"Uppgifter": {"B5": serial(date(2024, 8, 20)), "B4": "2024 vår"}})],
    ),
    "ok_sex_and_cannot_assess_any_case": (
        SODERTALJE,
        [
            cells(
                {
                    "Deltagare": {"B2": "KVINNOR", "B3": "män", "B4": "k", "B5": "M"},
                    "Bedömning": {"C2": "KAN INTE BEDÖMA", "C3": " kan inte bedöma "},
                    "Mål": {"H2": "kan INTE bedöma"},
                }
            )
        ],
    ),
    "ok_formula_with_cached_value": (SODERTALJE, [cells({"Deltagare": {"C2": "=30+4", "D2": 7}})]),
    "ok_2024_row_without_age_and_region": (STOCKHOLM, [cells({"Deltagare": {"C2": None, "D2": None}})]),
    "ok_2023_built_from_2024": (STOCKHOLM, [summed_to_2023]),
    # rules
    "unknown_agreement": (SODERTALJE, [cells({"Uppgifter": {"B1": "ÖK-2099-9999"}})]),
    "period_unrecognisable": (SODERTALJE, [cells({"Uppgifter": {"B4": "Sommaren 2024"}})]),
    "period_not_ended": (SODERTALJE, [cells({"Uppgifter": {"B4": "HT 2031"}})]),
    "municipality_code_unknown": (SODERTALJE, [cells({"Uppgifter": {"B3": "181, 9999"}})]),
    "municipality_name_unknown": (SODERTALJE, [cells({"Uppgifter": {"B3": "Södertälje, Atlantis"}})]),
    "template_version_unknown": (SODERTALJE, [cells({"Uppgifter": {"B7": "2025.1"}})]),
    "level_unknown": (SODERTALJE, [cells({"Uppgifter": {"B8": "Samarbete"}})]),
    "meeting_date_not_a_date": (SODERTALJE, [cells({"Uppgifter": {"B5": "i augusti"}})]),
    "label_missing": (SODERTALJE, [cells({"Uppgifter": {"A4": None, "B4": None}})]),
    "sheet_missing": (SODERTALJE, [lambda wb: wb.remove(wb["Bedömning"])]),
    "column_missing": (SODERTALJE, [cells({"Mål": {"E1": None}})]),
    "header_missing": (SODERTALJE, [lambda wb: rewrite(wb["Mål"], rows_of(wb["Mål"])[1:])]),
    "template_2024_without_age_columns": (SODERTALJE, [cells({"Uppgifter": {"B7": "2024.1"}})]),
    "template_2023_with_age_columns": (STOCKHOLM, [cells({"Uppgifter": {"B7": "2023.1"}})]),
    "goal_unit_unknown": (SODERTALJE, [cells({"Mål": {"E4": "stycken"}})]),
    "goal_assessment_unknown": (SODERTALJE, [cells({"Mål": {"H3": "Klart"}})]),
    "goal_share_over_100": (SODERTALJE, [cells({"Mål": {"F2": 140}})]),
    "goal_count_not_a_number": (SODERTALJE, [cells({"Mål": {"G4": "många"}})]),
    "goal_yes_no_not_yes_no": (SODERTALJE, [cells({"Mål": {"G3": "kanske"}})]),
    "goal_nr_not_whole": (SODERTALJE, [cells({"Mål": {"A3": "2b"}})]),
    "goal_nr_duplicate": (SODERTALJE, [cells({"Mål": {"A4": 2}})]),
    "question_unknown": (SODERTALJE, [cells({"Bedömning": {"A13": "F13"}})]),
    "question_duplicate": (SODERTALJE, [cells({"Bedömning": {"A3": "F1"}})]),
    "answer_outside_scale": (SODERTALJE, [cells({"Bedömning": {"C6": 7}})]),
    "answer_empty": (SODERTALJE, [cells({"Bedömning": {"C7": None}})]),
    "participants_empty": (SODERTALJE, [cells({"Deltagare": {"C2": None}})]),
    "participants_negative": (SODERTALJE, [cells({"Deltagare": {"C3": -2}})]),
    "new_not_whole": (SODERTALJE, [cells({"Deltagare": {"D3": 2.5}})]),
    "new_more_than_participants": (SODERTALJE, [cells({"Deltagare": {"D2": 8}})]),
    "ended_more_than_participants": (SODERTALJE, [cells({"Deltagare": {"E5": 6}})]),
    "work_and_studies_more_than_ended": (SODERTALJE, [cells({"Deltagare": {"G2": 4}})]),
    "target_group_unknown": (SODERTALJE, [cells({"Deltagare": {"A2": "pensionärer"}})]),
    "sex_unknown": (SODERTALJE, [cells({"Deltagare": {"B2": "Annat"}})]),
    "age_group_unknown": (STOCKHOLM, [cells({"Deltagare": {"C2": "65+"}})]),
    "birth_region_unknown": (STOCKHOLM, [cells({"Deltagare": {"D2": "Norden"}})]),
    "participant_key_duplicate": (SODERTALJE, [cells({"Deltagare": {"A4": "behovsbaserad"}})]),
    "formula_without_value": (SODERTALJE, [cells({"Deltagare": {"C2": "=3+4"}})]),
}

VARDE = "<varde>"
F11950 = "F-11950;2024-09-03 07:55:00;ÖK-2022-0141;2024H1;2023.1;"
EXPORTS: dict[str, tuple[list[tuple[str, str, str]], list[str]]] = {
    # name: ([(line containing, old, new)], lines appended)
    "uppfoljning_export_ok_decimal_comma.csv": ([(F11950 + "mal;1;utfall;", VARDE, "12,5")], []),
    "uppfoljning_export_unknown_section.csv": ([], [F11950 + "budget;1;belopp;120000"]),
    "uppfoljning_export_unknown_field.csv": ([(F11950 + "mal;1;utfall;", "utfall;", "resultat;")], []),
    "uppfoljning_export_not_whole.csv": ([(F11950 + "deltagare;behovsbaserad|K||;nya;", VARDE, "tolv")], []),
    "uppfoljning_export_inconsistent.csv": ([(F11950 + "mal;2;mal;", "2024H1", "2024H2")], []),
    "uppfoljning_export_bad_timestamp.csv": (
        [("F-11950;2024-09-03 07:55:00;", "2024-09-03 07:55:00", "3 sept 2024")],
        [],
    ),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict[str, Form | list[Form]]:
    """Every sample and built case, read and validated together in one call."""
    folder = tmp_path_factory.mktemp("followup_forms")
    result: dict[str, Form | list[Form]] = {}
    everything: list[Form] = []
    for name, (sample, edits) in WORKBOOKS.items():
        path = build(folder, sample, f"{name}.xlsx", *edits)
        if name == "ok_formula_with_cached_value":
            with_cached_values(path, {"30+4": "34"})
        (form,) = read(path)
        result[name] = form
        everything.append(form)
    for name, (replacements, append) in EXPORTS.items():
        path = edited_export(folder, name, replacements, append)
        forms = read(path)
        result[name] = forms
        result[name + ":path"] = path  # type: ignore[assignment]
        everything += forms
    for path in [
        *sorted(FIXTURES.glob("*.xlsx")),
        EXPORT,
        *sorted(INVALID.glob("*.xlsx")),
        *sorted(INVALID.glob("*.csv")),
    ]:
        forms = read(path)
        result[path.name] = forms[0] if path.suffix == ".xlsx" else forms
        everything += forms
    validate_forms(everything, known_agreements())
    return result


def by_id(forms: list[Form], form_id: str) -> Form:
    return next(f for f in forms if f.form_id == form_id)


# --- valid samples ----------------------------------------------------------------------------------------------


def test_valid_samples_parse_without_problems(batch):
    for name in (SODERTALJE.name, NORDOST.name, STOCKHOLM.name):
        assert batch[name].problems == [], messages(batch[name])
    assert [f.problems for f in batch[EXPORT.name]] == [[]] * 4


def test_sodertalje_workbook_fields(batch):
    form = batch[SODERTALJE.name]
    assert form.form_id.startswith("xlsx-") and len(form.form_id) == 21
    assert (form.source_format, form.source_file) == ("xlsx", SODERTALJE.name)
    assert (form.overenskommelse_id, form.period, form.period_as_written) == ("ÖK-2022-0141", "2024H1", "VT 2024")
    assert form.template_version == "2023.1"
    assert form.kommunkoder == ["0181", "0140"] and form.kommuner_as_written == "181, 140"
    assert form.submitted_at == datetime(2024, 8, 21, 15, 2, 11, tzinfo=UTC)
    assert form.submitted_at_basis == "dokumentegenskap"
    assert form.motesdatum == date(2024, 8, 20)
    assert form.samverkansniva == "samverkan"
    assert form.goals[0] == {
        "_source_row": 2,
        "nr": 1,
        "mal": "Fler i målgruppen ska gå vidare till arbete eller studier",
        "mal_utan_namn": "Fler i målgruppen ska gå vidare till arbete eller studier",
        "malgrupp": "behovsbaserad",
        "indikator": "Andel avslutade till arbete eller studier",
        "enhet": "andel",
        "malvarde": "40",
        "utfall": None,
        "bedomning": "kan_inte_bedoma",
        "kommentar": None,
        "kommentar_utan_namn": None,
    }
    assert [(g["malvarde"], g["utfall"], g["bedomning"]) for g in form.goals[1:]] == [
        ("ja", "ja", "uppnatt"),
        ("12", "11", "delvis_uppnatt"),
    ]
    assert [a["fraga"] for a in form.assessments] == [f"F{i}" for i in range(1, 13)]
    assert form.assessments[0]["svar"] == "5"
    assert form.participants[1] == {
        "_source_row": 3,
        "malgrupp": "behovsbaserad",
        "kon": "man",
        "aldersgrupp": None,
        "fodelseregion": None,
        "deltagare": 18,
        "nya": 2,
        "avslutade": 11,
        "till_arbete": 7,
        "till_studier": 2,
    }


def test_nordost_labels_in_other_case_shifted_rows_and_names(batch):
    form = batch[NORDOST.name]
    assert form.overenskommelse_id == "ÖK-2022-0150"  # label "ÖVERENSKOMMELSE-ID  "
    assert form.kommunkoder == ["0162", "0160", "0115"]  # "Danderyd, Täby, Vallentuna"
    assert (form.period, form.period_as_written) == ("2024H1", "Vår 2024")  # row 5 after a blank row 4
    assert form.template_version == "2024.1" and form.samverkansniva == "samsyn"
    assert form.places.info["template_version"] == (8, "Mallversion")
    assert [g["nr"] for g in form.goals] == [1, 2, 3]  # numbers written as text
    assert form.assessments[9]["svar"] == "kan_inte_bedoma"
    assert len(form.participants) == 24
    assert {p["aldersgrupp"] for p in form.participants} == {"16-24", "25-29", "30-64"}
    assert {p["fodelseregion"] for p in form.participants} == {"sverige", "utrikes"}


def test_stockholm_iso_text_date(batch):
    form = batch[STOCKHOLM.name]
    assert form.motesdatum == date(2024, 8, 15) and form.kommunkoder == ["0180", "0186"]


def test_export_forms(batch):
    forms = batch[EXPORT.name]
    assert [f.form_id for f in forms] == ["F-10231", "F-11877", "F-11902", "F-11950"]
    form = by_id(forms, "F-11950")
    assert (form.source_format, form.overenskommelse_id, form.period, form.template_version) == (
        "csv",
        "ÖK-2022-0141",
        "2024H1",
        "2023.1",
    )
    assert form.submitted_at == datetime(2024, 9, 3, 5, 55, tzinfo=UTC)  # 07:55 Swedish summer time
    assert form.submitted_at_basis == "webbverktyget"
    assert form.kommunkoder == ["0181", "0140"] and form.motesdatum == date(2024, 8, 25)
    assert form.deltagande_parter == "Af enhetschef; kommunens arbetsmarknadschef; utvecklingsledare"  # quoted ;
    assert form.overenskommelse_namn is None
    assert [(p["kon"], p["aldersgrupp"], p["fodelseregion"]) for p in form.participants[:2]] == [
        ("kvinnor", None, None),
        ("man", None, None),
    ]
    assert by_id(forms, "F-10231").submitted_at == datetime(2024, 2, 27, 8, 12, 44, tzinfo=UTC)  # winter time
    age = by_id(forms, "F-11902").participants[0]
    assert (age["kon"], age["aldersgrupp"], age["fodelseregion"]) == ("kvinnor", "16-24", "sverige")
    assert age["_source_row"] == line_of(EXPORT, "F-11902;2024-09-02 14:31:07;ÖK-2023-0044;2024H1;2024.1;deltagare")


def test_export_is_utf8_with_bom_and_crlf():
    data = EXPORT.read_bytes()
    assert data.startswith(BOM.encode("utf-8")) and b"\r\n" in data


def test_file_pattern_and_dispatch(tmp_path):
    pattern = re.compile(FILE_PATTERN)
    assert pattern.fullmatch("Uppföljning Södertälje VT2024 (2).xlsx")
    assert pattern.fullmatch("uppfoljning_export_20240903T0800.csv")
    assert not pattern.fullmatch("~$Uppföljning Södertälje VT2024.xlsx")
    assert not pattern.fullmatch("anteckningar.csv")
    other = tmp_path / "uppfoljning.txt"
    other.write_text("x")
    assert read_file(other, RECEIVED)[1][0].message.startswith("okänd filtyp")


def test_header_row_and_child_rows_match_the_raw_tables(batch):
    migrations = config.PROJECT_ROOT / "ingestion" / "sources" / "followup_forms" / "migrations"
    ddl = "\n".join(p.read_text(encoding="utf-8") for p in sorted(migrations.glob("*.sql")))

    def columns(table: str) -> list[str]:
        body = re.search(rf"create table if not exists raw\.{table} \((.*?)\n\);", ddl, re.S).group(1)
        names = []
        for line in body.splitlines():
            line = re.sub(r"--.*", "", line).strip()
            names += [part.split()[0] for part in line.split(",") if part.strip()]
        return [n for n in names if n not in ("_load_id", "form_id")]

    form = batch[STOCKHOLM.name]
    row = form.header_row()
    assert ["form_id", *columns("followup_forms")] == list(row)
    assert row["kommunkoder"] == "0180,0186" and row["content_checksum"] == form.content_checksum
    assert row["deltagande_parter_utan_namn"] == row["deltagande_parter"]
    assert set(columns("followup_goals")) == set(form.goals[0])
    assert set(columns("followup_assessments")) == set(form.assessments[0])
    assert set(columns("followup_participants")) == set(form.participants[0])


def test_names_are_stripped_from_free_text():
    form = Form("x", "xlsx", "x.xlsx", deltagande_parter="Af enhetschef Testa Berg; kommunens arbetsmarknadschef")
    assert "Testa Berg" not in form.deltagande_parter_utan_namn and "[namn]" in form.deltagande_parter_utan_namn
    assert "Testa Berg" in form.header_row()["deltagande_parter"]


# --- periods ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024H1", "2024H1"),
        ("2024h2", "2024H2"),
        (" 2024 H1 ", "2024H1"),
        ("VT 2024", "2024H1"),
        ("vt2024", "2024H1"),
        ("Vår 2024", "2024H1"),
        ("VÅR 2024", "2024H1"),
        ("2024 vår", "2024H1"),
        ("HT 2024", "2024H2"),
        ("Höst 2024", "2024H2"),
        ("2024 höst", "2024H2"),
        ("2024-1", "2024H1"),
        ("2024-2", "2024H2"),
        ("2024:2", "2024H2"),
        ("2024 : 1", "2024H1"),
        ("H1 2024", "2024H1"),
        ("2024", None),
        ("2024-3", None),
        ("Sommaren 2024", None),
        ("2024-01-01", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected


# --- tolerances -------------------------------------------------------------------------------------------------------


def test_built_tolerance_workbooks_are_valid(batch):
    for name in WORKBOOKS:
        if name.startswith("ok_"):
            assert batch[name].problems == [], f"{name}:\n{messages(batch[name])}"


def test_header_found_below_a_title_with_columns_in_other_order(batch):
    moved, original = batch["ok_header_moved_columns_reordered"], batch[NORDOST.name]
    for attribute in ("goals", "assessments", "participants"):
        before, after = getattr(original, attribute), getattr(moved, attribute)
        assert [{**r, "_source_row": r["_source_row"] + 2} for r in before] == after


def test_sheet_names_in_other_case_and_extra_sheets(batch):
    form = batch["ok_sheet_names_case_and_extra_sheets"]
    assert len(form.participants) == 4 and len(form.goals) == 3 and len(form.assessments) == 12
    assert form.places.parts["deltagare"] == "blad DELTAGARE"


def test_info_labels_found_by_text(batch):
    form, original = batch["ok_info_labels_case_spacing_blank_rows"], batch[SODERTALJE.name]
    for name in (
        "overenskommelse_id",
        "period",
        "kommunkoder",
        "motesdatum",
        "template_version",
        "samverkansniva",
        "deltagande_parter",
        "overenskommelse_namn",
    ):
        assert getattr(form, name) == getattr(original, name), name


def test_numbers_as_text_and_decimal_comma(batch):
    form = batch["ok_numbers_as_text"]
    assert form.participants[0] | {"_source_row": 0} == {
        "_source_row": 0,
        "malgrupp": "behovsbaserad",
        "kon": "kvinnor",
        "aldersgrupp": None,
        "fodelseregion": None,
        "deltagare": 7,
        "nya": 7,
        "avslutade": 6,
        "till_arbete": 3,
        "till_studier": 0,
    }
    assert (form.goals[0]["nr"], form.goals[0]["malvarde"], form.goals[0]["utfall"]) == (1, "40", "12.5")
    assert form.goals[2]["malvarde"] == "12" and form.assessments[0]["svar"] == "5"
    export = by_id(batch["uppfoljning_export_ok_decimal_comma.csv"], "F-11950")
    assert export.problems == [] and export.goals[0]["utfall"] == "12.5"


def test_excel_serial_date_and_period_spelling(batch):
    form = batch["ok_serial_date_and_period_spelling"]
    assert form.motesdatum == date(2024, 8, 20) and form.period == "2024H1" and form.period_as_written == "2024 vår"


def test_sex_and_cannot_assess_in_any_case(batch):
    form = batch["ok_sex_and_cannot_assess_any_case"]
    assert [p["kon"] for p in form.participants] == ["kvinnor", "man", "kvinnor", "man"]
    assert [a["svar"] for a in form.assessments[:2]] == ["kan_inte_bedoma", "kan_inte_bedoma"]
    assert form.goals[0]["bedomning"] == "kan_inte_bedoma"


def test_formula_cells_use_the_cached_value(batch):
    assert batch["ok_formula_with_cached_value"].participants[0]["deltagare"] == 34


def test_2024_row_without_age_group_and_birth_region_keeps_none(batch):
    row = batch["ok_2024_row_without_age_and_region"].participants[0]
    assert (row["aldersgrupp"], row["fodelseregion"], row["deltagare"]) == (None, None, 18)


def totals(form: Form) -> dict[tuple[str, str], tuple[int, ...]]:
    result: dict[tuple[str, str], Counter] = {}
    for p in form.participants:
        result.setdefault((p["malgrupp"], p["kon"]), Counter()).update(
            {k: p[k] for k in ("deltagare", "nya", "avslutade", "till_arbete", "till_studier")}
        )
    return {
        k: tuple(c[n] for n in ("deltagare", "nya", "avslutade", "till_arbete", "till_studier"))
        for k, c in result.items()
    }


def test_the_two_templates_give_comparable_totals(batch):
    detailed, summed = batch[STOCKHOLM.name], batch["ok_2023_built_from_2024"]
    assert (detailed.template_version, summed.template_version) == ("2024.1", "2023.1")
    assert len(detailed.participants) == 24 and len(summed.participants) == 4
    assert totals(detailed) == totals(summed)
    assert totals(summed)[("behovsbaserad", "kvinnor")] == (133, 72, 43, 30, 8)


# --- rules ------------------------------------------------------------------------------------------------------------

D, M, B, U = "blad Deltagare", "blad Mål", "blad Bedömning", "blad Uppgifter"
RULES = [
    # case, part, row, column, words the message must contain
    ("unknown_agreement", U, 1, "Överenskommelse-ID", ["”ÖK-2099-9999”", "finns inte i överenskommelseregistret"]),
    ("period_unrecognisable", U, 4, "Period", ["”Sommaren 2024”", "Period ska vara ett halvår"]),
    (
        "period_not_ended",
        U,
        4,
        "Period",
        ["perioden 2031H2 har inte tagit slut (den slutar 2031-12-31)", "formuläret kom in"],
    ),
    ("municipality_code_unknown", U, 3, "Kommun(er)", ["kommunen ”9999” finns inte"]),
    ("municipality_name_unknown", U, 3, "Kommun(er)", ["kommunen ”Atlantis” finns inte"]),
    ("template_version_unknown", U, 7, "Mallversion", ["”2025.1”", "2023.1 eller 2024.1"]),
    ("level_unknown", U, 8, "Samverkansnivå", ["”Samarbete”", "Samtal, Samsyn, Samverkan eller Samhandling"]),
    ("meeting_date_not_a_date", U, 5, "Datum för uppföljningsmötet", ["”i augusti”", "datum"]),
    ("label_missing", U, None, "A", ["uppgiften ”Period” saknas"]),
    ("sheet_missing", None, None, None, ["bladet Bedömning saknas"]),
    ("column_missing", M, 1, "Enhet", ["kolumnen Enhet saknas"]),
    ("header_missing", M, None, None, ["rubrikraden hittades inte"]),
    ("template_2024_without_age_columns", D, 1, "Åldersgrupp", ["kolumnen Åldersgrupp saknas", "2024.1"]),
    ("template_2023_with_age_columns", D, 1, "Födelseregion", ["finns bara i mallversion 2024.1"]),
    ("goal_unit_unknown", M, 4, "Enhet", ["”stycken”", "antal, andel eller ja/nej"]),
    ("goal_assessment_unknown", M, 3, "Bedömning", ["”Klart”", "Delvis uppnått"]),
    ("goal_share_over_100", M, 2, "Målvärde", ["mål 1: värdet ”140”", "0–100"]),
    ("goal_count_not_a_number", M, 4, "Utfall", ["”många”", "ett tal"]),
    ("goal_yes_no_not_yes_no", M, 3, "Utfall", ["”kanske”", "ja eller nej"]),
    ("goal_nr_not_whole", M, 3, "Nr", ["”2b”", "heltal"]),
    ("goal_nr_duplicate", M, 4, "Nr", ["målnummer 2", "rad 3 och 4"]),
    ("question_unknown", B, 13, "Fråga", ["”F13”", "F1–F12"]),
    ("question_duplicate", B, 3, "Fråga", ["frågan F1", "rad 2 och 3"]),
    ("answer_outside_scale", B, 6, "Svar", ["”7”", "skalan 1–5"]),
    ("answer_empty", B, 7, "Svar", ["(tomt)", "Svar måste vara ifyllt"]),
    ("participants_empty", D, 2, "Deltagare", ["(tomt)", "tomt betyder inte 0"]),
    ("participants_negative", D, 3, "Deltagare", ["”-2”", "heltal som är 0 eller större"]),
    ("new_not_whole", D, 3, "Nya", ["”2.5”", "heltal"]),
    ("new_more_than_participants", D, 2, "Nya", ["Nya (8) är fler än Deltagare (7)"]),
    ("ended_more_than_participants", D, 5, "Avslutade", ["Avslutade (6) är fler än Deltagare (5)"]),
    (
        "work_and_studies_more_than_ended",
        D,
        2,
        "Till arbete",
        ["Till arbete + Till studier (7) är fler än Avslutade (6)"],
    ),
    ("target_group_unknown", D, 2, "Målgrupp", ["”pensionärer”", "behovsbaserad"]),
    ("sex_unknown", D, 2, "Kön", ["”Annat”", "Kvinnor eller Män"]),
    ("age_group_unknown", D, 2, "Åldersgrupp", ["”65+”", "16-24, 25-29 eller 30-64"]),
    ("birth_region_unknown", D, 2, "Födelseregion", ["”Norden”", "Sverige eller Utrikes"]),
    ("participant_key_duplicate", D, 4, "Målgrupp", ["målgrupp behovsbaserad, kön kvinnor", "rad 2 och 4"]),
    ("formula_without_value", D, 2, "Deltagare", ["cellen C2", "”=3+4”", "inget sparat värde"]),
]


@pytest.mark.parametrize(("case", "part", "row", "column", "words"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_names_place_value_and_expectation(batch, case, part, row, column, words):
    form = batch[case]
    matching = [
        p
        for p in form.problems
        if (p.part, p.row, p.column) == (part, row, column) and all(w in p.message for w in words)
    ]
    assert matching, f"{case}: no problem at {part}/{row}/{column} with {words}:\n{messages(form)}"
    assert all(p.file == f"{case}.xlsx" for p in form.problems)


def test_one_problem_per_broken_rule(batch):
    # the rule cases change one value: apart from cascades listed here, one problem each
    cascades = {"template_2023_with_age_columns", "template_2024_without_age_columns"}  # one per column
    for case, *_ in RULES:
        if case not in cascades:
            assert len(batch[case].problems) == 1, f"{case}:\n{messages(batch[case])}"


CSV_RULES = [
    ("uppfoljning_export_unknown_section.csv", "budget;1;belopp", "avsnitt", ["okänt avsnitt ”budget”"]),
    ("uppfoljning_export_unknown_field.csv", ";mal;1;resultat;", "falt", ["okänt fält ”resultat”", "utfall"]),
    ("uppfoljning_export_not_whole.csv", "nya;tolv", "nya", ["”tolv”", "heltal"]),
    (
        "uppfoljning_export_inconsistent.csv",
        "2024H2;2023.1;mal;2;mal",
        "period",
        ["olika värden i period", "”2024H1”", "”2024H2”"],
    ),
    ("uppfoljning_export_bad_timestamp.csv", "F-11950;3 sept 2024;", "inskickad", ["”3 sept 2024”", "tidpunkt"]),
]


@pytest.mark.parametrize(("name", "needle", "column", "words"), CSV_RULES, ids=[r[0] for r in CSV_RULES])
def test_export_rules_name_form_line_and_field(batch, name, needle, column, words):
    forms, path = batch[name], batch[name + ":path"]
    form = by_id(forms, "F-11950")
    line = line_of(path, needle)
    matching = [
        p
        for p in form.problems
        if (p.part, p.row, p.column) == ("formulär F-11950", line, column) and all(w in p.message for w in words)
    ]
    assert matching, f"{name}: expected line {line} {column} {words}:\n{messages(form)}"
    # the other forms of the export are not affected
    assert [f.form_id for f in forms if f.problems] == ["F-11950"]


def test_export_with_a_missing_column_is_rejected_whole():
    text = "\r\n".join(export_lines()).replace("mallversion;", "", 1)
    forms, problems = read_export((BOM + text).encode("utf-8"), "uppfoljning_export_x.csv")
    assert forms == [] and [(p.row, p.column) for p in problems] == [(1, "mallversion")]
    assert "kolumnen saknas i rubrikraden" in problems[0].message


def test_export_that_is_not_csv_is_rejected_whole():
    forms, problems = read_export(b'formular_id;"inskickad\n', "uppfoljning_export_x.csv")
    assert forms == [] and len(problems) == 1


# --- the invalid samples ----------------------------------------------------------------------------------------------


def test_invalid_unknown_agreement(batch):
    form = batch["Uppföljning okänd överenskommelse.xlsx"]
    assert [(p.part, p.row, p.column) for p in form.problems] == [("blad Uppgifter", 1, "Överenskommelse-ID")]
    assert "överenskommelsen ”ÖK-2099-9999” finns inte i överenskommelseregistret" in form.problems[0].message


def test_invalid_period_not_ended(batch):
    form = batch["Uppföljning Botkyrka HT2031.xlsx"]
    assert len(form.problems) == 1
    assert form.problems[0].message.startswith(
        "perioden 2031H2 har inte tagit slut (den slutar 2031-12-31) men formuläret kom in 20"
    )


def test_invalid_numbers_in_taby(batch):
    form = batch["Uppföljning Täby fel i siffror.xlsx"]
    found = {(p.part, p.row, p.column): p.message for p in form.problems}
    assert "Till arbete + Till studier (7) är fler än Avslutade (5)" in found[("blad Deltagare", 2, "Till arbete")]
    assert "”-2”" in found[("blad Deltagare", 3, "Deltagare")]
    assert found[("blad Bedömning", 6, "Svar")].startswith("fråga F5: värdet ”7”")
    assert "1–5" in found[("blad Bedömning", 6, "Svar")]
    assert form.assessments[4]["fraga"] == "F5"  # row 6 is F5
    assert len(form.problems) == 3


def test_invalid_missing_sheet(batch):
    form = batch["Uppföljning Malmfälten utan deltagare.xlsx"]
    assert [p.message.split(" (")[0] for p in form.problems] == ["bladet Deltagare saknas"]


def test_invalid_not_a_workbook(batch):
    form = batch["Uppföljning trasig.xlsx"]
    assert len(form.problems) == 1
    assert "filen går inte att öppna som en Excel-arbetsbok (.xlsx)" in form.problems[0].message
    assert form.submitted_at == RECEIVED and form.submitted_at_basis == "ankomsttid"


def test_invalid_export(batch):
    (form,) = batch["uppfoljning_export_20240904T1000.csv"]
    assert form.form_id == "F-12001"
    found = [(p.part, p.row, p.column, p.message) for p in form.problems]
    assert ("formulär F-12001", 102, "avsnitt") in {f[:3] for f in found}
    assert any("okänt avsnitt ”budget”" in f[3] for f in found)
    assert any(f[1:3] == (103, "deltagare") and "”tolv”" in f[3] and "heltal" in f[3] for f in found)


def test_unrecognised_xlsx_dispatch_is_one_form_with_one_problem(tmp_path):
    path = tmp_path / "Uppföljning tom.xlsx"
    path.write_bytes(b"")
    forms, file_problems = read_file(path, RECEIVED)
    assert file_problems == [] and len(forms) == 1 and len(forms[0].problems) == 1


# --- content checksum -----------------------------------------------------------------------------------------------


def test_content_checksum_recognises_the_same_form(tmp_path):
    copy = tmp_path / "Uppföljning Södertälje VT2024 (2).xlsx"
    shutil.copy(SODERTALJE, copy)
    first, second = read(SODERTALJE)[0], read(copy)[0]
    assert first.content_checksum == second.content_checksum and first.form_id == second.form_id
    assert len(first.content_checksum) == 64
    changed = read_workbook(SODERTALJE.read_bytes(), SODERTALJE.name, RECEIVED)
    changed.participants[0]["deltagare"] += 1
    assert changed.content_checksum != first.content_checksum


def test_content_checksum_same_form_in_two_exports(tmp_path):
    lines = [line for line in export_lines() if line]
    header, rows = lines[0], lines[1:]
    only = [r for r in rows if r.startswith("F-11950")]
    other = tmp_path / "uppfoljning_export_20240910T0800.csv"
    other.write_bytes((BOM + "\r\n".join([header, *reversed(only)]) + "\r\n").encode("utf-8"))
    (again,), _ = read_export(other.read_bytes(), other.name)
    original = by_id(read(EXPORT), "F-11950")
    assert again.participants[0]["_source_row"] != original.participants[0]["_source_row"]
    assert again.content_checksum == original.content_checksum
    edited = other.read_bytes().replace(b"samverkansniva;varde;Samverkan", b"samverkansniva;varde;Samsyn")
    (changed,), _ = read_export(edited, other.name)
    assert changed.content_checksum != original.content_checksum


def rezip(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item, change(item.filename, old.read(item.filename)))
    return target


def test_damaged_sheet_inside_the_zip_is_not_readable(tmp_path):
    path = rezip(
        SODERTALJE,
        tmp_path / "Uppföljning skadad.xlsx",
        lambda name, data: data[:200] if name.startswith("xl/worksheets/") else data,
    )
    (form,) = read(path)
    assert [p.message.split(";")[0] for p in form.problems] == [
        "filen går inte att öppna som en Excel-arbetsbok (.xlsx)"
    ]


def test_submission_time_falls_back_to_arrival_without_the_saved_time(tmp_path):
    path = rezip(
        SODERTALJE,
        tmp_path / "Uppföljning utan egenskaper.xlsx",
        lambda name, data: (
            re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", b"", data)
            if name == "docProps/core.xml"
            else data
        ),
    )
    (form,) = read(path)
    assert (form.submitted_at, form.submitted_at_basis) == (RECEIVED, "ankomsttid")
    assert form.overenskommelse_id == "ÖK-2022-0141"
