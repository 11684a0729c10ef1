"""Every tool of ``assistant.toolkit.TOOLS``, called through its LangChain wrapper exactly as the
agent calls it (arguments as the model sends them, the viewer in the run's context), for every
persona: the three reps, both first-line managers, the VP and RevOps.

Arguments name every planted record, every person and every territory (and record ids), so each
persona asks for plenty that is not theirs. For each call:

* no canary or record id outside the persona's scope is in the result;
* the result is exactly the one the same call gives in the world with everything the persona may
  not see deleted (so a forbidden record is reported exactly like a missing one, suggestions
  included);
* a call naming a forbidden record gets the same error as the same call naming a made-up one.

Both sharing models are covered (``private``, the default, and ``territory``). What each persona may
see is computed from the raw tables by the written rule (``tests.security.world.visible``), not
read through the scope under test.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from assistant.toolkit import TOOLS, AgentContext, build_tools
from tests.security.attacks import MADE_UP, MADE_UP_PERSON, MADE_UP_TERRITORY
from tests.security.conftest import Shadows, World
from tests.security.playbook import Playbook
from tests.security.world import CROSS_DEAL, CROSS_DEAL_WORDS, PLANTED, Planted
from tools.store.repository import Repository, Sharing
from tools.viewer import Viewer

PERSONAS = ("rita", "ravi", "sam", "max", "mo", "vera", "olga")
TERRITORIES = ("West Enterprise", "East Commercial", "Central Strategic")
Args = dict[str, Any]


def _named(planted: Planted, person: str) -> dict[str, list[Args]]:
    """Arguments naming one person's records, per tool."""
    account, deal = planted.account_words, planted.deal_words
    by_account = [{"account": account}]
    filters = [{"owner": person}, {"account": account}]
    return {
        "search_accounts": [{"name": account}, {"owner": person}, {"names": [account, "Acme Corporation"]}],
        "account_profile": by_account,
        "account_whitespace": by_account,
        "account_facts": by_account,
        "account_purchases": by_account,
        "account_plan": by_account,
        "deal_details": [{"deal": deal}, {"deal": f"opportunity/{planted.deal_id}"}],
        "propose_change": [
            {"deal": deal, "field": "next_step", "value": "Call back"},
            {"deal": f"opportunity/{planted.deal_id}", "field": "close_date", "value": "2027-01-15"},
        ],
        "log_activity": [
            {"kind": "call", "subject": "Catch-up", "deal": deal},
            {"kind": "note", "subject": "Renewal terms", "account": account},
        ],
        "pipeline_summary": filters,
        "stalled_deals": filters,
        "forecast": filters,
        "rep_performance": [{"rep": person}],
        "team_roster": [{"people": [person]}, {"team": person}, {"people": [person, "me"]}],
        "one_on_one_prep": [{"rep": person}],
        "win_scores": [{"deal": deal}, {"deal": f"opportunity/{planted.deal_id}"}, {"owner": person}],
        "quota_risk": [{"owner": person}],
        "forecast_call_prep": [{"owner": person, "limit": 50}],
        "qualification_scorecard": [
            {"owner": person, "limit": 50},
            {"deal": deal},
            {"deal": f"opportunity/{planted.deal_id}", "methodology": "bant"},
            {"account": account, "missing": "economic buyer"},
        ],
        "query_metrics": [
            {"measure": "won_revenue", "rep": person, "period": "this year"},
            {"measure": "open_pipeline", "account": account, "group_by": "stage"},
            {
                "measure": "open_pipeline",
                "group_by": "account",
                "any_of": {"account": [account, "Acme Corporation"]},
            },
            {
                "measure": "open_pipeline",
                "group_by": "deal",
                "any_of": {"deal": [f"opportunity/{planted.deal_id}"]},
            },
            {"measure": "open_deals", "rep": person, "inactive_days": 30},
            {"measure": "open_pipeline", "rep": person, "group_by": "deal", "min_pushes": 1},
            {"measure": "open_pipeline", "rep": person, "group_by": "deal", "max_pushes": 0},
            {"measure": "open_deals", "rep": person, "group_by": "deal", "past_due": True},
        ],
    }


