"""Access, across every tool the assistant can call: for each persona, nothing of another user's
records appears (canary strings, record ids, names), and an out-of-scope name fails exactly like
a name that does not exist."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from assistant.toolkit import TOOLS, ToolSpec
from tests.tools.conftest import MAX, MO, OLGA, RAVI, RITA, SAM
from tools.errors import InputError, SalesplanError
from tools.store.repository import Repository
from tools.viewer import Viewer

#: What each persona must never see: other users' canaries and deal ids.
FORBIDDEN = {
    "rita": (RITA, ["CANARY-Ravi", "CANARY-Sam", "opportunity/3", "opportunity/4", "opportunity/9"]),
    "ravi": (RAVI, ["CANARY-Rita", "CANARY-Sam", "opportunity/1", "opportunity/2", "opportunity/4"]),
    "sam": (SAM, ["CANARY-Rita", "CANARY-Ravi", "opportunity/1", "opportunity/3", "Acme"]),
    "max": (MAX, ["CANARY-Sam", "opportunity/4", "opportunity/5", "opportunity/8", "Globex"]),
    "mo": (MO, ["CANARY-Rita", "CANARY-Ravi", "opportunity/1", "opportunity/3", "Acme"]),
}
#: Arguments per tool that name records (the rest run with their defaults).
NAMED: dict[str, list[dict[str, Any]]] = {
    "account_profile": [{"account": "Acme Corporation"}, {"account": "Globex"}, {"account": "Apex Health"}],
    "account_whitespace": [{"account": "Acme Corporation"}, {"account": "Globex"}],
    "account_facts": [{"account": "Acme Corporation"}, {"account": "Globex"}, {"account": "Apex Health"}],
    "account_purchases": [{"account": "Acme Corporation"}, {"account": "Globex"}, {"account": "Apex Health"}],
    "deal_details": [{"deal": "Acme - Core"}, {"deal": "Globex - Core"}, {"deal": "Apex - Core"}],
    "territory_summary": [{}, {"territory": "West Enterprise"}, {"territory": "East Commercial"}],
    "pipeline_summary": [{}, {"owner": "Rita Ruiz"}, {"owner": "Sam Reyes"}, {"account": "Globex"}],
    "stalled_deals": [{}, {"owner": "Ravi Rao"}, {"territory": "East Commercial"}],
    "forecast": [{}, {"owner": "Sam Reyes"}],
    "rep_performance": [{}, {"rep": "Rita Ruiz"}],
    "query_metrics": [
        {"measure": "won_revenue", "also": ["open_pipeline", "activities"], "group_by": "account"},
        {"measure": "open_deals", "group_by": "parent_account", "share_of_total": True},
        {"measure": "won_deals", "rep": "Sam Reyes", "period": "this year"},
        {"measure": "attainment", "group_by": "team", "compare": "previous_period"},
    ],
}
DATA_TOOLS = [spec for spec in TOOLS if spec.kind == "data"]


def _outputs(repo: Repository, viewer: Viewer, spec: ToolSpec) -> list[str]:
    texts = []
    for args in NAMED.get(spec.name, [{}]):
        try:
            result = spec.function(repo, viewer, spec.params.model_validate(args))
        except SalesplanError as exc:
            # the message repeats what was asked for; only the rest of it could leak anything
            texts.append("error: " + re.sub(r"'[^']*'", "'…'", str(exc), count=1))
            continue
        texts.append(json.dumps(result.model_dump(mode="json")))
    return texts


@pytest.mark.parametrize("persona", list(FORBIDDEN))
@pytest.mark.parametrize("spec", DATA_TOOLS, ids=[s.name for s in DATA_TOOLS])
def test_no_tool_shows_another_users_records(repo: Repository, persona: str, spec: ToolSpec) -> None:
    viewer, forbidden = FORBIDDEN[persona]
    for text in _outputs(repo, viewer, spec):
        for canary in forbidden:
            assert canary not in text, f"{spec.name} showed {canary} to {persona}: {text[:300]}"


def test_out_of_scope_names_fail_like_missing_ones(repo: Repository) -> None:
    account = next(s for s in TOOLS if s.name == "account_profile")
    deal = next(s for s in TOOLS if s.name == "deal_details")

    def message(spec: ToolSpec, viewer: Viewer, args: dict[str, Any]) -> str:
        with pytest.raises(InputError) as caught:
            spec.function(repo, viewer, spec.params.model_validate(args))
        return str(caught.value)

    assert message(account, RITA, {"account": "Globex"}) == "no account named 'Globex'"
    assert message(account, RITA, {"account": "Nonexistent Corp"}) == "no account named 'Nonexistent Corp'"
    # suggestions come from the viewer's own records only, for a hidden and a made-up deal alike
    hidden, made_up = (
        message(deal, RITA, {"deal": "Globex - Core"}),
        message(deal, RITA, {"deal": "Zzyzx - Core"}),
    )
    assert hidden.startswith("no deal named 'Globex - Core'") and made_up.startswith(
        "no deal named 'Zzyzx - Core'"
    )
    for text in (hidden, made_up):
        suggested = text.partition("did you mean")[2]
        assert "Globex" not in suggested and "Apex" not in suggested and "Umbrella" not in suggested


@pytest.mark.parametrize("spec", DATA_TOOLS, ids=[s.name for s in DATA_TOOLS])
def test_revops_gets_an_answer_from_every_tool(repo: Repository, spec: ToolSpec) -> None:
    first = _outputs(repo, OLGA, spec)[0]
    assert not first.startswith("error"), first
