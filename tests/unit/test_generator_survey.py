"""Tests of the synthetic survey exports (ingestion.synthetic.survey).

The deliveries are read back by code of this test's own (encoding sniffing, csv, the contract's rules
written out again here), not by the warehouse's parser, so a bug in the generator and the same bug in the
parser cannot hide each other. One test does run the parser (``ingestion.sources.survey``) when it is there.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from ingestion.core import config
from ingestion.synthetic.register import generate_register
from ingestion.synthetic.survey import generate_large_survey, generate_surveys, main

HEADERS = {
    "enkat.csv": ["enkat_id", "omgang", "namn", "oppnad", "stangd", "enhet"],
    "fragor.csv": ["fraga_id", "delfraga", "fragetext", "typ", "skala_id", "villkor", "jamforbar_med"],
    "skalor.csv": ["skala_id", "kod", "etikett", "substantiell", "ordning"],
    "urval.csv": [
        "respondent_id",
        "kommunkod",
        "lanskod",
        "organisation",
        "aktorstyp",
        "overenskommelse_id",
        "utskick",
    ],
    "kodning.csv": ["respondent_id", "fraga_id", "tema", "kod"],
}
REQUIRED = ["enkat.csv", "fragor.csv", "skalor.csv", "urval.csv", "svar.csv"]
ORGANISATION_TYPES = {
    "arbetsformedlingen",
    "kommun",
    "region_landsting",
    "lansstyrelse",
    "migrationsverket",
    "forsakringskassan",
    "skolmyndighet",
    "kommunforbund",
    "naringsliv",
    "fack",
    "ideell",
    "utbildningsanordnare",
    "annan",
}
DELIVERY_NAME = re.compile(r"(?P<enkat>[a-z_]+)_(?P<day>\d{4}-\d{2}-\d{2})")
TAL = re.compile(r"-?\d+(,\d+)?")
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


# ---------------------------------------------------------------- reading, independently of the generator
def sniff(raw: bytes) -> str:
    """UTF-8 with BOM, UTF-8, or (not valid UTF-8) Windows-1252."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def assert_crlf(text: str, name: str) -> None:
    """Every record ends with CRLF; a bare line break occurs only inside a quoted field."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "\n" and not quoted:
            assert text[i - 1] == "\r", f"{name}: record {text[:i].count(chr(10))} does not end with CRLF"
    assert not quoted and text.endswith("\r\n"), name


def read_table(path: Path) -> tuple[str, list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    encoding = sniff(raw)
    text = raw.decode(encoding)
    assert_crlf(text, path.name)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = rows[0]
    assert all(len(row) == len(header) for row in rows[1:]), f"{path.name}: ragged rows"
    return encoding, header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def read_delivery(folder: Path) -> dict[str, tuple[str, list[str], list[dict[str, str]]]]:
    return {path.name: read_table(path) for path in sorted(folder.glob("*.csv"))}


def municipality_counties() -> dict[str, str]:
    with open(config.REFERENCE_DIR / "municipalities.csv", encoding="utf-8-sig", newline="") as f:
        return {row["municipality_code"]: row["county_code"] for row in csv.DictReader(f)}


def check_delivery(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Every rule of the contract a valid delivery must obey; returns the rows by file name."""
    files = read_delivery(folder)
    assert set(REQUIRED) <= set(files) <= set(REQUIRED) | {"kodning.csv"}
    assert len({encoding for encoding, _, _ in files.values()}) == 1, "one encoding per delivery"
    for name, columns in HEADERS.items():
        if name in files:
            assert files[name][1] == columns, name
    tables = {name: rows for name, (_, _, rows) in files.items()}

    # enkat.csv
    match = DELIVERY_NAME.fullmatch(folder.name)
    assert match, folder.name
    [wave] = tables["enkat.csv"]
    assert wave["enkat_id"] == match["enkat"]
    assert wave["enhet"] in {"kommun", "part", "person"}
    oppnad, stangd = date.fromisoformat(wave["oppnad"]), date.fromisoformat(wave["stangd"])
    assert oppnad < stangd and 1 <= (date.fromisoformat(match["day"]) - stangd).days <= 14, "delivered after closing"

    # skalor.csv
    scales: dict[str, dict[str, bool]] = defaultdict(dict)
    for row in tables["skalor.csv"]:
        assert row["kod"].isdigit() and row["kod"] not in scales[row["skala_id"]]
        assert row["substantiell"] in ("J", "N") and row["etikett"]
        scales[row["skala_id"]][row["kod"]] = row["substantiell"] == "J"
    for scale_id in scales:
        orders = [int(r["ordning"]) for r in tables["skalor.csv"] if r["skala_id"] == scale_id]
        assert orders == list(range(1, len(orders) + 1)), scale_id

    # fragor.csv → the svar columns and what each may hold
    expected = ["respondent_id", "status", "besvarad"]
    allowed: dict[str, set[str] | re.Pattern[str] | None] = {}
    types: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for row in tables["fragor.csv"]:
        fraga, delfraga, typ, skala = row["fraga_id"], row["delfraga"], row["typ"], row["skala_id"]
        assert re.fullmatch(r"Q\d+", fraga) and (fraga, delfraga) not in seen and row["fragetext"]
        seen.add((fraga, delfraga))
        assert typ in {"enval", "flerval", "matris", "fritext", "tal"}
        assert types.setdefault(fraga, typ) == typ
        assert bool(delfraga) == (typ == "matris")
        if typ in ("enval", "matris", "flerval"):
            assert skala in scales, f"{fraga}: unknown scale {skala}"
        if row["villkor"]:
            other, code = re.fullmatch(r"(Q\d+)=(\d+)", row["villkor"]).groups()
            assert types.get(other) == "enval", f"{fraga}: condition on {other}, not an earlier enval"
            other_scale = next(r["skala_id"] for r in tables["fragor.csv"] if r["fraga_id"] == other)
            assert code in scales[other_scale]
        if typ == "enval":
            expected.append(fraga)
            allowed[fraga] = set(scales[skala]) | {""}
        elif typ == "matris":
            expected.append(f"{fraga}_{delfraga}")
            allowed[f"{fraga}_{delfraga}"] = set(scales[skala]) | {""}
        elif typ == "flerval":
            for kod in scales[skala]:
                expected.append(f"{fraga}_{kod}")
                allowed[f"{fraga}_{kod}"] = {"", "0", "1"}
        elif typ == "tal":
            expected.append(fraga)
            allowed[fraga] = TAL
        else:
            expected.append(fraga)
            allowed[fraga] = None
    assert files["svar.csv"][1] == expected

    # urval.csv
    counties = municipality_counties()
    urval = {}
    for row in tables["urval.csv"]:
        assert row["respondent_id"] not in urval, f"duplicate {row['respondent_id']} in urval"
        urval[row["respondent_id"]] = row
        assert row["utskick"] in ("ok", "felaktig_kontakt")
        assert row["aktorstyp"] in ORGANISATION_TYPES and row["organisation"]
        assert row["kommunkod"] == "" or row["kommunkod"] in counties
        assert re.fullmatch(r"\d{2}", row["lanskod"]) or not row["lanskod"]
        if row["kommunkod"] and row["lanskod"]:
            assert counties[row["kommunkod"]] == row["lanskod"]

    # svar.csv
    answered = set()
    for row in tables["svar.csv"]:
        rid = row["respondent_id"]
        assert rid not in answered, f"duplicate respondent {rid}"
        answered.add(rid)
        assert rid in urval and urval[rid]["utskick"] == "ok", f"{rid} answered but not (reachable) in urval"
        assert row["status"] in ("komplett", "delvis")
        assert oppnad <= datetime.strptime(row["besvarad"], TIMESTAMP).date() <= stangd
        for column, rule in allowed.items():
            value = row[column]
            if isinstance(rule, set):
                assert value in rule, f"{rid} {column}: {value!r} not on the scale"
            elif isinstance(rule, re.Pattern) and value:
                assert rule.fullmatch(value), f"{rid} {column}: {value!r} is not a number"

    # kodning.csv
    by_id = {row["respondent_id"]: row for row in tables["svar.csv"]}
    codings = [tuple(row.values()) for row in tables.get("kodning.csv", [])]
    assert len(codings) == len(set(codings)), "the same code twice for one answer"
    for row in tables.get("kodning.csv", []):
        assert types[row["fraga_id"]] == "fritext" and row["tema"] and row["kod"]
        assert by_id[row["respondent_id"]][row["fraga_id"]], "a code for an empty answer"
    return tables


