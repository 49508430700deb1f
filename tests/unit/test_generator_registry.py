"""Tests of the synthetic registry extracts (ingestion.synthetic.registry).

The files are read back by code of this test's own (bytes, CRLF, ``|`` and ``;`` splitting, the
personnummer's date and Luhn check written out again here), not by the warehouse's parser or by the
generator's helpers, so a bug in the generator cannot hide behind the same bug elsewhere.
"""

from __future__ import annotations

import codecs
import gzip
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from ingestion.core.reference import municipality_codes
from ingestion.synthetic import registry as generator_registry
from ingestion.synthetic.registry import generate_registry, main, write_jobseeker_month

SOKANDE_HEADER = (
    "PNR|MANAD|KOMMUNKOD|KON|FODELSEAR|FODELSEREGION|SOKANDEKATEGORI|ETABLERING|FUNKTIONSNEDSATTNING|"
    "EKONOMISKT_BISTAND|INSKRIVNINGSDATUM|AVAKTUALISERINGSDATUM|AVAKTUALISERINGSORSAK|PROJEKTKOD"
)
JOBBSPAR_HEADER = "projektkod;namn;kommunkoder;typ;bransch;startdatum;slutdatum;status;antal_arbetsgivare"
DELTAGARE_HEADER = "projektkod;PNR;startdatum;slutdatum;avbrott;aktivitet_efter"
# The contract's code lists, written out here (kod → grupp / utfall).
CATEGORY_GROUPS = {
    "11": "oppet_arbetslos",
    "14": "program_med_aktivitetsstod",
    "15": "program_med_aktivitetsstod",
    "21": "deltid_timanstalld",
    "22": "deltid_timanstalld",
    "31": "arbete_med_stod",
    "32": "arbete_med_stod",
    "41": "ovriga",
}
REASON_OUTCOMES = {
    "01": "arbete",
    "02": "arbete",
    "03": "studier",
    "04": "okand",
    "05": "annan_kontakt",
    "06": "ovrigt",
    "07": "ovrigt",
}
AFTER = {"osubventionerat_arbete", "subventionerat_arbete", "studier", "annat_jobbspar", "arbetsloshet", "ovrigt"}
PNR_FORM = re.compile(r"(\d{8})-?(\d{4})")
PROJEKTKOD = re.compile(r"JS-(\d{4})-\d{4}")
MONTHS = ["202401", "202402", "202403"]
ROWS = 5_000
BAD = 5  # 0.1 % of 5 000: one of each kind of break per month


# ---------------------------------------------------------------- reading, independently of the generator
def luhn_ok(ten_digits: str) -> bool:
    """The Luhn check of a personnummer's last ten digits (weights 2, 1, 2, … from the left)."""
    total = 0
    for i, char in enumerate(ten_digits[:9]):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == int(ten_digits[9])


def is_samordning(text: str) -> bool:
    """A samordningsnummer writes the day of birth + 60 (the contract)."""
    return int(pnr_key(text)[6:8]) > 60


def real_date(yyyymmdd: str) -> bool:
    """A real date, a samordningsnummer's day + 60 taken as its day."""
    day = int(yyyymmdd[6:8])
    try:
        date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        return False
    return True


def pnr_ok(text: str) -> bool:
    match = PNR_FORM.fullmatch(text)
    if not match:
        return False
    digits = match[1] + match[2]
    return real_date(digits[:8]) and luhn_ok(digits[2:])


def pnr_key(text: str) -> str:
    return text.replace("-", "")


def month_bounds(month: str) -> tuple[date, date]:
    first = date(int(month[:4]), int(month[4:]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def iso_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def read_sokande(path: Path) -> list[list[str]]:
    """The rows (header checked and dropped) of a sokande file: Windows-1252, CRLF, ``|``, no quoting."""
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        assert raw[:2] == b"\x1f\x8b", f"{path.name} is not gzip"
        raw = gzip.decompress(raw)
    assert not raw.startswith(codecs.BOM_UTF8)
    text = raw.decode("cp1252")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "") and '"' not in text, path.name
    lines = text[:-2].split("\r\n")
    assert lines[0] == SOKANDE_HEADER
    rows = [line.split("|") for line in lines[1:]]
    assert all(len(row) == 14 for row in rows), f"{path.name}: a row without 14 fields"
    return rows


def read_semicolon(path: Path, header: str) -> list[dict[str, str]]:
    """A jobbspar file: UTF-8 with BOM, CRLF, ``;`` (no field needs quoting)."""
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), path.name
    text = raw[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "") and '"' not in text, path.name
    lines = text[:-2].split("\r\n")
    assert lines[0] == header
    names = header.split(";")
    rows = [line.split(";") for line in lines[1:]]
    assert all(len(row) == len(names) for row in rows), path.name
    return [dict(zip(names, row, strict=True)) for row in rows]


