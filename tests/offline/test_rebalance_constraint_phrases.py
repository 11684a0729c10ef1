"""The constraints a rebalance question states, read into ``propose_rebalance`` arguments that
the tool's input model accepts."""

from __future__ import annotations

import pytest

from assistant.offline.rebalance_constraints import rebalance_constraints
from tools.rebalance.models import RebalanceInput

PEOPLE = ["Lucas Duarte", "Lucas Jensen", "Sofia Fischer", "Jamie Weber"]
STAGES = ["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "rebalance West but keep customers and at most 10 moves",
            {"keep_customers": True, "max_moves": 10},
        ),
        ("propose a rebalance for West, no more than ten changes", {"max_moves": 10}),
        (
            "rebalance my team, 5 moves max, and leave Sofia out",
            {"max_moves": 5, "exclude_reps": ["Sofia Fischer"]},
        ),
        ("rebalance without Lucas Duarte", {"exclude_reps": ["Lucas Duarte"]}),
        ("rebalance West within 500 km", {"max_distance_km": 500}),
        ("rebalance West within 300 miles", {"max_distance_km": 483}),
        ("rebalance but don't move paying customers", {"keep_customers": True}),
        ("rebalance, keep accounts with deals past Qualification", {"keep_open_deals_from": "Qualification"}),
        ("rebalance effective 2027-04-01", {"effective_date": "2027-04-01"}),
        ("propose a rebalance for West", {}),
        ("which accounts should move?", {}),
    ],
)
def test_phrases_become_tool_arguments(question: str, expected: dict[str, object]) -> None:
    found = rebalance_constraints(question, PEOPLE, STAGES)
    assert found == expected
    RebalanceInput.model_validate({"territory": "West", **found})  # the tool takes them as they are


def test_an_ambiguous_first_name_is_not_guessed() -> None:
    assert rebalance_constraints("rebalance and leave Lucas out", PEOPLE, STAGES) == {}
    assert rebalance_constraints("rebalance and leave Lucas out", ["Lucas Duarte"], STAGES) == {
        "exclude_reps": ["Lucas Duarte"]
    }