def villkor_violations(tables: dict[str, list[dict[str, str]]]) -> list[str]:
    """Respondents who answered a question whose condition was false."""
    found = []
    for q in tables["fragor.csv"]:
        if not q["villkor"]:
            continue
        other, code = q["villkor"].split("=")
        found += [row["respondent_id"] for row in tables["svar.csv"] if row[q["fraga_id"]] and row[other] != code]
    return found


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def register_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("register") / "agreement_register"
    generate_register(folder, n_agreements=60, seed=3)
    return folder


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory, register_dir) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("surveys")
    paths = generate_surveys(out, register_dir, seed=1)
    return {path.name: path for path in paths}


@pytest.fixture(scope="module")
def by_survey(deliveries) -> dict[str, list[Path]]:
    grouped: dict[str, list[Path]] = defaultdict(list)
    for name, path in sorted(deliveries.items()):
        grouped[DELIVERY_NAME.fullmatch(name)["enkat"]].append(path)
    return grouped


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    return generate_large_survey(tmp_path_factory.mktemp("large"), n_respondents=400, n_questions=60, seed=2)


@pytest.fixture(scope="module")
def without_register(tmp_path_factory) -> list[Path]:
    return generate_surveys(tmp_path_factory.mktemp("no_register"), None, seed=4)


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- tests
def test_five_deliveries_of_three_surveys(deliveries, by_survey):
    assert len(deliveries) == 5
    assert {k: len(v) for k, v in by_survey.items()} == {"kommunenkat": 1, "dua_samverkan": 3, "parter": 1}
    assert (by_survey["kommunenkat"][0] / "kodning.csv").exists()


