"""The names a viewer can use: only what is in their scope, read through the repository's scoped selects."""

from __future__ import annotations

from tests.tools.conftest import MAX, OLGA, RITA
from tools.lexicon import find_deals, load_lexicon
from tools.store.repository import Repository


def test_names_outside_scope_are_not_in_the_lexicon(repo: Repository) -> None:
    rita = load_lexicon(repo, RITA, set())
    names = {n.name for n in rita.entities()}
    assert {"Rita Ruiz", "Acme Corporation", "West Enterprise", "West", "Core"} <= names
    assert not {"Sam Reyes", "Globex", "Initech", "East Commercial", "East"} & names
    assert rita.complete and rita.featured_account == "Acme Corporation"
    olga = load_lexicon(repo, OLGA, set())
    assert {"Sam Reyes", "Globex", "East Commercial", "East"} <= {n.name for n in olga.entities()}


def test_a_managers_reps_are_their_team(repo: Repository) -> None:
    lexicon = load_lexicon(repo, MAX, set())
    assert [p.name for p in lexicon.reps_under(None)] == ["Ravi Rao", "Rita Ruiz"]
    assert [p.name for p in lexicon.reps_in("West Enterprise", None)] == ["Ravi Rao", "Rita Ruiz"]
    assert lexicon.reps_under("Sam Reyes") == []


def test_a_viewers_deals_on_an_account_open_ones_first(repo: Repository) -> None:
    deals = find_deals(repo, RITA, "Acme Corporation", None)
    assert [d.is_closed for d in deals] == [False, False, True]
    assert [d.record for d in find_deals(repo, RITA, "Acme Corporation", "Core")] == ["opportunity/1"]
    assert find_deals(repo, RITA, "Globex", None) == []
