"""A product line named by the words several products' names begin with ("GTX Plus": GTX Plus
Basic and GTX Plus Pro) keeps those products, not the family they share with others ("GTX") nor
one of them; a product named in full stays that product."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.offline.conftest import World
from tools.semantic.models import MetricQuery
from tools.semantic.query import query_metrics
from tools.store.schema import Product


def _args(answer: Any) -> dict[str, Any]:
    ((name, args),) = [(c.name, dict(c.args)) for c in answer.tool_calls]
    assert name == "query_metrics"
    return args


def _line(world: World, words: str) -> list[str]:
    """The products whose names begin with ``words`` (and are longer)."""
    with world.engine.connect() as connection:
        names = connection.execute(select(Product.name)).scalars()
        return sorted(name for name in names if name.lower().startswith(f"{words} "))


def test_a_product_line_keeps_the_products_it_begins(maven: World) -> None:
    admin = maven.viewer("Melvin Marxen")
    line = _line(maven, "gtx plus")
    assert len(line) >= 2
    args = _args(maven.ask(admin, "my team's win rate on gtx plus this year"))
    assert sorted(args["any_of"]["product"]) == line
    assert "product_family" not in args and "product" not in args
    together = query_metrics(maven.repository, admin, MetricQuery(**args)).total[0]
    won = lost = 0
    for product in line:
        one = query_metrics(
            maven.repository,
            admin,
            MetricQuery(measure="won_deals", also=["lost_deals"], product=product, period=args["period"]),
        )
        won += int(one.total[0].value or 0)
        lost += int(one.total[1].value or 0)
    assert together.value is not None and abs(float(together.value) - won / (won + lost)) < 1e-4  # rounded


def test_a_product_named_in_full_stays_that_product(maven: World) -> None:
    admin = maven.viewer("Melvin Marxen")
    args = _args(maven.ask(admin, "gtx plus pro bookings this year"))
    assert args["product"] == "GTX Plus Pro" and "any_of" not in args
