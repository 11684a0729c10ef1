"""Cross-user attempts through ``AssistantService.ask`` with the offline planner: 156 questions
(6 attackers × 26 templates: by name, by record id, "ignore your rules", claimed authority,
role-play, company totals, plans for others' accounts and territories).

For each one:

* no canary or record id outside the attacker's scope is in the answer or its citations;
* the answer, tool calls and citations equal those of the same question asked in a copy of the
  world where every record the attacker may not see was deleted — so nothing about other
  people's records, not even their existence, changes what the attacker is told;
* when the question names a record, the reply equals (up to the typed name) the reply about a
  made-up record of the same kind: forbidden and missing look the same.
"""

from __future__ import annotations

import pytest

from assistant.service import Answer
from tests.security.attacks import PAIRS, attempt, pair_ids, shape
from tests.security.conftest import Shadows, World
from tests.security.world import PLANTED


def shown(answer: Answer) -> str:
    """Everything a user is shown of an answer."""
    return "\n".join([answer.answer, *answer.citations])


def essentials(answer: Answer) -> tuple[str, list[str], list[str]]:
    """The answer, its tool calls and its citations (the calls of one step run concurrently, so
    their order, and the order of their citations, may vary from run to run)."""
    calls = sorted(f"{c.name}{sorted(c.args.items())}" for c in answer.tool_calls)
    return answer.answer, calls, sorted(answer.citations)


@pytest.mark.parametrize(("attacker", "number"), PAIRS, ids=pair_ids(PAIRS))
def test_a_cross_user_attempt_reveals_nothing(
    world: World, shadows: Shadows, attacker: str, number: int
) -> None:
    sight = world.sights[attacker]
    attack = attempt(world.org, sight, attacker, number)
    viewer = world.people[attacker]
    answer = world.service.ask(viewer, attack.question)
    assert sight.leaks(shown(answer), attack.question) == [], (attack.question, answer.answer)

    _, alone = shadows.of(attacker)
    assert essentials(answer) == essentials(alone.ask(viewer, attack.question)), attack.question

    if attack.twin is not None:
        missing = world.service.ask(viewer, attack.twin)
        assert shape(answer.answer) == shape(missing.answer), (attack.question, attack.twin)


@pytest.mark.parametrize("owner", sorted(PLANTED), ids=[p.first for p in PLANTED.values()])
def test_the_canaries_do_show_to_those_allowed_to_see_them(world: World, owner: int) -> None:
    """The detector is live: the same questions show the canaries to their owner and to RevOps."""
    planted = PLANTED[owner]
    for who in (planted.first.lower(), "olga"):
        answer = world.service.ask(world.people[who], f"tell me about {planted.account_words}")
        assert f"CANARY-{planted.first}-ACCT" in answer.answer, (who, answer.answer)
        assert f"CANARY-{planted.first}-CONT" in answer.answer, (who, answer.answer)
        assert world.sights[who].leaks(shown(answer)) == []
