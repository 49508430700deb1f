"""A landing folder of hostile and broken deliveries beside good ones: issue 11's acceptance scenario.

``make hostile`` (``python -m ingestion hostile-landing <dir>``, then ``make run``) writes it and runs every
pipeline over it, the way a newcomer or a reviewer tries the warehouse as an attacker or a clumsy sender
would. The good deliveries are copies of ``examples/landing/`` (its ``invalid/`` folders left out, so every
rejection here has one cause); every bullet at the top of issue 11 is one delivery (or link) in a sub-folder
named after its case. :func:`write_hostile_landing` returns what must happen to each, and writes the same
list into the folder's README.md.

Every case is made the way the project's own tests make it (``tests/integration/test_broken_files.py``,
``test_limits.py``, ``tests/unit/test_personnummer.py`` …), from the sample deliveries, the registry generator
and the contracts' constants, so that a change of a contract changes the cases with it. The personnummer
typed into the deliveries are synthetic (:data:`PERSONNUMMER`: the classic test number 19121212-1212 and
numbers made here with a valid check digit); none of them may appear anywhere but in the quarantined files.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ingestion.core import config, personnummer
from ingestion.sources.registry.contract import CATEGORY_FILE, HEADER, REASON_FILE, TRACK_COLUMNS
from ingestion.sources.survey.contract import ANSWERS, SAMPLE

EXAMPLES = config.PROJECT_ROOT / "examples" / "landing"

# What must happen to a delivery: each expected outcome is one of these, a colon, then why.
LOADED = "läses in"
REJECTED = "avvisas"
WAITING = "väntar på .klar"
NOT_READ = "läses inte"


def synthetic_personnummer(birth: str, serial: str) -> str:
    """``YYYYMMDD-NNNC`` with the check digit that makes the project's detector accept it (day + 60 for a
    samordningsnummer): made up, never a real person's unless by chance, and recognisable as a test number."""
    for digit in "0123456789":
        if personnummer.check_digit_ok(birth[2:] + serial + digit):
            return f"{birth}-{serial}{digit}"
    raise AssertionError("a check digit always exists")


TEST_NUMBER = "19121212-1212"  # Skatteverket's classic test personnummer (valid check digit)
SAMORDNINGSNUMMER = synthetic_personnummer("19850472", "238")  # born 1985-04-12, day + 60
PERSONNUMMER: tuple[str, ...] = (
    TEST_NUMBER,
    SAMORDNINGSNUMMER,
    synthetic_personnummer("19700101", "239"),
    synthetic_personnummer("20010228", "123"),
)


def spellings(number: str) -> list[str]:
    """Every spelling of ``number`` a leak could take: 12 or 10 digits, with or without the dash."""
    twelve = number.replace("-", "").replace("+", "")
    return [twelve, f"{twelve[:8]}-{twelve[8:]}", twelve[2:], f"{twelve[2:8]}-{twelve[8:]}"]


# ------------------------------------------------------------------------------------------------- helpers


def _copy_good(target: Path) -> None:
    """The sample deliveries of ``examples/landing/``, their ``invalid/`` folders and README left out."""
    for source in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        shutil.copytree(source, target / source.name, ignore=shutil.ignore_patterns("invalid"))


