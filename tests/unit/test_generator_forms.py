"""Tests of the synthetic follow-up forms (ingestion.synthetic.forms).

The files are read back by code of this test's own (openpyxl and csv), not by the warehouse's parser,
so a bug in the generator and the same bug in the parser cannot hide each other. One test does run
the parser (``ingestion.followup_forms``) over everything generated, when it is there.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from ingestion.synthetic.forms import (
    QUESTIONS,
    due_date,
    generate_followup_forms,
    generate_workbooks_for_benchmark,
    main,
    period_bounds,
)
from ingestion.synthetic.register import generate_register

EXPORT_HEADER = "formular_id;inskickad;overenskommelse_id;period;mallversion;avsnitt;rad;falt;varde"
INFO_LABELS = [
    "överenskommelse-id",
    "överenskommelsens namn",
    "kommun(er)",
    "period",
    "datum för uppföljningsmötet",
    "deltagande parter",
    "mallversion",
    "samverkansnivå",
]
GOAL_HEADER = ["Nr", "Mål", "Målgrupp", "Indikator", "Enhet", "Målvärde", "Utfall", "Bedömning", "Kommentar"]
PARTICIPANT_HEADER = {
    "2023.1": ["Målgrupp", "Kön", "Deltagare", "Nya", "Avslutade", "Till arbete", "Till studier"],
    "2024.1": [
        "Målgrupp",
        "Kön",
        "Åldersgrupp",
        "Födelseregion",
        "Deltagare",
        "Nya",
        "Avslutade",
        "Till arbete",
        "Till studier",
    ],
}
REQUIRED_SHEETS = ["Uppgifter", "Mål", "Bedömning", "Deltagare"]
EXTRA_SHEETS = {"Instruktioner", "Blad1"}
TARGET_GROUPS = {
    "unga",
    "unga_utan_gymnasieexamen",
    "nyanlanda",
    "asylsokande",
    "langtidsarbetslosa",
    "funktionsnedsattning",
    "ekonomiskt_bistand",
    "utrikes_fodda_kvinnor",
    "arbetsgivare",
    "behovsbaserad",
}
ASSESSMENTS = {"Uppnått", "Delvis uppnått", "Ej uppnått", "Kan inte bedöma"}
LEVELS = {"samtal", "samsyn", "samverkan", "samhandling"}
CANNOT = "Kan inte bedöma"


# ---------------------------------------------------------------- reading the files back
def canonical_period(text: str) -> str:
    """The README's spellings of a half-year, as this test understands them."""
    t = text.strip().lower()
    patterns = [
        (r"(vt|vår|ht|höst) ?(\d{4})", lambda m: f"{m[2]}H{1 if m[1] in ('vt', 'vår') else 2}"),
        (r"(\d{4}) (vår|höst)", lambda m: f"{m[1]}H{1 if m[2] == 'vår' else 2}"),
        (r"(\d{4})[-:]([12])", lambda m: f"{m[1]}H{m[2]}"),
        (r"(\d{4})h([12])", lambda m: f"{m[1]}H{m[2]}"),
    ]
    for pattern, build in patterns:
        match = re.fullmatch(pattern, t)
        if match:
            return build(match)
    raise AssertionError(f"unknown period spelling {text!r}")


