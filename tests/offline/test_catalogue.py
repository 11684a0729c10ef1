"""The product catalogue asked in chat: the list with prices, one product's list price, and the
priciest or cheapest one, from ``list_products`` (the catalogue every viewer sees)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.offline.conftest import Cast, World
from tools.store.schema import Product, Role
from tools.viewer import Viewer


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, dict(c.args)) for c in answer.tool_calls]


def test_the_catalogue_with_prices(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        products = connection.execute(select(Product.name, Product.list_price).order_by(Product.name)).all()
    answer = demo.ask(cast.rep, "list our products w/ prices")
    assert _calls(answer) == [("list_products", {})]
    assert answer.answer.startswith(f"**{len(products)} products with their list prices")
    for name, _ in products:
        assert name in answer.answer


def test_one_products_list_price_and_the_priciest(maven: World) -> None:
    revops = Viewer(user_id=0, role=Role.REVOPS, name="RevOps")
    with maven.engine.connect() as connection:
        priciest, price = connection.execute(
            select(Product.name, Product.list_price).order_by(Product.list_price.desc()).limit(1)
        ).one()
        cheapest = connection.execute(select(Product.name).order_by(Product.list_price).limit(1)).scalar_one()
    top = maven.ask(revops, "which is priciest")
    assert _calls(top) == [("list_products", {"order": "price_desc", "limit": 1})]
    assert top.answer.startswith(f"**The priciest product is {priciest}, at ${price:,.0f} list price**")
    low = maven.ask(revops, "what's the cheapest product")
    assert low.answer.startswith(f"**The cheapest product is {cheapest}")
    one = maven.ask(revops, f"list price of {priciest.lower()}?")
    assert _calls(one) == [("list_products", {"products": [priciest]})]
    bought = maven.ask(revops, "what products did acme corporation buy")
    assert [name for name, _ in _calls(bought)] != ["list_products"]
