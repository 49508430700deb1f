"""One rule for what a personnummer looks like, for every contract and every message.

A Swedish personal identity number (personnummer) or coordination number (samordningsnummer: the day of
birth + 60) written in any of the spellings people use: 12 digits (``YYYYMMDDNNNC``), 10 digits
(``YYMMDDNNNC``), either with ``-`` or ``+`` before the last four; a real date; the Luhn check digit over
the last ten digits. Anything that passes is treated as a personnummer wherever it was typed: never quoted
in a message, masked as ``[personnummer]`` in free text that leaves raw, rejected where the contract has an
id or a number. Imports nothing, so every layer can use it.
"""

from __future__ import annotations

import re
from datetime import date

MASK = "[personnummer]"
SAMORDNING_DAY_OFFSET = 60  # a samordningsnummer writes the day of birth + 60

# digit runs of a personnummer's length, not inside a longer run of digits
_CANDIDATE = re.compile(r"(?<![0-9])(?:\d{8}|\d{6})[-+]?\d{4}(?![0-9])")


def check_digit_ok(ten: str) -> bool:
    """The Luhn check over the last ten digits (``YYMMDDNNNC``)."""
    total = 0
    for i, char in enumerate(ten):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def real_day(year: int, month: int, day: int) -> bool:
    """Whether the date part is a real date, the day of a samordningsnummer (day + 60) counted as its day."""
    if day > SAMORDNING_DAY_OFFSET:
        day -= SAMORDNING_DAY_OFFSET
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def is_personnummer(text: str) -> bool:
    """Whether ``text`` (surrounding blanks aside) is a personnummer or samordningsnummer in any spelling."""
    text = text.strip()
    if not _CANDIDATE.fullmatch(text):
        return False
    digits = text.replace("-", "").replace("+", "")
    if len(digits) == 12:
        year, rest = int(digits[:4]), digits[4:]
        return real_day(year, int(rest[:2]), int(rest[2:4])) and check_digit_ok(digits[2:])
    # 10 digits: the century is not written; a date that is real in either century counts
    month, day = int(digits[2:4]), int(digits[4:6])
    return any(real_day(century + int(digits[:2]), month, day) for century in (1900, 2000)) and check_digit_ok(digits)


def find(text: str) -> list[tuple[int, int]]:
    """Where personnummer stand in ``text`` (start, end)."""
    return [m.span() for m in _CANDIDATE.finditer(text) if is_personnummer(m.group(0))]


def contains(text: str | None) -> bool:
    return bool(text) and bool(find(text))


def mask(text: str | None) -> str | None:
    """``text`` with every personnummer in it replaced by ``[personnummer]``."""
    if not text:
        return text
    spans = find(text)
    for start, end in reversed(spans):
        text = text[:start] + MASK + text[end:]
    return text
