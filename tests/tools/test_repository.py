"""Row-level access in the repository: what each persona can and cannot see."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.tools.conftest import MAX, MO, OLGA, RAVI, RITA, SAM, VERA
from tools.store.repository import Repository
from tools.store.schema import Account, Activity, Contact, Opportunity, Territory, User
from tools.viewer import Viewer


def _ids(repo: Repository, query: object) -> set[int]:
    with repo.connect() as connection:
        return set(connection.execute(query).scalars())  # type: ignore[call-overload]


def test_reps_see_only_their_own_opportunities(repo: Repository) -> None:
    assert _ids(repo, repo.opportunities(RITA, Opportunity.id)) == {1, 2, 6}
    assert _ids(repo, repo.opportunities(RAVI, Opportunity.id)) == {3, 7, 9}
    assert _ids(repo, repo.opportunities(SAM, Opportunity.id)) == {4, 5, 8}


def test_reps_see_the_accounts_they_own_or_deal_on(repo: Repository) -> None:
    # private sharing (the default): Rita owns Acme; Apex and Umbrella, in her territory, are Ravi's
    assert _ids(repo, repo.accounts(RITA, Account.id)) == {1}
    assert _ids(repo, repo.contacts(RITA, Contact.id)) == {1, 2}
    assert _ids(repo, repo.accounts(RAVI, Account.id)) == {2, 5}
    assert _ids(repo, repo.accounts(SAM, Account.id)) == {3, 4}
    assert _ids(repo, repo.contacts(SAM, Contact.id)) == {4}
    assert _ids(repo, repo.activities(RITA, Activity.id)) == {1, 2}
    # her territory can still be named (the org chart is not confidential), and she is herself
    assert _ids(repo, repo.territories(RITA, Territory.id)) == {1}
    assert _ids(repo, repo.users(RITA, User.id)) == {4}
    # a manager sees the accounts of the team: Max's reps own Acme, Apex and Umbrella
    assert _ids(repo, repo.accounts(MAX, Account.id)) == {1, 2, 5}


def test_reps_see_owned_territory_and_deal_accounts_under_territory_sharing(
    territory_repo: Repository,
) -> None:
    repo = territory_repo
    # Rita owns Acme and works West Enterprise, where Apex and Umbrella also lie
    assert _ids(repo, repo.accounts(RITA, Account.id)) == {1, 2, 5}
    assert _ids(repo, repo.accounts(SAM, Account.id)) == {3, 4}
    assert _ids(repo, repo.contacts(SAM, Contact.id)) == {4}
    # a colleague's account is visible, but not the colleague's deals or activities on it
    assert 3 not in _ids(repo, repo.opportunities(RITA, Opportunity.id))
    assert _ids(repo, repo.activities(RITA, Activity.id)) == {1, 2}
    assert _ids(repo, repo.territories(RITA, Territory.id)) == {1}
    assert _ids(repo, repo.users(RITA, User.id)) == {4}


def test_managers_see_their_whole_subtree(repo: Repository) -> None:
    assert _ids(repo, repo.opportunities(MAX, Opportunity.id)) == {1, 2, 3, 6, 7, 9}
    assert _ids(repo, repo.opportunities(MO, Opportunity.id)) == {4, 5, 8}
    assert _ids(repo, repo.opportunities(VERA, Opportunity.id)) == set(range(1, 10))
    assert _ids(repo, repo.users(MAX, User.id)) == {2, 4, 5}
    assert _ids(repo, repo.users(VERA, User.id)) == {1, 2, 3, 4, 5, 6}


def test_revops_sees_everything(repo: Repository) -> None:
    assert _ids(repo, repo.opportunities(OLGA, Opportunity.id)) == set(range(1, 10))
    assert _ids(repo, repo.accounts(OLGA, Account.id)) == {1, 2, 3, 4, 5}
    assert _ids(repo, repo.users(OLGA, User.id)) == set(range(1, 8))


def test_manager_totals_equal_the_sum_of_their_reports(repo: Repository) -> None:
    def total(viewer: Viewer) -> int:
        with repo.connect() as connection:
            return int(
                connection.execute(repo.opportunities(viewer, func.sum(Opportunity.amount))).scalar_one()
            )

    assert total(MAX) == total(RITA) + total(RAVI)
    assert total(VERA) == total(MAX) + total(MO) == total(OLGA)


def test_unknown_user_sees_nothing(repo: Repository) -> None:
    from tools.store.schema import Role

    ghost = Viewer(user_id=999, role=Role.REP, name="Ghost")
    assert _ids(repo, repo.opportunities(ghost, Opportunity.id)) == set()
    assert _ids(repo, repo.accounts(ghost, Account.id)) == set()
    assert _ids(repo, select(Account.id)) == {1, 2, 3, 4, 5}