def test_every_delivery_follows_the_contract(deliveries, without_register, large):
    for path in [*deliveries.values(), *without_register, large]:
        check_delivery(path)


def test_encodings(by_survey):
    def encodings(folder: Path) -> set[str]:
        return {sniff(path.read_bytes()) for path in folder.glob("*.csv")}

    assert encodings(by_survey["kommunenkat"][0]) == {"utf-8-sig"}
    assert [encodings(folder) for folder in by_survey["dua_samverkan"]] == [{"utf-8-sig"}, {"utf-8"}, {"utf-8-sig"}]
    no_bom = (by_survey["dua_samverkan"][1] / "fragor.csv").read_bytes()
    assert "Nyanlända" in no_bom.decode("utf-8")

    parter = by_survey["parter"][0]
    assert encodings(parter) == {"cp1252"}
    scales = (parter / "skalor.csv").read_bytes()
    assert not scales.startswith(codecs.BOM_UTF8)
    with pytest.raises(UnicodeDecodeError):
        scales.decode("utf-8")
    text = scales.decode("cp1252")
    assert "Tillhör själv aktören" in text and "Ingen åsikt" in text
    assert "Försäkringskassan" in (parter / "fragor.csv").read_bytes().decode("cp1252")
    assert "Utifrån vilket perspektiv" in (parter / "fragor.csv").read_bytes().decode("cp1252")


def test_kommunenkat(by_survey):
    tables = check_delivery(by_survey["kommunenkat"][0])
    urval, svar = tables["urval.csv"], tables["svar.csv"]
    assert sorted(r["kommunkod"] for r in urval) == sorted(municipality_counties())
    assert {r["aktorstyp"] for r in urval} == {"kommun"}
    bounced = sum(r["utskick"] == "felaktig_kontakt" for r in urval)
    assert 2 <= bounced <= 20
    assert 0.65 <= len(svar) / (len(urval) - bounced) <= 0.85
    assert 1 <= sum(r["status"] == "delvis" for r in svar) <= 30

    fragor = {(q["fraga_id"], q["delfraga"]): q for q in tables["fragor.csv"]}
    assert {q["typ"] for q in fragor.values()} == {"enval", "flerval", "matris", "fritext", "tal"}
    labels = {(s["skala_id"], s["etikett"]): s for s in tables["skalor.csv"]}
    assert labels[("JNV", "Vet inte")]["substantiell"] == "N" and labels[("JNV", "Ja")]["kod"] == "1"
    matris_scale = next(q["skala_id"] for q in fragor.values() if q["typ"] == "matris")
    assert labels[(matris_scale, "Vet ej/ingen åsikt")]["substantiell"] == "N"
    non_substantive = labels[(matris_scale, "Vet ej/ingen åsikt")]["kod"]
    matris_columns = [f"{f}_{d}" for f, d in fragor if d]
    assert any(row[c] == non_substantive for row in svar for c in matris_columns)

    [conditional] = [q for q in fragor.values() if q["villkor"]]
    assert conditional["villkor"] == "Q1=1"
    assert 3 <= len(villkor_violations(tables)) <= 10
    asked = [row for row in svar if row["Q1"] == "1"]
    assert sum(bool(row[conditional["fraga_id"]]) for row in asked) > 0.8 * len(asked)

    tal = [row[f] for row in svar for (f, _), q in fragor.items() if q["typ"] == "tal" and row[f]]
    assert any("," in value for value in tal) and any("," not in value for value in tal)
    texts = [row[f] for row in svar for (f, _), q in fragor.items() if q["typ"] == "fritext" and row[f]]
    joined = "\n".join(texts)
    assert all(marker in joined for marker in ("å", "ä", "ö", '"', ";"))
    assert any("\n" in text for text in texts)

    coded = Counter((r["respondent_id"], r["fraga_id"], r["tema"]) for r in tables["kodning.csv"])
    assert max(coded.values()) >= 2, "some answer should carry two codes of one theme"
    assert len({r["tema"] for r in tables["kodning.csv"]}) >= 4


