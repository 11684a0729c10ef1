"""The members of a dimension a metric question names, and what they mean for the query.

"What share of bookings came from Cobalt Platform?" names one member (its share of the whole);
"East vs West bookings" names two (side by side). The query's arguments and the answer both read
them, so they are kept here, apart from either.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.offline.frame import Slots
from tools.lexicon import Lexicon

#: Slots naming one member of a dimension, for "what share of X comes from <member>?".
MEMBER_SLOTS = (
    ("product", "product"),
    ("product_family", "product_family"),
    ("account", "account"),
    ("owner", "rep"),
    ("industry", "industry"),
    ("segment", "segment"),
    ("tier", "tier"),
    ("country", "country"),
    ("state", "state"),
    ("city", "city"),
    ("loss_reason", "loss_reason"),
    ("stage", "stage"),
    ("territory", "territory"),
    ("region", "region"),
    ("forecast_category", "forecast_category"),
)


def share_focus(slots: Slots) -> tuple[str, str] | None:
    """For a share with no breakdown: the named member (slot, value) whose share is asked for."""
    if not slots.share or slots.dimension or slots.group_by:
        return None
    return next(((slot, getattr(slots, slot)) for slot, _ in MEMBER_SLOTS if getattr(slots, slot)), None)


#: What joins two members set side by side: "Enterprise vs Commercial", "West compared with EMEA".
VERSUS_JOIN = r"\s*(?:\bvs\b\.?|\bversus\b|\bv\.|\bcompared (?:to|with)\b|\bagainst\b|\bor\b|/)\s*(?:the\s+)?"
#: Words the other side of a "vs" may be that name no member: the rest, a period, a target.
NOT_A_MEMBER = frozenset(
    {"goal", "goals", "quota", "target", "plan", "budget", "forecast", "last", "prior", "previous", "same"}
)


def named_beside(text: str, member: str, known: Callable[[str], bool]) -> str | None:
    """The word set against ``member`` by "vs" (either side) that ``known`` does not know, as written:
    "commercial" in "enterprise vs commercial win rate" where the segments are Enterprise, Mid-Market
    and SMB. ``None`` when there is none, or when it is a word of the question's own (a period, a
    measure, "the rest")."""
    lowered = text.casefold()
    at = lowered.find(member.casefold())
    if at < 0:
        return None
    after = re.match(rf"{VERSUS_JOIN}([^\W\d_][\w-]*)", lowered[at + len(member) :])
    before = re.search(rf"\b([^\W\d_][\w-]*){VERSUS_JOIN}$", lowered[:at])
    for found in (after, before):
        if found is None:
            continue
        word = found[1]
        start = (at + len(member) + found.start(1)) if found is after else found.start(1)
        if word not in NOT_A_MEMBER and not known(word):
            return text[start : start + len(word)]
    return None


def compared_members(slots: Slots) -> tuple[str, list[str]] | None:
    """Two or more members of one dimension set side by side ("East vs West bookings"): the slot
    and the names, asked as the breakdown by that dimension and shown for the named members."""
    slot = slots.others_slot or ("owner" if slots.others else None)
    first = getattr(slots, slot) if slot else None
    if slot is None or first is None or not slots.others:
        return None
    return slot, [first, *slots.others]


FAMILY_WORDS = r"(?:series|family|families|line|product line|products|range)"


def families_named(text: str, lexicon: Lexicon) -> list[tuple[str, int, int]]:
    """Product families named as such ("the MG series", "GTX products", "the Platform family"), and,
    once one is, the other families named beside it ("MG series vs GTX"), in order."""
    names = sorted({p.detail for p in lexicon.products if p.detail}, key=len, reverse=True)
    spelt = sorted({p.name.casefold() for p in lexicon.products}, key=len, reverse=True)
    found: list[tuple[str, int, int]] = []
    for name in names:
        for match in re.finditer(rf"\b{re.escape(name.casefold())}\b(?: {FAMILY_WORDS}\b)?", text):
            # "GTX Pro" is a product, not the GTX family followed by a word ("GTX products" is the family:
            # a product's name counts only when it ends where a word does)
            longer = any(
                p != name.casefold() and re.match(rf"{re.escape(p)}\b", text[match.start() :]) for p in spelt
            )
            if not longer and not any(s <= match.start() < e for _, s, e in found):
                found.append((name, match.start(), match.end()))
    products = {p.name.casefold() for p in lexicon.products}

    def leads(name: str) -> bool:
        """The family's name is no product's but begins several ("GTX" of GTX Pro, GTX Basic…)."""
        key = name.casefold()
        return key not in products and sum(p.startswith(f"{key} ") for p in products) >= 2

    # named as a family ("the MG series"), or, where the question breaks down by family ("by series:
    # GTX vs MG") or the name begins several products ("except GTX"), on its own
    by_family = re.search(rf"\b{FAMILY_WORDS}\b", text) is not None
    if not any(re.search(rf" {FAMILY_WORDS}$", text[s:e]) for _, s, e in found) and not (
        found and (by_family or all(leads(n) for n, _, _ in found))
    ):
        return []
    return sorted(((n, s, e) for n, s, e in found if n.casefold() not in products), key=lambda f: f[1])


def product_lines(text: str, lexicon: Lexicon) -> list[tuple[list[str], int, int]]:
    """Product lines named by the words several products' names begin with ("GTX Plus" of GTX Plus
    Basic and GTX Plus Pro), when the words name no product and no family: the products, and where."""
    products = sorted({p.name for p in lexicon.products}, key=len, reverse=True)
    families = {p.detail.casefold() for p in lexicon.products if p.detail}
    spelt = [p.casefold() for p in products]
    prefixes = {
        " ".join(words[:n]) for name in spelt for words in [name.split()] for n in range(2, len(words))
    }
    found: list[tuple[list[str], int, int]] = []
    for prefix in sorted(prefixes, key=len, reverse=True):
        line = [p for p, key in zip(products, spelt, strict=True) if key.startswith(f"{prefix} ")]
        if len(line) < 2 or prefix in spelt or prefix in families:
            continue
        for match in re.finditer(rf"\b{re.escape(prefix)}\b", text):
            longer = any(text.startswith(key, match.start()) for key in spelt)  # "gtx plus pro" itself
            if not longer and not any(s <= match.start() < e for _, s, e in found):
                found.append((line, match.start(), match.end()))
    return sorted(found, key=lambda f: f[1])
