"""Figures as Swedish official statistics print them, for the report's tables and texts.

Numbers through Babel (``ingestion.core.numbers``): a space between thousands, a decimal comma. A
suppressed cell is ``..`` (with the footnote ``SUPPRESSED_NOTE``), a missing value ``–``, zero ``0``;
shares as whole per cent; half-years written out.
"""

from __future__ import annotations

from decimal import Decimal

from ingestion.core.numbers import andel, tal

SUPPRESSED = ".."
MISSING = "–"
SUPPRESSED_NOTE = ".. färre än 5 personer eller röjande"


def count(value: int | None, suppressed: bool = False) -> str:
    """A published count: ``..`` when suppressed, ``–`` when there is no value, else ``325 406``."""
    if suppressed:
        return SUPPRESSED
    if value is None:
        return MISSING
    return tal(value)


def percent(share: float | Decimal | None, suppressed: bool = False, decimals: int = 0) -> str:
    """A share as per cent, whole unless asked for decimals: ``0.563`` → ``56 %``."""
    if suppressed:
        return SUPPRESSED
    if share is None:
        return MISSING
    return andel(float(share), decimals)


def mean(value: float | Decimal | None) -> str:
    """A mean with one decimal, always shown: ``3.46`` → ``3,5``, ``3`` → ``3,0``; ``–`` when there is none."""
    if value is None:
        return MISSING
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0.0", locale="sv_SE")


def period_text(period: str) -> str:
    """``2025H1`` → ``första halvåret 2025``; ``2025H2`` → ``andra halvåret 2025``."""
    year, half = period[:4], period[5:]
    return f"{'första' if half == '1' else 'andra'} halvåret {year}"


def change(value: float | Decimal | None, unit: str = "antal", suppressed: bool = False) -> str:
    """A change since the previous half-year, with its sign: ``+1 234``, ``-56``, ``0``; a share's change
    in whole percentage points (``+3 procentenheter``). ``..`` when either side is suppressed, ``–`` when
    there is nothing to compare with."""
    if suppressed:
        return SUPPRESSED
    if value is None:
        return MISSING
    if unit == "andel":
        points = round(float(value) * 100)
        return f"{signed(points)} {'procentenhet' if abs(points) == 1 else 'procentenheter'}"
    return signed(value)


def signed(value: float | Decimal) -> str:
    """``1234`` → ``+1 234``, ``-56`` → ``-56``, ``0`` → ``0`` (Babel's Swedish pattern with an explicit plus)."""
    from babel.numbers import format_decimal

    if value == 0:
        return "0"
    return format_decimal(value, format="+#,##0.#;-#,##0.#", locale="sv_SE")


def month_text(month) -> str:
    """``2025-01-01`` → ``januari 2025`` (Babel's Swedish month names)."""
    from babel.dates import format_date

    return format_date(month, "LLLL y", locale="sv_SE")


def figure(row: dict, name: str) -> str:
    """A key figure by its ``unit``: a count, or a share in whole per cent."""
    suppressed = bool(row.get(f"{name}_suppressed"))
    if row.get("unit") == "andel":
        return percent(row.get(name), suppressed)
    return count(row.get(name), suppressed)


def share_decimals(groups: list[list[float | Decimal | None]], most: int = 2) -> int:
    """How many decimals a table's percentages need: whole per cent, unless two different values that a
    reader compares (those in one group: a row, or a column) would look the same; then one, or two."""
    for decimals in range(most + 1):
        if all(_distinct_when_shown(group, decimals) for group in groups):
            return decimals
    return most


def _distinct_when_shown(values: list[float | Decimal | None], decimals: int) -> bool:
    shown = [float(v) for v in values if v is not None]
    different = {round(v, 6) for v in shown}
    return len({andel(v, decimals) for v in different}) == len(different)