def test_dua_samverkan_waves(by_survey):
    waves = [check_delivery(folder) for folder in by_survey["dua_samverkan"]]
    assert [w["enkat.csv"][0]["omgang"] for w in waves] == ["2021", "2022", "2023"]
    assert {w["enkat.csv"][0]["enhet"] for w in waves} == {"kommun"}
    ids = [{q["fraga_id"] for q in w["fragor.csv"]} for w in waves]
    texts = [{q["fraga_id"]: q["fragetext"] for q in w["fragor.csv"]} for w in waves]
    added = ids[1] - ids[0]
    assert len(added) == 1 and ids[0] <= ids[1]
    assert len(ids[1] & ids[2]) >= 0.8 * len(ids[2])
    [renamed] = [q for q in waves[2]["fragor.csv"] if q["jamforbar_med"]]
    old = renamed["jamforbar_med"]
    assert old in ids[1] and old not in ids[2] and renamed["fraga_id"] not in ids[0] | ids[1]
    assert renamed["fragetext"] != texts[1][old]
    assert ids[2] == ids[1] - {old} | {renamed["fraga_id"]}
    assert not any(q["jamforbar_med"] for w in waves[:2] for q in w["fragor.csv"])

    # the two target groups: every question about unga has a twin about nyanlända
    for wave_texts in texts:
        stems = defaultdict(set)
        for text in wave_texts.values():
            group, _, stem = text.partition(": ")
            stems[group].add(stem)
        assert "Unga 16–24 år" in stems and "Nyanlända" in stems
        assert len(stems["Unga 16–24 år"]) == len(stems["Nyanlända"]) >= 3

    # the same municipalities each wave, new respondent ids, and answers that drift a little
    assert len({frozenset(r["kommunkod"] for r in w["urval.csv"]) for w in waves}) == 1
    respondent_sets = [{r["respondent_id"] for r in w["urval.csv"]} for w in waves]
    assert not respondent_sets[0] & respondent_sets[1] and not respondent_sets[1] & respondent_sets[2]

    def share_agreeing(wave, question):
        values = [row[question] for row in wave["svar.csv"] if row[question] in ("1", "2", "3", "4")]
        return sum(v in ("1", "2") for v in values) / len(values)

    assert share_agreeing(waves[0], "Q1") != share_agreeing(waves[2], "Q1")
    assert share_agreeing(waves[0], "Q1") < share_agreeing(waves[2], "Q1")


def latest_register(register_dir: Path) -> dict[str, list[dict[str, str]]]:
    folder = sorted(p for p in register_dir.iterdir() if p.name.startswith("overenskommelser_"))[-1]
    return {
        name: read_table(folder / name)[2]
        for name in ("overenskommelser.csv", "overenskommelse_kommuner.csv", "overenskommelse_parter.csv")
    }


