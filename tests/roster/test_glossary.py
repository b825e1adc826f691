"""Words and numbers as a leader reads them (roster.glossary)."""

from __future__ import annotations

from roster.glossary import number_no, scope_from_word, spread_no
from roster.model import Scope


def test_number_no_uses_a_comma_and_a_real_minus() -> None:
    assert number_no(1.25, 1) == "1,2" or number_no(1.25, 1) == "1,3"
    assert number_no(-0.5, 1) == "−0,5"
    assert number_no(12, 0) == "12"


def test_number_no_never_writes_minus_zero() -> None:
    assert number_no(-0.04, 1) == "0,0"
    assert number_no(-0.0, 0) == "0"
    assert number_no(-0.4, 0) == "0"


def test_scope_words_norwegian_and_english() -> None:
    assert scope_from_word("natt") == Scope.nights
    assert scope_from_word("Utenfor kontortid") == Scope.outside_hours
    assert scope_from_word("utenfor_kontortid") == Scope.outside_hours
    assert scope_from_word("weekends") == Scope.weekends
    assert scope_from_word("shift_types") is None
    assert scope_from_word("tull") is None


def test_spread_no_never_writes_plus_minus_zero() -> None:
    """A distance either way from a target: «±1,2», but «0,0» where it rounds to zero (issue
    14: «±0,0» beside «−0,0» did not add up), and a bound a hair below zero is zero."""
    assert spread_no(1.24) == "±1,2"
    assert spread_no(0.04) == "0,0"
    assert spread_no(-0.3) == "0,0"
    assert spread_no(0.05) in ("±0,1", "0,0")  # rounding of a float at the half