def row_errors(row: list[str], month: str) -> list[str]:
    """The contract's rules (and the generator's promises) that a sokande row breaks."""
    (pnr, manad, kommun, kon, fodelsear, region, category, etab, funk, eb, inskr, avakt, reason, projekt) = row
    errors = []
    if not pnr_ok(pnr):
        errors.append("pnr")
    if manad != month:
        errors.append("manad")
    if not (kommun.isdigit() and len(kommun) in (3, 4) and kommun.zfill(4) in municipality_codes()):
        errors.append("kommunkod")
    if category and category not in CATEGORY_GROUPS:
        errors.append("category")
    if reason and reason not in REASON_OUTCOMES:
        errors.append("reason")
    if errors:
        return errors
    # the rest must hold on every row that is otherwise valid
    first, last = month_bounds(month)
    assert kon in ("K", "M") and region in ("SE", "EU", "UE"), row
    assert {etab, funk, eb} <= {"J", "N"}, row
    assert fodelsear == pnr[:4] and 16 <= int(month[:4]) - int(fodelsear) <= 66, row
    assert int(pnr_key(pnr)[10]) % 2 == (kon == "M"), "the serial's third digit is odd for men"
    start = iso_or_none(inskr)
    assert start is not None and start <= last, row
    if avakt:
        ended = iso_or_none(avakt)
        assert ended is not None and first <= ended <= last and ended >= start, row
        assert reason and not category and not projekt, row
    else:
        assert not reason and category, row
    assert category != "15" or etab == "J", row
    assert not projekt or PROJEKTKOD.fullmatch(projekt), row
    return []


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("registry")
    generate_registry(
        out, MONTHS, rows_per_month=ROWS, seed=7, gzip_months={"202402"}, bad_rows_per_month=BAD, invalid_month="202403"
    )
    return out


def sokande_path(out: Path, month: str) -> Path:
    [path] = [p for p in out.glob(f"sokande_{month}.txt*")]
    return path


def valid_rows(out: Path) -> dict[str, list[list[str]]]:
    return {m: [r for r in read_sokande(sokande_path(out, m)) if not row_errors(r, m)] for m in MONTHS}


@pytest.fixture(scope="module")
def valid(extracts) -> dict[str, list[list[str]]]:
    """The rows of each month that follow the contract."""
    return valid_rows(extracts)


# ---------------------------------------------------------------- tests
def test_own_luhn_check_is_right():
    assert luhn_ok("8112189876") and not luhn_ok("8112189875")
    assert pnr_ok("19811218-9876") and not pnr_ok("19810230-9876") and not pnr_ok("1981121898")
    assert pnr_ok("19811278-9873") and not pnr_ok("19811292-9875") and not pnr_ok("19811245-9873")


def test_a_share_of_the_newly_arrived_have_a_samordningsnummer(valid):
    """About 30 % of those who enter etableringsprogrammet (born outside Sweden) have a samordningsnummer, in
    both spellings; nobody else has one."""
    for month, rows in valid.items():
        samordning = [r for r in rows if is_samordning(r[0])]
        assert 0.005 * len(rows) < len(samordning) < 0.04 * len(rows), (month, len(samordning))
        assert all(r[5] in ("UE", "EU") for r in samordning)
        in_programme = [r for r in rows if r[7] == "J"]
        share = sum(is_samordning(r[0]) for r in in_programme) / len(in_programme)
        assert 0.2 < share < 0.4, (month, share)
        assert any("-" in r[0] for r in samordning) and any("-" not in r[0] for r in samordning)


def test_files(extracts):
    names = {p.relative_to(extracts).as_posix() for p in extracts.rglob("*") if p.is_file()}
    assert names == {
        "sokandekategorier.csv",
        "avaktualiseringsorsaker.csv",
        "invalid/sokande_202403.txt",
        "sokande_202401.txt",
        "sokande_202402.txt.gz",
        "sokande_202403.txt",
        *(f"jobbspar_{m}.csv" for m in MONTHS),
        *(f"jobbspar_deltagare_{m}.csv" for m in MONTHS),
    }


