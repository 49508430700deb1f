"""Reading the semicolon CSV files Swedish senders deliver, keeping each record's line number.

Every reader of a semicolon file goes through :func:`records`, which holds the limits on field length
(``MAX_FIELD_CHARS``) and rows per file (``MAX_ROWS_PER_FILE``): a file over one of them is refused naming
it, as soon as the reader gets there, instead of filling the memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from ingestion.core import config
from ingestion.core.numbers import tal


@dataclass
class CsvTable:
    """Header (as written) and records, each with the line where it starts (header = line 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


class CsvError(ValueError):
    """The file cannot be read as the contract's CSV. Its message is addressed to the sender, in Swedish,
    and quotes nothing delivered."""

    addressed_to_sender = True


def records(text: str, delimiter: str = ";", strict: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, its fields) for every record of ``text``, header included (line 1).

    Stops with :class:`CsvError` at the first field longer than :func:`~ingestion.core.config.max_field_chars`
    (``csv`` stops gathering it there, so memory stays bounded) and at the first data record past
    :func:`~ingestion.core.config.max_rows_per_file`; a record ``csv`` cannot read is a :class:`CsvError`
    too, naming its line.
    """
    _refuse_nul(text, delimiter)
    most_chars, most_rows = config.max_field_chars(), config.max_rows_per_file()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    start, n_rows = 1, -1  # the header is not a data row
    while True:
        # csv's field limit is one for the whole process: ours holds while this reader reads a record, and
        # every other csv reader keeps its own
        previous = csv.field_size_limit(most_chars)
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise CsvError(
                    f"rad {start} har ett fält som är längre än {tal(most_chars)} tecken; så långa fält tas "
                    "inte emot (MAX_FIELD_CHARS), så filen läses inte vidare"
                ) from None
            what = "rubrikraden" if start == 1 else f"rad {start}"
            raise CsvError(f"{what} går inte att läsa som CSV ({exc})") from None
        finally:
            csv.field_size_limit(previous)
        n_rows += 1
        if n_rows > most_rows:
            raise CsvError(
                f"filen har fler än {tal(most_rows)} rader; högst {tal(most_rows)} rader per fil tas emot "
                "(MAX_ROWS_PER_FILE), så filen läses inte vidare"
            )
        yield start, record
        start = reader.line_num + 1


def _refuse_nul(text: str, delimiter: str) -> None:
    """A NUL byte has no place in a text file (PostgreSQL cannot even store one in text): the file is
    damaged or not the contract's CSV. Named by line and column (counted by delimiters), never quoted."""
    at = text.find("\x00")
    if at < 0:
        return
    line_start = text.rfind("\n", 0, at) + 1
    line = text.count("\n", 0, at) + 1
    column = text.count(delimiter, line_start, at) + 1
    header = text[: text.find("\n") if "\n" in text else len(text)].lstrip("\ufeff").split(delimiter)
    name = header[column - 1].strip().strip('"') if line > 1 and column <= len(header) else None
    where = f"kolumn {name}" if name and "\x00" not in name else f"fält {column}"
    raise CsvError(
        f"rad {line}, {where} innehåller en NUL-byte (ett nolltecken), som inte hör hemma i en textfil: "
        "filen är skadad eller ingen CSV-fil"
    )


def decode(data: bytes, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Decode with the first encoding that fits; a BOM is dropped."""
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError(f"filen är inte kodad som {' eller '.join(e.replace('-sig', '') for e in encodings)}")


def read_csv(text: str, delimiter: str = ";") -> CsvTable:
    """Header and non-blank records of ``text``, within the limits of :func:`records`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = records(text, delimiter)
    try:
        _, header = next(lines)
    except StopIteration:
        raise CsvError("filen är tom (ingen rubrikrad)") from None
    rows = [(start, record) for start, record in lines if any(cell.strip() for cell in record)]
    return CsvTable(header=header, rows=rows)
