"""The names a viewer can use in a question: people, accounts, territories, products, industries…

A read-only tool for the offline planner (not one the agent calls): it reads, through the
repository's scoped selects, every name in the viewer's scope, so a person, account or territory
outside that scope is simply not in the lexicon: the planner cannot tell it from a name that does
not exist, and neither can the user. Only names are read here, never figures. :func:`find_deals`
lists the viewer's deals on an account, for "the Evergreen deal".

Accounts: up to :data:`MAX_ACCOUNT_NAMES` in scope are all loaded (so misspelt names still
match); above that only the accounts whose name contains one of the question's words are, which
keeps a turn fast on very large books at the cost of typo tolerance for account names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Select, func, or_, select

from tools.store.repository import Repository
from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Opportunity,
    Product,
    Quota,
    Role,
    Territory,
    User,
)
from tools.store.stages import StageConfig
from tools.viewer import Viewer

MAX_ACCOUNT_NAMES = 25_000
MAX_DEAL_CANDIDATES = 8

#: The kinds of things a question can name.
#: What a name can be; "segment" and "industry" only in a question naming one the data has not.
EntityKind = Literal["person", "account", "territory", "product", "deal", "region", "segment", "industry"]


@dataclass(frozen=True)
class Named:
    """One thing in the data a question can name."""

    kind: EntityKind
    name: str
    key: int = 0
    #: People: their role; territories: their region.
    detail: str | None = None
    #: People: their manager's id.
    parent: int | None = None
    #: People: their home territory's id.
    home: int | None = None


@dataclass(frozen=True)
class DealRef:
    id: int
    name: str
    stage: str
    is_closed: bool

    @property
    def record(self) -> str:
        return f"opportunity/{self.id}"


@dataclass
class Lexicon:
    viewer: Viewer
    as_of: dt.date
    fy_start_month: int
    stages: StageConfig
    people: list[Named] = field(default_factory=list)
    accounts: list[Named] = field(default_factory=list)
    territories: list[Named] = field(default_factory=list)
    products: list[Named] = field(default_factory=list)
    regions: list[Named] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    loss_reasons: list[str] = field(default_factory=list)
    #: The viewer's largest account by potential (for example questions), if any.
    featured_account: str | None = None
    #: Every account in scope is listed (False: only those matching the question's words).
    complete: bool = True
    #: The data records who owns accounts (some exports have deal owners only).
    account_owners: bool = True
    #: The data holds quotas (some exports have none: no attainment, no quarterly target).
    has_quotas: bool = True
    #: The data records activities (some exports have none: "no activity in 60 days" is everyone).
    has_activities: bool = True
    #: The data records the products accounts run, with their ARR (some exports have deals only).
    has_installed: bool = True
    #: The names of every territory and region in the data, whoever can see them (never shown: they
    #: tell a place that does not exist from one outside the viewer's scope).
    places: list[str] = field(default_factory=list)
    #: The names of everyone in the organisation, whoever can see them (never shown: they tell a
    #: colleague outside the viewer's scope, "how's kenji tracking?", from a word that names no one).
    everyone: list[str] = field(default_factory=list)

    def entities(self) -> list[Named]:
        return [*self.people, *self.accounts, *self.territories, *self.products, *self.regions]

    def person(self, name: str) -> Named | None:
        return next((p for p in self.people if p.name == name), None)

    @property
    def reps(self) -> list[Named]:
        return [p for p in self.people if p.detail == Role.REP.value and p.key != self.viewer.user_id]

    def reps_under(self, name: str | None) -> list[Named]:
        """The reps a person stands for: themselves, a manager's reports (all levels), or — with no
        name — every rep in scope."""
        person = self.person(name) if name else None
        if name and person is None:
            return []
        if person is not None and person.detail == Role.REP.value:
            return [person]
        team = {p.key for p in self.people} if person is None else {person.key}
        if person is not None:
            frontier = {person.key}
            while frontier:
                frontier = {p.key for p in self.people if p.parent in frontier} - team
                team |= frontier
        return sorted(
            (p for p in self.people if p.key in team and p.detail == Role.REP.value), key=lambda p: p.name
        )

    def reps_in(self, territory: str | None, region: str | None) -> list[Named]:
        """The reps whose home territory is ``territory`` or lies in ``region``."""
        homes = {
            t.key
            for t in self.territories
            if (territory is not None and t.name == territory) or (region is not None and t.detail == region)
        }
        return sorted(
            (p for p in self.people if p.home in homes and p.detail == Role.REP.value), key=lambda p: p.name
        )

    @property
    def own_territory(self) -> str | None:
        return next((t.name for t in self.territories if t.key == self.viewer.territory_id), None)


def _words(words: set[str]) -> list[str]:
    return sorted(w for w in words if len(w) >= 3 and w.isalnum())[:40]


def load_lexicon(repo: Repository, viewer: Viewer, words: set[str]) -> Lexicon:
    """The names ``viewer`` may use; ``words`` (of the questions) pre-filter very large account books."""
    lexicon = Lexicon(viewer=viewer, as_of=repo.as_of, fy_start_month=repo.fy_start_month, stages=repo.stages)
    with repo.connect() as connection:
        lexicon.people = [
            Named("person", str(name), int(uid), str(role), manager, home)
            for uid, name, role, manager, home in connection.execute(
                repo.users(viewer, User.id, User.name, User.role, User.manager_id, User.territory_id)
            )
        ]
        lexicon.territories = [
            Named("territory", str(name), int(tid), region)
            for tid, name, region in connection.execute(
                repo.territories(viewer, Territory.id, Territory.name, Territory.region)
            )
        ]
        lexicon.products = [
            Named("product", str(name), int(pid), family)
            for pid, name, family in connection.execute(
                repo.products(Product.id, Product.name, Product.family)
            )
        ]
        accounts: Select[Any] | None = repo.accounts(viewer, Account.id, Account.name)
        total = connection.execute(repo.accounts(viewer, func.count(Account.id))).scalar_one()
        if total > MAX_ACCOUNT_NAMES:
            wanted = _words(words)
            named = or_(*(Account.name.icontains(w) for w in wanted))
            accounts = repo.accounts(viewer, Account.id, Account.name).where(named) if wanted else None
            lexicon.complete = False
        if accounts is not None:
            lexicon.accounts = [
                Named("account", str(name), int(aid)) for aid, name in connection.execute(accounts)
            ]
        # The org's categories (industries, segments, tiers, countries) are read whoever asks, so a
        # filter on one the viewer has no account in is answered "none" instead of being dropped;
        # places stay the viewer's own.
        for column, target, scoped in (
            (Account.industry, lexicon.industries, False),
            (Account.segment, lexicon.segments, False),
            (Account.tier, lexicon.tiers, False),
            (Account.country, lexicon.countries, False),
            (Account.state, lexicon.states, True),
            (Account.city, lexicon.cities, True),
        ):
            values = repo.accounts(viewer, column) if scoped else select(column)
            target.extend(sorted(str(v) for v in connection.execute(values.distinct()).scalars() if v))
        lexicon.loss_reasons = sorted(
            str(v)
            for v in connection.execute(
                repo.opportunities(viewer, Opportunity.loss_reason).distinct()
            ).scalars()
            if v
        )
        lexicon.account_owners = (
            connection.execute(select(Account.id).where(Account.owner_id.is_not(None)).limit(1)).first()
            is not None
        )
        lexicon.has_quotas = connection.execute(select(Quota.user_id).limit(1)).first() is not None
        lexicon.has_activities = connection.execute(select(Activity.id).limit(1)).first() is not None
        lexicon.has_installed = (
            connection.execute(select(AccountProduct.account_id).limit(1)).first() is not None
        )
        # every place the organisation has, seen or not: to tell "no such region" from "not yours to see"
        lexicon.places = sorted(
            {str(v) for row in connection.execute(select(Territory.name, Territory.region)) for v in row if v}
        )
        lexicon.everyone = sorted({str(name) for name in connection.execute(select(User.name)).scalars()})
        lexicon.featured_account = connection.execute(
            repo.accounts(viewer, Account.name)
            .order_by(func.coalesce(Account.potential, 0).desc(), Account.id)
            .limit(1)
        ).scalar()
    territory_names = {t.name.casefold() for t in lexicon.territories}
    regions = sorted({t.detail for t in lexicon.territories if t.detail})
    lexicon.regions = [Named("region", r) for r in regions if r.casefold() not in territory_names]
    return lexicon


def find_deals(repo: Repository, viewer: Viewer, account: str | None, product: str | None) -> list[DealRef]:
    """The viewer's deals on an account (and product), open ones first, newest first; with no
    account, their open deals closing soonest (what "the deal" most likely means)."""
    query = repo.opportunities(
        viewer, Opportunity.id, Opportunity.name, Opportunity.stage, Opportunity.is_closed
    )
    if account is None:
        query = query.where(~Opportunity.is_closed).order_by(
            Opportunity.close_date.is_(None),
            Opportunity.close_date,
            Opportunity.amount.desc(),
            Opportunity.id,
        )
        with repo.connect() as connection:
            rows = connection.execute(query.limit(MAX_DEAL_CANDIDATES)).all()
        return [DealRef(int(i), str(n), str(s), bool(c)) for i, n, s, c in rows]
    query = query.join(Account, Account.id == Opportunity.account_id).where(Account.name == account)
    if product:
        query = query.join(Product, Product.id == Opportunity.product_id).where(Product.name == product)
    query = query.order_by(Opportunity.is_closed, Opportunity.created_at.desc(), Opportunity.id.desc())
    with repo.connect() as connection:
        rows = connection.execute(query.limit(MAX_DEAL_CANDIDATES)).all()
    return [DealRef(int(i), str(n), str(s), bool(c)) for i, n, s, c in rows]


def deal_account(repo: Repository, viewer: Viewer, record: str) -> str | None:
    """The account of one of the viewer's deals (``opportunity/42``), for "who's the champion
    there?" after the deal; ``None`` for a deal out of scope or without an account."""
    kind, _, key = record.partition("/")
    if kind != "opportunity" or not key.isdigit():
        return None
    query = (
        repo.opportunities(viewer, Opportunity.id, Account.name)
        .join(Account, Account.id == Opportunity.account_id)
        .where(Opportunity.id == int(key))
    )
    with repo.connect() as connection:
        found = connection.execute(query).first()
    return None if found is None else str(found[1])