def test_code_lists(extracts):
    for name, header, expected in (
        ("sokandekategorier.csv", "kod;benamning;grupp", CATEGORY_GROUPS),
        ("avaktualiseringsorsaker.csv", "kod;benamning;utfall", REASON_OUTCOMES),
    ):
        raw = (extracts / name).read_bytes()
        assert not raw.startswith(codecs.BOM_UTF8)
        lines = raw.decode("utf-8").splitlines()
        assert lines[0] == header
        rows = [line.split(";") for line in lines[1:]]
        assert {kod: last for kod, _, last in rows} == expected and all(benamning for _, benamning, _ in rows)
    assert "Öppet arbetslös" in (extracts / "sokandekategorier.csv").read_text(encoding="utf-8")


def test_every_row_follows_the_contract_except_the_bad_ones(extracts):
    kinds: Counter[str] = Counter()
    for month in MONTHS:
        rows = read_sokande(sokande_path(extracts, month))
        errors = [row_errors(row, month) for row in rows]
        assert sum(1 for e in errors if not e) == ROWS
        assert sum(1 for e in errors if e) == BAD <= 0.001 * len(rows)
        for row, error in zip(rows, errors, strict=True):
            if error == ["pnr"]:  # a real date with a wrong check digit, or an impossible date
                digits = pnr_key(row[0])
                kinds["date" if not real_date(digits[:8]) else "check digit"] += 1
                assert len(digits) == 12 and (not real_date(digits[:8]) or not luhn_ok(digits[2:]))
            elif error:
                kinds.update(error)
    assert kinds == {kind: len(MONTHS) for kind in ("check digit", "date", "manad", "kommunkod", "category")}


def test_invalid_month_has_too_many_bad_rows(extracts, valid):
    rows = read_sokande(extracts / "invalid" / "sokande_202403.txt")
    bad = sum(1 for row in rows if row_errors(row, "202403"))
    assert bad > 0.001 * len(rows) and 0.03 < bad / len(rows) < 0.07
    # the valid rows are the month's own rows
    valid_here = {tuple(r) for r in rows if not row_errors(r, "202403")}
    assert valid_here == {tuple(r) for r in valid["202403"]}


def test_persons_unique_within_a_month_and_same_pnr_across_months(valid):
    months = valid
    by_key: dict[str, tuple[str, str, str, str]] = {}
    for rows in months.values():
        keys = [pnr_key(r[0]) for r in rows]
        assert len(set(keys)) == len(keys), "a person twice in one month"
        for r in rows:
            # one spelling and the same birth year, sex and region of birth in every month
            assert by_key.setdefault(pnr_key(r[0]), (r[0], r[3], r[4], r[5])) == (r[0], r[3], r[4], r[5])


def test_panel_leavers_leave_stayers_stay(valid):
    months = valid
    for before, after in zip(MONTHS, MONTHS[1:], strict=False):
        now = {r[0]: r for r in months[after]}
        left = [r for r in months[before] if r[11]]
        stayed = [r for r in months[before] if not r[11]]
        assert 0.06 < len(left) / ROWS < 0.12
        assert not any(r[0] in now for r in left), "someone who left is back the next month"
        assert all(r[0] in now and now[r[0]][10] == r[10] for r in stayed), "a stayer vanished or re-registered"
        first, _ = month_bounds(after)
        stayers = {r[0] for r in stayed}
        new = [r for r in months[after] if r[0] not in stayers]
        assert new and all(date.fromisoformat(r[10]) >= first for r in new), "newcomers register in the month"


def test_shares_are_plausible(tmp_path):
    generate_registry(tmp_path, ["202406", "202407"], rows_per_month=20_000, seed=3, jobtracks=False)
    rows = read_sokande(tmp_path / "sokande_202407.txt")
    n = len(rows)
    registered = [r for r in rows if r[6]]
    category = Counter(r[6] for r in registered)
    share = {k: v / len(registered) for k, v in category.items()}
    assert 0.35 < share["11"] < 0.45 and 0.2 < share["14"] < 0.3 and 0.04 < share["15"] < 0.09
    assert 0.09 < share["21"] + share["22"] < 0.15 and 0.06 < share["31"] + share["32"] < 0.12
    assert 0.04 < share["41"] < 0.1
    reasons = Counter(r[12] for r in rows if r[12])
    assert reasons.most_common(1)[0][0] == "01" and 0.15 < reasons["04"] / sum(reasons.values()) < 0.3
    flag = {col: sum(r[i] == "J" for r in rows) / n for col, i in (("etab", 7), ("funk", 8), ("eb", 9))}
    assert 0.05 < flag["etab"] < 0.08 and 0.16 < flag["funk"] < 0.24 and 0.09 < flag["eb"] < 0.15
    assert all(r[5] != "SE" and 20 <= 2024 - int(r[4]) <= 62 for r in rows if r[7] == "J")
    region = Counter(r[5] for r in rows)
    assert 0.5 < region["SE"] / n < 0.6 and 0.3 < region["UE"] / n < 0.42
    _, last = month_bounds("202407")
    long_term = sum((last - date.fromisoformat(r[10])).days > 365 for r in registered) / len(registered)
    assert 0.24 < long_term < 0.36
    assert 0.07 < sum("-" in r[0] for r in rows) / n < 0.13
    assert 0.01 < sum(len(r[2]) == 3 for r in rows) / n < 0.035
    kommuner = Counter(r[2].zfill(4) for r in rows)
    assert kommuner.most_common(1)[0][0] == "0180" and min(kommuner.values()) < 10
    assert all(not r[13] for r in rows), "no PROJEKTKOD without job tracks"


