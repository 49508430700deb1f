"""Finding deliveries in a landing folder and reading their files, whether a folder or a ``.zip``.

A delivery's checksum is computed over its files' names and contents (not over the zip container),
so the same delivery sent once as a folder and once zipped is recognised as already loaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)


class UnsafeArchive(ValueError):
    """An archive over the limits (unpacked size or compression ratio): refused before anything is unpacked.
    Its message is addressed to the sender, in Swedish, and quotes nothing delivered."""

    addressed_to_sender = True


def archive_limits() -> tuple[int, int]:
    """(most bytes unpacked, highest compression ratio) accepted for a zip or a workbook
    (``MAX_UNPACKED_BYTES``, ``MAX_COMPRESSION_RATIO``): a national register delivery unpacks to a few
    megabytes at a ratio of about 10, a decompression bomb to gigabytes at a ratio in the thousands."""
    return int(os.environ.get("MAX_UNPACKED_BYTES", 512 * 1024 * 1024)), int(
        os.environ.get("MAX_COMPRESSION_RATIO", 200)
    )


def check_archive(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse ``archive`` when what it says it unpacks to is over the limits (checked before reading)."""
    most, ratio = archive_limits()
    infos = [i for i in archive.infolist() if not i.is_dir()]
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > most:
        raise UnsafeArchive(
            f"{name} packas upp till {unpacked // 2**20} MiB; högst {most // 2**20} MiB tas emot (MAX_UNPACKED_BYTES)"
        )
    if unpacked > 1024 * 1024 and unpacked / packed > ratio:
        raise UnsafeArchive(
            f"{name} är komprimerad {unpacked // packed} gånger; högst {ratio} gånger tas emot (MAX_COMPRESSION_RATIO)"
        )


@dataclass
class Delivery:
    """One delivery: its name (folder name without ``.zip``), where it lies, and its files' bytes."""

    name: str
    path: Path
    files: dict[str, bytes] = field(repr=False)

    @property
    def checksum(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()


def read_delivery(path: Path) -> Delivery:
    """Read a delivery folder, or a zip holding either the files or one folder with them."""
    path = Path(path)
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file() and not p.is_symlink()}
        return Delivery(name=path.name, path=path, files=files)
    if path.suffix.lower() == ".zip":
        files: dict[str, bytes] = {}
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, path.name)
            for info in archive.infolist():
                if info.is_dir() or PurePosixPath(info.filename).name.startswith("."):
                    continue
                if "__MACOSX" in info.filename:
                    continue
                files[PurePosixPath(info.filename).name] = archive.read(info)
        return Delivery(name=path.stem, path=path, files=files)
    raise ValueError(f"{path} är varken en mapp eller en .zip-fil")


def find_deliveries(source_dir: Path, name_pattern: str) -> list[Path]:
    """Deliveries under ``source_dir`` (at any depth) whose name, without ``.zip``, matches the pattern.

    Senders and operators sort deliveries into sub-folders (``invalid/``, ``2024/``...), so folders
    that are not deliveries themselves are searched too. Sorted by delivery name, which for
    date-stamped names is delivery order.
    """
    if not source_dir.is_dir():
        return []
    pattern = re.compile(name_pattern)
    found: list[Path] = []
    pending = [source_dir]
    while pending:
        folder = pending.pop()
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():  # never followed: it could point anywhere, or at itself
                log.warning("%s är en symbolisk länk och läses inte (leveranser skickas som filer och mappar)", entry)
                continue
            is_zip = entry.is_file() and entry.suffix.lower() == ".zip"
            stem = entry.stem if is_zip else entry.name
            if (entry.is_dir() or is_zip) and pattern.fullmatch(stem):
                found.append(entry)
            elif entry.is_dir():
                pending.append(entry)
    return sorted(found, key=lambda p: (p.stem if p.is_file() else p.name, str(p)))


def find_files(source_dir: Path, name_pattern: str) -> list[Path]:
    """Files under ``source_dir`` (at any depth) whose name matches the pattern, in name order.

    For sources delivered as single files (workbooks, exports) rather than folders.
    """
    if not source_dir.is_dir():
        return []
    pattern = re.compile(name_pattern)
    found = [
        p
        for p in source_dir.rglob("*")  # does not descend into linked folders
        if p.is_file()
        and not p.is_symlink()
        and pattern.fullmatch(p.name)
        and not any(part.startswith(".") for part in p.relative_to(source_dir).parts)
    ]
    return sorted(found, key=lambda p: (p.name, str(p)))


def file_checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


PRIVATE_DIR = 0o700  # quarantined deliveries hold personal data: readable by the pipeline's own account only
PRIVATE_FILE = 0o600


def private_dir(folder: Path) -> Path:
    """``folder`` (and missing parents) created readable by its owner only, also when it existed."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    folder.chmod(PRIVATE_DIR)
    return folder


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` created with owner-only permissions (never readable by others, not even
    for a moment)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as f:
        f.write(text)
    path.chmod(PRIVATE_FILE)
    return path


def make_private(path: Path) -> None:
    """Owner-only permissions on ``path`` and, for a folder, everything in it."""
    paths = [path, *path.rglob("*")] if path.is_dir() else [path]
    for item in paths:
        if not item.is_symlink():
            item.chmod(PRIVATE_DIR if item.is_dir() else PRIVATE_FILE)


def quarantine(delivery_path: Path, report: str, target_dir: Path, mode: str) -> Path:
    """Put a rejected delivery in ``target_dir`` with its error report beside it.

    ``mode='move'`` takes it out of the landing folder (so it is not retried); ``'copy'`` leaves
    the landing folder as it was (for landing folders the pipeline does not own). The report is written
    first (a failed report leaves the delivery where it was), and the quarantine is the pipeline account's
    alone: folders 0700, files 0600. Returns the path of the report.
    """
    private_dir(target_dir.parent)
    private_dir(target_dir)
    stem = delivery_path.stem if delivery_path.is_file() else delivery_path.name
    report_path = write_private(target_dir / f"{stem}.fel.txt", report)
    target = target_dir / delivery_path.name
    if target.exists():
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    if mode == "move":
        shutil.move(str(delivery_path), target)
    elif delivery_path.is_dir():
        shutil.copytree(delivery_path, target, symlinks=True)
    else:
        shutil.copy2(delivery_path, target)
    make_private(target)
    return report_path