def number(value) -> float | None:
    """A cell or export value as a number (text numbers may have a decimal comma); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    return float(str(value).strip().replace(",", "."))


def read_workbook(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    assert set(REQUIRED_SHEETS) <= set(wb.sheetnames), (path.name, wb.sheetnames)
    assert set(wb.sheetnames) - set(REQUIRED_SHEETS) <= EXTRA_SHEETS, wb.sheetnames
    info_rows = [r for r in wb["Uppgifter"].iter_rows(values_only=True)]
    blank = [i for i, r in enumerate(info_rows) if all(v is None for v in r)]
    assert len(blank) <= 1, path.name
    filled = [r for r in info_rows if any(v is not None for v in r)]
    labels = [str(r[0]).strip().lower() for r in filled]
    assert labels == INFO_LABELS, (path.name, labels)
    info = {label: r[1] for label, r in zip(INFO_LABELS, filled, strict=True)}
    template = str(info["mallversion"]).strip()
    goals_rows = list(wb["Mål"].iter_rows(values_only=True))
    assert list(goals_rows[0]) == GOAL_HEADER
    assessment_rows = list(wb["Bedömning"].iter_rows(values_only=True))
    assert list(assessment_rows[0]) == ["Fråga", "Frågetext", "Svar", "Kommentar"]
    participant_rows = list(wb["Deltagare"].iter_rows(values_only=True))
    assert list(participant_rows[0]) == PARTICIPANT_HEADER[template], (path.name, template)
    keys = 2 if template == "2023.1" else 4
    participants = []
    for r in participant_rows[1:]:
        counts = [number(v) for v in r[keys:]]
        assert counts[0] is not None, f"{path.name}: empty Deltagare"
        participants.append((tuple(r[:keys]), [int(c or 0) for c in counts]))
    return {
        "agreement_id": info["överenskommelse-id"],
        "period": canonical_period(str(info["period"])),
        "template": template,
        "level": str(info["samverkansnivå"]).strip().lower(),
        "meeting": info["datum för uppföljningsmötet"],
        "parter": info["deltagande parter"],
        "kommuner": str(info["kommun(er)"] or ""),
        "modified": wb.properties.modified,
        "goals": [dict(zip(GOAL_HEADER, r, strict=True)) for r in goals_rows[1:]],
        "answers": {r[0]: r[2] for r in assessment_rows[1:]},
        "participants": participants,
        "sheets": wb.sheetnames,
    }


def utc(local: datetime) -> datetime:
    """The web tool's naive Swedish local time as naive UTC (what workbooks carry)."""
    return local.replace(tzinfo=ZoneInfo("Europe/Stockholm")).astimezone(UTC).replace(tzinfo=None)