def test_job_tracks(extracts, valid):
    sokande = valid
    previous: set[tuple[str, ...]] = set()
    for month in MONTHS:
        first, last = month_bounds(month)
        tracks = read_semicolon(extracts / f"jobbspar_{month}.csv", JOBBSPAR_HEADER)
        assert len(tracks) >= 5 and len({t["projektkod"] for t in tracks}) == len(tracks)
        for t in tracks:
            lead = PROJEKTKOD.fullmatch(t["projektkod"])
            kommuner = t["kommunkoder"].split(",")
            assert lead and lead[1] == kommuner[0] and 1 <= len(kommuner) <= 3
            assert set(kommuner) <= municipality_codes() and len(set(kommuner)) == len(kommuner)
            assert t["typ"] in ("branschriktat", "forberedande", "kort") and t["namn"]
            start = date.fromisoformat(t["startdatum"])
            assert t["status"] == ("planerat" if start > last else "avslutat" if t["slutdatum"] else "aktivt")
            if t["slutdatum"]:
                assert start < date.fromisoformat(t["slutdatum"]) <= last
            assert int(t["antal_arbetsgivare"]) >= (1 if t["status"] == "aktivt" else 0)
        codes = {t["projektkod"] for t in tracks}
        participants = read_semicolon(extracts / f"jobbspar_deltagare_{month}.csv", DELTAGARE_HEADER)
        assert len({(p["projektkod"], pnr_key(p["PNR"])) for p in participants}) == len(participants)
        running: dict[str, str] = {}
        for p in participants:
            assert p["projektkod"] in codes and pnr_ok(p["PNR"])
            start = date.fromisoformat(p["startdatum"])
            assert start <= last
            if p["slutdatum"]:
                assert start <= date.fromisoformat(p["slutdatum"]) <= last
                assert p["avbrott"] in ("J", "N") and p["aktivitet_efter"] in AFTER
            else:
                assert p["avbrott"] == p["aktivitet_efter"] == ""
                assert pnr_key(p["PNR"]) not in running, "two running participations of one person"
                running[pnr_key(p["PNR"])] = p["projektkod"]
        # PROJEKTKOD is set exactly while a participation runs, with the same PNR spelling
        rows = {pnr_key(r[0]): r for r in sokande[month]}
        projekt = {key: r[13] for key, r in rows.items() if r[13]}
        assert projekt == running and set(projekt.values()) <= codes
        assert all(rows[pnr_key(p["PNR"])][0] == p["PNR"] for p in participants if pnr_key(p["PNR"]) in rows)
        assert 0.02 < len(running) / ROWS < 0.04
        # ended participations stay in the later snapshots
        ended = {tuple(p.values()) for p in participants if p["slutdatum"]}
        assert previous <= ended
        previous = ended
    avbrott = Counter(p["avbrott"] for p in participants if p["slutdatum"])
    assert 0.1 < avbrott["J"] / sum(avbrott.values()) < 0.35


def test_transitions_after_a_track(tmp_path):
    """Those who end a track for work or studies mostly leave the register with reason 01/02/03 within 90 days."""
    months = ["202401", "202402", "202403", "202404", "202405", "202406"]
    generate_registry(tmp_path, months, rows_per_month=20_000, seed=11)
    left: dict[str, tuple[date, str]] = {}
    for month in months:
        for r in read_sokande(tmp_path / f"sokande_{month}.txt"):
            if r[11]:
                left[pnr_key(r[0])] = (date.fromisoformat(r[11]), r[12])
    participants = read_semicolon(tmp_path / "jobbspar_deltagare_202406.csv", DELTAGARE_HEADER)
    outcome: Counter[tuple[str, bool]] = Counter()
    for p in participants:
        if p["slutdatum"] and "2024-01-01" <= p["slutdatum"] <= "2024-03-31":
            end = date.fromisoformat(p["slutdatum"])
            leave = left.get(pnr_key(p["PNR"]))
            moved_on = leave is not None and leave[1] in ("01", "02", "03") and end <= leave[0] <= end + timedelta(90)
            outcome[
                p["aktivitet_efter"] in ("osubventionerat_arbete", "subventionerat_arbete", "studier"), moved_on
            ] += 1
    work = outcome[True, True] / (outcome[True, True] + outcome[True, False])
    other = outcome[False, True] / (outcome[False, True] + outcome[False, False])
    assert work > 0.5 and other < 0.3, outcome


