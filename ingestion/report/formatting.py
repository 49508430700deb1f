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
    """A mean with one decimal: ``3.46`` → ``3,5``; ``–`` when there is none."""
    if value is None:
        return MISSING
    return tal(round(float(value), 1))


def period_text(period: str) -> str:
    """``2025H1`` → ``första halvåret 2025``; ``2025H2`` → ``andra halvåret 2025``."""
    year, half = period[:4], period[5:]
    return f"{'första' if half == '1' else 'andra'} halvåret {year}"