def _general() -> dict[str, list[Args]]:
    """Arguments naming nobody in particular, or the shared records (territories, Acme)."""
    by_territory = [{}, *({"territory": t} for t in TERRITORIES)]
    return {
        "search_accounts": [
            {},
            {"territory": "Central Strategic"},
            {"has_open_pipeline": True, "limit": 50},
            {"without_contact_role": "champion", "limit": 50},
            {"with_product": "Core", "limit": 50},
            {"outside_country": "United States", "limit": 50},
            {"max_employees": 1_000_000, "max_annual_revenue": 10**12, "limit": 50},
        ],
        "account_profile": [
            {"account": "Acme Corporation"},
            {"account": "Apex Health"},
            {"account": "Globex"},
        ],
        "account_whitespace": [{"account": "Acme Corporation"}],
        "account_facts": [{"account": "Acme Corporation"}, {"account": "Globex"}],
        "account_purchases": [{"account": "Acme Corporation"}, {"account": "Apex Health"}],
        "account_plan": [{"account": "Acme Corporation"}],
        "list_territories": [{}, {"region": "Central"}],
        "team_roster": [{}, {"region": "Central"}, {"job": "rep"}, *({"territory": t} for t in TERRITORIES)],
        "list_products": [{}, {"order": "price_desc", "limit": 1}, {"products": ["Core"]}],
        "territory_summary": by_territory,
        "territory_balance": by_territory,
        "propose_rebalance": [*by_territory, {"across_territories": True}],
        "list_scenarios": [{}],
        "assign_accounts": [
            *({"territory": t, "city": "Chicago"} for t in TERRITORIES),
            {"rep": "Sam Reyes"},
        ],
        "compare_scenarios": [{}, {"scenarios": ["Central Strategic"]}],
        "territory_plan": [{}, {"territory": "East Commercial"}, {"territory": "Central Strategic"}],
        "pipeline_summary": [{}, {"group_by": "owner"}, *({"territory": t} for t in TERRITORIES)],
        "deal_details": [{"deal": CROSS_DEAL_WORDS}, {"deal": f"opportunity/{CROSS_DEAL}"}],
        "stalled_deals": [{}, {"limit": 50}, {"territory": "Central Strategic"}],
        "win_scores": [
            {},
            {"limit": 50},
            {"territory": "Central Strategic"},
            {"sort_by": "amount", "limit": 50},
        ],
        "pipeline_changes": [
            {"limit": 50},
            {"since": "yesterday", "limit": 50},
            {"territory": "Central Strategic", "limit": 50},
        ],
        "forecast": [{}, {"territory": "Central Strategic"}],
        "rep_performance": [{}],
        "quota_risk": [{}, {"territory": "Central Strategic"}, {"period": "next quarter"}],
        "one_on_one_prep": [{}],
        "forecast_call_prep": [{"limit": 50}, {"since": "yesterday", "territory": "Central Strategic"}],
        "qualification_scorecard": [
            {"limit": 50},
            {"missing": "champion", "limit": 50},
            {"territory": "Central Strategic", "methodology": "bant"},
        ],
        "query_metrics": [
            {"measure": "won_revenue", "also": ["win_rate", "open_pipeline"], "group_by": "account"},
            {"measure": "activities", "group_by": "parent_account", "period": "this year"},
            {"measure": "attainment", "also": ["coverage"], "group_by": "rep", "compare": "last_year"},
            {"measure": "won_accounts", "group_by": "rep", "min_employees": 0, "max_annual_revenue": 10**12},
            *({"measure": "open_deals", "territory": t, "group_by": "product"} for t in TERRITORIES),
        ],
        "metric_definitions": [{}],
        "search_playbook": [{"query": "multi-threading"}],
    }


#: Drafting a plan runs most other tools; plans name a few people's records, not everyone's.
PLAN_TOOLS = frozenset({"account_plan", "territory_plan"})
PLANNED = frozenset({5, 6, 7})  # Ravi, Sam, Olga: in some personas' scope and out of others'


def calls(tool: str, org_names: dict[str, str]) -> list[Args]:
    found = list(_general().get(tool, []))
    for planted in sorted(PLANTED.values(), key=lambda p: p.user_id):
        if tool in PLAN_TOOLS and planted.user_id not in PLANNED:
            continue
        found += _named(planted, org_names[planted.first.lower()]).get(tool, [])
    assert found, f"no arguments for {tool}"
    return found