def test_party_frame_from_register(by_survey, register_dir):
    tables = check_delivery(by_survey["parter"][0])
    assert tables["enkat.csv"][0]["enhet"] == "person"
    register = latest_register(register_dir)
    agreements = {
        a["overenskommelse_id"]: a
        for a in register["overenskommelser.csv"]
        if a["niva"] in ("regional", "lokal", "kommunlokal", "flerkommunal") and a["status"] in ("tecknad", "reviderad")
    }
    covered = defaultdict(set)
    for row in register["overenskommelse_kommuner.csv"]:
        covered[row["overenskommelse_id"]].add(row["kommunkod"].zfill(4))
    parties = {
        (p["overenskommelse_id"], p["organisation"], p["organisationstyp"])
        for p in register["overenskommelse_parter.csv"]
        if p["overenskommelse_id"] in agreements
    }
    persons = Counter((r["overenskommelse_id"], r["organisation"], r["aktorstyp"]) for r in tables["urval.csv"])
    assert set(persons) == parties
    assert set(persons.values()) <= {1, 2, 3} and len(set(persons.values())) > 1
    assert {agreements[a]["niva"] for a, _, _ in persons} >= {"regional", "lokal"}
    for row in tables["urval.csv"]:
        agreement = agreements[row["overenskommelse_id"]]
        if agreement["niva"] == "regional":
            assert row["kommunkod"] == "" and row["lanskod"] == agreement["lanskod"]
        elif covered[row["overenskommelse_id"]]:
            assert row["kommunkod"] in covered[row["overenskommelse_id"]]
    bounced = sum(r["utskick"] == "felaktig_kontakt" for r in tables["urval.csv"])
    assert 0 < bounced < 0.2 * len(tables["urval.csv"])

    # the matris: one row per actor type, own type answered "Tillhör själv aktören"
    labels = {s["etikett"]: s for s in tables["skalor.csv"] if s["skala_id"] == "SAMV"}
    own, absent = labels["Tillhör själv aktören"], labels["Medverkar inte i samverkan"]
    assert own["substantiell"] == absent["substantiell"] == "N"
    rows = {q["fragetext"]: f"{q['fraga_id']}_{q['delfraga']}" for q in tables["fragor.csv"] if q["typ"] == "matris"}
    assert {"Arbetsförmedlingen", "Kommunen", "Regionen", "Försäkringskassan"} <= set(rows)
    urval = {r["respondent_id"]: r for r in tables["urval.csv"]}
    af = [
        row[rows["Arbetsförmedlingen"]]
        for row in tables["svar.csv"]
        if urval[row["respondent_id"]]["aktorstyp"] == "arbetsformedlingen" and row[rows["Arbetsförmedlingen"]]
    ]
    assert sum(code == own["kod"] for code in af) > 0.8 * len(af)
    assert any(row[column] == absent["kod"] for row in tables["svar.csv"] for column in rows.values())


def test_party_frame_from_zipped_register(tmp_path, by_survey):
    register = tmp_path / "register"
    generate_register(register, n_agreements=60, seed=3, as_zip=True)
    [*_, parter] = generate_surveys(tmp_path / "out", register, seed=1)
    assert all_bytes(parter) == all_bytes(by_survey["parter"][0])


def test_party_frame_without_register(without_register):
    tables = check_delivery(without_register[-1])
    assert tables["enkat.csv"][0]["enkat_id"] == "parter"
    assert 20 <= len(tables["urval.csv"]) <= 200
    assert {r["aktorstyp"] for r in tables["urval.csv"]} >= {"kommun", "arbetsformedlingen", "region_landsting"}


def test_deterministic(tmp_path, register_dir, deliveries):
    again = generate_surveys(tmp_path / "again", register_dir, seed=1)
    for path in again:
        assert all_bytes(path) == all_bytes(deliveries[path.name]), path.name
    other = generate_surveys(tmp_path / "other", register_dir, seed=2)
    assert [all_bytes(p) for p in other] != [all_bytes(deliveries[p.name]) for p in again]
    first = generate_large_survey(tmp_path / "l1", 50, 10, seed=5)
    assert all_bytes(first) == all_bytes(generate_large_survey(tmp_path / "l2", 50, 10, seed=5))


def test_same_bytes_whatever_the_hash_seed(tmp_path):
    """Nothing may depend on set or dict-of-set order, which changes with PYTHONHASHSEED between processes."""
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-m", "ingestion.synthetic.survey", "--out", str(out), "--seed", "3"],
            check=True,
            env=env,
            cwd=config.PROJECT_ROOT,
            capture_output=True,
        )
        outputs.append(all_bytes(out))
    assert outputs[0] == outputs[1]


def test_large_survey_has_the_requested_size(large):
    tables = check_delivery(large)
    assert len(tables["svar.csv"]) == 400
    assert len({q["fraga_id"] for q in tables["fragor.csv"]}) == 60
    assert {q["typ"] for q in tables["fragor.csv"]} == {"enval", "flerval", "matris", "fritext", "tal"}
    assert len(tables["urval.csv"]) > 400
    assert not villkor_violations(tables)


def test_cli(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "s"), "--seed", "7"]) == 0
    assert len(capsys.readouterr().out.split()) == 5
    assert main(["--out", str(tmp_path / "l"), "--large", "30", "--questions", "8"]) == 0
    [folder] = (tmp_path / "l").iterdir()
    tables = check_delivery(folder)
    assert len(tables["svar.csv"]) == 30 and len({q["fraga_id"] for q in tables["fragor.csv"]}) == 8


def test_the_parser_accepts_every_generated_delivery(deliveries, without_register, tmp_path):
    from ingestion.sources.survey import rules as survey

    large = generate_large_survey(tmp_path, n_respondents=300, n_questions=40, seed=3)
    for path in [*deliveries.values(), *without_register, large]:
        problems = survey.validate_delivery(path)
        assert problems == [], f"{path.name}: {[str(p) for p in problems][:5]}"
