"""Tests of the synthetic agreement register (ingestion.synthetic.register).

The contract rules are checked here by code of their own (not by ingestion.sources.agreement_register), so a bug in the
generator and the same bug in the validator cannot hide each other.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from ingestion.core import config
from ingestion.synthetic.register import DEFAULT_SNAPSHOT_DATES, generate_register, main

HEADERS = {
    "overenskommelser.csv": "overenskommelse_id;namn;niva;overordnad_id;lanskod;tecknad_datum;giltig_from;"
    "giltig_tom;status;senast_reviderad;mall;uppfoljning;har_mal;har_uppfoljningsprocess;"
    "malgrupp_arbetsgivare;malgrupp_arbetssokande;samordning_etablering;registrerad",
    "overenskommelse_kommuner.csv": "overenskommelse_id;kommunkod;tackning",
    "overenskommelse_parter.csv": "overenskommelse_id;organisation;organisationstyp;roll",
    "overenskommelse_malgrupper.csv": "overenskommelse_id;malgrupp",
}
ENUMS = {
    "niva": {"central", "regional", "flerkommunal", "lokal", "kommunlokal"},
    "status": {"utkast", "tecknad", "reviderad", "upphord"},
    "uppfoljning": {"halvar", "ar", "annan", "saknas", ""},
    "tackning": {"egen", "hangavtal", "gemensam_styrgrupp"},
    "roll": {"undertecknare", "namnd", "sammankallande", "uppfoljningsansvarig"},
    "organisationstyp": {
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
    },
    "malgrupp": {
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
    },
}
FLAGS = [
    "har_mal",
    "har_uppfoljningsprocess",
    "malgrupp_arbetsgivare",
    "malgrupp_arbetssokande",
    "samordning_etablering",
]
DATES = ["tecknad_datum", "giltig_from", "giltig_tom", "senast_reviderad"]


def _codes(file_name: str, column: str) -> set[str]:
    with open(config.REFERENCE_DIR / file_name, encoding="utf-8", newline="") as f:
        return {row[column] for row in csv.DictReader(f)}


MUNICIPALITIES = _codes("municipalities.csv", "municipality_code")
COUNTIES = _codes("counties.csv", "county_code")
with open(config.REFERENCE_DIR / "municipalities.csv", encoding="utf-8", newline="") as _f:
    COUNTY_OF = {row["municipality_code"]: row["county_code"] for row in csv.DictReader(_f)}


def read(folder: Path) -> dict[str, list[dict[str, str]]]:
    texts = {name: (folder / name).read_bytes().decode("utf-8-sig") for name in HEADERS}
    return {name: list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";")) for name, text in texts.items()}


def snapshot_of(folder: Path) -> date:
    return date.fromisoformat(folder.name.removeprefix("overenskommelser_").removesuffix(".zip"))


def contract_problems(folder: Path) -> set[str]:
    """Every contract rule (plus the enums and row formats), as a set of rule names that are broken."""
    t, snapshot, broken = read(folder), snapshot_of(folder), set()
    agreements = t["overenskommelser.csv"]
    ids = Counter(a["overenskommelse_id"] for a in agreements)
    if any(n > 1 for n in ids.values()):
        broken.add("duplicate_id")
    for name in list(HEADERS)[1:]:
        if any(r["overenskommelse_id"] not in ids for r in t[name]):
            broken.add("unknown_id")
    coverage: dict[str, set[str]] = {}
    for r in t["overenskommelse_kommuner.csv"]:
        code = r["kommunkod"].zfill(4)
        if code not in MUNICIPALITIES or len(r["kommunkod"]) < 3:
            broken.add("bad_kommunkod")
        else:
            coverage.setdefault(r["overenskommelse_id"], set()).add(code)
        if r["tackning"] not in ENUMS["tackning"]:
            broken.add("enum")
    parents = {}
    for a in agreements:
        if a["niva"] not in ENUMS["niva"] or a["status"] not in ENUMS["status"] or not a["namn"]:
            broken.add("enum")
        if a["uppfoljning"] not in ENUMS["uppfoljning"] or any(a[f] not in ("J", "N", "") for f in FLAGS):
            broken.add("enum")
        if a["lanskod"] and a["lanskod"] not in COUNTIES:
            broken.add("bad_lanskod")
        if a["niva"] == "regional" and not a["lanskod"]:
            broken.add("regional_without_lanskod")
        if a["niva"] in ("lokal", "kommunlokal", "flerkommunal") and a["status"] in ("tecknad", "reviderad"):
            if len(coverage.get(a["overenskommelse_id"], ())) < (2 if a["niva"] == "flerkommunal" else 1):
                broken.add("too_few_municipalities")
        d = {c: date.fromisoformat(a[c]) if a[c] else None for c in DATES}
        if d["giltig_from"] and d["giltig_tom"] and d["giltig_tom"] < d["giltig_from"]:
            broken.add("tom_before_from")
        if d["tecknad_datum"] and d["tecknad_datum"] > snapshot:
            broken.add("signed_after_snapshot")
        if a["registrerad"] != f"{snapshot.isoformat()} 02:00:00":
            broken.add("registrerad")
        if a["overordnad_id"]:
            if a["overordnad_id"] not in ids:
                broken.add("unknown_parent")
            parents[a["overenskommelse_id"]] = a["overordnad_id"]
    for start in parents:
        seen, node = set(), start
        while node in parents and node not in seen:
            seen.add(node)
            node = parents[node]
        if node == start:
            broken.add("cycle")
    parties = [(r["overenskommelse_id"], r["organisation"], r["roll"]) for r in t["overenskommelse_parter.csv"]]
    if len(parties) != len(set(parties)):
        broken.add("party_twice_in_role")
    if any(
        r["roll"] not in ENUMS["roll"]
        or r["organisationstyp"] not in ENUMS["organisationstyp"]
        or not r["organisation"]
        for r in t["overenskommelse_parter.csv"]
    ):
        broken.add("enum")
    if any(r["malgrupp"] not in ENUMS["malgrupp"] for r in t["overenskommelse_malgrupper.csv"]):
        broken.add("enum")
    return broken


def test_the_checks_here_agree_with_the_hand_made_fixtures():
    fixtures = Path(__file__).parents[1] / "fixtures" / "agreement_register"
    for name in ("overenskommelser_2024-06-30", "overenskommelser_2024-12-31"):
        assert contract_problems(fixtures / name) == set()
    assert contract_problems(fixtures / "invalid" / "overenskommelser_2025-01-31") == {
        "unknown_id",
        "bad_kommunkod",
        "too_few_municipalities",
        "cycle",
    }


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> list[Path]:
    """300 agreements over the default eight snapshots, plus the invalid delivery (last)."""
    return generate_register(tmp_path_factory.mktemp("register"), n_agreements=300, seed=7, invalid=True)


@pytest.fixture(scope="module")
def valid(register) -> list[Path]:
    return register[:-1]


def _all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        generate_register(tmp_path / name, n_agreements=150, seed=seed, invalid=True)
    assert _all_bytes(tmp_path / "a") == _all_bytes(tmp_path / "b")
    assert _all_bytes(tmp_path / "a") != _all_bytes(tmp_path / "c")


def test_one_folder_per_snapshot_with_the_contract_file_format(register):
    expected = [f"overenskommelser_{d.isoformat()}" for d in [*DEFAULT_SNAPSHOT_DATES, date(2026, 1, 31)]]
    assert [p.name for p in register] == expected
    for folder in register:
        assert sorted(p.name for p in folder.iterdir()) == sorted(HEADERS)
        for name, header in HEADERS.items():
            data = (folder / name).read_bytes()
            assert data.startswith(b"\xef\xbb\xbf" + header.encode() + b"\r\n")
            assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n")  # CRLF only
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
            assert len(rows) > 1 and all(len(row) == header.count(";") + 1 for row in rows)


def test_zip_deliveries_hold_the_folder(tmp_path):
    folders = generate_register(tmp_path / "plain", n_agreements=80, seed=2)
    zips = generate_register(tmp_path / "zip", n_agreements=80, seed=2, as_zip=True)
    assert [z.name for z in zips] == [f.name + ".zip" for f in folders]
    for folder, archive in zip(folders, zips, strict=True):
        with zipfile.ZipFile(archive) as z:
            assert {n: z.read(n) for n in z.namelist()} == {
                f"{folder.name}/{n}": (folder / n).read_bytes() for n in HEADERS
            }


@pytest.mark.parametrize("n", [300, 800])
def test_scale_and_speed(tmp_path, n):
    started = time.perf_counter()
    paths = generate_register(tmp_path, n_agreements=n, seed=11)
    assert time.perf_counter() - started < 5
    sizes = [len(read(p)["overenskommelser.csv"]) for p in paths]
    assert abs(sizes[-1] - n) <= 0.05 * n
    assert sizes[0] < sizes[-1]  # the register grows


def test_every_valid_snapshot_obeys_the_contract(valid):
    for folder in valid:
        assert contract_problems(folder) == set(), folder.name


def test_register_looks_like_the_real_one(valid):
    t = read(valid[-1])
    agreements = {a["overenskommelse_id"]: a for a in t["overenskommelser.csv"]}
    kommuner, parter, grupper = (t[f"overenskommelse_{n}.csv"] for n in ("kommuner", "parter", "malgrupper"))
    levels = Counter(a["niva"] for a in agreements.values())
    assert levels["central"] >= 1 and levels["flerkommunal"] >= 5 and levels["kommunlokal"] >= 10
    current_regional = {
        a["lanskod"] for a in agreements.values() if a["niva"] == "regional" and a["status"] != "upphord"
    }
    assert len(current_regional) >= 15
    assert set(Counter(a["status"] for a in agreements.values())) == ENUMS["status"]
    assert {"Samverkansmodellen 2022", "egen", "Dua unga 2015", "Dua nyanlända 2017"} <= {
        a["mall"] for a in agreements.values()
    }
    assert all(
        a["status"] == "upphord" and a["giltig_tom"] < "2024"
        for a in agreements.values()
        if a["mall"].startswith("Dua")
    )
    assert {i.split("-")[0] for i in agreements} == {"ÖK", "RÖK", "LÖK"}
    assert all(not a["tecknad_datum"] and not a["giltig_from"] for a in agreements.values() if a["status"] == "utkast")
    cadence = Counter(a["uppfoljning"] for a in agreements.values() if a["mall"] == "Samverkansmodellen 2022")
    assert cadence.most_common(1)[0][0] == "halvar" and len(cadence) >= 4
    covered = {r["overenskommelse_id"] for r in kommuner}
    assert not covered & {i for i, a in agreements.items() if a["niva"] == "central"}
    for i in {i for i, a in agreements.items() if a["niva"] == "flerkommunal"} & covered:
        codes = [r["kommunkod"].zfill(4) for r in kommuner if r["overenskommelse_id"] == i]
        assert 2 <= len(codes) and len({COUNTY_OF[c] for c in codes}) == 1
    short = sum(len(r["kommunkod"]) == 3 for r in kommuner) / len(kommuner)
    assert 0.01 < short < 0.06
    assert {"egen", "hangavtal", "gemensam_styrgrupp"} == {r["tackning"] for r in kommuner}
    af = {r["organisation"] for r in parter if r["organisationstyp"] == "arbetsformedlingen"}
    assert {"Arbetsförmedlingen", "Arbetsformedlingen"} <= af and any(n.startswith("Af ") for n in af)
    assert any(r["organisation"].endswith("s stad") for r in parter)
    assert any(r["organisation"].endswith("kommun, socialförvaltningen") for r in parter)
    assert {"forsakringskassan", "migrationsverket", "region_landsting"} <= {
        r["organisationstyp"] for r in parter if r["roll"] == "namnd"
    }
    groups = Counter(r["overenskommelse_id"] for r in grupper)
    assert set(groups.values()) <= {2, 3, 4}
    assert all(
        "behovsbaserad" in {r["malgrupp"] for r in grupper if r["overenskommelse_id"] == i}
        for i, a in agreements.items()
        if a["mall"] == "Samverkansmodellen 2022"
    )
    raw = (valid[-1] / "overenskommelser.csv").read_bytes().decode("utf-8-sig")
    assert all(ch in raw for ch in "–,åäöÅÄÖ")
    assert "É" in (valid[-1] / "overenskommelse_parter.csv").read_text(encoding="utf-8-sig")
    assert '";' in raw or '"\r\n' in raw  # a field with ; or " is quoted


def test_history_evolves(valid):
    snapshots = [{a["overenskommelse_id"]: a for a in read(p)["overenskommelser.csv"]} for p in valid]
    added = removed = changed = signed = ended = revised = cadence = 0
    gone: set[str] = set()
    for before, after in zip(snapshots, snapshots[1:], strict=False):
        assert not gone & set(after), "a removed agreement came back"
        gone |= set(before) - set(after)
        added += len(set(after) - set(before))
        removed += len(set(before) - set(after))
        for i in set(before) & set(after):
            old, new = (dict(x, registrerad="") for x in (before[i], after[i]))
            changed += old != new
            signed += (
                old["status"] == "utkast"
                and new["status"] == "tecknad"
                and bool(new["giltig_from"] or new["tecknad_datum"])
            )
            ended += old["status"] != "upphord" and new["status"] == "upphord"
            revised += new["senast_reviderad"] > old["senast_reviderad"]
            cadence += old["uppfoljning"] != new["uppfoljning"]
            assert not (old["status"] == "upphord" and new["status"] != "upphord")
    assert added > 30 and removed >= 5 and changed > 30 and signed >= 3 and ended >= 5
    assert revised >= 10 and cadence >= 3


def test_invalid_delivery_breaks_the_rules(register):
    assert contract_problems(register[-1]) >= {
        "unknown_id",
        "bad_kommunkod",
        "cycle",
        "unknown_parent",
        "tom_before_from",
        "signed_after_snapshot",
        "regional_without_lanskod",
        "duplicate_id",
        "too_few_municipalities",
    }
    assert snapshot_of(register[-1]) > snapshot_of(register[-2])


def test_project_validator_agrees(register):
    from ingestion.sources.agreement_register import rules as validator

    for folder in register[:-1]:
        assert validator.validate_delivery(folder) == [], folder.name
    assert len(validator.validate_delivery(register[-1])) >= 9


def test_cli(tmp_path, capsys):
    assert (
        main(
            [
                "--out",
                str(tmp_path),
                "--agreements",
                "60",
                "--seed",
                "5",
                "--invalid",
                "--dates",
                "2024-06-30,2024-12-31",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "invalid",
        "overenskommelser_2024-06-30",
        "overenskommelser_2024-12-31",
    ]
    assert [p.name for p in (tmp_path / "invalid").iterdir()] == ["overenskommelser_2025-01-31"]
    assert "overenskommelser_2025-01-31" in capsys.readouterr().out
    assert contract_problems(tmp_path / "overenskommelser_2024-12-31") == set()
