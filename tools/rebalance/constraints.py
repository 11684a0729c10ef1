"""What a manager can ask of a rebalance besides the band, turned into the solver's terms.

* **Keep** accounts with their owner: customers (an active product with ARR, from
  ``account_products``), accounts with an open deal at or past a stage ("Discovery": Discovery,
  Proposal and Negotiation), and named accounts. They join the accounts that are always locked (a
  late-stage deal, recent activity; :mod:`tools.rebalance.book`).
* **Exclude** reps: their book stays as it is and they are left out of the mean (on leave,
  leaving, or simply "leave Lucas out").
* **Capacity** per rep: 1 is a full book; a rep ramping up at 0.5 is balanced toward half a share.
  A new hire's capacity comes from their hire date (:mod:`tools.rebalance.ramp`) unless one is given.
* **Maximum distance**: an account may go only to a rep whose home base is within that many km
  (haversine). A rep's home base is the city where they own the most accounts (ties: the most
  potential, then the city's name), at the centre of their accounts there — the CRM holds no home
  address, and this is where the rep already travels most. An account without coordinates cannot
  be placed and does not move while a distance limit is set.
* **Continuity weight**: moving an account costs its potential plus the weight times the
  relationship at stake (its active ARR and its owner's open pipeline on it), so with a weight of
  1 a $200,000 customer counts as $200,000 more disruption than a prospect of the same potential.
* **Maximum moves** over the whole proposal; with several territories balanced on their own the
  budget is shared in proportion to the moves each would need without it (largest remainder).
* **Effective date**: by default the first day of the next (fiscal) quarter after the data's as-of
  date, so books do not change under a rep mid-quarter; a date inside a quarter is allowed, and
  the proposal says it is mid-quarter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func

from tools.errors import InputError
from tools.evidence import record_id
from tools.periods import quarter_containing
from tools.resolve import best_match
from tools.rollup import money
from tools.store.repository import Repository
from tools.store.schema import AccountProduct, Opportunity
from tools.territory.geo import Point, centroid, distance_km
from tools.viewer import Viewer

if TYPE_CHECKING:
    from tools.rebalance.book import AccountFacts
    from tools.rebalance.models import RebalanceInput


@dataclass(frozen=True)
class HomeBase:
    """Where a rep works from: the city of most of their accounts."""

    city: str
    latitude: float
    longitude: float
    accounts: int

    @property
    def point(self) -> Point:
        return self.latitude, self.longitude


def home_bases(accounts: Iterable[AccountFacts], reps: Iterable[int]) -> dict[int, HomeBase]:
    """Each rep's home base (reps with no located account have none)."""
    cities: dict[int, dict[str, list[AccountFacts]]] = defaultdict(lambda: defaultdict(list))
    for a in accounts:
        if a.latitude is not None and a.longitude is not None:
            where = ", ".join(part for part in (a.city, a.state) if part) or "unnamed place"
            cities[a.owner][where].append(a)
    found = {}
    for rep in reps:
        if not cities.get(rep):
            continue
        name, mine = min(
            cities[rep].items(), key=lambda kv: (-len(kv[1]), -sum(a.potential for a in kv[1]), kv[0])
        )
        centre = centroid((a.latitude, a.longitude) for a in mine)  # type: ignore[misc]
        assert centre is not None
        found[rep] = HomeBase(name, round(centre[0], 5), round(centre[1], 5), len(mine))
    return found


def effective_date(as_of: dt.date, fy_start_month: int, given: dt.date | None) -> tuple[dt.date, str]:
    """The day the moves take effect and a sentence about it."""
    quarter = quarter_containing(as_of, fy_start_month)
    if given is None:
        return quarter.end, f"effective {quarter.end} (the start of the next quarter, after {quarter.label})"
    if given < as_of:
        raise InputError(f"the effective date {given} is before the data's as-of date {as_of}")
    if quarter_containing(given, fy_start_month).start == given:
        return given, f"effective {given} (the start of a quarter)"
    label = quarter_containing(given, fy_start_month).label
    return given, f"effective {given}: mid-quarter ({label}); quota credit for that quarter must be split"


def split_moves(limit: int | None, needs: Mapping[str, int]) -> dict[str, int | None]:
    """A move budget shared between groups in proportion to the moves each needs without it."""
    if limit is None:
        return dict.fromkeys(needs)
    total = sum(needs.values())
    if total <= limit:
        return {key: need for key, need in needs.items()}
    exact = {key: limit * need / total for key, need in needs.items()}
    found = {key: int(value) for key, value in exact.items()}
    left = limit - sum(found.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - found[k]), k))[:left]:
        found[key] += 1
    return dict(found)


def rep_ids(names: Iterable[str], reps: Mapping[int, tuple[str, int]], what: str) -> dict[str, int]:
    """The reps of the rebalance the names mean (an unknown name is an error that says so)."""
    known = {rep: name for rep, (name, _) in reps.items()}
    found = {}
    for name in names:
        try:
            found[name] = best_match("rep", name, known).id
        except InputError as error:
            raise InputError(f"{what}: {error}") from None
    return found


