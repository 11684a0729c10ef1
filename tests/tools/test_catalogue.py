"""The product catalogue tool on the hand-built CRM: every viewer sees the same catalogue."""

from __future__ import annotations

from tests.tools.conftest import OLGA, RITA
from tools.accounts.catalogue import CatalogueInput, list_products
from tools.store.repository import Repository


def test_the_catalogue_is_the_same_for_everyone_and_sorts_by_price(repo: Repository) -> None:
    every = list_products(repo, RITA, CatalogueInput())
    assert [p.name for p in every.products] == ["Analytics", "Connectors", "Core"]
    assert every.products == list_products(repo, OLGA, CatalogueInput()).products
    core = next(p for p in every.products if p.name == "Core")
    assert (core.family, core.list_price.value, core.list_price.record_ids) == (
        "Platform",
        24000,
        ["product/1"],
    )
    top = list_products(repo, RITA, CatalogueInput(order="price_desc", limit=1))
    assert ([p.name for p in top.products], top.count) == (["Core"], 3)
    cheap = list_products(repo, RITA, CatalogueInput(order="price_asc"))
    assert [p.name for p in cheap.products] == ["Connectors", "Analytics", "Core"]


def test_names_and_families_narrow_it_and_unknown_names_are_said(repo: Repository) -> None:
    named = list_products(repo, RITA, CatalogueInput(products=["core", "Widgets"]))
    assert [p.name for p in named.products] == ["Core"] and named.unknown == ["Widgets"]
    family = list_products(repo, RITA, CatalogueInput(family="integ"))
    assert [p.name for p in family.products] == ["Connectors"]
