"""How amounts read, estimated or not: one wording for answers, plans, Slack and the CLI."""

from __future__ import annotations

from decimal import Decimal

from assistant import formatting as fmt
from tools.evidence import Figure, Unit


def test_one_deals_amount_says_when_it_is_an_estimate_and_never_prints_zero_for_none() -> None:
    assert fmt.deal_amount(Decimal("5482")) == "$5,482"
    assert fmt.deal_amount(Decimal("5482"), True) == "$5,482 (estimated)"
    assert fmt.deal_amount(Decimal("5482"), True, "the product's list price") == (
        "$5,482 (estimated from the product's list price)"
    )
    assert fmt.deal_amount(None) == fmt.deal_amount(None, True) == "amount unknown"


def test_a_total_says_how_much_of_it_is_estimated() -> None:
    total = Figure.of("Open pipeline", Decimal("1260000"), Unit.USD, "sum(amount)")
    assert fmt.figure(total) == "$1.3M" and total.display() == "$1,260,000"
    partly = total.with_estimate(Decimal("900000"))
    assert fmt.figure(partly) == "$1.3M (of which $900,000 estimated)"
    assert partly.display() == "$1,260,000 (of which $900,000 estimated)"
    wholly = total.with_estimate(Decimal("1260000"))
    assert fmt.figure(wholly) == "$1.3M (estimated)" and wholly.display() == "$1,260,000 (estimated)"
    assert total.with_estimate(0) is total and "estimated" not in total.model_dump()
    assert wholly.model_dump(mode="json")["estimated"] == "1260000.00"
