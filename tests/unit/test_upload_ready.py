"""Issue 11: a delivery is picked up only when its upload is finished. A file still being written when the DAG
scanned loaded what had arrived; now a delivery counts as finished when the sender's ready marker is there
(``<name>.klar`` beside it, ``.klar`` in its folder) or, without one, when nothing in it has changed for the
quiet period. The markers are never deliveries, nor files of one."""

from __future__ import annotations

import logging
import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from conftest import SNAPSHOT_1

from ingestion.core import config, deliveries
from ingestion.core.deliveries import (
    find_deliveries,
    find_files,
    mark_finished,
    read_delivery,
    upload_finished,
)
from ingestion.sources.registry.pipeline import delivery_files

PATTERN = r"overenskommelser_\d{4}-\d{2}-\d{2}"
LONG_AGO = time.time() - 7 * 24 * 3600


@pytest.fixture
def quiet_minute(monkeypatch) -> None:
    """The production default: nothing changed for 60 s (the test session defaults it to 0)."""
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "60")


def written_now(path: Path, data: bytes = b"kod;benamning\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_file_written_just_now_without_a_marker_waits_for_the_quiet_period(tmp_path, quiet_minute, caplog):
    delivery = written_now(tmp_path / "sokande_202406.txt")
    with caplog.at_level(logging.INFO, logger="ingestion.core.deliveries"):
        assert not upload_finished(delivery, tmp_path)
    assert "väntar på att uppladdningen av sokande_202406.txt blir klar" in caplog.text


def test_the_marker_beside_a_file_marks_it_finished_at_once(tmp_path, quiet_minute):
    delivery = written_now(tmp_path / "sokande_202406.txt")
    (tmp_path / "sokande_202406.txt.klar").touch()
    assert upload_finished(delivery, tmp_path)


def test_a_marker_in_the_folder_marks_its_files_and_a_delivery_folder_finished(tmp_path, quiet_minute):
    month = written_now(tmp_path / "juni" / "sokande_202406.txt")
    (tmp_path / "juni" / ".klar").touch()
    assert upload_finished(month, tmp_path)

    snapshot = tmp_path / "agreement_register" / SNAPSHOT_1.name
    shutil.copytree(SNAPSHOT_1, snapshot)
    assert not upload_finished(snapshot, tmp_path)
    (snapshot / ".klar").touch()
    assert upload_finished(snapshot, tmp_path)


def test_a_copy_that_keeps_an_old_mtime_is_not_quiet_while_it_is_being_written(tmp_path, quiet_minute):
    """``cp -p`` and ``rsync -t`` set mtime back to the sender's; ctime, which cannot be set back, still says
    the bytes arrived just now."""
    delivery = written_now(tmp_path / "sokande_202406.txt")
    os.utime(delivery, (LONG_AGO, LONG_AGO))
    assert delivery.stat().st_mtime < time.time() - 3600
    assert not upload_finished(delivery, tmp_path)


def test_a_file_unchanged_for_the_quiet_period_is_finished(tmp_path, monkeypatch):
    delivery = written_now(tmp_path / "sokande_202406.txt")
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "0.5")
    assert not upload_finished(delivery, tmp_path)
    time.sleep(0.6)
    assert upload_finished(delivery, tmp_path)


def test_one_file_changed_in_a_delivery_folder_holds_the_whole_folder(tmp_path, monkeypatch):
    snapshot = tmp_path / SNAPSHOT_1.name
    shutil.copytree(SNAPSHOT_1, snapshot)
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "0.5")
    time.sleep(0.6)
    assert upload_finished(snapshot, tmp_path)
    with open(snapshot / "overenskommelse_parter.csv", "ab") as still_arriving:
        still_arriving.write(b"\n")
    assert not upload_finished(snapshot, tmp_path)


def test_a_marker_from_an_earlier_sending_does_not_count(tmp_path, quiet_minute, monkeypatch):
    """The same file name sent again, the old marker still beside it: the new upload has to finish first."""
    monkeypatch.setattr(deliveries, "MARKER_SLACK_SECONDS", 0.0)
    marker = tmp_path / "sokande_202406.txt.klar"
    marker.touch()
    time.sleep(0.05)
    delivery = written_now(tmp_path / "sokande_202406.txt")
    assert not upload_finished(delivery, tmp_path)
    mark_finished(delivery)
    assert upload_finished(delivery, tmp_path)


def test_a_delivery_that_vanishes_while_it_is_looked_at_is_not_finished(tmp_path):
    assert not upload_finished(tmp_path / "sokande_202406.txt", tmp_path)


def test_when_the_marker_is_required_the_quiet_period_is_not_enough(tmp_path, monkeypatch):
    delivery = written_now(tmp_path / "sokande_202406.txt")
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "0")
    monkeypatch.setenv("UPLOAD_REQUIRE_MARKER", "1")
    assert not upload_finished(delivery, tmp_path)
    assert mark_finished(delivery) == tmp_path / "sokande_202406.txt.klar"
    assert upload_finished(delivery, tmp_path)


def test_the_marker_name_is_configurable(tmp_path, monkeypatch):
    delivery = written_now(tmp_path / "sokande_202406.txt")
    monkeypatch.setenv("UPLOAD_REQUIRE_MARKER", "1")
    monkeypatch.setenv("UPLOAD_MARKER", ".done")
    (tmp_path / "sokande_202406.txt.klar").touch()
    assert not upload_finished(delivery, tmp_path)
    (tmp_path / "sokande_202406.txt.done").touch()
    assert upload_finished(delivery, tmp_path)


