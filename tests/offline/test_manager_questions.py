"""Manager questions in chat: forecast-call prep, 1:1 prep, who may miss their number, qualification
gaps, what changed since a day and a deal's chances — routed to their tools with the arguments the
words give, answered from the tools' figures on the demo data, and with honest sentences on the
Maven export, which has no quotas, no contacts, no activities and no dated open deals."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.offline.conftest import Cast, World
from tests.offline.test_questions import called
from tools.manager import QuotaRiskQuery, quota_risk
from tools.viewer import Viewer

REP, MANAGER = "rep", "manager"

CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (MANAGER, "prep me for the forecast call", "forecast_call_prep", {}),
    (MANAGER, "forecast call prep since monday", "forecast_call_prep", {"since": "monday"}),
    (MANAGER, "what moved in commit since yesterday?", "forecast_call_prep", {"since": "yesterday"}),
    (MANAGER, "1:1 prep for {rep_short}", "one_on_one_prep", {"rep": "{rep}"}),
    (MANAGER, "prep me for my one-on-one with {rep}", "one_on_one_prep", {"rep": "{rep}"}),
    (MANAGER, "coaching topics for {rep}", "one_on_one_prep", {"rep": "{rep}"}),
    (REP, "prep for my 1:1 next quarter", "one_on_one_prep", {"period": "next quarter"}),
    (
        MANAGER,
        "who is at risk of missing their number this quarter",
        "quota_risk",
        {},
    ),
    (MANAGER, "which reps will fall short of quota?", "quota_risk", {}),
    (REP, "am I on pace to hit my number?", "quota_risk", {}),
    (
        MANAGER,
        "which of my deals have no economic buyer?",
        "qualification_scorecard",
        {"missing": "economic buyer"},
    ),
    (MANAGER, "deals without a champion", "qualification_scorecard", {"missing": "champion"}),
    (REP, "MEDDPICC scorecard for {account}", "qualification_scorecard", {"account": "{account}"}),
    (REP, "BANT gaps on my deals", "qualification_scorecard", {"methodology": "bant"}),
    (REP, "what changed since Monday", "pipeline_changes", {"since": "monday"}),
    (MANAGER, "what changed in my pipeline this week", "pipeline_changes", {}),
    (
        MANAGER,
        "what has changed in {rep}'s pipeline in the last 10 days",
        "pipeline_changes",
        {"since": "10 days ago", "owner": "{rep}"},
    ),
    (REP, "what changed since my last digest", "pipeline_changes", {"since": "my last digest"}),
    (REP, "what are my chances on the {account} deal?", "win_scores", {"account": "{account}"}),
    (REP, "win probability for {account}", "win_scores", {"account": "{account}"}),
    (REP, "win probability for deal {deal_id}", "win_scores", {"deal": "opportunity/{deal_id}"}),
]


def _persona(cast: Cast, persona: str) -> Viewer:
    return cast.rep if persona == REP else cast.manager


def _filled(cast: Cast, args: dict[str, Any]) -> dict[str, Any]:
    return {k: cast.fill(v) if isinstance(v, str) else v for k, v in args.items()}


@pytest.mark.parametrize(("persona", "question", "tool", "args"), CASES, ids=[c[1] for c in CASES])
def test_a_manager_question_calls_its_tool(
    demo: World, cast: Cast, persona: str, question: str, tool: str, args: dict[str, Any]
) -> None:
    answer = demo.ask(_persona(cast, persona), cast.fill(question))
    assert called(answer, tool, _filled(cast, args)), (answer.tool_calls, answer.answer)
    assert not answer.answer.lower().startswith(("error", "i can't", "sorry"))


def test_who_may_miss_their_number_names_exactly_the_reps_at_risk(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, "who's at risk of missing their number this quarter?")
    result = quota_risk(demo.repository, cast.manager, QuotaRiskQuery())
    at_risk = [r.rep for r in result.reps if r.status == "at_risk"]
    lines = [line for line in answer.answer.splitlines() if line.startswith("- ")]
    assert len(lines) == len(at_risk) > 0
    for rep, line in zip(at_risk, lines, strict=True):  # largest gap first, as the tool ranks them
        assert line.startswith(f"- **{rep}")
    for rep in (r for r in result.reps if r.status != "at_risk"):
        assert not any(line.startswith(f"- **{rep.rep}") for line in lines)


def test_one_on_one_prep_cites_the_playbook(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.manager, f"1:1 prep for {cast.rep.name}")
    assert "Pace to quota" in answer.answer and "Deals at risk" in answer.answer
    cited = re.findall(r"\[([a-z-]+\.md#[a-z0-9-]+)\]", answer.answer)
    assert cited and set(cited) <= set(answer.citations)


def test_a_rep_asking_about_a_stranger_is_told_no_such_person(demo: World, cast: Cast) -> None:
    answer = demo.ask(cast.rep, f"1:1 prep for {cast.stranger.name}")
    assert f'no person named "{cast.stranger.name}"' in answer.answer.replace("'", '"'), answer.answer
    assert "Pace to quota" not in answer.answer


#: Figures a data set cannot give are said in words, never shown as n/a or $0.
EMPTY = re.compile(r"\bn/a\b|(?<![\d,])\$0(?![\d,.])")


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("who is at risk of missing their number this quarter?", "No quota is recorded for 2017-Q4"),
        ("which of my deals have no economic buyer?", "is not recorded in this data"),
        ("MEDDPICC scorecard for my deals", "None of MEDDPICC's letters is recorded in this data"),
        ("prep me for the forecast call", "commit and best case for 2017-Q4 are empty"),
        ("1:1 prep for Corliss Cosme", "No quota is recorded for Corliss Cosme in 2017-Q4"),
    ],
)
def test_the_maven_export_gets_honest_sentences(maven: World, question: str, says: str) -> None:
    answer = maven.ask(maven.viewer("Cara Losch"), question)
    assert says in answer.answer, answer.answer
    assert EMPTY.search(answer.answer) is None, answer.answer
