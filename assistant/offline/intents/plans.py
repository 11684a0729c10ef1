"""Drafted plans: an account plan, or a territory plan (of a territory, or of a person's team).

The plan is drafted by the ``account_plan`` / ``territory_plan`` tool and its Markdown is the
answer. An agent built without those tools gets the account profile or the territory summary
instead, with a line saying plan drafting is not available there.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from assistant.offline import answers_accounts
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Rendering, phrasing
from assistant.plans.tools import PlanResult
from tools.accounts.profile import AccountProfile
from tools.lexicon import Lexicon
from tools.territory.summary import TerritorySummary


def _account_plan(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    name = "account_plan" if "account_plan" in tools else "account_profile"
    return [Call(name, given(account=frame.slots.account))]


def _territory_plan(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    """A territory plan for a person ("a territory plan for Dana's team") names the person: the
    plan covers their team."""
    name = "territory_plan" if "territory_plan" in tools else "territory_summary"
    territory = frame.slots.territory
    if name == "territory_plan" and not territory:
        territory = frame.slots.owner
    return [Call(name, given(territory=territory))]


def _write_plan(output: PlanResult, answering: Answering) -> str:
    return output.markdown


def _write_profile(output: AccountProfile, answering: Answering) -> str:
    return answers_accounts.account(output, answering.notes, True)


def _write_summary(output: TerritorySummary, answering: Answering) -> str:
    return answers_accounts.territory(output, answering.notes, True, answering.main.total("territories"))


ACCOUNT_PLAN = IntentSpec(
    Intent.ACCOUNT_PLAN,
    example="Draft an account plan for Acme",
    route=_account_plan,
    requires=("account",),
    renders=(Rendering(PlanResult, _write_plan), Rendering(AccountProfile, _write_profile)),
    takes=frozenset({"account"}),
    phrasings=(
        phrasing(
            8,
            r"\baccount plan",
            r"\bplan (?:for|on) entaccount",
            r"\bentaccount (?:account )?plan\b",
            r"\bplan (?:the )?entaccount",
            # "write up a plan for that account", "draft a plan for them" (the thread's company)
            r"\b(?:draft|write(?: up)?|build|make|prepare|put together|do) (?:me )?(?:a |an |the )?plan "
            r"(?:for|on) (?:that|this|the) (?:account|company|customer|one)\b",
        ),
    ),
)

TERRITORY_PLAN = IntentSpec(
    Intent.TERRITORY_PLAN,
    example="Draft a territory plan for my territory",
    route=_territory_plan,
    renders=(Rendering(PlanResult, _write_plan), Rendering(TerritorySummary, _write_summary)),
    takes=frozenset({"territory"}),
    phrasings=(
        phrasing(
            8,
            r"\bterritory plan",
            r"\bplan (?:for|on) (?:my |the |our )?(?:(?:team|team's|teams) )?"
            r"(?:territory|entterritory|entregion|patch)",
            r"\b(?:draft|write|build|make|prepare|put together) (?:me )?(?:a |an |the )?(?:\w+ )?"
            r"plan for (?:my |our |the )?team\b",
            r"\bentterritory plan\b",
            r"\bplan (?:my |the |our )?(?:territory|patch)",
        ),
    ),
)

SPECS = (ACCOUNT_PLAN, TERRITORY_PLAN)
