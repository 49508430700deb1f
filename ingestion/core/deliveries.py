"""Finding deliveries in a landing folder and reading their files, whether a folder or a ``.zip``.

A delivery's checksum is computed over its files' names and contents (not over the zip container),
so the same delivery sent once as a folder and once zipped is recognised as already loaded.

A delivery is found only once its upload is finished (:func:`upload_finished`): a file still being written
would otherwise load the part that had arrived.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import shutil
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ingestion.core import config
from ingestion.core.numbers import tal

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
            f"arkivet packas upp till {unpacked // 2**20} MiB; högst {most // 2**20} MiB tas emot (MAX_UNPACKED_BYTES)"
        )
    if unpacked > 1024 * 1024 and unpacked / packed > ratio:
        raise UnsafeArchive(
            f"arkivet är komprimerat {unpacked // packed} gånger; högst {ratio} gånger tas emot (MAX_COMPRESSION_RATIO)"
        )


def _size(n: int) -> str:
    """A limit in bytes as a sender reads it: whole MiB as MiB, anything else in bytes (``65 536 byte``)."""
    if n >= 2**20 and n % 2**20 == 0:
        return f"{tal(n // 2**20)} MiB"
    return f"{tal(n)} byte"


class BoundedGzip:
    """A gzip file read as a stream that stops as soon as it has unpacked more than ``MAX_UNPACKED_BYTES``, or
    at a ratio over ``MAX_COMPRESSION_RATIO``, raising :class:`UnsafeArchive`.

    gzip keeps the unpacked size only modulo 4 GiB in its last four bytes (and a hostile sender writes what
    it likes there), so the limits are checked on what has been unpacked so far, after every read: memory
    stays at one read's worth however large the bomb. The ratio is counted against the compressed bytes
    taken from the file so far (read ahead in small chunks, so it is never overestimated), and only past
    the first MiB, where a tiny file can look very compressed."""

    def __init__(self, path: Path) -> None:
        self.name = Path(path).name
        self.most, self.ratio = archive_limits()
        self.unpacked = 0
        self._raw = open(path, "rb")  # noqa: SIM115 - closed by close() / the context manager
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="rb")

    def read(self, size: int) -> bytes:
        """Up to ``size`` unpacked bytes (``size`` must be given: an unbounded read is what a bomb wants)."""
        if size is None or size < 0:
            raise ValueError("BoundedGzip.read needs a size")
        data = self._gzip.read(size)
        self.unpacked += len(data)
        if self.unpacked > self.most:
            raise UnsafeArchive(
                f"filen packas upp till mer än {_size(self.most)}; högst {_size(self.most)} tas emot "
                "(MAX_UNPACKED_BYTES), så den läses inte vidare"
            )
        packed = max(self._raw.tell(), 1)
        if self.unpacked > 2**20 and self.unpacked / packed > self.ratio:
            raise UnsafeArchive(
                f"filen är komprimerad mer än {self.ratio} gånger; högst {self.ratio} gånger tas emot "
                "(MAX_COMPRESSION_RATIO), så den läses inte vidare"
            )
        return data

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()

    def __enter__(self) -> BoundedGzip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# A ready marker written up to this long before the delivery's last change still counts: tools that lay
# out a whole delivery at once (a git checkout of examples/landing, an unpacking) write files in name
# order, and ``.klar`` sorts before the files of its folder. A marker left from an earlier sending is
# hours or days older than a new upload, and does not count.
MARKER_SLACK_SECONDS = 2.0


def is_marker(name: str) -> bool:
    """Whether ``name`` is a ready marker (``.klar`` or ``<file>.klar``): never a delivery, nor a file of one."""
    return name.endswith(config.upload_marker())


def _lstat_times(path: Path) -> tuple[float, float]:
    """(mtime, newest of mtime and ctime) of ``path`` itself (a link is not followed)."""
    st = path.lstat()
    return st.st_mtime, max(st.st_mtime, st.st_ctime)


def changed_at(path: Path) -> float:
    """When ``path`` last changed on this machine: the newer of its mtime and ctime (a copy that keeps the
    sender's mtime still sets the ctime). The quiet period and the registry's "sent again" rule use it."""
    return _lstat_times(path)[1]


def upload_finished(path: Path, root: Path | None = None, companions: Iterable[Path] = ()) -> bool:
    """Whether the upload of the delivery at ``path`` (a file, a zip or a delivery folder, with the
    ``companions`` that belong to it, e.g. a registry month's code lists) is finished.

    Finished when the sender's ready marker is there and no older than the delivery's files: ``<name>.klar``
    beside it, ``.klar`` inside a delivery folder, or ``.klar`` in the folder that holds it (the marker's
    name is ``UPLOAD_MARKER``). Without a marker (unless ``UPLOAD_REQUIRE_MARKER``), when nothing in it has
    changed for ``UPLOAD_QUIET_SECONDS``: the newest of mtime and ctime of every file and folder of it,
    against now. ctime counts because a copy that keeps the sender's mtime (``cp -p``, ``rsync -t``) sets
    mtime back to the past while the bytes are still arriving; ctime cannot be set back. Stateless: a
    delivery not finished now is looked at again by the next run. ``root`` only shortens the name logged.
    """
    path = Path(path)
    marker = config.upload_marker()
    entries = [path]
    try:
        if path.is_dir():
            entries += [p for p in path.rglob("*") if not is_marker(p.name)]  # rglob does not follow linked folders
        entries += [p for p in companions if p.exists() and not p.is_symlink()]
        times = [_lstat_times(p) for p in entries]
    except FileNotFoundError:  # renamed or removed while we looked: still being worked on
        log.info("väntar på att uppladdningen av %s blir klar (filer byter namn eller tas bort)", path.name)
        return False
    content_mtime = max((m for p, (m, _) in zip(entries, times, strict=True) if not p.is_dir()), default=times[0][0])
    markers = [path.parent / (path.name + marker), path.parent / marker]
    if path.is_dir():
        markers.append(path / marker)
    for candidate in markers:
        if candidate.is_file() and not candidate.is_symlink():
            if _lstat_times(candidate)[1] >= content_mtime - MARKER_SLACK_SECONDS:
                return True
    shown = path.relative_to(root) if root is not None and path.is_relative_to(root) else path.name
    if config.upload_requires_marker():
        log.info("väntar på att uppladdningen av %s blir klar (ingen aktuell markörfil %s)", shown, marker)
        return False
    quiet = config.upload_quiet_seconds()
    if quiet <= 0:
        return True
    age = time.time() - max(newest for _, newest in times)
    if age >= quiet:
        return True
    log.info(
        "väntar på att uppladdningen av %s blir klar (ändrad för %s s sedan och ingen markörfil %s: läses när den "
        "varit oförändrad i %s s)",
        shown,
        tal(max(int(age), 0)),
        marker,
        tal(quiet),
    )
    return False


def mark_finished(path: Path) -> Path:
    """Write the ready marker of the delivery at ``path`` the way a sender should, once every byte of it is
    in place: ``.klar`` inside a delivery folder, ``<file>.klar`` beside a file. Returns the marker."""
    path = Path(path)
    marker = path / config.upload_marker() if path.is_dir() else path.parent / (path.name + config.upload_marker())
    marker.write_bytes(b"")
    os.utime(marker)  # an existing marker gets today's time (one from an earlier sending would not count)
    return marker


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
        # the ready marker is not part of the delivery: the checksum is the same with or without it
        paths = [p for p in sorted(path.iterdir()) if p.is_file() and not p.is_symlink() and not is_marker(p.name)]
        size, most = sum(p.stat().st_size for p in paths), archive_limits()[0]
        if size > most:  # a folder is read whole, like a zip: the same limit, checked before reading
            raise UnsafeArchive(
                f"leveransens filer är tillsammans {tal(size // 2**20)} MiB; högst "
                f"{_size(most)} tas emot (MAX_UNPACKED_BYTES)"
            )
        return Delivery(name=path.name, path=path, files={p.name: p.read_bytes() for p in paths})
    if path.suffix.lower() == ".zip":
        files: dict[str, bytes] = {}
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, path.name)
            for info in archive.infolist():
                name = PurePosixPath(info.filename).name
                if info.is_dir() or name.startswith(".") or is_marker(name):
                    continue
                if "__MACOSX" in info.filename:
                    continue
                files[PurePosixPath(info.filename).name] = archive.read(info)
        return Delivery(name=path.stem, path=path, files=files)
    raise ValueError(f"{path} är varken en mapp eller en .zip-fil")


def find_deliveries(source_dir: Path, name_pattern: str, finished_only: bool = True) -> list[Path]:
    """Deliveries under ``source_dir`` (at any depth) whose name, without ``.zip``, matches the pattern.

    Senders and operators sort deliveries into sub-folders (``invalid/``, ``2024/``...), so folders
    that are not deliveries themselves are searched too. Sorted by delivery name, which for
    date-stamped names is delivery order. With ``finished_only`` (the default), a delivery whose upload
    is not finished (:func:`upload_finished`) is left for a later run.
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
    if finished_only:
        found = [p for p in found if upload_finished(p, source_dir)]
    return sorted(found, key=lambda p: (p.stem if p.is_file() else p.name, str(p)))


def find_files(source_dir: Path, name_pattern: str, finished_only: bool = True) -> list[Path]:
    """Files under ``source_dir`` (at any depth) whose name matches the pattern, in name order.

    For sources delivered as single files (workbooks, exports) rather than folders. With ``finished_only``
    (the default), a file whose upload is not finished (:func:`upload_finished`) is left for a later run.
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
        and not is_marker(p.name)
        and not any(part.startswith(".") for part in p.relative_to(source_dir).parts)
        and (not finished_only or upload_finished(p, source_dir))
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


def _same_content(a: Path, b: Path) -> bool:
    import filecmp

    if a.is_file() and b.is_file():
        return filecmp.cmp(a, b, shallow=False)
    if a.is_dir() and b.is_dir():
        names = sorted(p.name for p in a.iterdir())
        return names == sorted(p.name for p in b.iterdir()) and all(_same_content(a / n, b / n) for n in names)
    return False


def _quarantine_target(delivery_path: Path, target_dir: Path) -> Path:
    """Where the delivery goes in the quarantine: under its own name, unless another delivery of that name
    (from another folder of the landing area) is there already. The same delivery rejected again replaces
    its earlier copy; a different one gets ``name (2)``, ``name (3)``…, so no report or file is lost."""
    name = delivery_path.name
    base, dot, suffixes = name.partition(".")
    target, n = target_dir / name, 2
    while target.exists() and not _same_content(target, delivery_path):
        target, n = target_dir / f"{base} ({n}){dot}{suffixes}", n + 1
    return target


def quarantine(delivery_path: Path, report: str, target_dir: Path, mode: str) -> Path:
    """Put a rejected delivery in ``target_dir`` with its error report beside it.

    ``mode='move'`` takes it out of the landing folder (so it is not retried); ``'copy'`` leaves
    the landing folder as it was (for landing folders the pipeline does not own). The report is written
    first (a failed report leaves the delivery where it was), and the quarantine is the pipeline account's
    alone: folders 0700, files 0600. Returns the path of the report.
    """
    private_dir(target_dir.parent)
    private_dir(target_dir)
    target = _quarantine_target(delivery_path, target_dir)
    stem = target.stem if delivery_path.is_file() else target.name
    report_path = write_private(target_dir / f"{stem}.fel.txt", report)
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
