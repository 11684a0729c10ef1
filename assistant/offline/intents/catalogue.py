"""Questions about what we sell: the product catalogue, a product's list price, the priciest or the
cheapest product ("list our products w/ prices", "list price of MG Advanced?", "which is priciest").

One ``list_products`` call; the answer names each product with its family and list price.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from assistant import formatting as fmt
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Rendering, phrasing
from tools.accounts.catalogue import Catalogue
from tools.lexicon import Lexicon

PRICIEST = re.compile(r"\b(?:priciest|most expensive|highest[- ]priced|dearest)\b", re.I)
CHEAPEST = re.compile(r"\b(?:cheapest|least expensive|lowest[- ]priced)\b", re.I)
#: "which product is priciest", "the cheapest one": one product, not the whole catalogue.
ONE = re.compile(r"\bwhich\b|\bthe (?:priciest|most|cheapest|least|highest|lowest)\b", re.I)


def _catalogue(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots, question = frame.slots, frame.question
    named = [slots.product] if slots.product else []
    if slots.others and slots.others_slot == "product":
        named += slots.others
    order = "price_desc" if PRICIEST.search(question) else "price_asc" if CHEAPEST.search(question) else None
    limit = 1 if order and ONE.search(question) and not named else None
    return [
        Call(
            "list_products",
            given(products=named or None, family=slots.product_family, order=order, limit=limit),
        )
    ]


def _write(output: Catalogue, answering: Answering) -> str:
    lines = [
        f"- {fmt.record(p.name, p.id)}{f' ({p.family})' if p.family else ''}: "
        f"list price {fmt.figure(p.list_price)}"
        for p in output.products
    ]
    order = answering.args.get("order")
    if len(output.products) == 1:
        product = output.products[0]
        which = {"price_desc": "The priciest product is ", "price_asc": "The cheapest product is "}.get(
            str(order)
        )
        price = fmt.figure(product.list_price)
        head = (
            f"**{which}{product.name}, at {price} list price**"
            if which
            else f"**{product.name} lists at {price}**"
        )
        lines = [head + (f" (family {product.family})." if product.family else ".")]
    elif not output.products:
        lines = ["**No product in the catalogue matches that.**"]
    else:
        ranked = {"price_desc": ", priciest first", "price_asc": ", cheapest first"}.get(str(order), "")
        lines = [f"**{fmt.plural(output.count, 'product')} with their list prices{ranked}:**", *lines]
    if output.unknown:
        lines.append(f"\nNo product is called {fmt.or_list(output.unknown, 'or')}.")
    return "\n".join(lines)


PRODUCTS = IntentSpec(
    Intent.PRODUCTS,
    example="List our products with their prices",
    route=_catalogue,
    renders=(Rendering(Catalogue, _write),),
    takes=frozenset({"product"}),
    phrasings=(
        phrasing(
            12,
            r"^\W*(?:can you |pls |please )?(?:list|show|give me)(?: me)? (?:all )?(?:of )?"
            r"(?:our |the |your )?products\b"
            r"(?! (?:did|do|does|have|has|sold|bought|by|per|we (?:sold|won|lost)|that|which))",
            r"\bproducts? (?:w/|with|and) (?:their |the )?(?:list )?prices?\b",
            r"\b(?:list price|price list|pricing|price) (?:of|for|on) (?:the )?entproduct\b",
            r"\bentproduct(?:'s)? (?:list )?price\b",
            r"\bhow much (?:does|is|do) (?:the )?entproduct "
            r"(?:cost|go for|sell for|list (?:for|at))\b",
            r"\bwhich (?:product |one )?(?:is|are) (?:the )?"
            r"(?:priciest|most expensive|cheapest|least expensive)\b",
            r"\b(?:the )?(?:priciest|most expensive|cheapest|least expensive) (?:product|one|thing|item)s?\b",
            r"\bproduct (?:catalog(?:ue)?|list|line ?up|range)\b",
            r"\bwhat (?:products|do) (?:do )?we (?:sell|offer|have)\b",
        ),
    ),
)

SPECS = (PRODUCTS,)