def _csv_lines(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    return path.read_text(encoding=encoding).splitlines()


def _write_lines(path: Path, lines: list[str], bom: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode("utf-8"))


def _copy_delivery(source: Path, target: Path) -> Path:
    """A copy of a sample delivery folder under a new name (its ready marker not copied: written at the end)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(f"*{config.upload_marker()}"))
    return target


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-8-sig")
    if old not in text:
        raise ValueError(f"{path.name}: the sample no longer holds the line this case edits")
    path.write_bytes(("\ufeff" + text.replace(old, new, 1)).encode("utf-8"))


def _stream_zeros(member, size: int, fill: bytes = b" ") -> None:
    """``size`` bytes of ``fill`` written to an open zip member in chunks: the bomb never lies in memory."""
    chunk = fill * (1 << 20)
    for _ in range(size >> 20):
        member.write(chunk)


BOMB_BYTES = 256 << 20  # unpacked size of each bomb: some 250 KB on disk (deflate's ratio is about 1 000)


# ---------------------------------------------------------------------------------------------- the sources


def _agreement_register(root: Path) -> dict[str, str]:
    sample = EXAMPLES / "agreement_register" / "overenskommelser_2024-12-31"
    cases: dict[str, str] = {}

    header_case = _copy_delivery(sample, root / "personnummer_i_rubrikrad" / "overenskommelser_2025-02-28")
    header, *rows = _csv_lines(header_case / "overenskommelser.csv")
    _write_lines(header_case / "overenskommelser.csv", [header.replace("registrerad", TEST_NUMBER), *rows])
    cases["personnummer_i_rubrikrad/overenskommelser_2025-02-28"] = (
        f"{REJECTED}: en rubrikcell är ett personnummer; rapporten återger det inte"
    )

    nul_case = _copy_delivery(sample, root / "nul_i_falt" / "overenskommelser_2025-03-31")
    header, first, *rows = _csv_lines(nul_case / "overenskommelser.csv")
    cells = first.split(";")
    cells[1] = cells[1][:10] + "\0" + cells[1][10:]  # in the agreement's name
    _write_lines(nul_case / "overenskommelser.csv", [header, ";".join(cells), *rows])
    cases["nul_i_falt/overenskommelser_2025-03-31"] = f"{REJECTED}: en NUL-byte i ett fält (namn)"

    # a zip of the sample delivery, cut in the middle as an interrupted upload leaves it
    cut = root / "avbruten_zip" / "overenskommelser_2025-04-30.zip"
    cut.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(sample.glob("*.csv")):
            archive.write(file, f"overenskommelser_2025-04-30/{file.name}")
    cut.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    cases["avbruten_zip/overenskommelser_2025-04-30.zip"] = f"{REJECTED}: zip-arkivet är avkortat"

    # a zip bomb: the delivery's files, one of them followed by 256 MiB of blanks
    bomb = root / "zipbomb" / "overenskommelser_2025-05-31.zip"
    bomb.parent.mkdir(parents=True)
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(sample.glob("*.csv")):
            with archive.open(file.name, "w") as member:
                member.write(file.read_bytes())
                if file.name == "overenskommelse_kommuner.csv":
                    _stream_zeros(member, BOMB_BYTES, b"\n")
    cases["zipbomb/overenskommelser_2025-05-31.zip"] = (
        f"{REJECTED}: packas upp {BOMB_BYTES >> 20} MiB, komprimerad mer än MAX_COMPRESSION_RATIO; packas inte upp"
    )

    loop = root / "slinga" / "overenskommelser_2025-06-30"  # a link to itself, named like a delivery
    loop.parent.mkdir(parents=True)
    loop.symlink_to(loop.name)
    cases["slinga/overenskommelser_2025-06-30"] = f"{NOT_READ}: symbolisk länk till sig själv (följs inte)"
    return cases


def _followup_forms(root: Path) -> dict[str, str]:
    export = EXAMPLES / "followup_forms" / "uppfoljning_export_20240903T0800.csv"
    header, *rows = _csv_lines(export)
    form = [r for r in rows if r.startswith("F-10231;")]  # one whole form of the sample export
    cases: dict[str, str] = {}

    def one_form(form_id: str, submitted: str, edit: tuple[str, str]) -> list[str]:
        lines = [r.replace("F-10231;2024-02-27 09:12:44;", f"{form_id};{submitted};", 1) for r in form]
        old, new = edit
        [at] = [i for i, r in enumerate(lines) if r.endswith(old)]
        lines[at] = lines[at][: -len(old)] + new
        return [header, *lines]

    # a personnummer as the count of participants: the form is rejected (a number field never holds one)
    _write_lines(
        root / "personnummer_i_antal" / "uppfoljning_export_20240910T0800.csv",
        one_form("F-90001", "2024-03-01 10:00:00", (";deltagare;19", f";deltagare;{TEST_NUMBER.replace('-', '')}")),
    )
    cases["personnummer_i_antal/uppfoljning_export_20240910T0800.csv"] = (
        f"{REJECTED}: antalet deltagare är ett personnummer (formuläret avvisas, värdet återges inte)"
    )
    # a personnummer in a goal's comment (free text): the form loads, the copy that leaves raw is masked
    _write_lines(
        root / "personnummer_i_fritext" / "uppfoljning_export_20240911T0800.csv",
        one_form(
            "F-90002",
            "2024-03-02 10:00:00",
            (";kommentar;Genomförd i mars", f";kommentar;Genomförd i mars med {SAMORDNINGSNUMMER}"),
        ),
    )
    cases["personnummer_i_fritext/uppfoljning_export_20240911T0800.csv"] = (
        f"{LOADED}: personnumret i kommentaren maskeras ([personnummer]) när formuläret läses, även i raw"
    )

    # an .xlsx bomb: the sample workbook with 256 MiB of blanks inside its first sheet
    workbook = EXAMPLES / "followup_forms" / "stockholm_2024H1.xlsx"
    bomb = root / "xlsx_bomb" / "Uppföljning Stockholm bomb.xlsx"
    bomb.parent.mkdir(parents=True)
    with (
        zipfile.ZipFile(workbook) as original,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for info in original.infolist():
            data = original.read(info)
            with archive.open(info.filename, "w") as member:
                if info.filename == "xl/worksheets/sheet1.xml":  # blanks after its root's opening tag
                    opening, rest = data.split(b">", 1)
                    member.write(opening + b">")
                    _stream_zeros(member, BOMB_BYTES)
                    member.write(rest)
                else:
                    member.write(data)
    cases["xlsx_bomb/Uppföljning Stockholm bomb.xlsx"] = (
        f"{REJECTED}: arbetsboken packas upp {BOMB_BYTES >> 20} MiB (MAX_COMPRESSION_RATIO); öppnas inte"
    )
    return cases


def _survey(root: Path) -> dict[str, str]:
    sample = EXAMPLES / "survey" / "kommunenkat_2024-02-01"
    cases: dict[str, str] = {}

    header_case = _copy_delivery(sample, root / "personnummer_i_rubrikrad" / "kommunenkat_2024-09-01")
    header, *rows = _csv_lines(header_case / ANSWERS)
    _write_lines(header_case / ANSWERS, [header.replace(";Q6", f";{TEST_NUMBER}"), *rows])
    cases["personnummer_i_rubrikrad/kommunenkat_2024-09-01"] = (
        f"{REJECTED}: en rubrikcell i {ANSWERS} är ett personnummer; rapporten återger det inte"
    )

    answer_case = _copy_delivery(sample, root / "personnummer_som_tal" / "kommunenkat_2024-10-01")
    _replace_once(
        answer_case / ANSWERS,
        "R1003;komplett;2024-01-18 14:26:00;1;2;1;1;0;0;2;3;2;;6",
        f"R1003;komplett;2024-01-18 14:26:00;1;2;1;1;0;0;2;3;2;;{TEST_NUMBER.replace('-', '')}",
    )
    cases["personnummer_som_tal/kommunenkat_2024-10-01"] = f"{REJECTED}: svaret på talfrågan Q6 är ett personnummer"

    respondent_case = _copy_delivery(sample, root / "personnummer_som_respondent" / "kommunenkat_2024-11-01")
    for file_name in (SAMPLE, ANSWERS):
        _replace_once(respondent_case / file_name, "\nR1003;", f"\n{PERSONNUMMER[2]};")
    cases["personnummer_som_respondent/kommunenkat_2024-11-01"] = f"{REJECTED}: respondent_id är ett personnummer"

    loop = root / "slinga" / "kommunenkat_2025-01-01"
    loop.parent.mkdir(parents=True)
    loop.symlink_to(loop.name)
    cases["slinga/kommunenkat_2025-01-01"] = f"{NOT_READ}: symbolisk länk till sig själv (följs inte)"
    return cases


REGISTRY_ROWS = 2_000  # per generated month: 1 row set aside is within the 0.1 % tolerance
GENERATED_MONTHS = ["202408", "202409", "202410", "202411", "202412", "202501", "202502", "202503"]


def _registry(root: Path, outside: Path) -> tuple[dict[str, str], Path]:
    """The registry's cases, and the delivery still being uploaded (written last, by the caller)."""
    from ingestion.synthetic.registry import generate_registry

    examples = EXAMPLES / "registry"
    july_gz = (examples / "sokande_202407.txt.gz").read_bytes()
    header_line = ("|".join(HEADER) + "\r\n").encode("cp1252")
    with tempfile.TemporaryDirectory() as scratch:
        generate_registry(Path(scratch), GENERATED_MONTHS, rows_per_month=REGISTRY_ROWS, seed=11, jobtracks=False)
        months = {m: (Path(scratch) / f"sokande_{m}.txt").read_bytes() for m in GENERATED_MONTHS}
    cases: dict[str, str] = {}

    def put(relative: str, data: bytes, expected: str) -> Path:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases[relative] = expected
        return path

    # re-deliveries of the months the sample loads whole (they arrive after it: their files are written later)
    put("bara_rubrikrad/sokande_202406.txt", header_line, f"{REJECTED}: inga datarader; juni behåller sina rader")
    put(
        "tomma_rader/sokande_202406.txt.gz",
        gzip.compress(header_line + b"\r\n" * 100_000),
        f"{REJECTED}: bara tomma rader; juni behåller sina rader",
    )
    july = gzip.decompress(july_gz)
    # cut at the line break nearest 30 %: every row it has is valid, so only the month's guard can refuse it
    put(
        "avbruten_30_procent/sokande_202407.txt",
        july[: july.rindex(b"\r\n", 0, len(july) * 3 // 10) + 2],
        f"{REJECTED}: 30 % av julis rader (under REGISTRY_MIN_SHARE, 50 %); juli behåller sina rader",
    )
    put(
        "avbruten_gzip/sokande_202407.txt.gz",
        july_gz[: len(july_gz) // 2],
        f"{REJECTED}: gzip-filen tar slut för tidigt; juli behåller sina rader",
    )

    # new months, each broken one way
    without_header = months["202408"].split(b"\n", 1)[1]
    put("utan_rubrikrad/sokande_202408.txt", without_header, f"{REJECTED}: rubrikraden saknas; raden återges inte")

    lines = months["202409"].split(b"\r\n")
    cells = lines[10].split(b"|")
    cells[HEADER.index("PROJEKTKOD")] = b"AB\x81C"  # 0x81: a byte Windows-1252 leaves undefined
    lines[10] = b"|".join(cells)
    put(
        "projektkod_0x81/sokande_202409.txt",
        b"\r\n".join(lines),
        f"{LOADED}: rad 11 (byte 0x81 i PROJEKTKOD) sätts åt sidan, med en varningsrapport",
    )

    put(
        "kodlista_windows1252/sokande_202410.txt",
        months["202410"],
        f"{REJECTED}: kodlistan {CATEGORY_FILE} bredvid är kodad i Windows-1252",
    )
    (root / "kodlista_windows1252" / CATEGORY_FILE).write_bytes(
        (examples / CATEGORY_FILE).read_text(encoding="utf-8").encode("cp1252")
    )

    put(
        "kodlista_langt_falt/sokande_202411.txt",
        months["202411"],
        f"{REJECTED}: kodlistan {REASON_FILE} bredvid har ett fält över 128 KiB",
    )
    reasons = (examples / REASON_FILE).read_text(encoding="utf-8").splitlines()
    reasons[-1] += "x" * (200 * 1024)  # the last reason's name
    (root / "kodlista_langt_falt" / REASON_FILE).write_text("\n".join(reasons) + "\n", encoding="utf-8")

    put(
        "lang_rad/sokande_202412.txt",
        months["202412"][:2000].rsplit(b"\r\n", 1)[0] + b"\r\n" + b"x" * (4 << 20),
        f"{REJECTED}: en rad på 4 MiB utan radbrytning (REGISTRY_MAX_LINE_BYTES)",
    )
    put(
        "inte_gzip/sokande_202501.txt.gz",
        months["202501"],
        f"{REJECTED}: heter .gz men är inte gzip-komprimerad",
    )

    tracks = (examples / "jobbspar_202406.csv").read_text(encoding="utf-8-sig").splitlines()
    assert tracks[0].split(";")[-1] == TRACK_COLUMNS[-1] == "antal_arbetsgivare"
    tracks[1] = tracks[1].rsplit(";", 1)[0] + ";²"
    put(
        "antal_arbetsgivare_unicode/jobbspar_202407.csv",
        ("\ufeff" + "\n".join(tracks) + "\n").encode("utf-8"),
        f"{REJECTED}: antal_arbetsgivare är ² (en Unicode-siffra), inget heltal",
    )
    shutil.copy(
        examples / "jobbspar_deltagare_202406.csv",
        root / "antal_arbetsgivare_unicode" / "jobbspar_deltagare_202407.csv",
    )

    # links: one to itself, one to a month outside the landing folder
    loop = root / "slinga" / "sokande_202504.txt"
    loop.parent.mkdir(parents=True)
    loop.symlink_to(loop.name)
    cases["slinga/sokande_202504.txt"] = f"{NOT_READ}: symbolisk länk till sig själv (följs inte)"
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "sokande_202503.txt"
    secret.write_bytes(months["202503"])
    link = root / "lank_utanfor" / "sokande_202503.txt"
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.relpath(secret, link.parent))
    cases["lank_utanfor/sokande_202503.txt"] = (
        f"{NOT_READ}: symbolisk länk till en fil utanför landningsmappen; varken läses, kopieras eller återges"
    )

    in_progress = root / "uppladdning_pagar" / "sokande_202502.txt"
    in_progress.parent.mkdir(parents=True)
    in_progress.with_suffix(".part").write_bytes(months["202502"])  # renamed into place last, by the caller
    cases["uppladdning_pagar/sokande_202502.txt"] = (
        f"{WAITING}: nyss skriven och utan markörfil; läses först när sokande_202502.txt.klar finns "
        "(eller när den varit oförändrad i UPLOAD_QUIET_SECONDS, 60 s som standard)"
    )
    return cases, in_progress


# ----------------------------------------------------------------------------------------------- the folder


def outside_folder(target: Path) -> Path:
    """Where the file that a link of the landing folder points at lies: beside the landing folder, outside it."""
    target = Path(target)
    return target.parent / f"{target.name}-utanfor"


def write_hostile_landing(target: Path) -> dict[str, str]:
    """Write the hostile landing folder into ``target`` (which must not exist, or be empty) and return, per
    delivery (its path relative to ``target``), what must happen to it: one of :data:`LOADED`,
    :data:`REJECTED`, :data:`WAITING` or :data:`NOT_READ`, then why.

    The file a link points at is written to :func:`outside_folder` (beside ``target``). Every delivery but
    the one still being uploaded carries its ready marker (:func:`~ingestion.core.deliveries.mark_finished`);
    that one is written last, without a marker, so that a run within 60 s (the default quiet period) leaves
    it for later."""
    from ingestion.synthetic.demo import mark_finished_uploads

    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target} finns redan och är inte tom: ange en ny mapp")
    target.mkdir(parents=True, exist_ok=True)
    _copy_good(target)
    good = _good_deliveries(target)
    cases = {path: f"{LOADED}: exempelleverans" for path in good}
    sources = {
        "agreement_register": _agreement_register,
        "followup_forms": _followup_forms,
        "survey": _survey,
    }
    for source, write in sources.items():
        cases |= {f"{source}/{name}": expected for name, expected in write(target / source).items()}
    registry_cases, in_progress = _registry(target / "registry", outside_folder(target))
    cases |= {f"registry/{name}": expected for name, expected in registry_cases.items()}

    from ingestion.core.deliveries import mark_finished

    quiet = logging.getLogger("ingestion.core.deliveries")  # no warning about the links just made on purpose
    level, quiet.level = quiet.level, logging.ERROR
    try:
        mark_finished_uploads(target)
    finally:
        quiet.setLevel(level)
    for folder in ("kodlista_windows1252", "kodlista_langt_falt"):  # a month with its own code lists
        mark_finished(target / "registry" / folder)
    in_progress.with_suffix(".part").rename(in_progress)  # the upload still under way: no marker
    os.utime(in_progress)
    (target / "README.md").write_text(_readme(cases), encoding="utf-8")
    return cases


def _good_deliveries(target: Path) -> list[str]:
    """The sample deliveries copied, by their path relative to ``target``."""
    from ingestion.core.deliveries import find_deliveries, find_files
    from ingestion.sources.agreement_register.pipeline import SPEC as REGISTER
    from ingestion.sources.followup_forms.contract import FILE_PATTERN as FORMS
    from ingestion.sources.registry.pipeline import delivery_files
    from ingestion.sources.survey.pipeline import SPEC as SURVEY

    paths = find_deliveries(target / REGISTER.name, REGISTER.delivery_pattern, finished_only=False)
    paths += find_deliveries(target / SURVEY.name, SURVEY.delivery_pattern, finished_only=False)
    paths += find_files(target / "followup_forms", FORMS, finished_only=False)
    paths += delivery_files(target / "registry", finished_only=False)
    return sorted(p.relative_to(target).as_posix() for p in paths)


def _readme(cases: dict[str, str]) -> str:
    lines = [
        "# Fientlig landningsmapp (issue 11)",
        "",
        "Written by `python -m ingestion hostile-landing <mapp>` (`make hostile` writes it to `.state/hostile_landing`",
        "and runs `make run` over it). Every case of issue 11's first list is one delivery here, in a sub-folder",
        "named after the case, beside copies of the good sample deliveries of `examples/landing/`. The",
        "personnummer typed into the deliveries are synthetic (the classic test number and numbers made with a",
        "valid check digit); none may appear anywhere but in the quarantined files themselves: not in a report,",
        "the run summary, a log, XCom or a mart. A link points at a file in the folder beside this one",
        "(`<mapp>-utanfor/`), outside the landing folder: nothing of it may be read or copied.",
        "",
        "What must happen, per delivery (`avvisas`: quarantined whole with a Swedish `.fel.txt` report naming the",
        "file, nothing of it in the database; `väntar på .klar`: not picked up until its marker is written; the",
        "months June and July of the samples keep every row whatever is sent after them):",
        "",
        "| delivery | what must happen |",
        "|---|---|",
    ]
    lines += [f"| `{path}` | {expected} |" for path, expected in sorted(cases.items())]
    lines += [
        "",
        "To finish the upload in progress and see it loaded by the next run:",
        "",
        "```sh",
        "touch <mapp>/registry/uppladdning_pagar/sokande_202502.txt.klar",
        "```",
        "",
    ]
    return "\n".join(lines)