def capacities(params: RebalanceInput, reps: Mapping[int, tuple[str, int]]) -> dict[int, float]:
    return {
        rep: float(params.rep_capacity[name])
        for name, rep in rep_ids(params.rep_capacity, reps, "--capacity").items()
    }


def read_arr(
    connection: Connection, repo: Repository, viewer: Viewer, accounts: Mapping[int, AccountFacts]
) -> None:
    """Each account's active ARR (the products it owns with status active)."""
    query = (
        repo.account_products(viewer, AccountProduct.account_id, func.sum(AccountProduct.arr))
        .where(AccountProduct.status == "active", AccountProduct.account_id.in_(list(accounts)))
        .group_by(AccountProduct.account_id)
    )
    for account_id, arr in connection.execute(query):
        accounts[int(account_id)].arr = money(arr)


def apply_keeps(
    connection: Connection,
    repo: Repository,
    viewer: Viewer,
    accounts: Mapping[int, AccountFacts],
    params: RebalanceInput,
) -> None:
    """Lock the accounts the manager asked to keep (customers, a stage onward, named ones)."""
    for name in params.keep_accounts:
        key = name.strip().casefold()
        hits = [
            a
            for a in accounts.values()
            if key in (a.name.casefold(), record_id("account", a.id), (a.external_id or "").casefold())
        ]
        if not hits:
            found = best_match("account", name, {a.id: a.name for a in accounts.values()})
            hits = [accounts[found.id]]
        for a in hits:
            a.lock = a.lock or "kept by name"
    if params.keep_customers:
        for a in accounts.values():
            if a.lock is None and a.arr > 0:
                a.lock = f"customer: ${a.arr:,.0f} ARR"
    if params.keep_open_deals_from:
        stage = repo.stages.find(params.keep_open_deals_from)
        opens = [s.name for s in repo.stages.open_stages]
        if stage is None or stage.name not in opens:
            raise InputError(
                f"no open stage named {params.keep_open_deals_from!r}; open stages are {', '.join(opens)}"
            )
        later = opens[opens.index(stage.name) :]
        deals = repo.opportunities(
            viewer, Opportunity.id, Opportunity.account_id, Opportunity.stage, Opportunity.amount
        ).where(
            ~Opportunity.is_closed,
            Opportunity.stage.in_(later),
            Opportunity.account_id.in_(list(accounts)),
        )
        for deal in connection.execute(deals.order_by(Opportunity.id)):
            a = accounts[int(deal.account_id)]
            if a.lock is None:
                a.lock = (
                    f"open deal in {deal.stage} (${money(deal.amount):,.0f}) "
                    f"[{record_id('opportunity', deal.id)}]"
                )


def allowed_reps(
    accounts: Iterable[AccountFacts], members: Iterable[int], bases: Mapping[int, HomeBase], max_km: float
) -> dict[int, frozenset[int]]:
    """Per account, the reps whose home base is within ``max_km`` of it."""
    reps = [r for r in members if r in bases]
    found: dict[int, frozenset[int]] = {}
    for a in accounts:
        if a.latitude is None or a.longitude is None:
            found[a.id] = frozenset()
            continue
        where = (a.latitude, a.longitude)
        found[a.id] = frozenset(r for r in reps if distance_km(where, bases[r].point) <= max_km)
    return found


def relationship(facts: AccountFacts) -> Decimal:
    """What a move puts at stake: the account's active ARR and its owner's open pipeline on it."""
    return facts.arr + facts.open_amount


def describe(params: RebalanceInput, excluded: Iterable[str], ramping: Iterable[str] = ()) -> list[str]:
    """The constraints in force, one phrase each; ``ramping`` describes the reps ramping from their
    hire date (:meth:`tools.rebalance.ramp.Ramp.describe`)."""
    found = []
    if params.max_moves is not None:
        found.append(f"at most {params.max_moves} move{'' if params.max_moves == 1 else 's'}")
    if params.keep_customers:
        found.append("customers (active ARR) stay")
    if params.keep_open_deals_from:
        found.append(f"accounts with an open deal in {params.keep_open_deals_from} or later stay")
    if params.keep_accounts:
        found.append(f"kept by name: {', '.join(params.keep_accounts)}")
    if names := list(excluded):
        found.append(f"left out: {', '.join(names)}")
    if params.rep_capacity:
        found.append("capacity " + ", ".join(f"{n} {c:g}" for n, c in sorted(params.rep_capacity.items())))
    if params.max_distance_km is not None:
        km = f"{params.max_distance_km:,.0f} km"
        found.append(f"no account moves more than {km} from its new rep's home base")
    if params.continuity_weight:
        found.append(f"continuity weight {params.continuity_weight:g} (ARR and open pipeline at stake)")
    if names := list(ramping):
        found.append(
            f"ramping (a full book {params.ramp_months} months after the hire date): {', '.join(names)}"
        )
    return found
