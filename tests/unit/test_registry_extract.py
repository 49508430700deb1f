"""Job-seeker extracts: every contract rule, both personnummer spellings, the keyed pseudonym, and the
streaming (block boundaries, worker processes) — without a database."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from registry_rows import copy_lines, copy_tuples, pnr, row, write

from ingestion.core import reference
from ingestion.privacy import pseudonym
from ingestion.sources.registry.extract import HEADER, CodeLists, ExtractError, stream
from ingestion.sources.registry.jobtracks import normalise_pnr

FIXTURES = Path(__file__).parents[1] / "fixtures" / "registry"
KEY = b"k" * 64
CODES = CodeLists(
    frozenset({"11", "14", "15", "21", "22", "31", "32", "41"}), frozenset({"01", "02", "03", "04", "05", "06", "07"})
)


def run(path: Path, **kwargs):
    stats, blocks = stream(path, CODES, reference.municipality_codes(), KEY, **kwargs)
    return stats, copy_lines(b"".join(blocks))


def test_samples_june_sets_two_rows_aside_july_is_clean_invalid_breaks_tolerance():
    stats, lines = run(FIXTURES / "sokande_202406.txt")
    assert (stats.n_rows, stats.n_good, stats.n_bad) == (3002, 3000, 2)
    assert {r.line for r in stats.rejects} == {19, 402}
    assert stats.within_tolerance
    assert len(lines) == 3000
    stats, lines = run(FIXTURES / "sokande_202407.txt.gz")
    assert (stats.n_rows, stats.n_bad) == (2807, 0) and len(lines) == 2807
    stats, _ = run(FIXTURES / "invalid" / "sokande_202406.txt")
    assert stats.n_bad == 16 and not stats.within_tolerance
    assert stats.reasons["MANAD är inte filens månad 202406"] == 15


def test_copy_lines_carry_line_pseudonym_and_the_delivered_columns(tmp_path):
    person = pnr()
    _, lines = run(write(tmp_path, [row(PNR=person, KOMMUNKOD="180", PROJEKTKOD="JS-0180-0042")]))
    line, person_id, kommunkod, *rest = lines[0].split("|")
    assert int(line) == 2
    assert person_id == pseudonym.pseudonymise(person.encode(), KEY)
    assert kommunkod == "0180"  # the leading zero restored
    assert rest[-1] == "JS-0180-0042"
    assert person not in lines[0] and person[2:] not in lines[0]


def test_both_spellings_give_the_same_pseudonym_and_another_key_another(tmp_path):
    dashed = pnr()[:8] + "-" + pnr()[8:]
    _, plain_lines = run(write(tmp_path, [row()]))
    _, dashed_lines = run(write(tmp_path, [row(PNR=dashed)]))
    assert plain_lines[0].split("|")[1] == dashed_lines[0].split("|")[1]
    assert pseudonym.pseudonymise(pnr().encode(), b"other" * 12) != plain_lines[0].split("|")[1]


@pytest.mark.parametrize(
    ("changes", "column", "fragment"),
    [
        ({"PNR": pnr()[:11]}, "PNR", "fel längd"),
        ({"PNR": pnr()[:10] + "X" + pnr()[11]}, "PNR", "fel längd"),
        ({"PNR": pnr()[:8] + "+" + pnr()[8:]}, "PNR", "fel längd"),
        ({"PNR": pnr("19850230")}, "PNR", "inget verkligt datum"),
        ({"PNR": pnr("19850245")}, "PNR", "inget verkligt datum"),  # day 45: neither a day nor a day + 60
        ({"PNR": pnr("19850291")}, "PNR", "inget verkligt datum"),  # samordningsnummer of 31 February
        ({"PNR": pnr("19990289")}, "PNR", "inget verkligt datum"),  # of 29 February in a common year
        ({"PNR": pnr("19850492")}, "PNR", "inget verkligt datum"),  # day 92: 32 April
        ({"PNR": pnr("19850472")[:11] + str((int(pnr("19850472")[11]) + 1) % 10)}, "PNR", "kontrollsiffra"),
        ({"PNR": pnr()[:11] + str((int(pnr()[11]) + 1) % 10)}, "PNR", "kontrollsiffra"),
        ({"MANAD": "202405"}, "MANAD", "inte filens månad"),
        ({"KOMMUNKOD": "0199"}, "KOMMUNKOD", "okänd kommunkod"),
        ({"KOMMUNKOD": "01801"}, "KOMMUNKOD", "okänd kommunkod"),
        ({"KOMMUNKOD": ""}, "KOMMUNKOD", "okänd kommunkod"),
        ({"KON": "X"}, "KON", "K eller M"),
        ({"FODELSEAR": "85"}, "FODELSEAR", "årtal"),
        ({"FODELSEAR": "2030"}, "FODELSEAR", "årtal"),
        ({"FODELSEREGION": "NO"}, "FODELSEREGION", "SE, EU eller UE"),
        ({"SOKANDEKATEGORI": "99"}, "SOKANDEKATEGORI", "okänd sökandekategori"),
        ({"SOKANDEKATEGORI": "1"}, "SOKANDEKATEGORI", "okänd sökandekategori"),
        ({"ETABLERING": "Ja"}, "ETABLERING", "J, N eller tom"),
        ({"EKONOMISKT_BISTAND": "x"}, "EKONOMISKT_BISTAND", "J, N eller tom"),
        ({"INSKRIVNINGSDATUM": "2023-02-30"}, "INSKRIVNINGSDATUM", "inget verkligt datum"),
        ({"INSKRIVNINGSDATUM": ""}, "INSKRIVNINGSDATUM", "saknas"),
        ({"INSKRIVNINGSDATUM": "2024-07-01"}, "INSKRIVNINGSDATUM", "efter månadens slut"),
        (
            {"AVAKTUALISERINGSDATUM": "2024-05-31", "AVAKTUALISERINGSORSAK": "01"},
            "AVAKTUALISERINGSDATUM",
            "inte i filens månad",
        ),
        (
            {"AVAKTUALISERINGSDATUM": "2024-06-31", "AVAKTUALISERINGSORSAK": "01"},
            "AVAKTUALISERINGSDATUM",
            "inget verkligt datum",
        ),
        ({"AVAKTUALISERINGSDATUM": "2024-06-10"}, "AVAKTUALISERINGSORSAK", "tillsammans"),
        ({"AVAKTUALISERINGSORSAK": "01"}, "AVAKTUALISERINGSORSAK", "tillsammans"),
        (
            {"AVAKTUALISERINGSDATUM": "2024-06-10", "AVAKTUALISERINGSORSAK": "42"},
            "AVAKTUALISERINGSORSAK",
            "okänd avaktualiseringsorsak",
        ),
        ({"PROJEKTKOD": "JS\\0180"}, None, "omvänt snedstreck"),
        ({"PROJEKTKOD": "J" * 41}, "PROJEKTKOD", "40 tecken"),
    ],
)
def test_each_rule_sets_the_row_aside_with_column_and_reason(tmp_path, changes, column, fragment):
    good = [row(PNR=pnr(serial=f"{i:03d}")) for i in range(3)]
    stats, lines = run(write(tmp_path, [*good, row(**changes)]))
    assert stats.n_bad == 1 and stats.n_good == 3 and len(lines) == 3
    assert any(r.line == 5 and r.column == column and fragment in r.reason for r in stats.rejects), stats.rejects
    person = changes.get("PNR", pnr())
    assert all(person not in r.reason and person[2:] not in r.reason for r in stats.rejects)


def test_valid_variants_are_accepted(tmp_path):
    rows = [
        row(SOKANDEKATEGORI="", AVAKTUALISERINGSDATUM="2024-06-30", AVAKTUALISERINGSORSAK="03"),
        row(PNR=pnr("20000229", "123"), FODELSEAR="2000", ETABLERING="J", FODELSEREGION="UE"),
        row(PNR=pnr("19640101", "111"), KOMMUNKOD="2584", ETABLERING="", FUNKTIONSNEDSATTNING="J"),
        row(PNR=pnr("19900505", "222"), PROJEKTKOD="JS-0180-0042 Södertörn"),
    ]
    stats, lines = run(write(tmp_path, rows))
    assert stats.n_bad == 0, stats.rejects
    assert len(lines) == 4
    assert lines[3].endswith("JS-0180-0042 Södertörn")  # the same characters reach COPY (in UTF-8)


def test_samordningsnummer_are_accepted_and_pseudonymised_like_personnummer(tmp_path):
    """The contract: people without a personnummer (many newly arrived) have a samordningsnummer, the day of
    birth + 60, in either spelling; its pseudonym is the MAC of its own 12 digits."""
    numbers = [pnr("19850472"), pnr("20000289", "123"), pnr("19640161", "111"), pnr("19900391", "222")]
    rows = [row(PNR=numbers[0], ETABLERING="J", FODELSEREGION="UE")]
    rows += [row(PNR=f"{n[:8]}-{n[8:]}", ETABLERING="J", FODELSEREGION="EU") for n in numbers[1:3]]
    rows += [row(PNR=numbers[3]), row(PNR=pnr())]
    stats, lines = run(write(tmp_path, rows))
    assert (stats.n_good, stats.n_bad) == (5, 0), stats.rejects
    ids = [line.split("|")[1] for line in lines]
    assert ids[:4] == pseudonym.pseudonymise_many([n.encode() for n in numbers], KEY)
    assert len(set(ids)) == 5  # the samordningsnummer of 12 April 1985 is not the personnummer of that day
    assert not any(n in line or n[2:] in line for n in numbers for line in lines)


def test_wrong_number_of_columns_is_one_bad_row(tmp_path):
    stats, lines = run(write(tmp_path, [row(), row(PNR=pnr(serial="001")) + "|extra", "kort|rad"]))
    assert stats.n_bad == 2 and len(lines) == 1
    assert {r.line for r in stats.rejects} == {3, 4}
    assert all("kolumner" in r.reason for r in stats.rejects)


def test_bad_header_or_name_rejects_the_file(tmp_path):
    with pytest.raises(ExtractError, match="rubrikraden"):
        run(write(tmp_path, [row()], header="PNR|MANAD|KOMMUN"))
    with pytest.raises(ExtractError, match="Filnamnet"):
        run(write(tmp_path, [row()], name="sokande_2024.txt"))
    with pytest.raises(ExtractError, match="tom"):
        (tmp_path / "sokande_202406.txt").write_bytes(b"")
        run(tmp_path / "sokande_202406.txt")


def test_blocks_workers_and_gzip_give_the_same_result(tmp_path):
    rows = [row(PNR=pnr(f"19{60 + i % 40:02d}0{1 + i % 9}1{i % 9}", f"{i % 1000:03d}")) for i in range(3000)]
    rows[1234] = row(KON="X")
    plain = write(tmp_path, rows)
    one_big = run(plain, workers=1)
    for kwargs in (
        {"workers": 1, "block_size": 333},
        {"workers": 1, "block_size": 4096, "ahead": True},
        {"workers": 2, "block_size": 4096},
        {"workers": 2},
    ):
        stats, lines = run(plain, **kwargs)
        assert lines == one_big[1]
        assert [r.line for r in stats.rejects] == [1236]
        assert (stats.n_rows, stats.n_bad, stats.reasons) == (3000, 1, one_big[0].reasons)
    gz = write(tmp_path, rows, name="sokande_202406.txt.gz")
    assert run(gz, workers=2, block_size=5000)[1] == one_big[1]


def test_lf_only_line_ends_and_blank_lines(tmp_path):
    path = tmp_path / "sokande_202406.txt"
    path.write_bytes(("|".join(HEADER) + "\n" + row() + "\n\n" + row(PNR=pnr(serial="002")) + "\n").encode())
    stats, lines = run(path)
    assert (stats.n_rows, stats.n_bad, len(lines)) == (2, 0, 2)
    assert [int(line.split("|")[0]) for line in lines] == [2, 4]


def test_normalise_pnr_for_job_track_participants():
    assert normalise_pnr(pnr()) == (pnr().encode(), None)
    assert normalise_pnr(pnr()[:8] + "-" + pnr()[8:]) == (pnr().encode(), None)
    assert "kontrollsiffra" in normalise_pnr(pnr()[:11] + str((int(pnr()[11]) + 3) % 10))[1]
    assert "datum" in normalise_pnr(pnr("19851301"))[1]
    assert "längd" in normalise_pnr("8504121234")[1]
    samordning = pnr("19850472")
    assert normalise_pnr(samordning) == (samordning.encode(), None)
    assert normalise_pnr(samordning[:8] + "-" + samordning[8:]) == (samordning.encode(), None)
    assert "datum" in normalise_pnr(pnr("19850291"))[1] and "datum" in normalise_pnr(pnr("19850445"))[1]


def test_without_a_key_nothing_is_read_and_the_message_says_why(monkeypatch):
    for name in (pseudonym.KEY_ENV, pseudonym.KEY_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(pseudonym.MissingKeyError, match=pseudonym.KEY_ENV):
        pseudonym.load_key()
    monkeypatch.setenv(pseudonym.KEY_ENV, "too short")
    with pytest.raises(pseudonym.MissingKeyError, match="för kort"):
        pseudonym.load_key()
    monkeypatch.setenv(pseudonym.KEY_ENV, "a" * 40)
    assert pseudonym.load_key() != pseudonym.load_key.__doc__
    assert pseudonym.fingerprint(pseudonym.load_key()) == pseudonym.fingerprint(pseudonym.load_key())


def test_local_key_is_created_once_and_private(tmp_path, monkeypatch):
    for name in (pseudonym.KEY_ENV, pseudonym.KEY_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WAREHOUSE_STATE_DIR", str(tmp_path))
    path = pseudonym.ensure_local_key()
    assert path == tmp_path / "secrets" / "registry_pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = pseudonym.load_key()
    monkeypatch.delenv(pseudonym.KEY_FILE_ENV)
    assert pseudonym.ensure_local_key() == path
    assert pseudonym.load_key() == first
    assert os.environ[pseudonym.KEY_FILE_ENV] == str(path)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no draft left behind


def test_two_first_runs_at_once_end_with_one_whole_key(tmp_path):
    """Two `make run` started together on a new checkout: each creates the key if missing; both must end
    with the same, whole key (the first version could fail with FileExistsError or read a half-written one)."""
    import subprocess
    import sys

    script = (
        "import os, time; from ingestion.privacy import pseudonym;"
        "[os.environ.pop(n, None) for n in (pseudonym.KEY_ENV, pseudonym.KEY_FILE_ENV)];"
        "time.sleep(max(0.0, float(os.environ['START_AT']) - time.time()));"
        "pseudonym.ensure_local_key(); print(pseudonym.fingerprint(pseudonym.load_key()))"
    )
    import time

    env = {**os.environ, "WAREHOUSE_STATE_DIR": str(tmp_path), "START_AT": str(time.time() + 1.5)}
    runs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    results = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err.decode()[-400:] for _, err in results]
    assert len({out for out, _ in results}) == 1
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == ["registry_pseudonym.key"]


def test_a_line_without_an_end_is_refused_and_memory_stays_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_MAX_LINE_BYTES", "4096")
    path = write(tmp_path, [row(), "x" * 10_000])  # a 10 kB "line": no line break for a long stretch
    with pytest.raises(ExtractError, match=r"rad 3 är längre än 4\s096 byte"):
        run(path, block_size=1024)


def test_a_byte_windows_1252_does_not_define_sets_the_row_aside(tmp_path):
    path = tmp_path / "sokande_202406.txt"
    lines = ["|".join(HEADER), row(), row(PROJEKTKOD="AB\x81C")]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    stats, copied = run(path)
    assert stats.n_bad == 1 and len(copied) == 1
    assert [(r.line, r.reason) for r in stats.rejects] == [
        (3, "raden innehåller styrtecken, omvänt snedstreck eller tecken utanför Windows-1252")
    ]


def test_the_copied_columns_are_those_the_copy_statement_names_in_its_order():
    from ingestion.sources.registry.contract import COPY_COLUMNS
    from ingestion.sources.registry.extract import _COPIED

    assert COPY_COLUMNS[:2] == ("_source_row", "person_id")
    assert [HEADER[column].lower() for column in _COPIED] == list(COPY_COLUMNS[2:])


def test_projektkod_beyond_ascii_reaches_copy_as_the_same_characters_beside_rows_set_aside(tmp_path):
    longest = "€Åäö" * 10  # 40 characters, 100 bytes in UTF-8
    rows = [
        row(PROJEKTKOD="Ärende"),
        row(PNR=pnr(serial="001"), KON="Ö"),  # set aside: a byte beyond ASCII in a row that is not copied
        row(PNR=pnr(serial="002")),
        row(PNR=pnr(serial="003"), PROJEKTKOD=longest),
        row(PNR=pnr(serial="004"), PROJEKTKOD=longest + "x"),  # 41 characters: set aside
    ]
    stats, lines = run(write(tmp_path, rows), block_size=300)  # several blocks, some without such a byte
    assert stats.n_bad == 2 and len(lines) == 3
    assert [line.split("|")[-1] for line in lines] == ["Ärende", "", longest]


def test_read_ahead_raises_the_files_error_to_the_reader_and_stops_when_closed(tmp_path):
    with pytest.raises(ExtractError, match="rubrikraden"):
        run(write(tmp_path, [row()], header="PNR|MANAD|KOMMUN"), ahead=True)
    rows = [row(PNR=pnr(serial=f"{i:03d}")) for i in range(300)]
    stats, blocks = stream(
        write(tmp_path, rows), CODES, reference.municipality_codes(), KEY, block_size=500, ahead=True
    )
    assert next(blocks)
    blocks.close()
    assert not blocks._thread.is_alive()
    assert list(blocks) == []
    assert stats.n_rows < 300  # a reader that stopped: the thread did not read the file to its end


def test_every_mix_of_empty_and_long_fields_in_one_block_gives_the_delivered_values(tmp_path):
    """The tuples are laid out in slots as wide as a field's longest value in the block, the shorter ones
    packed afterwards: every combination of empty and full optional fields, and PROJEKTKOD of every length,
    side by side in one block, must come out as delivered (an empty field as NULL)."""
    defaults = dict(zip(HEADER, row().split("|"), strict=True))
    rows, expected = [], []
    for i in range(48):
        values = defaults | {
            "PNR": pnr(serial=f"{i:03d}"),
            "KOMMUNKOD": "180" if i % 5 == 0 else "1480",
            "SOKANDEKATEGORI": "" if i % 2 else "21",
            "ETABLERING": "" if i % 3 == 0 else "J",
            "FUNKTIONSNEDSATTNING": "" if i % 4 == 1 else "N",
            "EKONOMISKT_BISTAND": "" if i % 7 == 2 else "J",
            "AVAKTUALISERINGSDATUM": "2024-06-03" if i % 6 < 2 else "",
            "AVAKTUALISERINGSORSAK": "02" if i % 6 < 2 else "",
            "PROJEKTKOD": "P" * (i % 41),
        }
        rows.append("|".join(values[c] for c in HEADER))
        delivered = {c.lower(): values[c].encode() or None for c in HEADER[2:]}
        expected.append(delivered | {"kommunkod": values["KOMMUNKOD"].zfill(4).encode()})
    stats, blocks = stream(write(tmp_path, rows), CODES, reference.municipality_codes(), KEY)
    tuples = copy_tuples(b"".join(blocks))
    assert stats.n_bad == 0
    assert [{c: t[c] for c in expected[0]} for t in tuples] == expected