def read_exports(out_dir: Path) -> dict[str, dict]:
    """Every form in the bulk exports, by formular_id (a form in two exports must be the same there)."""
    forms: dict[str, dict] = {}
    for path in sorted(out_dir.glob("uppfoljning_export_*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
        per_form: dict[str, list[list[str]]] = defaultdict(list)
        for row in rows[1:]:
            per_form[row[0]].append(row)
        for form_id, form_rows in per_form.items():
            first = form_rows[0]
            form = {
                "agreement_id": first[2],
                "period": first[3],
                "template": first[4],
                "modified": utc(datetime.strptime(first[1], "%Y-%m-%d %H:%M:%S")),
                "rows": form_rows,
            }
            if form_id in forms:
                assert forms[form_id]["rows"] == form_rows, form_id
            forms[form_id] = form
    for form in forms.values():
        by_section: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
        for row in form["rows"]:
            by_section[row[5]][row[6]][row[7]] = row[8]
        form["level"] = by_section["uppgifter"]["samverkansniva"]["varde"].lower()
        form["meeting"] = by_section["uppgifter"]["motesdatum"]["varde"]
        form["parter"] = by_section["uppgifter"]["parter"]["varde"]
        form["kommuner"] = by_section["uppgifter"]["kommuner"]["varde"]
        form["goals"] = [
            {
                "Nr": nr,
                "Mål": f["mal"],
                "Målgrupp": f["malgrupp"],
                "Indikator": f["indikator"],
                "Enhet": f["enhet"],
                "Målvärde": f["malvarde"],
                "Utfall": f["utfall"],
                "Bedömning": f["bedomning"],
            }
            for nr, f in by_section["mal"].items()
        ]
        form["answers"] = {code: f["svar"] for code, f in by_section["bedomning"].items()}
        form["participants"] = [
            (
                tuple(key.split("|")),
                [int(f[c]) for c in ("deltagare", "nya", "avslutade", "till_arbete", "till_studier")],
            )
            for key, f in by_section["deltagare"].items()
        ]
    return forms


def register_ids(register_dir: Path) -> set[str]:
    ids = set()
    for path in register_dir.glob("overenskommelser_*/overenskommelser.csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            ids |= {r["overenskommelse_id"] for r in csv.DictReader(f, delimiter=";")}
    return ids


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forms") / "agreement_register"
    generate_register(folder, n_agreements=60, seed=3)
    return folder


@pytest.fixture(scope="module")
def generated(register, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("forms_out") / "followup_forms"
    return out, generate_followup_forms(out, register, seed=5, n_bad=4)


@pytest.fixture(scope="module")
def all_forms(generated) -> list[dict]:
    """Every valid form read back from the files: workbooks and exports."""
    out, _ = generated
    forms = []
    for path in sorted(out.glob("*.xlsx")):
        form = read_workbook(path)
        form["source"] = path.name
        forms.append(form)
    for form_id, form in read_exports(out).items():
        form["source"] = form_id
        forms.append(form)
    return forms


# ---------------------------------------------------------------- tests
def test_same_seed_gives_same_files(register, generated, tmp_path):
    out, summary = generated
    again = generate_followup_forms(tmp_path / "again", register, seed=5, n_bad=4)
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == sorted(
        str(p.relative_to(tmp_path / "again")) for p in (tmp_path / "again").rglob("*") if p.is_file()
    )
    for path in out.glob("*.csv"):
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes(), path.name
    assert again == summary
    other = generate_followup_forms(tmp_path / "other", register, seed=6, n_bad=4)
    assert other["forms"] != summary["forms"]


def test_summary_matches_the_files(generated, register):
    out, summary = generated
    assert summary["periods"] == ["2022H1", "2022H2", "2023H1", "2023H2", "2024H1", "2024H2", "2025H1"]
    assert summary["workbooks"] == len(list(out.glob("*.xlsx"))) > 0
    assert summary["exports"] == len(list(out.glob("uppfoljning_export_*.csv"))) > 0
    exported = read_exports(out)
    assert summary["forms_in_exports"] == len(exported)
    for form in summary["forms"]:
        if form["form_id"]:  # the export's Swedish local time is the same moment as the summary's UTC
            assert exported[form["form_id"]]["modified"] == datetime.fromisoformat(form["submitted"])
    assert summary["workbooks"] + summary["forms_in_exports"] == len(summary["forms"])
    assert summary["owed"] == len(summary["owed_forms"])
    assert summary["missing"] == sum(o["status"] == "missing" for o in summary["owed_forms"]) > 0
    assert summary["late"] == sum(o["status"] == "late" for o in summary["owed_forms"]) > 0
    assert summary["corrections"] > 0 and summary["unowed"] >= 0
    # roughly as planned: ~85 % of owed forms arrive, ~60 % of forms are workbooks
    assert 0.7 < 1 - summary["missing"] / summary["owed"] < 0.97
    assert 0.4 < summary["workbooks"] / len(summary["forms"]) < 0.8


def test_workbook_structure(generated, all_forms):
    out, summary = generated
    by_file = {f["file"]: f for f in summary["forms"] if f["file"]}
    workbooks = [f for f in all_forms if f["source"].endswith(".xlsx")]
    assert workbooks and len(workbooks) == len(by_file)
    for form in workbooks:
        expected = by_file[form["source"]]
        assert (form["agreement_id"], form["period"], form["template"]) == (
            expected["agreement_id"],
            expected["period"],
            expected["template"],
        )
        assert form["modified"] == datetime.fromisoformat(expected["submitted"]), form["source"]
        meeting = form["meeting"]
        meeting = meeting.date() if isinstance(meeting, datetime) else date.fromisoformat(meeting)
        assert period_bounds(form["period"])[1] < meeting <= form["modified"].date()
        assert form["level"] in LEVELS
    # the quirks of hand-filled workbooks all occur
    sheets = {s for f in workbooks for s in f["sheets"]}
    assert EXTRA_SHEETS <= sheets
    assert any(isinstance(f["meeting"], datetime) for f in workbooks)
    assert any(isinstance(f["meeting"], str) for f in workbooks)
    assert any(isinstance(g["Målvärde"], str) and g["Enhet"] != "ja/nej" for f in workbooks for g in f["goals"])
    periods_written = set()
    labels_written = set()
    blank_rows = 0
    for path in out.glob("*.xlsx"):
        rows = list(openpyxl.load_workbook(path)["Uppgifter"].iter_rows(values_only=True))
        blank_rows += any(all(v is None for v in r) for r in rows)
        labels_written |= {r[0] for r in rows if r[0]}
        periods_written |= {r[1] for r in rows if r[0] and str(r[0]).strip().lower() == "period"}
    assert blank_rows > 0
    assert any(label != label.strip() or label.isupper() for label in labels_written)
    assert len({canonical_period(p) for p in periods_written}) > 3 and len(periods_written) > 10
    kommuner = " ".join(f["kommuner"] for f in workbooks)
    assert re.search(r"(^|, )[1-9]\d{2}(,|$)", kommuner) or re.search(r"[A-ZÅÄÖ][a-zåäö]+", kommuner)


def test_export_format(generated):
    out, _ = generated
    for path in out.glob("uppfoljning_export_*.csv"):
        assert re.fullmatch(r"uppfoljning_export_\d{8}T\d{4}\.csv", path.name)
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
        # records end in CRLF; a bare LF only inside a quoted comment (a line break typed in a cell)
        assert data.count(b"\r\n") == len(rows)
        assert data.replace(b"\r\n", b"").count(b"\n") == sum(v.count("\n") for r in rows for v in r)
        assert ";".join(rows[0]) == EXPORT_HEADER
        export_time = datetime.strptime(path.name[19:32], "%Y%m%dT%H%M")
        for row in rows[1:]:
            assert len(row) == 9, row
            form_id, submitted, _, period, template, section, key, name, value = row
            assert re.fullmatch(r"F-\d{5}", form_id) and re.fullmatch(r"\d{4}H[12]", period)
            assert datetime.strptime(submitted, "%Y-%m-%d %H:%M:%S") <= export_time + timedelta(minutes=1)
            assert template in ("2023.1", "2024.1")
            fields = {
                "uppgifter": {"varde"},
                "bedomning": {"svar", "kommentar"},
                "mal": {"mal", "malgrupp", "indikator", "enhet", "malvarde", "utfall", "bedomning", "kommentar"},
                "deltagare": {"deltagare", "nya", "avslutade", "till_arbete", "till_studier"},
            }[section]
            assert name in fields, row
            if section == "uppgifter":
                assert key in ("kommuner", "motesdatum", "parter", "samverkansniva")
            if section == "deltagare":
                group, sex, age, region = key.split("|")
                assert group in TARGET_GROUPS and sex in ("K", "M")
                assert (
                    (age, region) == ("", "")
                    if template == "2023.1"
                    else (age in ("16-24", "25-29", "30-64") and region in ("Sverige", "Utrikes"))
                )
                assert re.fullmatch(r"\d+", value)
            if section == "mal" and name in ("malvarde", "utfall"):
                assert "." not in value and re.fullmatch(r"(\d+(,\d+)?|ja|nej|)", value), row
    text = "".join(p.read_text(encoding="utf-8-sig") for p in out.glob("uppfoljning_export_*.csv"))
    assert re.search(r";\d+,\d\r?\n", text), "some shares have a decimal comma"


def test_every_form_obeys_the_rules(all_forms):
    assert all_forms
    for form in all_forms:
        where = form["source"]
        assert set(form["answers"]) == set(QUESTIONS), where
        for answer in form["answers"].values():
            assert answer == CANNOT or 1 <= int(answer) <= 5, (where, answer)
        assert 2 <= len(form["goals"]) <= 4, where
        for goal in form["goals"]:
            assert goal["Bedömning"] in ASSESSMENTS, where
            assert (goal["Målgrupp"] or "") in TARGET_GROUPS | {""}
            if goal["Enhet"] == "ja/nej":
                assert goal["Målvärde"] == "ja" and (goal["Utfall"] or "") in ("ja", "nej", "")
                continue
            assert goal["Enhet"] in ("antal", "andel"), where
            target, outcome = number(goal["Målvärde"]), number(goal["Utfall"])
            if outcome is None:
                assert goal["Bedömning"] == CANNOT
                continue
            assert outcome >= 0 and (goal["Enhet"] != "andel" or 0 <= outcome <= 100 and 0 < target <= 100)
            expected = (
                "Uppnått" if outcome >= target else ("Delvis uppnått" if outcome >= 0.7 * target else "Ej uppnått")
            )
            assert goal["Bedömning"] == expected, (where, goal)
        assert form["participants"], where
        for key, (deltagare, nya, avslutade, arbete, studier) in form["participants"]:
            assert key[0] in TARGET_GROUPS - {"arbetsgivare"}
            assert min(deltagare, nya, avslutade, arbete, studier) >= 0, (where, key)
            assert nya <= deltagare and avslutade <= deltagare, (where, key)
            assert arbete + studier <= avslutade, (where, key)
    answers = [a for f in all_forms for a in f["answers"].values()]
    assert 0.01 < answers.count(CANNOT) / len(answers) < 0.12
    assert any(re.search(r"[A-ZÅÄÖ][a-zåäö]+ [A-ZÅÄÖ][a-zåäö]+$", f["parter"]) for f in all_forms), (
        "some forms name a person among the parties"
    )


def test_templates_follow_the_period(all_forms):
    before = [f["template"] for f in all_forms if f["period"] < "2024H1"]
    after = [f["template"] for f in all_forms if f["period"] >= "2024H1"]
    assert set(before) == {"2023.1"}
    assert after.count("2024.1") > 0.7 * len(after)
    for form in all_forms:
        assert all(
            len(key) == (2 if form["template"] == "2023.1" else 4) or key[2:] == ("", "")
            for key, _ in form["participants"]
        )


def test_corrections_late_and_missing(generated, all_forms):
    _, summary = generated
    versions = defaultdict(list)
    for form in all_forms:
        versions[(form["agreement_id"], form["period"])].append(form["modified"])
    corrected = {k: sorted(v) for k, v in versions.items() if len(v) > 1}
    assert corrected, "some forms are sent twice"
    assert all(v[0] < v[1] for v in corrected.values())
    for form in summary["forms"]:
        submitted = datetime.fromisoformat(form["submitted"])
        assert submitted.date() > period_bounds(form["period"])[1]
        if form["late"]:
            assert submitted.date() > due_date(form["period"])
        elif not form["correction"]:
            assert submitted.date() <= due_date(form["period"])
    sent = {(f["agreement_id"], f["period"]) for f in summary["forms"]}
    for owed in summary["owed_forms"]:
        assert ((owed["agreement_id"], owed["period"]) in sent) == (owed["status"] != "missing")
    assert any(len(f["exports"]) > 1 for f in summary["forms"]), "some forms come in two exports"


def test_bad_workbooks(generated, register):
    out, summary = generated
    bad = sorted(p.name for p in (out / "invalid").iterdir())
    assert len(bad) == summary["bad"] == 4
    assert sorted(name.split("/", 1)[1] for name in summary["bad_files"]) == bad
    sheets = {name: openpyxl.load_workbook(out / "invalid" / name).sheetnames for name in bad}
    assert sum("Deltagare" not in s for s in sheets.values()) == 1
    ids = register_ids(register)
    infos = {}
    for name in bad:
        rows = [
            r for r in openpyxl.load_workbook(out / "invalid" / name)["Uppgifter"].iter_rows(values_only=True) if r[0]
        ]
        infos[name] = {str(r[0]).strip().lower(): r[1] for r in rows}
    assert sum(i["överenskommelse-id"] not in ids for i in infos.values()) == 1
    assert sum(canonical_period(str(i["period"])) > "2030H1" for i in infos.values()) == 1


def test_benchmark_workbooks(tmp_path):
    paths = generate_workbooks_for_benchmark(tmp_path, n=40, seed=2, agreement_ids=["ÖK-2022-0001", "ÖK-2022-0002"])
    assert len(paths) == len(set(paths)) == 40
    templates = set()
    for path in paths:
        form = read_workbook(path)
        assert form["agreement_id"] in ("ÖK-2022-0001", "ÖK-2022-0002")
        assert form["modified"].date() > period_bounds(form["period"])[1]
        templates.add(form["template"])
    assert templates == {"2023.1", "2024.1"}


def test_cli(register, tmp_path, capsys):
    assert (
        main(
            [
                "--register",
                str(register),
                "--out",
                str(tmp_path / "cli"),
                "--seed",
                "2",
                "--periods",
                "2024H1,2024H2",
                "--bad",
                "1",
            ]
        )
        == 0
    )
    assert '"bad": 1' in capsys.readouterr().out
    assert list((tmp_path / "cli").glob("*.xlsx")) and len(list((tmp_path / "cli" / "invalid").iterdir())) == 1


def test_the_parser_accepts_every_valid_file_and_rejects_every_bad_one(generated, register):
    """Every file read and validated as the pipeline does it: all forms of the files in one batch (GX is set
    up once per batch), each form's problems its own."""
    from ingestion.sources.followup_forms import reading, rules

    out, _ = generated
    known = register_ids(register)
    received_at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    valid = [(path, *reading.read_file(path, received_at)) for path in sorted(p for p in out.iterdir() if p.is_file())]
    invalid = [(path, *reading.read_file(path, received_at)) for path in sorted((out / "invalid").iterdir())]
    for path, forms, problems in valid:
        assert forms and not problems, (path.name, [str(p) for p in problems])
    rules.validate_forms([f for _, forms, _ in valid + invalid for f in forms], known)
    for path, forms, _ in valid:
        assert not [p for f in forms for p in f.problems], (path.name, [str(p) for f in forms for p in f.problems])
    for path, forms, problems in invalid:
        assert problems or any(f.problems for f in forms), path.name
