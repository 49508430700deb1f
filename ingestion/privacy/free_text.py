"""Removing personal names from free text before it can reach analyst-facing tables.

Forms ask for roles ("Af enhetschef; kommunens arbetsmarknadschef"), but people write names
anyway, usually next to a role: "enhetschef Testa Berg", "Karl Testsson (Af)", "Kontakt: Eva Exempel".
No name list is needed for the usual leak: two or more capitalised words in a row that are not
sentence-initial ordinary words, organisations or places. Such runs are replaced by ``[namn]``.
Raw keeps the text as delivered (raw is not readable by analysts); dbt only passes on the
cleaned copy.
"""

from __future__ import annotations

import csv
import re
from functools import cache

from ingestion.core import config, personnummer

REPLACEMENT = "[namn]"

# Capitalised words that start organisation names, places and common phrases in this domain:
# a run of capitalised words that contains one of these is not a person's name.
NOT_NAMES = {
    "af",
    "arbetsförmedlingen",
    "arbetsformedlingen",
    "kommun",
    "kommunen",
    "kommuner",
    "stad",
    "staden",
    "region",
    "regionen",
    "län",
    "länsstyrelsen",
    "försäkringskassan",
    "migrationsverket",
    "skatteverket",
    "samordningsförbundet",
    "skr",
    "storsthlm",
    "dua",
    "ök",
    "rök",
    "lök",
    "vt",
    "ht",
    "vår",
    "höst",
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
    "måndag",
    "tisdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lördag",
    "söndag",
    "sverige",
    "stockholm",
    "göteborg",
    "malmö",
    "uppsala",
    "norrbotten",
    "samverkan",
    "samhandling",
    "samsyn",
    "samtal",
    "jobbspår",
    "lokala",
    "ekonomiskt",
    "bistånd",
    "etableringsprogrammet",
    "kan",
    "vi",
    "det",
    "de",
    "den",
    "en",
    "ett",
    "alla",
    "inga",
    "ja",
    "nej",
    "mål",
    "målet",
}


@cache
def _place_words() -> frozenset[str]:
    """Words of municipality and county names (``Täby``, ``Upplands``, ``Väsby``): places, not people."""
    words: set[str] = set()
    for file_name, column in (("municipalities.csv", "municipality_name_short"), ("counties.csv", "county_name_short")):
        with open(config.REFERENCE_DIR / file_name, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                words.update(w.lower() for w in re.split(r"[\s-]+", row[column]) if w)
    return frozenset(words)


_WORD = r"[A-ZÅÄÖÉÜ][a-zåäöéüß]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéüß]+)?"
_RUN = re.compile(rf"\b{_WORD}(?:\s+(?:von\s+|af\s+|de\s+)?{_WORD})+\b")


def strip_names(text: str | None) -> str | None:
    """``text`` with runs of two or more capitalised words that look like a person's name replaced, and
    every personnummer masked (``[personnummer]``): only this copy of free text leaves raw."""
    if text is None:
        return None
    text = personnummer.mask(text)

    def replace(match: re.Match) -> str:
        words = re.split(r"\s+", match.group(0))
        lowered = [w.lower() for w in words]
        if any(w in NOT_NAMES for w in lowered) or all(w in _place_words() for w in lowered):
            return match.group(0)
        return REPLACEMENT

    return _RUN.sub(replace, text)
