"""The product catalogue: what we sell, by family, with list prices.

The catalogue is not confidential (every viewer sees it, as the repository's ``products`` select
says); a list price is a figure with its record like any other.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func

from tools.evidence import ExternalId, Figure, RecordUrl, Unit, record_id
from tools.resolve import AmbiguousName, UnknownName, resolve_product
from tools.rollup import measure, money
from tools.store.repository import Repository
from tools.store.schema import Product
from tools.viewer import Viewer

MAX_PRODUCTS = 100


class CatalogueInput(BaseModel):
    products: list[str] = Field(default_factory=list, description="Only these products, by name.")
    family: str | None = Field(default=None, description="Only this product family, e.g. 'GTX'.")
    order: Literal["name", "price_desc", "price_asc"] = Field(
        default="name", description="Sort by name, or by list price highest or lowest first."
    )
    limit: int | None = Field(default=None, ge=1, le=MAX_PRODUCTS, description="At most this many products.")


class CatalogueLine(BaseModel):
    id: str
    external_id: ExternalId = None
    url: RecordUrl = None
    name: str
    family: str | None
    list_price: Figure


class Catalogue(BaseModel):
    """The products asked about, with their family and list price."""

    products: list[CatalogueLine]
    count: int
    #: Names asked for that are no product in the catalogue.
    unknown: list[str] = Field(default_factory=list)


def list_products(repo: Repository, viewer: Viewer, params: CatalogueInput) -> Catalogue:
    """List the products we sell, with their family and list price.

    Use it for the catalogue, a product's list price, and the priciest or cheapest products.

    Args:
        products: Only these products, by name.
        family: Only this product family, e.g. 'GTX'.
        order: Sort by name, or by list price highest or lowest first.
        limit: At most this many products.

    Returns:
        One line per product, how many match, and any names that are no product.
    """
    query = repo.products(Product.id, Product.name, Product.family, Product.list_price)
    unknown: list[str] = []
    if params.products:
        ids: list[int] = []
        for name in params.products:
            try:
                ids.append(resolve_product(repo, name).id)
            except (UnknownName, AmbiguousName):  # reported; the others are answered
                unknown.append(name)
        query = query.where(Product.id.in_(ids))
    if params.family and params.family.strip():
        wanted = params.family.strip().casefold()
        in_family = func.lower(Product.family).startswith(wanted) | func.lower(Product.name).startswith(
            wanted
        )
        query = query.where(in_family)
    order: list[Any] = [Product.name]
    if params.order == "price_desc":
        order = [Product.list_price.desc(), Product.name]
    elif params.order == "price_asc":
        order = [Product.list_price.asc(), Product.name]
    with repo.connect() as connection:
        rows = connection.execute(query.order_by(*order)).all()
    shown = rows[: params.limit or MAX_PRODUCTS]
    lines = [
        CatalogueLine(
            id=record_id("product", r.id),
            name=r.name,
            family=r.family,
            list_price=measure(
                "List price",
                money(r.list_price) if r.list_price is not None else None,
                Unit.USD,
                "products.list_price",
                [f"product: {r.name}"],
                [record_id("product", r.id)],
                1,
            ),
        )
        for r in shown
    ]
    return Catalogue(products=lines, count=len(rows), unknown=unknown)
