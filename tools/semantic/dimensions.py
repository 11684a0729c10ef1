"""Dimensions and time grains: what a measure can be broken down and filtered by, declared once.

Every fact source (deals, activities, quota rows) is first read through the repository's scoped
select into one subquery with the same columns (``person_id``, ``account_id``, ``product_id``,
``stage``, ``forecast_category``, ``amount``, ``day`` …). A dimension is an expression over that
subquery and the tables it joins (:mod:`tools.semantic.joined`), and the *links* a source must
have for it: quota rows belong to a person, so they can be
split by rep, team, territory and region, not by product or account.

A deal's territory is its account's, or its owner's home territory when the account has none (as
:func:`tools.filters.deal_in_territories` reads it). A parent account is named only when the
viewer may see it; otherwise the account stands for itself, as it would if the parent did not
exist. Time grains are :mod:`tools.semantic.grains`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    String,
    case,
    cast,
    func,
    select,
    true,
)

from tools.semantic.joined import Expr, Joined, Link
from tools.store.schema import Activity


def _contacts_engaged(joined: Joined) -> Expr:
    """How many people at the account a deal's activities reached: 1, 2, or 3 and more."""
    engaged = (
        select(func.count(func.distinct(Activity.contact_id)))
        .where(Activity.opportunity_id == joined.column("deal_id"), Activity.contact_id.is_not(None))
        .scalar_subquery()
    )
    return case(
        (engaged >= 3, "3+ contacts"), (engaged == 2, "2 contacts"), (engaged == 1, "1 contact"), else_=None
    )


def _amount_basis(joined: Joined) -> Expr:
    """Where a deal's amount comes from: recorded in the CRM, or estimated by the import (the
    product's list price, say); a deal with neither has none."""
    amount = joined.column("amount")
    return case(
        (amount.is_(None), None),
        # (typed: a source with no estimate, activities say, reads an untyped NULL here)
        (cast(joined.column("amount_estimated"), Boolean) == true(), "estimated"),
        else_="recorded",
    )


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    #: The value rows are grouped by and shown with.
    value: Callable[[Joined], Expr]
    joins: tuple[str, ...]
    links: frozenset[Link]
    #: What a fact without a value is grouped under.
    missing: str
    #: What filters compare with (ids where the value is a name); defaults to the value.
    ident: Callable[[Joined], Expr] | None = None
    aliases: tuple[str, ...] = ()

    def key_of(self, joined: Joined) -> Expr:
        return (self.ident or self.value)(joined)


P, AC, D = Link.PERSON, Link.ACCOUNT, Link.DEAL

DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension(
            "rep",
            "Rep",
            lambda j: j.owner.name,
            ("owner",),
            frozenset({P}),
            "(no owner)",
            lambda j: j.column("person_id"),
            ("owner", "salesperson", "seller", "account executive", "ae", "person", "user"),
        ),
        Dimension(
            "team",
            "Team (manager)",
            lambda j: j.manager.name,
            ("manager",),
            frozenset({P}),
            "(no manager)",
            lambda j: j.column("person_id"),
            ("manager", "managers", "teams"),
        ),
        Dimension(
            "territory",
            "Territory",
            lambda j: j.territory.name,
            ("territory",),
            frozenset({P}),
            "(no territory)",
            lambda j: j.territory_id(),
            ("territories",),
        ),
        Dimension(
            "region",
            "Region",
            lambda j: j.territory.region,
            ("territory",),
            frozenset({P}),
            "(no region)",
            aliases=("regions", "geo", "geography", "area"),
        ),
        Dimension(
            "product",
            "Product",
            lambda j: j.product.name,
            ("product",),
            frozenset({D}),
            "(no product)",
            lambda j: j.column("product_id"),
            ("products", "sku"),
        ),
        Dimension(
            "product_family",
            "Product family",
            lambda j: j.product.family,
            ("product",),
            frozenset({D}),
            "(no family)",
            aliases=("family", "series", "product line", "line", "families"),
        ),
        Dimension(
            "account",
            "Account",
            lambda j: j.account.name,
            ("account",),
            frozenset({AC}),
            "(no account)",
            lambda j: j.column("account_id"),
            ("accounts", "customer", "customers", "company", "client"),
        ),
        Dimension(
            "parent_account",
            "Parent account",
            lambda j: func.coalesce(j.parent.name, j.account.name),
            ("parent",),
            frozenset({AC}),
            "(no account)",
            aliases=("parent", "parent company", "ultimate parent", "group"),
        ),
        Dimension(
            "industry",
            "Industry",
            lambda j: j.account.industry,
            ("account",),
            frozenset({AC}),
            "(no industry)",
            aliases=("sector", "vertical", "industries"),
        ),
        Dimension(
            "segment",
            "Segment",
            lambda j: j.account.segment,
            ("account",),
            frozenset({AC}),
            "(no segment)",
            aliases=("segments", "size", "market segment"),
        ),
        Dimension(
            "tier",
            "Tier",
            lambda j: j.account.tier,
            ("account",),
            frozenset({AC}),
            "(no tier)",
            aliases=("tiers", "account tier", "account tiers"),
        ),
        Dimension(
            "country",
            "Country",
            lambda j: j.account.country,
            ("account",),
            frozenset({AC}),
            "(no country)",
            aliases=("countries", "nation"),
        ),
        Dimension(
            "state",
            "State",
            lambda j: j.account.state,
            ("account",),
            frozenset({AC}),
            "(no state)",
            aliases=("states", "province", "provinces"),
        ),
        Dimension(
            "city",
            "City",
            lambda j: j.account.city,
            ("account",),
            frozenset({AC}),
            "(no city)",
            aliases=("cities", "metro", "metros", "town"),
        ),
        Dimension(
            "deal",
            "Deal",
            # the name with its record id: two deals of the same name stay apart
            lambda j: j.deal.name + " [opportunity/" + cast(j.deal.id, String) + "]",
            ("deal",),
            frozenset({D}),
            "(no deal)",
            lambda j: j.column("deal_id"),
            ("deals", "opportunity", "opportunities", "opp", "opps"),
        ),
        Dimension(
            "contacts_engaged",
            "Contacts engaged",
            _contacts_engaged,
            (),
            frozenset({D}),
            "no contact engaged",
            aliases=("contacts", "number of contacts", "stakeholders", "people engaged", "threading"),
        ),
        Dimension(
            "stage",
            "Stage",
            lambda j: j.column("stage"),
            (),
            frozenset({D}),
            "(no stage)",
            aliases=("stages", "deal stage", "sales stage"),
        ),
        Dimension(
            "loss_reason",
            "Loss reason",
            lambda j: j.column("loss_reason"),
            (),
            frozenset({D}),
            "(no reason recorded)",
            aliases=("reason", "reasons", "loss reasons", "why lost"),
        ),
        Dimension(
            "activity_type",
            "Activity type",
            lambda j: j.column("activity_type"),
            (),
            frozenset({Link.ACTIVITY}),
            "(no type)",
            aliases=("activity kind", "type of activity", "activity types", "kind", "channel"),
        ),
        Dimension(
            "amount_basis",
            "Amount basis",
            _amount_basis,
            (),
            frozenset({D}),
            "no amount",
            aliases=("amount source", "estimated", "real vs estimated", "estimated vs recorded"),
        ),
        Dimension(
            "forecast_category",
            "Forecast category",
            lambda j: j.column("forecast_category"),
            (),
            frozenset({D}),
            "(none)",
            aliases=("forecast", "category", "forecast categories"),
        ),
    )
}