def test_same_seed_same_bytes_and_bad_rows_leave_valid_rows_alone(tmp_path, extracts, valid):
    generate_registry(
        tmp_path / "again",
        MONTHS,
        rows_per_month=ROWS,
        seed=7,
        gzip_months={"202402"},
        bad_rows_per_month=BAD,
        invalid_month="202403",
    )
    for path in extracts.rglob("*"):
        if path.is_file():
            assert (tmp_path / "again" / path.relative_to(extracts)).read_bytes() == path.read_bytes(), path.name
    generate_registry(tmp_path / "clean", MONTHS, rows_per_month=ROWS, seed=7)
    for month in MONTHS:
        clean = read_sokande(tmp_path / "clean" / f"sokande_{month}.txt")
        assert clean == valid[month]
    generate_registry(tmp_path / "other", MONTHS[:1], rows_per_month=ROWS, seed=8)
    assert (tmp_path / "other" / "sokande_202401.txt").read_bytes() != (extracts / "sokande_202401.txt").read_bytes()


def test_invalid_month_after_the_last_and_arguments(tmp_path):
    paths = generate_registry(tmp_path, ["202412"], rows_per_month=2_000, invalid_month="202501", jobtracks=False)
    assert tmp_path / "invalid" / "sokande_202501.txt" in paths and not (tmp_path / "sokande_202501.txt").exists()
    rows = read_sokande(tmp_path / "invalid" / "sokande_202501.txt")
    assert sum(1 for r in rows if row_errors(r, "202501")) > 0.001 * len(rows)
    with pytest.raises(ValueError):
        generate_registry(tmp_path, ["202401", "202403"], rows_per_month=100)
    with pytest.raises(ValueError):
        generate_registry(tmp_path, ["202401"], rows_per_month=2_000, bad_rows_per_month=3)
    with pytest.raises(ValueError):
        generate_registry(tmp_path, ["202401"], rows_per_month=100, invalid_month="202406")


def test_personnummer_never_repeat_even_when_crowded():
    """Many persons born on one day: every serial is different (men odd, women even third digit)."""
    register = generator_registry._PnrRegister()
    rng = np.random.default_rng(1)
    day = date(1990, 5, 17).toordinal()
    for kon in (0, 1):
        serials = register.draw_serials(rng, np.full(450, day), np.full(450, kon))
        assert len(set(serials.tolist())) == 450 and all(s % 2 == kon for s in serials.tolist())
    more = register.draw_serials(rng, np.full(40, day), np.full(40, 1))
    assert not set(more.tolist()) & set(serials.tolist())


@pytest.mark.parametrize("name", ["sokande_202406.txt", "sokande_202406.txt.gz"])
def test_write_jobseeker_month(tmp_path, monkeypatch, name):
    monkeypatch.setattr(generator_registry, "CHUNK_ROWS", 1_000)  # several chunks: persons unique across them
    path = write_jobseeker_month(tmp_path / name, "202406", 4_500, seed=5)
    rows = read_sokande(path)
    assert len(rows) == 4_500 and all(not row_errors(r, "202406") for r in rows)
    assert len({pnr_key(r[0]) for r in rows}) == len(rows)
    assert write_jobseeker_month(tmp_path / f"again_{name}", "202406", 4_500, seed=5).read_bytes() == path.read_bytes()
    empty = write_jobseeker_month(tmp_path / f"empty_{name}", "202406", 0)
    assert read_sokande(empty) == []


def test_command_line(tmp_path, capsys):
    assert (
        main(
            [
                str(tmp_path / "a"),
                "--months",
                "202411-202501",
                "--rows",
                "1000",
                "--gzip",
                "202412",
                "--bad-rows",
                "1",
                "--invalid-month",
                "202501",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.split()
    assert str(tmp_path / "a" / "sokande_202412.txt.gz") in printed
    assert (tmp_path / "a" / "invalid" / "sokande_202501.txt").exists()
    assert main([str(tmp_path / "b"), "--months", "202406", "--large", "1500", "--no-jobtracks"]) == 0
    assert len(read_sokande(tmp_path / "b" / "sokande_202406.txt")) == 1_500
