"""Reading the semicolon CSV files Swedish senders deliver, keeping each record's line number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass
class CsvTable:
    """Header (as written) and records, each with the line where it starts (header = line 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


class CsvError(ValueError):
    pass


def decode(data: bytes, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """Decode with the first encoding that fits; a BOM is dropped."""
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError(f"filen är inte kodad som {' eller '.join(e.replace('-sig', '') for e in encodings)}")


def read_csv(text: str, delimiter: str = ";") -> CsvTable:
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("filen är tom (ingen rubrikrad)") from None
    except csv.Error as exc:
        raise CsvError(f"rubrikraden går inte att läsa ({exc})") from None
    rows: list[tuple[int, list[str]]] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(f"rad {start} går inte att läsa som CSV ({exc})") from None
    return CsvTable(header=header, rows=rows)
