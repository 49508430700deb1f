"""Numbers as Swedish readers write them (``325 406``, ``12,5 %``), for reports to senders and readers.

Babel (already installed with Airflow) holds the Swedish locale's rules: a (non-breaking) space between
thousands, a decimal comma, a space before the per cent sign. Hand-made f-strings get one of the three
wrong sooner or later.
"""

from __future__ import annotations

from babel.numbers import format_decimal, format_percent

LOCALE = "sv_SE"


def tal(value: float) -> str:
    """``325406`` → ``325 406``; ``12.5`` → ``12,5``."""
    return format_decimal(value, locale=LOCALE)


def andel(share: float, decimals: int = 1) -> str:
    """``0.125`` → ``12,5 %``."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return format_percent(share, format=pattern, locale=LOCALE)
