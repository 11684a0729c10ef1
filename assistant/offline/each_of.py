"""Accounts that bought every one of several products: "which accounts bought both GTK 500 and MG
Advanced?", "customers that have GTX Pro and MG Special", "accounts with Cobalt, Security Shield and
Analytics Cloud".

Read as a comparison of the products, the question lists each account's bookings of either, and
the accounts that hold both are left for the asker to find. Here the products named become an
``each_of`` filter of the metric query (an account with a won deal of each, in the period), and the
answer lists those accounts with what they booked; with no period named, every deal counts (what an
account has bought is not a question of this year).
"""

from __future__ import annotations

import re

from assistant.offline.frame import Frame, Intent

PRODUCTS = r"entproduct(?: ?, ?entproduct)*,? (?:and|&) entproduct"
#: "bought both X and Y"; "customers that have X and Y", "accounts with X, Y and Z".
BOTH = re.compile(
    rf"\bboth {PRODUCTS}\b"
    r"|\b(?:accounts?|customers?|clients?|companies|logos|who|which)\b.{0,40}?"
    rf"\b(?:bought|buy|buys|purchased|own|owns|have|has|run|runs|use|uses|using|with|on) {PRODUCTS}\b"
)
#: Measures of what accounts bought: a breakdown of them by account answers "which accounts".
BOUGHT_MEASURES = frozenset({"won_revenue", "won_deals", None})


def bought_each(frame: Frame, text: str) -> None:
    """Put the products a question names as all bought into ``each_of`` (see the module docstring)."""
    slots = frame.slots
    if (
        BOTH.search(text) is None
        or slots.others_slot != "product"
        or not slots.product
        or not slots.others
        or slots.measure not in BOUGHT_MEASURES
        or slots.account
    ):
        return
    frame.intent = Intent.MEASURE
    slots.each_of = {"product": [slots.product, *slots.others]}
    slots.product, slots.others, slots.others_slot = None, None, None
    slots.measure = slots.measure or "won_revenue"
    if slots.dimension in (None, "product"):
        slots.dimension, slots.then_by = "account", None
    slots.period = slots.period or "all time"
