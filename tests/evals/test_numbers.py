"""Reading numbers back from answers: every rendering the offline planner uses, with its rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant import formatting as fmt
from evals.numbers import find, read_numbers
from evals.schema import Unit

TEXT = (
    "**Your open pipeline is $746,200 across 33 deals** ($163,150 weighted); quota $1.2M, 14% attained, "
    "coverage 1.1x, median cycle 51 days, close date 2026-12-06 [opportunity/2538], 2026-Q4, "
    "GTXPro - OLVI7L8M, (3 won, 17 lost), -$2,000, $3.4B"
)


def test_every_form_is_read_with_its_unit() -> None:
    found = {(n.unit, n.value) for n in read_numbers(TEXT)}
    assert (Unit.MONEY, Decimal(746200)) in found and (Unit.MONEY, Decimal("1.2E6")) in found
    assert (Unit.PERCENT, Decimal("0.14")) in found and (Unit.MULTIPLE, Decimal("1.1")) in found
    assert (Unit.DAYS, Decimal(51)) in found and (Unit.COUNT, Decimal(33)) in found
    assert (Unit.MONEY, Decimal(-2000)) in found and (Unit.MONEY, Decimal("3.4E9")) in found
    numbers = {n.value for n in read_numbers(TEXT)}
    assert not numbers & {Decimal(2026), Decimal(2538), Decimal(12), Decimal(6), Decimal(4)}


@pytest.mark.parametrize(
    ("value", "unit", "render"),
    [
        (Decimal("1234567"), Unit.MONEY, fmt.money),
        (Decimal("45300.4"), Unit.MONEY, fmt.money),
        (Decimal("2460000000"), Unit.MONEY, fmt.money),
        (Decimal("0.384615"), Unit.PERCENT, fmt.percent),
        (Decimal("2.31"), Unit.MULTIPLE, fmt.multiple),
        (Decimal("44.6"), Unit.DAYS, fmt.days),
        (Decimal("1234"), Unit.COUNT, fmt.count),
    ],
)
def test_the_planners_renderings_match_the_exact_value(value: Decimal, unit: Unit, render: object) -> None:
    shown = f"The figure is {render(value)} today."  # type: ignore[operator]
    assert find(shown, value, unit) is not None, shown
    assert find(shown, value, Unit.ANY) is not None


def test_rounding_and_tolerance() -> None:
    assert find("$1.2M", Decimal(1_249_000), Unit.MONEY) is not None
    assert find("$1.2M", Decimal(1_260_000), Unit.MONEY) is None
    assert find("$1,200", Decimal(1_212), Unit.MONEY) is None
    assert find("$1,200", Decimal(1_212), Unit.MONEY, tolerance=0.01) is not None
    assert find("38%", Decimal("0.3849"), Unit.PERCENT) is not None
    assert find("38%", Decimal("0.39"), Unit.PERCENT) is None
    assert find("33 deals", Decimal(33), Unit.MONEY) is None  # the unit matters
