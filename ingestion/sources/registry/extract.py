"""Job-seeker extracts (``sokande_YYYYMM.txt[.gz]``): read, validate and pseudonymise as a stream.

A month holds 400 000–700 000 rows, so the file is never held in memory: it is read in blocks of a
few megabytes, each block is checked column by column with numpy (every rule of the contract,
for all rows of the block at once), and the good rows leave as COPY input in which the
personnummer has been replaced by its keyed pseudonym (:mod:`ingestion.privacy.pseudonym`). Memory is
bounded by the block size whatever the file size, and the database (on the other core) parses one
block while the next is validated.

A bad row is described by line, column and reason only: no value of the personnummer column is
ever put into a message.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from ingestion.core import config
from ingestion.core.deliveries import BoundedGzip
from ingestion.core.numbers import tal
from ingestion.core.personnummer import SAMORDNING_DAY_OFFSET
from ingestion.privacy import pseudonym
from ingestion.sources.registry.contract import (
    COPY_COLUMNS,
    FILE_PATTERN,
    HEADER,
    MAX_KEPT_REJECTS,
    TOLERANCE,
)

BLOCK_SIZE = 1 << 20  # small blocks: the database starts parsing early and the tail is short

(
    PNR,
    MANAD,
    KOMMUNKOD,
    KON,
    FODELSEAR,
    FODELSEREGION,
    KATEGORI,
    ETABLERING,
    FUNKTION,
    BISTAND,
    INSKRIVEN,
    AVAKT_DATUM,
    AVAKT_ORSAK,
    PROJEKTKOD,
) = range(14)

# Bytes the validator looks for, by name (the extract is Windows-1252: one byte per character).
LF, CR, PIPE, DASH, BACKSLASH, DEL, SPACE = (ord(c) for c in "\n\r|-\\\x7f ")
ZERO = ord("0")
K, M, J, N = (ord(c) for c in "KMJN")
# FODELSEREGION's two letters read as one number (first byte × 256 + second): SE, EU, UE
REGION_SE, REGION_EU, REGION_UE = (ord(a) * 256 + ord(b) for a, b in ("SE", "EU", "UE"))
UNDEFINED_CP1252 = np.array([0x81, 0x8D, 0x8F, 0x90, 0x9D], np.uint8)  # no character in Windows-1252
# Bytes a row may not hold (one table lookup per byte): control characters but the line end, backslash,
# DEL and the five bytes Windows-1252 leaves undefined
_ODD = np.zeros(256, bool)
_ODD[:SPACE] = True
_ODD[[LF, CR]] = False
_ODD[[BACKSLASH, DEL]] = True
_ODD[UNDEFINED_CP1252] = True
SEPARATORS = len(HEADER) - 1  # a well-formed line has 13 '|'
CODE_SLOTS = 100  # the code lists' codes are two digits: 00..99
MUNICIPALITY_SLOTS = 10_000  # municipality codes are four digits

# The binary COPY tuple (MonthValidator._copy_lines): the delivered columns it copies (their positions in
# the row), in the order COPY_COLUMNS names them after line and pseudonym; the length of each tuple's
# prefix (field count, line, pseudonym).
_COPIED = np.array([HEADER.index(column.upper()) for column in COPY_COLUMNS[2:]])
_COPIED_ENDS = _COPIED + 1  # in MonthValidator.block's cuts: a field's end is the start of the next
_PREFIX_BYTES = 2 + (4 + 4) + (4 + 16)
# The binary COPY format's header (signature, flags, no extension) and trailer
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_DIGIT = np.zeros(256, bool)
_DIGIT[ZERO : ZERO + 10] = True
_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9] + [0] * 246, np.uint8)  # digit → its doubled digit sum


class ExtractError(ValueError):
    """The file as a whole breaks the contract (name, header, empty): nothing of it can be loaded."""


@dataclass(frozen=True)
class Reject:
    line: int
    column: str | None
    reason: str


@dataclass
class Stats:
    """What the stream saw: good and bad rows, the rejects (details up to a limit)."""

    n_rows: int = 0
    n_good: int = 0
    n_bad: int = 0
    rejects: list[Reject] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, reject: Reject) -> None:
        self.reasons[reject.reason] = self.reasons.get(reject.reason, 0) + 1
        if len(self.rejects) < MAX_KEPT_REJECTS:
            self.rejects.append(reject)

    @property
    def within_tolerance(self) -> bool:
        return self.n_bad <= TOLERANCE * self.n_rows


@dataclass(frozen=True)
class CodeLists:
    categories: frozenset[str]
    reasons: frozenset[str]


def month_of(path: Path) -> str:
    match = FILE_PATTERN.match(path.name)
    if not match:
        raise ExtractError(f"Filnamnet {path.name} följer inte mönstret sokande_ÅÅÅÅMM.txt (eller .txt.gz).")
    month = match.group(1)
    if not 1 <= int(month[4:]) <= 12:
        raise ExtractError(f"Filnamnet {path.name} har ingen giltig månad.")
    return month


def _open(path: Path):
    """The file's bytes as a stream; a ``.gz`` unpacked within ``MAX_UNPACKED_BYTES`` and
    ``MAX_COMPRESSION_RATIO`` (:class:`~ingestion.core.deliveries.BoundedGzip`: a bomb stops after one block)."""
    return BoundedGzip(path) if path.name.endswith(".gz") else open(path, "rb")


def max_line_bytes() -> int:
    """The longest line accepted (``REGISTRY_MAX_LINE_BYTES``): a contract line is some 150 bytes, so a file
    without line breaks is refused at once instead of being gathered into memory."""
    return int(os.environ.get("REGISTRY_MAX_LINE_BYTES", 64 * 1024))


class LineTooLong(ExtractError):
    """A line longer than :func:`max_line_bytes`; raised by :func:`blocks`, whose caller counts the lines and
    says which one."""


def blocks(path: Path, size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """The file (decompressed) in blocks that end at a line break; the header line is the first block.

    A line longer than :func:`max_line_bytes` stops the read with :class:`LineTooLong` (memory stays
    bounded by the block size and that limit, whatever the file)."""
    limit = max_line_bytes()
    with _open(path) as f:
        rest = b""
        while True:
            data = f.read(size)
            if not data:
                if rest:
                    yield rest + b"\n"
                return
            data = rest + data
            cut = data.rfind(b"\n")
            if cut >= 0:
                yield data[: cut + 1]
                rest = data[cut + 1 :]
            else:
                rest = data
            if len(rest) > limit:
                raise LineTooLong(limit)


def _split_header(first_block: bytes) -> tuple[bytes, bytes]:
    end = first_block.find(b"\n")
    return first_block[: end + 1], first_block[end + 1 :]


def check_header(line: bytes, name: str) -> None:
    """The header line must be the contract's. The message names the expected columns that are missing and
    counts the others without quoting them: a file without its header has a data row there, personnummer
    and all, and nothing of a delivered registry row is ever repeated back."""
    text = line.decode("cp1252", errors="replace").rstrip("\r\n").lstrip("\ufeff")
    columns = tuple(c.strip() for c in text.split("|"))
    if columns != HEADER:
        missing = [c for c in HEADER if c not in columns]
        n_unknown = sum(1 for c in columns if c not in HEADER)
        detail = []
        if missing:
            detail.append("saknas: " + ", ".join(missing))
        if n_unknown:
            detail.append(f"{n_unknown} fält som inte är kontraktets kolumnnamn (visas inte: de kan vara uppgifter)")
        if not detail:
            detail.append("kolumnerna står i fel ordning")
        raise ExtractError(f"rubrikraden följer inte kontraktet ({'; '.join(detail)}). Förväntat: {'|'.join(HEADER)}.")


class MonthValidator:
    """Validates and pseudonymises the blocks of one month's file."""

    def __init__(self, month: str, codes: CodeLists, municipalities: frozenset[str], key: bytes):
        self.month = month
        self.mac_key = pseudonym.mac_key(key)
        self.year, self.month_number = int(month[:4]), int(month[4:])
        self.month_start = int(month) * 100 + 1
        self.month_end = int(month) * 100 + _days(self.year, self.month_number)
        self.month_bytes = np.frombuffer(month.encode(), np.uint8)
        self.municipality = np.zeros(MUNICIPALITY_SLOTS, bool)
        self.municipality[[int(c) for c in municipalities]] = True
        self.category = np.zeros(CODE_SLOTS, bool)
        self.category[[int(c) for c in codes.categories if c.isdigit() and len(c) == 2]] = True
        self.reason = np.zeros(CODE_SLOTS, bool)
        self.reason[[int(c) for c in codes.reasons if c.isdigit() and len(c) == 2]] = True

    def block(self, data: bytes, first_line: int, stats: Stats) -> bytes:
        """COPY input for the good rows of ``data`` (whole lines); bad rows are counted in ``stats``.

        Every check works on one column of the block at a time (numpy), never row by row.
        """
        a = np.frombuffer(data + bytes(16), np.uint8)  # padded: a short field may be read past its end
        newlines = np.flatnonzero(a == LF)
        n = len(newlines)
        starts = np.empty(n, np.int64)
        starts[0] = 0
        starts[1:] = newlines[:-1] + 1
        ends = newlines - (a[newlines - 1] == CR)
        lines = first_line + np.arange(n)
        blank = ends <= starts
        stats.n_rows += int(n - blank.sum())

        pipes = np.flatnonzero(a == PIPE)
        p = None
        if len(pipes) == SEPARATORS * n:  # the usual case: every line has its 13 separators
            p = pipes.reshape(-1, 13)
            if not ((p[:, 0] > starts) & (p[:, 12] < ends)).all():
                p = None
        if p is None:
            n_pipes = np.diff(np.searchsorted(pipes, newlines), prepend=0)
            shaped = (n_pipes == SEPARATORS) & ~blank
            for i in np.flatnonzero(~shaped & ~blank):
                stats.n_bad += 1
                stats.add(Reject(int(lines[i]), None, f"raden har {n_pipes[i] + 1} kolumner, kontraktet har 14"))
            p = pipes[np.repeat(shaped, n_pipes)].reshape(-1, 13)
            rows = np.flatnonzero(shaped)
        else:
            rows = np.arange(n)
        if len(rows) == 0:
            return b""
        # field k runs from cuts[:, k] + 1 up to cuts[:, k + 1] (the separators, and the line's ends)
        cuts = np.empty((len(rows), 15), np.int64)
        cuts[:, 0] = starts[rows] - 1
        cuts[:, 1:14] = p
        cuts[:, 14] = ends[rows]
        f = [cuts[:, k] + 1 for k in range(14)]  # where each field starts
        e = [cuts[:, k + 1] for k in range(14)]  # and ends
        length = [e[k] - f[k] for k in range(14)]

        def digits(col: int, offsets) -> tuple[np.ndarray, np.ndarray]:
            """(value, every character a digit) of the characters at ``offsets`` in field ``col``."""
            value = np.zeros(len(rows), np.int64)
            ok = np.ones(len(rows), bool)
            for k in offsets:
                d = a[f[col] + k] - np.uint8(ZERO)  # wraps around below '0': one comparison checks both ends
                ok &= d < 10
                value = value * 10 + d
            return value, ok

        def char(col: int, k: int = 0) -> np.ndarray:
            return a[f[col] + k]

        problems: list[tuple[np.ndarray, str | None, str]] = []
        # no field of the contract holds a control character or a backslash (they were COPY's escapes when
        # the rows went as text: still set aside, as before), and the five bytes Windows-1252 leaves
        # undefined would make the database refuse the whole COPY
        suspect = _may_be_odd(a[: len(data)], n)  # False: every byte is printable ASCII (none beyond it either)
        odd = np.flatnonzero(_ODD[a[: len(data)]]) if suspect else ()
        if len(odd):
            bad_lines = np.zeros(n, bool)
            bad_lines[np.searchsorted(newlines, odd)] = True
            problems.append(
                (
                    bad_lines[rows],
                    None,
                    "raden innehåller styrtecken, omvänt snedstreck eller tecken utanför Windows-1252",
                )
            )

        # PNR: 12 digits, or 8 digits, '-' and 4 digits; a real date, or for a samordningsnummer the day of
        # birth + 60 (the contract: people without a personnummer); the check digit (Luhn, last 10 digits)
        dashed = (length[PNR] == 13) & (char(PNR, 8) == DASH)
        pnr_digits = np.empty((len(rows), 12), np.uint8)
        pnr_form = (length[PNR] == 12) | dashed
        for k in range(12):
            d = a[f[PNR] + k + (dashed if k >= 8 else 0)] - np.uint8(ZERO)
            pnr_form &= d < 10
            pnr_digits[:, k] = d
        d = pnr_digits.astype(np.int64)
        year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
        day = d[:, 6] * 10 + d[:, 7]
        day = np.where(day > SAMORDNING_DAY_OFFSET, day - SAMORDNING_DAY_OFFSET, day)
        pnr_date = _valid_date(year, d[:, 4] * 10 + d[:, 5], day)
        luhn = (_LUHN_DOUBLE[pnr_digits[:, 2:12:2]].sum(axis=1, dtype=np.int64) + d[:, 3:12:2].sum(axis=1)) % 10 == 0
        problems.append(
            (
                ~pnr_form,
                "PNR",
                "personnumret har fel längd eller form (12 siffror, eller 8 siffror, bindestreck och 4 siffror)",
            )
        )
        problems.append(
            (
                pnr_form & ~pnr_date,
                "PNR",
                "personnumret innehåller inget verkligt datum (inte heller som samordningsnummer, dag + 60)",
            )
        )
        problems.append((pnr_form & pnr_date & ~luhn, "PNR", "personnumrets kontrollsiffra stämmer inte"))

        same_month = length[MANAD] == 6
        for k in range(6):
            same_month &= char(MANAD, k) == self.month_bytes[k]
        problems.append((~same_month, "MANAD", f"MANAD är inte filens månad {self.month}"))

        kommun_len = length[KOMMUNKOD]
        three, three_ok = digits(KOMMUNKOD, range(3))
        fourth = char(KOMMUNKOD, 3) - np.uint8(ZERO)
        kommun = np.where(kommun_len == 4, three * 10 + fourth, three)
        kommun_ok = three_ok & ((kommun_len == 3) | ((kommun_len == 4) & (fourth < 10)))
        kommun_ok &= self.municipality[np.where(kommun_ok, kommun, 0)]
        problems.append((~kommun_ok, "KOMMUNKOD", "okänd kommunkod (inte en av landets 290 kommuner)"))

        kon = char(KON)
        problems.append((~((length[KON] == 1) & ((kon == K) | (kon == M))), "KON", "KON ska vara K eller M"))

        born, born_digits = digits(FODELSEAR, range(4))
        born_ok = (length[FODELSEAR] == 4) & born_digits & (born >= 1900) & (born <= self.year)
        problems.append((~born_ok, "FODELSEAR", f"FODELSEAR ska vara ett årtal mellan 1900 och {self.year}"))

        region = char(FODELSEREGION).astype(np.int64) * 256 + char(FODELSEREGION, 1)
        region_ok = (length[FODELSEREGION] == 2) & np.isin(region, (REGION_SE, REGION_EU, REGION_UE))
        problems.append((~region_ok, "FODELSEREGION", "FODELSEREGION ska vara SE, EU eller UE"))

        problems.append(
            (
                ~self._code(length, digits, KATEGORI, self.category),
                "SOKANDEKATEGORI",
                "okänd sökandekategori (finns inte i sokandekategorier.csv)",
            )
        )
        for col, name in (
            (ETABLERING, "ETABLERING"),
            (FUNKTION, "FUNKTIONSNEDSATTNING"),
            (BISTAND, "EKONOMISKT_BISTAND"),
        ):
            flag = char(col)
            ok = (length[col] == 0) | ((length[col] == 1) & ((flag == J) | (flag == N)))
            problems.append((~ok, name, f"{name} ska vara J, N eller tom"))

        registered, registered_ok = self._date(length, digits, char, INSKRIVEN)
        problems.append(
            (~registered_ok, "INSKRIVNINGSDATUM", "INSKRIVNINGSDATUM saknas eller är inget verkligt datum (ÅÅÅÅ-MM-DD)")
        )
        problems.append(
            (
                registered_ok & (registered > self.month_end),
                "INSKRIVNINGSDATUM",
                "INSKRIVNINGSDATUM ligger efter månadens slut",
            )
        )
        has_end = length[AVAKT_DATUM] > 0
        if has_end.any():
            ended, ended_ok = self._date(length, digits, char, AVAKT_DATUM)
            problems.append(
                (
                    has_end & ~ended_ok,
                    "AVAKTUALISERINGSDATUM",
                    "AVAKTUALISERINGSDATUM är inget verkligt datum (ÅÅÅÅ-MM-DD)",
                )
            )
            problems.append(
                (
                    has_end & ended_ok & ((ended < self.month_start) | (ended > self.month_end)),
                    "AVAKTUALISERINGSDATUM",
                    "AVAKTUALISERINGSDATUM ligger inte i filens månad",
                )
            )
        reason_ok = self._code(length, digits, AVAKT_ORSAK, self.reason)
        has_reason = length[AVAKT_ORSAK] > 0
        problems.append(
            (
                ~reason_ok,
                "AVAKTUALISERINGSORSAK",
                "okänd avaktualiseringsorsak (finns inte i avaktualiseringsorsaker.csv)",
            )
        )
        problems.append(
            (
                reason_ok & (has_end != has_reason),
                "AVAKTUALISERINGSORSAK",
                "AVAKTUALISERINGSDATUM och AVAKTUALISERINGSORSAK ska anges tillsammans",
            )
        )
        problems.append((length[PROJEKTKOD] > 40, "PROJEKTKOD", "PROJEKTKOD är längre än 40 tecken"))

        bad = np.zeros(len(rows), bool)
        for mask, column, reason in problems:
            if mask.any():
                bad |= mask
                for i in np.flatnonzero(mask):
                    stats.add(Reject(int(lines[rows[i]]), column, reason))
        n_bad = int(bad.sum())
        stats.n_bad += n_bad
        stats.n_good += len(rows) - n_bad
        if n_bad == len(rows):
            return b""
        if n_bad:  # the good rows only (most blocks have no bad row: nothing to pick out)
            good = ~bad
            rows, pnr_digits, cuts, kommun_len = rows[good], pnr_digits[good], cuts[good], kommun_len[good]
        return self._copy_lines(a, pnr_digits, lines[rows], cuts, kommun_len == 3, beyond_ascii=suspect)

    def _code(self, length, digits, col: int, known: np.ndarray) -> np.ndarray:
        """Empty, or two digits that are a code of the delivered code list."""
        code, all_digits = digits(col, range(2))
        two = (length[col] == 2) & all_digits
        return (length[col] == 0) | (two & known[np.where(two, code, 0)])

    def _date(self, length, digits, char, col: int) -> tuple[np.ndarray, np.ndarray]:
        """(YYYYMMDD as a number, whether the field is a real ``YYYY-MM-DD`` date)."""
        ymd, all_digits = digits(col, (0, 1, 2, 3, 5, 6, 8, 9))
        shaped = (length[col] == 10) & all_digits & (char(col, 4) == DASH) & (char(col, 7) == DASH)
        ok = shaped & _valid_date(ymd // 10_000, ymd // 100 % 100, ymd % 100)
        return ymd, ok

    def _copy_lines(
        self,
        a: np.ndarray,
        digits: np.ndarray,
        lines: np.ndarray,
        cuts: np.ndarray,
        short_kommun: np.ndarray,
        beyond_ascii: bool = True,
    ) -> bytes:
        """The good rows as binary COPY tuples, in the order of ``COPY_COLUMNS``: line, pseudonym, then the
        delivered columns from KOMMUNKOD on (its leading zero restored). ``beyond_ascii`` False says the block
        has no byte beyond ASCII (the check for odd bytes found none), so no PROJEKTKOD needs converting.

        Binary, not text: the server then takes the pseudonym as 16 bytes instead of parsing 32 hex
        digits, the larger part of its work on a month, and the text in UTF-8, its own encoding
        (docs/performance.md). A tuple is a field count and, per field, a 4-byte length (−1 for NULL: an
        empty field, as ``null ''`` was in text) and the bytes.

        All rows are laid out at once as one numpy record per row (a structured dtype made for the block):
        a slot per field as wide as the field's longest value in the block, each filled for all rows by one
        gather of fixed-width byte strings from the block. A field shorter than its slot (an empty one, a
        short PROJEKTKOD) leaves bytes that are dropped by one mask at the end, which keeps the tuples
        packed. Before, every output byte had an index of its own (a cumulative sum over the output); this
        touches each byte a few times less (docs/performance.md has the figures).
        """
        m = len(lines)
        start = cuts.take(_COPIED, axis=1) + 1  # (rows, copied fields)
        start[:, 0] -= short_kommun  # a three-digit code: from the '|' before it, made a '0'
        length = cuts.take(_COPIED_ENDS, axis=1) - start
        block = a.copy()
        block[start[short_kommun, 0]] = ZERO
        source = block
        extra = self._utf8_projektkod(a, cuts[:, PROJEKTKOD] + 1, cuts[:, PROJEKTKOD + 1]) if beyond_ascii else None
        if extra is not None:  # the rare PROJEKTKOD beyond ASCII: its UTF-8 bytes after the block
            rows, texts = extra
            sizes = np.array([len(text) for text in texts], np.int64)
            start[rows, -1] = len(block) + np.cumsum(sizes) - sizes
            length[rows, -1] = sizes
            source = np.concatenate([block, np.frombuffer(b"".join(texts), np.uint8)])
        widths = [int(w) for w in length.max(axis=0)]
        source = np.concatenate([source, np.zeros(max(widths) + 1, np.uint8)])  # a slot may read past the end
        # the 30-byte prefix: the field count (2 bytes); the line's length (4) and the line (4) as one 8-byte
        # number; the pseudonym's length (4) and the pseudonym (16)
        names, formats, offsets = ["count", "line", "id_length"], [">u2", ">u8", ">i4"], [0, 2, 10]
        at = _PREFIX_BYTES
        slots = {}  # field → where its bytes start in the record
        for k, width in enumerate(widths):
            names.append(f"n{k}")
            formats.append(">i4")
            offsets.append(at)
            at += 4
            if width:
                names.append(f"d{k}")
                formats.append(f"S{width}")
                offsets.append(at)
                slots[k] = at
                at += width
        out = np.empty(m, np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": at}))
        raw = out.view(np.uint8).reshape(m, at)
        out["count"] = len(_COPIED) + 2
        out["line"] = lines + (4 << 32)
        out["id_length"] = 16
        raw[:, 14:30] = pseudonym.aes_cmac(digits + np.uint8(ZERO), self.mac_key)
        encoded = np.where(length == 0, -1, length)  # an empty field is NULL
        keep = None
        for k, width in enumerate(widths):
            out[f"n{k}"] = encoded[:, k]
            if not width:
                continue
            out[f"d{k}"] = _spans(source, width)[start[:, k]]
            if (length[:, k] < width).any():
                keep = np.ones((m, at), bool) if keep is None else keep
                keep[:, slots[k] : slots[k] + width] = np.arange(width) < length[:, k, None]
        return (raw if keep is None else raw[keep]).tobytes()

    @staticmethod
    def _utf8_projektkod(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, list[bytes]] | None:
        """(rows, their PROJEKTKOD in UTF-8) for the good rows whose PROJEKTKOD has a byte beyond ASCII;
        ``None`` when none has (the usual case). Every other column is ASCII once checked, so this is
        all the conversion the server would otherwise do: text is sent in its own encoding, UTF-8, which
        spares it a Windows-1252 conversion of every field (docs/performance.md)."""
        high = np.flatnonzero(a >= 0x80)
        if not len(high):
            return None
        row = np.searchsorted(starts, high, side="right") - 1
        inside = (row >= 0) & (high < ends[np.maximum(row, 0)])
        rows = np.unique(row[inside])
        if not len(rows):
            return None
        texts = [a[s:e].tobytes().decode("cp1252").encode() for s, e in zip(starts[rows], ends[rows], strict=True)]
        return rows, texts


def _may_be_odd(data: np.ndarray, n_lines: int) -> bool:
    """Whether ``data`` may hold a byte no row may hold (``_ODD``), by a few counts that are far cheaper
    than the table lookup: control characters beyond the line ends, a backslash, DEL, or any byte beyond
    ASCII (among which the five undefined ones)."""
    controls = np.count_nonzero(data < SPACE)
    if controls and controls != n_lines + np.count_nonzero(data == CR):
        return True
    return bool(np.count_nonzero(data == BACKSLASH) or np.count_nonzero(data >= DEL))


def _spans(source: np.ndarray, width: int) -> np.ndarray:
    """Every ``width``-byte span of ``source`` as one fixed-width byte string (element i: bytes i … i + width
    − 1), a view without a copy: indexing it with the fields' starts gathers whole fields at once."""
    return np.ndarray((len(source) - width + 1,), f"S{width}", source, 0, (1,))


def _days(year: int, month: int) -> int:
    return 29 if month == 2 and (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else int(_DAYS_IN_MONTH[month])


def _valid_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= days) & (year >= 1800)


def default_workers() -> int:
    """Worker processes for validation: the cores left once the database server (parsing the COPY) and
    this process (reading, sending) have one each. Below two, validating in this process is faster:
    on 2 cores a worker pool made a national month 40 % slower than validating in-process (1.24 s
    against 0.89 s for 500 000 rows, median of five loads), as the workers, this process and the
    server compete for the cores."""
    spare = (os.cpu_count() or 1) - 2
    return spare if spare >= 2 else 1


def stream(
    path: Path,
    codes: CodeLists,
    municipalities: frozenset[str],
    key: bytes | None = None,
    block_size: int = BLOCK_SIZE,
    workers: int | None = None,
    ahead: bool = False,
) -> tuple[Stats, Iterator[bytes]]:
    """Validate and pseudonymise ``path`` block by block: (stats, COPY input blocks).

    ``stats`` fills in while the blocks are consumed; it is complete once the iterator is exhausted.
    With ``workers`` > 1 (default ``REGISTRY_WORKERS``, else :func:`default_workers`)
    blocks are validated in worker processes while this process streams finished blocks, in order,
    to the database; at most ``workers + 1`` blocks are in flight, so memory stays bounded.
    With one worker and ``ahead``, the blocks are validated by a thread started at once
    (:class:`ReadAhead`; close the iterator when done with it).
    """
    month = month_of(path)
    key = key if key is not None else pseudonym.load_key()
    if workers is None:
        workers = int(os.environ.get("REGISTRY_WORKERS", default_workers()))
    stats = Stats()
    validator = MonthValidator(month, codes, municipalities, key)

    def numbered_blocks() -> Iterator[tuple[bytes, int]]:
        line = 1
        header_seen = False
        most_rows = config.registry_max_rows()
        try:
            for data in blocks(path, block_size):
                if not header_seen:
                    header, data = _split_header(data)
                    check_header(header, path.name)
                    header_seen, line = True, 2
                    if not data:
                        continue
                n_lines = data.count(b"\n")
                if line - 2 + n_lines > most_rows:  # checked before the block goes anywhere
                    rows = tal(most_rows)
                    raise ExtractError(
                        f"filen har fler än {rows} rader; högst {rows} rader per utdrag tas emot "
                        "(REGISTRY_MAX_ROWS), så filen läses inte vidare"
                    )
                yield data, line
                line += n_lines
        except LineTooLong as error:  # the line after the blocks read so far
            raise ExtractError(
                f"rad {line} är längre än {tal(error.args[0])} byte utan radbrytning (en rad i utdraget är några "
                "hundra byte; REGISTRY_MAX_LINE_BYTES); filen läses inte vidare"
            ) from None
        if not header_seen:
            raise ExtractError("filen är tom: rubrikraden saknas.")

    def sequential() -> Iterator[bytes]:
        for data, line in numbered_blocks():
            out = validator.block(data, line, stats)
            if out:
                yield out

    def parallel() -> Iterator[bytes]:
        # fork: the workers start at once with the validator (and the key) already in memory
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(validator,)) as pool:
            pending: deque = deque()
            for data, line in numbered_blocks():
                pending.append(pool.submit(_validate_block, data, line))
                while len(pending) > workers:
                    out = _merge(stats, pending.popleft().result())
                    if out:
                        yield out
            while pending:
                out = _merge(stats, pending.popleft().result())
                if out:
                    yield out

    if workers > 1:
        return stats, parallel()
    return stats, (ReadAhead(sequential()) if ahead else sequential())


class ReadAhead:
    """The blocks of ``blocks``, made by a thread of their own at most ``depth`` blocks ahead of the reader.

    Why: on two cores the loader's own work and the server's parsing of the COPY should overlap fully,
    and without a thread this process's core idles while it connects, writes the audit row and creates
    the month's table (some 50 ms before the first block), and whenever the COPY waits on the server.
    numpy releases the GIL in the checks, so the thread runs beside the sending. An error in the thread
    (a broken file: :class:`ExtractError`, a damaged gzip) is raised to the reader where the stream would
    have raised it. :meth:`close` (also on garbage collection) stops the thread, and memory stays bounded
    by ``depth`` blocks whether or not the reader reads."""

    _END = object()

    def __init__(self, blocks: Iterator[bytes], depth: int = 2) -> None:
        self._queue: queue.Queue = queue.Queue(depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(blocks,), name="registry-read-ahead", daemon=True)
        self._thread.start()

    def _run(self, blocks: Iterator[bytes]) -> None:
        try:
            for block in blocks:
                if not self._put(block):
                    return
            self._put(self._END)
        except BaseException as error:  # handed to the reader, who raises it
            self._put(_Failed(error))
        finally:
            close = getattr(blocks, "close", None)
            if close:
                close()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> ReadAhead:
        return self

    def __next__(self) -> bytes:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if item is self._END:
            self._done = True
            raise StopIteration
        if isinstance(item, _Failed):
            self._done = True
            raise item.error
        return item

    def close(self) -> None:
        self._done = True
        self._stop.set()
        self._thread.join()

    def __del__(self) -> None:
        self._stop.set()


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_WORKER_VALIDATOR: MonthValidator | None = None


def _init_worker(validator: MonthValidator) -> None:
    global _WORKER_VALIDATOR
    _WORKER_VALIDATOR = validator


def _validate_block(data: bytes, first_line: int) -> tuple[bytes, Stats]:
    stats = Stats()
    return _WORKER_VALIDATOR.block(data, first_line, stats), stats


def _merge(stats: Stats, result: tuple[bytes, Stats]) -> bytes:
    out, part = result
    stats.n_rows += part.n_rows
    stats.n_good += part.n_good
    stats.n_bad += part.n_bad
    for reject in part.rejects:
        stats.add(reject)
    for reason, count in part.reasons.items():  # add() counted the kept ones already
        kept = sum(1 for r in part.rejects if r.reason == reason)
        stats.reasons[reason] = stats.reasons.get(reason, 0) + count - kept
    return out


def first_of_month(month: str) -> date:
    return date(int(month[:4]), int(month[4:]), 1)
