"""Rep profiles from history and assignment: win rates counted from the deals, accounts given to
reps of their own territory with reasons, loads kept even, a leaving rep's book handed out, and a
rep placed in a territory."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tools.errors import InputError, NotPermitted
from tools.rebalance.assign import assign
from tools.rebalance.assignment import AssignInput
from tools.rebalance.profiles import PRIOR_DEALS, read_profiles
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity, Role, User
from tools.store.stages import load_stages
from tools.viewer import Viewer


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    path: Path = tmp_path_factory.mktemp("assign") / "crm.db"
    engine: Engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=400, seed=8)
    yield Repository(engine, load_stages(), DEFAULT_AS_OF)
    engine.dispose()


def _first(repo: Repository, role: Role) -> Viewer:
    with repo.connect() as connection:
        uid, name = connection.execute(
            select(User.id, User.name).where(User.role == role.value).order_by(User.id)
        ).first()  # type: ignore[misc]
    return Viewer(user_id=uid, role=role, name=name)


def test_a_profile_counts_the_reps_own_deals(demo: Repository) -> None:
    revops = _first(demo, Role.REVOPS)
    rep = _first(demo, Role.REP)
    profile = read_profiles(demo, revops, {rep.user_id: rep.name})[rep.user_id]
    with demo.connect() as connection:
        rows = connection.execute(
            select(Account.industry, Opportunity.is_won, func.count())
            .join(Account, Account.id == Opportunity.account_id)
            .where(Opportunity.owner_id == rep.user_id, Opportunity.is_closed.is_(True))
            .group_by(Account.industry, Opportunity.is_won)
        ).all()
    won, closed = Counter[str](), Counter[str]()
    for industry, is_won, count in rows:
        closed[industry] += count
        won[industry] += count if is_won else 0
    assert profile.closed == sum(closed.values()) and profile.won == sum(won.values())
    overall = profile.won / profile.closed
    for strength in profile.industries:
        w, c = won[strength.name], closed[strength.name]
        assert (strength.won, strength.closed) == (w, c)
        assert strength.win_rate == pytest.approx((w + PRIOR_DEALS * overall) / (c + PRIOR_DEALS), abs=1e-3)
    assert profile.tenure_months is not None and profile.tenure_months > 6 and not profile.ramping


def test_a_citys_accounts_go_to_reps_of_their_territory_evenly(demo: Repository) -> None:
    manager = _first(demo, Role.MANAGER)
    with demo.connect() as connection:
        city = (
            connection.execute(
                demo.accounts(manager, Account.city).group_by(Account.city).order_by(func.count().desc())
            )
            .scalars()
            .first()
            or ""
        )
    found = assign(demo, manager, AssignInput(city=city, limit=500))
    assert found.accounts and found.account_count == len(found.accounts)
    homes = {p.id: p for p in found.profiles}
    with demo.connect() as connection:
        territory_of = dict(connection.execute(select(User.id, User.territory_id)).all())
        account_territory = dict(connection.execute(select(Account.id, Account.territory_id)).all())
    for match in found.accounts:
        assert match.city == city and match.best.reasons
        assert match.best.rep_id in homes
        taker, account = int(match.best.rep_id.split("/")[1]), int(match.id.split("/")[1])
        assert territory_of[taker] == account_territory[account]
        assert all(match.best.score >= other.score for other in match.alternatives)
    # loads are updated as accounts are given out: no single rep takes every account of a team
    takers = Counter(m.best.rep for m in found.accounts)
    assert len(takers) > 1


def test_a_leaving_reps_book_goes_to_the_others(demo: Repository) -> None:
    manager = _first(demo, Role.MANAGER)
    someone = assign(demo, manager, AssignInput(rep=_first(demo, Role.REP).name))
    assert someone.territories and someone.territories[0].reasons
    leaving = someone.profiles[0].name
    handed = assign(demo, manager, AssignInput(from_rep=leaving, limit=500))
    assert handed.accounts and all(m.current_owner == leaving for m in handed.accounts)
    assert all(m.best.rep != leaving for m in handed.accounts)


def test_assign_refusals(demo: Repository) -> None:
    manager, rep = _first(demo, Role.MANAGER), _first(demo, Role.REP)
    with pytest.raises(NotPermitted):
        assign(demo, rep, AssignInput(city="Denver"))
    profiles_only = assign(demo, manager, AssignInput())
    assert profiles_only.accounts == [] and profiles_only.profiles and profiles_only.note
    with pytest.raises(InputError, match="no account you manage matches"):
        assign(demo, manager, AssignInput(from_rep=rep.name, accounts=["No Such Account"]))


def test_a_city_none_of_the_askers_accounts_is_in_is_said_plainly(demo: Repository) -> None:
    """A regional manager asking for a city of another region's accounts, or a city not in the data:
    no proposal for other accounts, a plain sentence that names only their own territories."""
    vp = _first(demo, Role.MANAGER)
    with demo.connect() as connection:
        regional = connection.execute(
            select(User.id, User.name)
            .where(User.role == Role.MANAGER.value, User.manager_id == vp.user_id)
            .order_by(User.id)
        ).first()
        assert regional is not None
        manager = Viewer(user_id=regional.id, role=Role.MANAGER, name=regional.name)
        everywhere = set(connection.execute(select(Account.city).distinct()).scalars())
        theirs = set(connection.execute(demo.accounts(manager, Account.city).distinct()).scalars())
    elsewhere = sorted(everywhere - theirs)[0]
    found = assign(demo, manager, AssignInput(city=elsewhere))
    assert found.unmatched_city == elsewhere
    assert found.accounts == [] and found.account_count == 0 and found.profiles == []
    note = found.note or ""
    assert note.startswith("No account in your territories (") and f") is in {elsewhere}." in note
    assert "no city of that name is known" not in note  # a real city, just not theirs
    listed = set(re.findall(r"([A-Z][\w. ]+) \(\d+\)", note.split("can assign are in ", 1)[1]))
    assert listed and listed <= theirs and elsewhere not in listed
    unknown = assign(demo, manager, AssignInput(city="Zorblaxville")).note or ""
    assert ") is in Zorblaxville, and no city of that name is known." in unknown
    revops = assign(demo, _first(demo, Role.REVOPS), AssignInput(city="Zorblaxville")).note or ""
    assert revops.startswith("No account in the data is in Zorblaxville, and no city of that name is known.")
    # the city's own accounts are still proposed, whatever the case it is written in
    own = sorted(theirs)[0]
    assert assign(demo, manager, AssignInput(city=f" {own.upper()} ")).account_count > 0
