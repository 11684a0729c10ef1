"""Questions a manager runs the week on, and where deals are heading: forecast-call prep, 1:1 prep
for a rep, who is at risk of missing their number, qualification scorecards ("which of my deals
have no economic buyer?"), what changed in the pipeline since a day, and a deal's chances.

The day a "what changed" question starts from is read from its own words ("since Monday", "this
week", "since my last digest", "in the last 10 days"), the tool's default (a week ago) otherwise.
A qualification question names its methodology (BANT; MEDDPICC by default) and, asked about deals
*without* a letter ("no economic buyer", "missing a champion"), that letter.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from assistant.offline import answers_manager as answers
from assistant.offline import answers_outlook as outlook
from assistant.offline.calls import Call, deal_filters, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Rendering, phrasing
from tools.deals.changes import PipelineChanges
from tools.deals.win_scores import WinScores
from tools.lexicon import EntityKind, Lexicon
from tools.manager import ForecastCallPrep, OneOnOnePrep, QuotaPace, Scorecards

PEOPLE: frozenset[EntityKind] = frozenset({"person", "territory"})
DEAL_NAMES: frozenset[EntityKind] = frozenset({"person", "account", "territory", "product", "deal"})
WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
#: "since Monday", "since last week", "since my last digest", "since 2026-11-01", "in the last 10 days".
SINCE = re.compile(
    rf"\bsince (?P<day>(?:last )?(?:{WEEKDAYS})|last week|yesterday|(?:my )?last digest"
    r"|\d{4}-\d{2}-\d{2}|\d{1,3} days? ago)\b"
    r"|\b(?:in |over )?(?:the )?(?:last|past) (?P<days>\d{1,3}) days?\b"
    r"|\b(?P<week>this week|past week|last week|last 7 days)\b"
    r"|\b(?P<today>today|yesterday|overnight)\b"
)
#: A letter asked about as missing: "no economic buyer", "without a champion", "missing metrics".
LETTERS = {
    "economic buyer": r"economic buyers?|\beb\b|decision[- ]makers?|signers?",
    "champion": r"champions?",
    "metrics": r"metrics",
    "decision criteria": r"decision criteria",
    "decision process": r"decision process",
    "paper process": r"paper process|procurement",
    "identify pain": r"pain",
    "competition": r"competition|competitors?",
    "budget": r"budget",
    "authority": r"authority",
    "need": r"need",
    "timeline": r"timeline",
}
METHOD = r"\b(?:meddp?i?cc?|bant)\b"
LACKING = r"\b(?:no|without|missing|lacks?|lacking|haven't got|don't have|do not have|has no|have no)\b"


def since_of(question: str) -> str | None:
    """The day a "what changed" question starts from, in the words the tool takes."""
    found = SINCE.search(question.lower())
    if found is None:
        return None
    if found["day"]:
        return found["day"].removeprefix("my ").replace("last digest", "my last digest")
    if found["days"]:
        return f"{found['days']} days ago"
    if found["today"]:
        return "yesterday"
    return "last week"


def missing_letter(question: str) -> str | None:
    """The qualification letter a question asks about as missing, if any."""
    text = question.lower()
    for letter, words in LETTERS.items():
        if re.search(rf"{LACKING}(?:\s+\w+){{0,3}}?\s+(?:an? |the |any )?(?:{words})", text):
            return letter
    return None


def _person(frame: Frame) -> str | None:
    """The person a view is about: a name that matched no one in scope is placed as an account by
    the shared reader, but these views are only about people (the tool then says "no person named")."""
    return frame.slots.owner or frame.slots.account


def _forecast_call(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    since = since_of(frame.question)
    return [
        Call("forecast_call_prep", given(since=since, owner=_person(frame), territory=frame.slots.territory))
    ]


def _one_on_one(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("one_on_one_prep", given(rep=_person(frame), period=frame.slots.period))]


def _quota_risk(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots = frame.slots
    return [Call("quota_risk", given(owner=_person(frame), territory=slots.territory, period=slots.period))]


def _scorecard(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots = frame.slots
    method = "bant" if re.search(r"\bbant\b", frame.question.lower()) else None
    filters = {**deal_filters(slots), **given(deal=slots.deal, missing=missing_letter(frame.question))}
    return [Call("qualification_scorecard", {**filters, **given(methodology=method, limit=slots.limit)})]


def _changes(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots = frame.slots
    since = since_of(frame.question)
    return [Call("pipeline_changes", given(since=since, owner=slots.owner, territory=slots.territory))]


#: "the win probability on my biggest open deal": the largest deals, not the most at stake.
BIGGEST = re.compile(r"\b(?:biggest|largest|top|main)\b", re.I)


def _chances(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots = frame.slots
    by_size = slots.deal is None and BIGGEST.search(frame.question) is not None
    limit = slots.limit or (1 if by_size and not re.search(r"\bdeals\b", frame.question) else None)
    return [
        Call(
            "win_scores",
            {
                **deal_filters(slots),
                **given(deal=slots.deal, limit=limit, sort_by="amount" if by_size else None),
            },
        )
    ]


def _write_quota_risk(output: QuotaPace, answering: Answering) -> str:
    return answers.quota_risk(output, answering.args, answering.viewer)


def _write_one_on_one(output: OneOnOnePrep, answering: Answering) -> str:
    return answers.one_on_one(output, answering.viewer)


def _write_forecast_call(output: ForecastCallPrep, answering: Answering) -> str:
    return answers.forecast_call(output, answering.args, answering.viewer)


def _write_scorecard(output: Scorecards, answering: Answering) -> str:
    return answers.scorecard(output, answering.args, answering.viewer)


def _write_changes(output: PipelineChanges, answering: Answering) -> str:
    return outlook.pipeline_changes(output, answering.args, answering.viewer)


def _write_chances(output: WinScores, answering: Answering) -> str:
    return outlook.win_scores(output, answering.args, answering.viewer)


FORECAST_CALL = IntentSpec(
    Intent.FORECAST_CALL,
    example="Prep me for the forecast call",
    route=_forecast_call,
    renders=(Rendering(ForecastCallPrep, _write_forecast_call),),
    takes=PEOPLE,
    periodic=True,
    phrasings=(
        # the prep for it, not how to run one ("how should I run the forecast call?": the playbook)
        phrasing(
            10,
            r"^(?!.*\b(?:how (?:should|do|can|would|to)|what should (?:i|we) (?:cover|discuss|say|ask)"
            r"|best practices?|tips?|agenda|advice)\b)"
            r".*\b(?:forecast (?:call|meeting|review|sync|cadence)s?|commit (?:call|review))\b",
        ),
        # over "what moved" in general (the pipeline's changes): the forecast categories' moves
        phrasing(
            12,
            r"\bwhat (?:moved|changed|slipped) (?:in|out of|into) (?:my |our |the )?"
            r"(?:commit|best[- ]case)\b",
            r"\b(?:commit|best[- ]case) (?:changes|movements?|moves)\b",
        ),
    ),
)

ONE_ON_ONE = IntentSpec(
    Intent.ONE_ON_ONE,
    example="1:1 prep for Kenji",
    route=_one_on_one,
    renders=(Rendering(OneOnOnePrep, _write_one_on_one),),
    takes=frozenset({"person"}),
    periodic=True,
    phrasings=(
        phrasing(
            10,
            r"\b1 ?: ?1s?\b|\bone[- ]on[- ]ones?\b|\b1[- ]on[- ]1s?\b|\b1on1s?\b|\bone to ones?\b",
            r"\bcoaching (?:session|topics?|prep|notes|plan)\b|\bcoach entperson\b",
        ),
    ),
)

QUOTA_RISK = IntentSpec(
    Intent.QUOTA_RISK,
    example="Who is at risk of missing their number this quarter?",
    route=_quota_risk,
    renders=(Rendering(QuotaPace, _write_quota_risk),),
    takes=PEOPLE,
    periodic=True,
    phrasings=(
        phrasing(
            10,
            r"\b(?:miss|missing|misses|fall short of|falling short of|short of)\b.{0,25}"
            r"\b(?:number|numbers|quota|quotas|target|targets|plan)\b",
            r"\bpace (?:to|against|vs\.?) (?:quota|plan|target|number)\b",
            r"\bpacing\b|\bon pace\b|\bbehind pace\b",
            r"\brun[- ]rate (?:needed|required)\b",
            # "who on my team is most at risk of missing q4?": a person missing a period is their quota
            r"^(?=.*\b(?:who|reps?|anyone|anybody|people|sellers|aes)\b).*\b(?:miss|missing|misses)\b "
            r"(?:the |this |our |their |his |her )?(?:q[1-4]|quarter|year|month|h[12]|fy)\b",
        ),
    ),
)

QUALIFICATION = IntentSpec(
    Intent.QUALIFICATION,
    example="Which of my deals have no economic buyer?",
    route=_scorecard,
    renders=(Rendering(Scorecards, _write_scorecard),),
    takes=DEAL_NAMES,
    phrasings=(
        # the method named over data ("MEDDPICC scorecard for X", "BANT gaps"), not "how do I use BANT?"
        phrasing(
            10,
            rf"{METHOD}.{{0,25}}\b(?:scorecards?|scores?|gaps?|checks?|deals?|opps?|opportunit|pipeline)",
            rf"{METHOD}\s+(?:for|on|of)\s+(?:the |my |our )?(?:entaccount|entunknown|entperson|entproduct)",
            rf"\b(?:scorecards?|scores?|gaps?|checks?)\b.{{0,25}}{METHOD}",
            r"\bqualification (?:scorecards?|scores?|gaps?|checks?)\b",
        ),
        phrasing(
            10,
            rf"{LACKING}(?:\s+\w+){{0,3}}?\s+(?:an? |the |any )?(?:economic buyers?|\beb\b|champions?"
            r"|decision criteria|decision process|paper process)\b",
        ),
        phrasing(3, r"\bqualif(?:y|ied|ication)\b"),
    ),
)

CHANGES = IntentSpec(
    Intent.CHANGES,
    example="What changed in my pipeline since Monday?",
    route=_changes,
    renders=(Rendering(PipelineChanges, _write_changes),),
    takes=PEOPLE,
    phrasings=(
        # over the metric query's reading of the same words ("pipeline … this week" compared)
        phrasing(
            11,
            # "what moved the most?" ranks members by their change: the metric query's comparison
            r"\bwhat(?:'s| has| have)? (?:changed|moved|happened)\b(?! to\b)(?!\s+(?:the )?most\b)",
            r"\bchanges? (?:since|from|over|in (?:my |our |the )?(?:pipe|pipeline|book|forecast))\b",
            r"\bwhat(?:'s| is) new since\b|\bwhat(?:'s| is) different (?:since|from)\b",
            r"\bpipeline (?:changes|movement|waterfall)\b",
        ),
    ),
)

WIN_CHANCES = IntentSpec(
    Intent.WIN_CHANCES,
    example="What are my chances on the Cedar Works deal?",
    route=_chances,
    renders=(Rendering(WinScores, _write_chances),),
    takes=DEAL_NAMES,
    phrasings=(
        phrasing(
            9,
            r"\b(?:my|our|the|what are the) (?:chances?|odds)\b",
            r"\bwin (?:probabilit(?:y|ies)|prob|chances?|odds|likelihood|scores?)\b",
            r"\b(?:chances?|odds|likelihood|probability) (?:of|to|that (?:we|i)(?:'ll| will)?) "
            r"(?:win|close|closing|winning)\b",
            r"\bhow likely\b.{0,40}\b(?:win|close|closing)\b|\blikely to (?:win|close)\b",
        ),
    ),
)

SPECS = (FORECAST_CALL, ONE_ON_ONE, QUOTA_RISK, QUALIFICATION, CHANGES, WIN_CHANCES)
