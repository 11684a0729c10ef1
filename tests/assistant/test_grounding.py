"""Figures in prose, read the way the planner writes them and checked against known values."""

from __future__ import annotations

from decimal import Decimal

from assistant.grounding import numbers_in, unverified, values_of


def test_numbers_are_read_with_the_precision_they_were_written_with() -> None:
    found = {w.text: (w.value, w.tolerance) for w in numbers_in("$1.2M, $45,300, 38% and 2.3x in 45 days")}
    assert found["$1.2M"] == (Decimal("1200000"), Decimal("50000"))
    assert found["$45,300"] == (Decimal("45300"), Decimal("0.5"))
    assert found["38%"] == (Decimal("38"), Decimal("0.5"))
    assert found["2.3x"] == (Decimal("2.3"), Decimal("0.05"))
    assert found["45"] == (Decimal("45"), Decimal("0.5"))


def test_dates_record_ids_and_candidate_keys_are_not_figures() -> None:
    assert numbers_in("due 2026-12-31 in 2027-Q1 on opportunity/4173 (see O2 and A11)") == []


def test_grounded_figures_pass_and_invented_ones_are_named() -> None:
    known = values_of({"pipeline": "1234567.00", "rate": 0.3826, "note": "won $45,300 last year", "n": 373})
    text = "Pipeline is $1.2M, win rate 38%, 373 quiet accounts, $45,300 won, and $9.9M to come in 3 weeks."
    assert unverified(text, known) == ["$9.9M"]
    assert unverified("take it from $1.3M", known) == ["$1.3M"]


def test_booleans_are_not_numbers() -> None:
    assert values_of({"flag": True, "items": [1, "2.5"]}) == {Decimal(1), Decimal("2.5")}
