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


def test_a_decimal_is_shown_only_where_whole_per_cents_would_look_alike():
    assert formatting.share_decimals([[0.561, 0.572], [0.3, 0.31]]) == 0
    assert formatting.share_decimals([[0.5704, 0.5681]]) == 1  # 57 % and 57 %: 57,0 % and 56,8 %
    assert formatting.share_decimals([[0.56812, 0.56789]]) == 2
    assert formatting.share_decimals([[0.57, 0.57, None]]) == 0  # equal values may look equal
    assert formatting.percent(0.5704, decimals=1).replace("\xa0", " ") == "57,0 %"


def test_changes_carry_their_sign_and_shares_change_in_percentage_points():
    assert formatting.change(1234).replace("\xa0", " ") == "+1 234"
    assert formatting.change(-6) == "-6"
    assert formatting.change(0) == "0"
    assert formatting.change(0.031, "andel") == "+3 procentenheter"
    assert formatting.change(-0.01, "andel") == "-1 procentenhet"
    assert formatting.change(None) == "–"
    assert formatting.change(5, suppressed=True) == ".."


def test_means_always_show_one_decimal_and_months_are_named():
    from datetime import date

    assert formatting.mean(3) == "3,0"
    assert formatting.mean(Decimal("3.46")) == "3,5"
    assert formatting.mean(None) == "–"
    assert formatting.month_text(date(2025, 4, 1)) == "april 2025"
