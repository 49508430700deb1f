"""The landing folder and the quarantine as a security officer expects them (issue 11): links are never
followed, and what is quarantined (personal data, as delivered) is readable by the pipeline's account only,
with its report written before the delivery is moved."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from ingestion.core.deliveries import find_deliveries, find_files, quarantine, read_delivery
from ingestion.sources.registry.pipeline import delivery_files

FIXTURES = Path(__file__).parents[1] / "fixtures"
SNAPSHOT = FIXTURES / "agreement_register" / "overenskommelser_2024-06-30"
PATTERN = r"overenskommelser_.*"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_links_in_the_landing_folder_are_not_followed(tmp_path):
    landing = tmp_path / "landing" / "agreement_register"
    landing.mkdir(parents=True)
    shutil.copytree(SNAPSHOT, landing / SNAPSHOT.name)
    outside = tmp_path / "outside" / "overenskommelser_2024-12-31"
    shutil.copytree(SNAPSHOT, outside)
    (landing / "overenskommelser_2024-12-31").symlink_to(outside, target_is_directory=True)
    (landing / "loop").symlink_to(landing, target_is_directory=True)  # would never end if followed
    (landing / "a").symlink_to(landing / "b")
    (landing / "b").symlink_to(landing / "a")
    assert find_deliveries(landing, PATTERN) == [landing / SNAPSHOT.name]
    # a file of a delivery folder that is a link to a file elsewhere is not read
    (outside.parent / "secret.csv").write_text("x")
    (landing / SNAPSHOT.name / "extra.csv").symlink_to(outside.parent / "secret.csv")
    assert "extra.csv" not in read_delivery(landing / SNAPSHOT.name).files


def test_linked_files_are_not_picked_up_as_form_files_or_registry_months(tmp_path):
    folder = tmp_path / "landing"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(FIXTURES / "registry" / "sokande_202406.txt", elsewhere / "sokande_202406.txt")
    (folder / "sokande_202406.txt").symlink_to(elsewhere / "sokande_202406.txt")
    shutil.copy(FIXTURES / "registry" / "sokande_202407.txt.gz", folder / "sokande_202407.txt.gz")
    assert delivery_files(folder) == [folder / "sokande_202407.txt.gz"]
    (folder / "linked.xlsx").symlink_to(elsewhere / "sokande_202406.txt")
    assert find_files(folder, r".+\.xlsx") == []


@pytest.mark.parametrize("how", ["copy", "move"])
def test_the_quarantine_is_the_pipeline_accounts_alone(tmp_path, how):
    old = os.umask(0o022)  # a usual umask: new files would be readable by everyone
    try:
        delivery = tmp_path / "landing" / SNAPSHOT.name
        shutil.copytree(SNAPSHOT, delivery)
        root = tmp_path / "quarantine"
        report = quarantine(delivery, "rapport\n", root / "agreement_register", how)
    finally:
        os.umask(old)
    assert report.read_text(encoding="utf-8") == "rapport\n"
    target = root / "agreement_register" / SNAPSHOT.name
    assert mode(root) == mode(root / "agreement_register") == mode(target) == 0o700
    assert mode(report) == 0o600
    assert {mode(p) for p in target.iterdir()} == {0o600}
    assert delivery.exists() == (how == "copy")


def test_a_report_that_cannot_be_written_leaves_the_delivery_where_it_was(tmp_path):
    delivery = tmp_path / "landing" / SNAPSHOT.name
    shutil.copytree(SNAPSHOT, delivery)
    target = tmp_path / "quarantine" / "agreement_register"
    target.mkdir(parents=True)
    (target / f"{SNAPSHOT.name}.fel.txt").mkdir()  # the report's name is taken by a folder: writing fails
    with pytest.raises(OSError):
        quarantine(delivery, "rapport\n", target, "move")
    assert delivery.is_dir() and not (target / SNAPSHOT.name).exists()


def test_a_zip_that_unpacks_to_too_much_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    import zipfile

    from ingestion.core.deliveries import UnsafeArchive
    from ingestion.core.problems import unreadable

    bomb = tmp_path / "overenskommelser_2025-06-30.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("overenskommelser.csv", b"\0" * (8 * 2**20))  # 8 MiB of zeros: a ratio near 1 000
    with pytest.raises(UnsafeArchive) as error:
        read_delivery(bomb)
    assert "MAX_COMPRESSION_RATIO" in str(error.value)
    assert str(unreadable(bomb.name, error.value)).endswith(str(error.value))  # the sender reads the limit
    monkeypatch.setenv("MAX_COMPRESSION_RATIO", "5000")
    monkeypatch.setenv("MAX_UNPACKED_BYTES", str(4 * 2**20))
    with pytest.raises(UnsafeArchive, match="MAX_UNPACKED_BYTES"):
        read_delivery(bomb)


def test_two_rejected_deliveries_of_one_name_keep_both_reports_and_files(tmp_path):
    """Two bad `sokande_202406.txt` from two folders of the landing area: the second used to replace the
    first one's report and file in the quarantine. The same delivery rejected again replaces its copy."""
    target = tmp_path / "quarantine" / "registry"
    first, second = tmp_path / "a" / "sokande_202406.txt", tmp_path / "b" / "sokande_202406.txt"
    for path, text in ((first, "första"), (second, "andra")):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    reports = [quarantine(p, f"rapport {p.parent.name}\n", target, "copy") for p in (first, second)]
    assert [r.name for r in reports] == ["sokande_202406.fel.txt", "sokande_202406 (2).fel.txt"]
    assert [r.read_text(encoding="utf-8") for r in reports] == ["rapport a\n", "rapport b\n"]
    assert (target / "sokande_202406.txt").read_text(encoding="utf-8") == "första"
    assert (target / "sokande_202406 (2).txt").read_text(encoding="utf-8") == "andra"
    again = quarantine(second, "rapport b igen\n", target, "copy")
    assert again == reports[1] and again.read_text(encoding="utf-8") == "rapport b igen\n"
    assert len(list(target.iterdir())) == 4
