"""The report's figures as Swedish official statistics print them (issue 13)."""

from __future__ import annotations

from decimal import Decimal

from ingestion.report import formatting


def test_counts_use_a_space_between_thousands_and_mark_suppressed_and_missing():
    assert formatting.count(325406).replace("\xa0", " ") == "325 406"
    assert formatting.count(0) == "0"
    assert formatting.count(None) == "–"
    assert formatting.count(12, suppressed=True) == ".."
    assert formatting.count(None, suppressed=True) == ".."


def test_shares_are_whole_per_cent_unless_decimals_are_asked_for():
    assert formatting.percent(Decimal("0.5634")).replace("\xa0", " ") == "56 %"
    assert formatting.percent(0.125, decimals=1).replace("\xa0", " ") == "12,5 %"
    assert formatting.percent(None) == "–"
    assert formatting.percent(0.3, suppressed=True) == ".."


def test_half_years_are_written_out():
    assert formatting.period_text("2025H1") == "första halvåret 2025"
    assert formatting.period_text("2024H2") == "andra halvåret 2024"