def twin(args: Args, org_names: dict[str, str]) -> Args | None:
    """The same call naming a made-up record, when ``args`` names a planted one."""
    swaps = {MADE_UP_TERRITORY: MADE_UP_TERRITORY}
    for planted in PLANTED.values():
        swaps[planted.account_words] = MADE_UP.account_words
        swaps[planted.deal_words] = MADE_UP.deal_words
        swaps[f"opportunity/{planted.deal_id}"] = f"opportunity/{MADE_UP.deal_id}"
        swaps[org_names[planted.first.lower()]] = MADE_UP_PERSON
    swapped = {k: swaps.get(v, v) if isinstance(v, str) else v for k, v in args.items()}
    return swapped if swapped != args else None


class Caller:
    """Calls the LangChain tools as the agent does, for one viewer over one repository."""

    def __init__(self, repository: Repository, viewer: Viewer) -> None:
        self.tools = {tool.name: tool for tool in build_tools()}
        self.repository = repository
        self.viewer = viewer

    def __call__(self, name: str, args: Args) -> str:
        context = AgentContext(viewer=self.viewer, repository=self.repository, playbook=Playbook())
        runtime: ToolRuntime[AgentContext, dict[str, Any]] = ToolRuntime(
            state={}, context=context, config={}, stream_writer=lambda _: None, tool_call_id="c1", store=None
        )
        tool: BaseTool = self.tools[name]
        message = tool.invoke(
            {"type": "tool_call", "name": name, "args": {**args, "runtime": runtime}, "id": "c1"}
        )
        assert isinstance(message, ToolMessage)
        return str(message.content)


TIMING = re.compile(r'"seconds":[\d.e-]+')


def comparable(result: str) -> str:
    """A result without the rebalancing solver's wall time (the only field that varies by run)."""
    return TIMING.sub('"seconds":0', result)


def normalised(result: str, args: Args) -> str:
    """An error with what the call typed, and the suggestions that depend on its spelling, taken out."""
    for value in args.values():
        if isinstance(value, str):
            result = result.replace(value, "…")
    return re.sub(r"\d+", "#", re.sub(r" — did you mean .*$|did you mean [^'\"]*", "", result))


@pytest.fixture(scope="module")
def names(world: World) -> dict[str, str]:
    return world.org.names


@pytest.mark.parametrize("sharing", list(Sharing), ids=[s.value for s in Sharing])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("spec", TOOLS, ids=[spec.name for spec in TOOLS])
def test_a_tool_shows_a_persona_nothing_outside_their_scope(
    request: pytest.FixtureRequest, names: dict[str, str], spec: Any, persona: str, sharing: Sharing
) -> None:
    private = sharing is Sharing.PRIVATE
    world: World = request.getfixturevalue("world" if private else "territory_world")
    shadows: Shadows = request.getfixturevalue("shadows" if private else "territory_shadows")
    viewer = world.people[persona]
    sight = world.sights[persona]
    full = Caller(world.repository, viewer)
    alone = Caller(shadows.of(persona)[0], viewer) if persona != "olga" else full
    for args in calls(spec.name, names):
        result = full(spec.name, args)
        assert sight.leaks(result, json.dumps(args)) == [], (spec.name, args, result[:500])
        assert comparable(result) == comparable(alone(spec.name, args)), (spec.name, args)
        made_up = twin(args, names)
        if made_up is not None and result.startswith("error") and sight.leaks(json.dumps(args)) == []:
            assert normalised(result, args) == normalised(full(spec.name, made_up), made_up), (
                spec.name,
                args,
            )


def test_the_arguments_reach_every_planted_record(world: World, names: dict[str, str]) -> None:
    """The detector is live: the profile and deal calls above give RevOps, who sees everything,
    every canary of the world."""
    caller = Caller(world.repository, world.people["olga"])
    shown = "\n".join(
        caller(tool, args) for tool in ("account_profile", "deal_details") for args in calls(tool, names)
    )
    assert world.sights["olga"].forbidden == frozenset()
    assert {c for c in world.sights["olga"].canaries if c not in shown} == set()
