"""Personal names are removed from free text; roles, places and organisations stay."""

from __future__ import annotations

import pytest

from ingestion.privacy.free_text import strip_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Af enhetschef; kommunens arbetsmarknadschef; utvecklingsledare",
            "Af enhetschef; kommunens arbetsmarknadschef; utvecklingsledare",
        ),
        (
            "Af enhetschef Testa Berg; kommunens arbetsmarknadschef Karl-Erik Testsson",
            "Af enhetschef [namn]; kommunens arbetsmarknadschef [namn]",
        ),
        ("Kontakt: Eva Exempel (Af Södertälje)", "Kontakt: [namn] (Af Södertälje)"),
        ("Möte med Per Olof Fiktivsson i mars", "Möte med [namn] i mars"),
        ("Region Stockholm och Täby kommun", "Region Stockholm och Täby kommun"),
        ("Vallentuna Täby Danderyd samverkar", "Vallentuna Täby Danderyd samverkar"),
        ("Upplands Väsby", "Upplands Väsby"),
        ("Genomförd i mars", "Genomförd i mars"),
        ("Samverkan Nordost fungerar väl", "Samverkan Nordost fungerar väl"),
    ],
)
def test_strip_names(text, expected):
    assert strip_names(text) == expected


def test_none_stays_none():
    assert strip_names(None) is None