def test_discovery_leaves_unfinished_deliveries_for_a_later_run(tmp_path, quiet_minute):
    landing = tmp_path / "agreement_register"
    shutil.copytree(SNAPSHOT_1, landing / SNAPSHOT_1.name)
    written_now(landing / "overenskommelser_2024-12-31.zip", b"PK")
    assert find_deliveries(landing, PATTERN) == []
    assert find_deliveries(landing, PATTERN, finished_only=False) == [
        landing / SNAPSHOT_1.name,
        landing / "overenskommelser_2024-12-31.zip",
    ]
    mark_finished(landing / SNAPSHOT_1.name)
    assert find_deliveries(landing, PATTERN) == [landing / SNAPSHOT_1.name]

    forms = written_now(tmp_path / "followup_forms" / "stockholm_2024H1.xlsx")
    assert find_files(forms.parent, r".+\.xlsx") == []
    mark_finished(forms)
    assert find_files(forms.parent, r".+\.xlsx") == [forms]

    registry = tmp_path / "registry"
    month = written_now(registry / "sokande_202406.txt")
    assert delivery_files(registry) == []
    mark_finished(month)
    assert delivery_files(registry) == [month]


def test_a_registry_month_waits_for_its_code_lists(tmp_path, monkeypatch):
    """The month's checksum covers its code lists: a code list still arriving holds the month too."""
    registry = tmp_path / "registry"
    month = written_now(registry / "sokande_202406.txt")
    codes = written_now(registry / "sokandekategorier.csv")
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "0.5")
    time.sleep(0.6)
    assert delivery_files(registry) == [month]
    with open(codes, "ab") as still_arriving:
        still_arriving.write(b"11;Arbetslos;arbetslos\n")
    assert delivery_files(registry) == []


def test_markers_are_never_deliveries_nor_files_of_one(tmp_path):
    landing = tmp_path / "agreement_register"
    folder = landing / SNAPSHOT_1.name
    shutil.copytree(SNAPSHOT_1, folder)
    without = read_delivery(folder).checksum
    mark_finished(folder)
    (folder / "overenskommelser.csv.klar").touch()
    assert set(read_delivery(folder).files) == {p.name for p in SNAPSHOT_1.iterdir()}
    assert read_delivery(folder).checksum == without
    zipped = landing / f"{SNAPSHOT_1.name}.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{SNAPSHOT_1.name}/{file.name}")
    mark_finished(zipped)
    assert read_delivery(zipped).checksum == without
    assert find_deliveries(landing, PATTERN) == [folder, zipped]
    assert find_files(landing, r".*") == sorted(
        (p for p in folder.iterdir() if not p.name.endswith(".klar")), key=lambda p: p.name
    ) + [zipped]
    registry = tmp_path / "registry"
    mark_finished(written_now(registry / "sokande_202406.txt"))
    assert delivery_files(registry) == [registry / "sokande_202406.txt"]


def every_delivery(landing: Path) -> dict[str, list[Path]]:
    """Each source's deliveries under ``landing`` that discovery takes as finished."""
    from ingestion.sources import SOURCES

    return {s.name: s.module().delivery_paths(landing / s.name) for s in SOURCES}


def test_the_sample_deliveries_carry_their_markers_and_the_demo_writes_them(tmp_path, monkeypatch):
    """``make run LANDING=examples/landing`` right after a clone picks every sample up, and so does the demo
    over what it has just generated: both carry the markers senders are asked to write."""
    from ingestion.synthetic.demo import mark_finished_uploads

    samples = config.PROJECT_ROOT / "examples" / "landing"
    copy = tmp_path / "landing"
    shutil.copytree(samples, copy, ignore=shutil.ignore_patterns("*.klar"))
    monkeypatch.setenv("UPLOAD_REQUIRE_MARKER", "1")
    assert not any(every_delivery(copy).values())
    markers = mark_finished_uploads(copy)
    found = every_delivery(copy)
    assert len(markers) == sum(len(paths) for paths in found.values()) == 19
    assert all(found.values())
    assert {s: [p.relative_to(samples) for p in paths] for s, paths in every_delivery(samples).items()} == {
        s: [p.relative_to(copy) for p in paths] for s, paths in found.items()
    }


def test_the_run_summary_names_the_deliveries_still_being_uploaded(tmp_path, monkeypatch):
    """Before, a delivery left for a later run showed only as an INFO line in a task log."""
    from ingestion.orchestration.summary import waiting_for_upload
    from ingestion.sources import by_name

    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "60")
    folder = tmp_path / "registry"
    folder.mkdir()
    for name in ("sokande_202406.txt", "sokande_202407.txt", "sokandekategorier.csv", "avaktualiseringsorsaker.csv"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "sokande_202406.txt.klar").write_text("", encoding="utf-8")
    (folder / "sokandekategorier.csv.klar").write_text("", encoding="utf-8")
    (folder / "avaktualiseringsorsaker.csv.klar").write_text("", encoding="utf-8")
    assert waiting_for_upload(by_name("registry"), tmp_path) == ["sokande_202407.txt"]
