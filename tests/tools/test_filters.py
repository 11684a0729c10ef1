"""Deal filters refuse amounts no money column can hold, instead of failing in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tools.deals.stalled import StalledQuery
from tools.filters import MAX_AMOUNT, DealFilter


@pytest.mark.parametrize("field", ["min_amount", "max_amount"])
def test_amounts_beyond_the_largest_money_value_are_refused(field: str) -> None:
    assert getattr(DealFilter(**{field: MAX_AMOUNT}), field) == MAX_AMOUNT
    with pytest.raises(ValidationError, match="less than or equal to"):
        StalledQuery(**{field: Decimal("1e20")})
