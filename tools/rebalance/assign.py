"""Who should take which accounts, or which territory a rep should take, from what reps win.

Accounts to reps (the accounts in a city, a rep's book when they leave, or named accounts): each
account goes to one of the reps of its own territory, the one with the best fit, largest account
first, with each rep's load updated as accounts are given out so one strong rep does not take
everything. Fit, each part between 0 and 1 (:mod:`tools.rebalance.profiles` for the win rates):

* industry (weight 0.30): the rep's win rate in the account's industry, relative to the best
  candidate's;
* segment (0.20): the same for the account's segment;
* deal size (0.15): the smaller of the rep's median won amount and the median won amount of the
  account's segment, over the larger;
* distance (0.20): 1 at the rep's home base, 0 from :data:`FAR_KM` km on;
* headroom (0.15): 1 for a rep with half the mean potential or less (scaled by their capacity:
  a new hire ramping from their hire date carries less, :mod:`tools.rebalance.ramp`), 0 at 1.5
  times the mean or more.

A rep to a territory (an open seat or a new hire, ``rep``): each territory the viewer manages is
scored on how well the rep's win rates fit its accounts (industry and segment, weighted by
potential; 0.5) and on how much it needs a rep (potential per rep against the mean, a ramping rep
counted as the share of a full book they carry; 0.5). A rep with no history is placed by need
alone, and the answer says so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from statistics import median

from tools.errors import InputError
from tools.evidence import record_id
from tools.rebalance.assignment import (
    AccountMatch,
    Alternative,
    AssignInput,
    Assignment,
    Choice,
    TerritoryMatch,
)
from tools.rebalance.book import AccountFacts, chosen_territories, read_book
from tools.rebalance.constraints import HomeBase, home_bases, rep_ids
from tools.rebalance.profiles import RepProfile, rate, read_profiles, shown
from tools.rebalance.ramp import full_on
from tools.resolve import resolve_user
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Role
from tools.territory.book import TerritoryRef
from tools.territory.geo import distance_km, is_city_name
from tools.viewer import Viewer

FAR_KM = 1500.0
WEIGHTS = {"industry": 0.30, "segment": 0.20, "size": 0.15, "distance": 0.20, "headroom": 0.15}
ACCOUNTS_METHOD = (
    "fit = 0.30 industry win rate (vs the best candidate) + 0.20 segment win rate + 0.15 deal size "
    f"(rep's median won vs the segment's) + 0.20 nearness to the rep's home base (0 from {FAR_KM:,.0f} km) "
    "+ 0.15 headroom (potential carried vs a full share, scaled by capacity); win rates smoothed "
    "with 5 deals' weight; largest account first, loads updated as accounts are given out"
)
SEAT_METHOD = (
    "fit = 0.5 x the rep's win rate on the territory's industries and segments (weighted by "
    "potential, vs their overall rate) + 0.5 x need (potential per rep with them vs the mean, a "
    "ramping rep counted at their share of a full book); a rep with no history is placed by need alone"
)


def assign(repository: Repository, viewer: Viewer, params: AssignInput) -> Assignment:
    """Propose who should take accounts (in a city, a leaving rep's, named), or a rep's territory.

    For managers (their territories) and RevOps. Reps are matched on what they win (industry,
    segment, deal size), distance from their home base and headroom; every proposal carries its
    reasons and the reps' profiles (industries, segments, products, deal sizes, tenure, ramp).

    Args:
        territory: Territory or region; empty: all you manage.
        city: Assign the accounts in this city, e.g. 'Denver'.
        from_rep: Assign this rep's accounts (a rep leaving).
        accounts: Assign these accounts.
        rep: Instead: which territory this rep (a new hire, an open seat) should take.
        limit: Most assignments listed.

    Returns:
        Per account the best rep with reasons and two alternatives, or per territory a score;
        with nothing named, the reps' profiles alone.

    Raises:
        NotPermitted: The viewer is a rep.
        InputError: No account you manage is the rep's or has the names. A city none of your
            accounts is in is not an error: the answer says so and what to ask instead.
    """
    territories = chosen_territories(repository, viewer, params.territory)
    tids = [int(t.id.split("/", 1)[1]) for t in territories]
    names = {int(t.id.split("/", 1)[1]): t.name for t in territories}
    with repository.connect() as connection:
        reps, accounts, _ = read_book(connection, repository, viewer, tids)
    bases = home_bases(accounts.values(), reps)
    if params.rep:
        return _seat(repository, viewer, params.rep, reps, accounts, names)
    if not (params.city or params.from_rep or params.accounts):
        everyone = read_profiles(repository, viewer, {r: n for r, (n, _) in reps.items()})
        for rep, profile in everyone.items():
            profile.home_base = bases[rep].city if rep in bases else None
        return Assignment(
            accounts=[],
            account_count=0,
            territories=[],
            profiles=shown(everyone.values()),
            method=ACCOUNTS_METHOD,
            note="the reps' profiles; to assign accounts, name a city, a rep's accounts or the accounts, "
            "or a rep to place in a territory",
        )
    if params.city and not any(_in_city(a, params.city) for a in accounts.values()):
        return _no_city(repository, viewer, params, territories, accounts.values(), reps)
    leaving = rep_ids([params.from_rep], reps, "from_rep")[params.from_rep] if params.from_rep else None
    chosen = [
        a
        for a in accounts.values()
        if (not params.city or _in_city(a, params.city))
        and (leaving is None or a.owner == leaving)
        and (not params.accounts or a.name.casefold() in {n.strip().casefold() for n in params.accounts})
    ]
    if not chosen:
        raise InputError("no account you manage matches: check the city, rep or account names")
    profiles = read_profiles(repository, viewer, {r: n for r, (n, _) in reps.items()})
    for rep, profile in profiles.items():
        profile.home_base = bases[rep].city if rep in bases else None
    sizes = _segment_sizes(repository, viewer)
    load: dict[int, float] = defaultdict(float)
    for a in accounts.values():
        if a.id not in {c.id for c in chosen}:
            load[a.owner] += float(a.potential)
    matches = []
    for a in sorted(chosen, key=lambda a: (-a.potential, a.id)):
        team = [r for r, (_, home) in reps.items() if home == a.territory and r != leaving]
        if not team:
            continue
        mean = sum(load[r] for r in team) / len(team) + float(a.potential) / len(team)
        ranked = sorted(
            (_choice(a, r, profiles[r], team, profiles, bases, load[r], mean, sizes) for r in team),
            key=lambda c: (-c.score, c.rep),
        )
        load[int(ranked[0].rep_id.split("/")[1])] += float(a.potential)
        matches.append(
            AccountMatch(
                id=record_id("account", a.id),
                account=a.name,
                territory=names[a.territory],
                industry=a.industry,
                segment=a.segment,
                city=a.city,
                potential=float(a.potential),
                current_owner=reps[a.owner][0],
                best=ranked[0],
                alternatives=[Alternative(rep=c.rep, rep_id=c.rep_id, score=c.score) for c in ranked[1:3]],
            )
        )
    listed = matches[: params.limit]
    named = {c.rep_id for m in listed for c in (m.best, *m.alternatives)}
    return Assignment(
        accounts=listed,
        account_count=len(matches),
        territories=[],
        profiles=shown(p for p in profiles.values() if p.id in named),
        method=ACCOUNTS_METHOD,
    )


def _in_city(account: AccountFacts, city: str) -> bool:
    return " ".join((account.city or "").split()).casefold() == " ".join(city.split()).casefold()


def _no_city(
    repo: Repository,
    viewer: Viewer,
    params: AssignInput,
    territories: list[TerritoryRef],
    accounts: Iterable[AccountFacts],
    reps: dict[int, tuple[str, int]],
) -> Assignment:
    """No account the viewer may assign is in the city: say so plainly, and what can be asked
    instead. Only the viewer's accounts are read, so the answer tells nothing about accounts
    outside their scope; whether a city of that name exists at all comes from a gazetteer, not
    from the data (:func:`tools.territory.geo.is_city_name`)."""
    city = " ".join((params.city or "").split())
    where = ", ".join(t.name for t in territories)
    if repo.scope(viewer).unrestricted and not (params.territory or "").strip():
        said = f"No account in the data is in {city}"
    elif viewer.role is Role.MANAGER:
        said = f"No account in your territories ({where}) is in {city}"
    else:
        said = f"No account in {where} is in {city}"
    if not is_city_name(city):
        said += ", and no city of that name is known"
    someone = min((name for name, _ in reps.values()), default="a rep").split()[0]
    counts = Counter(a.city for a in accounts if a.city)
    cities = [f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    more = ", …" if len(counts) > len(cities) else ""
    instead = (
        (
            f"The accounts you can assign are in {', '.join(cities)}{more}; ask for one of those, "
            if cities
            else "Ask for "
        )
        + f"a rep's book (\"who should cover {someone}'s accounts when they leave?\") or where a new "
        'rep fits ("which territory should the new hire take?")'
    )
    return Assignment(
        accounts=[],
        account_count=0,
        territories=[],
        profiles=[],
        method=ACCOUNTS_METHOD,
        note=f"{said}. {instead}.",
        unmatched_city=city,
    )


def _segment_sizes(repo: Repository, viewer: Viewer) -> dict[str, float]:
    """The median won amount per segment."""
    won: dict[str, list[float]] = defaultdict(list)
    with repo.connect() as connection:
        query = repo.opportunities(viewer, Account.segment, Opportunity.amount).join(
            Account, Account.id == Opportunity.account_id
        )
        for segment, amount in connection.execute(query.where(Opportunity.is_won.is_(True))):
            if amount is not None:
                won[segment or "unknown"].append(float(amount))
    return {k: median(v) for k, v in won.items()}


def _choice(
    a: AccountFacts,
    rep: int,
    profile: RepProfile,
    team: list[int],
    profiles: dict[int, RepProfile],
    bases: dict[int, HomeBase],
    load: float,
    mean: float,
    sizes: dict[str, float],
) -> Choice:
    industry = a.industry
    ind = rate(profile, "industry", industry)
    seg = rate(profile, "segment", a.segment)
    best_ind = max(rate(profiles[r], "industry", industry) for r in team) or 1.0
    best_seg = max(rate(profiles[r], "segment", a.segment) for r in team) or 1.0
    typical = sizes.get(a.segment or "unknown")
    size = (
        min(profile.median_won, typical) / max(profile.median_won, typical)
        if profile.median_won and typical
        else 0.5
    )
    base = bases.get(rep)
    km = (
        distance_km((a.latitude, a.longitude), base.point)
        if base is not None and a.latitude is not None and a.longitude is not None
        else None
    )
    near = 0.5 if km is None else max(0.0, 1 - km / FAR_KM)
    share = load / (mean * profile.suggested_capacity) if mean > 0 else 1.0
    headroom = min(1.0, max(0.0, 1.5 - share))
    parts = {
        "industry": ind / best_ind,
        "segment": seg / best_seg,
        "size": size,
        "distance": near,
        "headroom": headroom,
    }
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    reasons = [
        f"wins {ind:.0%} in {industry or 'this industry'}",
        f"{seg:.0%} in {a.segment or 'this segment'}",
        f"median won deal ${profile.median_won:,.0f}" if profile.median_won else "no won deals yet",
        f"{km:,.0f} km from home base ({base.city})" if km is not None and base is not None else "",
        f"carries {share:.0%} of a full share" + (f" ({_ramping(profile)})" if profile.ramping else ""),
    ]
    return Choice(
        rep=profile.name, rep_id=profile.id, score=round(score, 3), reasons=[r for r in reasons if r]
    )


def _ramping(profile: RepProfile) -> str:
    """ "ramping: 65% of a full book, hired 2026-09-04, full from 2027-03-05"."""
    text = f"ramping: {profile.suggested_capacity:.0%} of a full book"
    if profile.hire_date is not None:
        text += f", hired {profile.hire_date}, full from {full_on(profile.hire_date)}"
    return text


def _seat(
    repo: Repository,
    viewer: Viewer,
    name: str,
    reps: dict[int, tuple[str, int]],
    accounts: dict[int, AccountFacts],
    names: dict[int, str],
) -> Assignment:
    found = resolve_user(repo, viewer, name, Role.REP)
    profile = read_profiles(repo, viewer, {found.id: found.name})[found.id]
    per_territory: dict[int, list[AccountFacts]] = defaultdict(list)
    for a in accounts.values():
        per_territory[a.territory].append(a)
    heads: dict[int, int] = defaultdict(int)
    for rep, (_, home) in reps.items():
        if rep != found.id:
            heads[home] += 1
    # a ramping rep adds the share of a full book they carry, not a whole head
    loads = {
        t: sum(float(a.potential) for a in mine) / (heads[t] + profile.suggested_capacity)
        for t, mine in per_territory.items()
    }
    mean = sum(loads.values()) / len(loads) if loads else 0.0
    matches = []
    for tid, mine in per_territory.items():
        total = sum(float(a.potential) for a in mine) or 1.0
        fit = (
            sum(
                float(a.potential)
                * (rate(profile, "industry", a.industry) + rate(profile, "segment", a.segment))
                / 2
                for a in mine
            )
            / total
        )
        need = loads[tid] / mean if mean > 0 else 1.0
        history = profile.closed > 0
        score = 0.5 * fit / max(profile.win_rate or 1.0, 1e-9) * (1 if history else 0) + 0.5 * need
        reasons = [
            f"potential per rep with them ${loads[tid]:,.0f} ({need - 1:+.0%} vs the mean)",
            f"their win rate on its accounts' industries and segments {fit:.0%}"
            + (f" (overall {profile.win_rate:.0%})" if profile.win_rate is not None else "")
            if history
            else "no history yet: placed by need alone",
        ]
        matches.append(TerritoryMatch(territory=names[tid], score=round(score, 3), reasons=reasons))
    return Assignment(
        accounts=[],
        account_count=0,
        territories=sorted(matches, key=lambda m: (-m.score, m.territory)),
        profiles=[profile],
        method=SEAT_METHOD,
        note=f"{profile.name} is {_ramping(profile)}: counted as that share of a rep in each territory"
        if profile.ramping
        else None,
    )
