"""Any measure, broken down, filtered, ranked, compared or taken as a share: the semantic layer's query.

"Won revenue by product this year", "which product converts best?", "who has the most open deals?",
"what share of our revenue comes from GTX Pro?", "bookings this quarter vs last quarter", "the team
average win rate": each is one ``query_metrics`` call composed from the reading of
:mod:`assistant.offline.measures` (measure, breakdown, ranking, comparison, share) and the names
and values the slot extractors found (rep or team, product, account, territory, region, industry,
segment, stage, amounts, period).

The phrasing counts only when the reading is specific enough that another intent would answer a
different question: a measure of closed, created or won deals, a rate, a size, a cycle; or any
measure with a breakdown the other tools do not offer, a ranking of groups, a comparison or a
share. "What's my pipeline?" stays with the pipeline summary, "how is Darcel doing?" with the
scorecard.

The answer is written by :mod:`assistant.offline.answers_measures`.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from assistant.offline.answers_measures import write
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.intents.knowledge import definition_term
from assistant.offline.intents.spec import IntentSpec, Phrasing, Rendering
from assistant.offline.measures import BOUGHT, COUNT, MONEY, NOT_YET, MetricReading, read_metric_question
from assistant.offline.members import MEMBER_SLOTS, compared_members, share_focus
from assistant.offline.record_filters import activity_kind
from assistant.offline.slots import NO_AMOUNT, RULES, one_period_a_year_back
from tools.errors import InputError
from tools.lexicon import Lexicon
from tools.semantic.measures import MEASURES
from tools.semantic.models import MetricResult
from tools.semantic.windows import asked, previous_window, year_earlier

#: Measures the other intents already answer well on their own (without a composition).
OPEN_MEASURES = frozenset({"open_pipeline", "open_deals", "weighted_pipeline"})
QUOTA_MEASURES = frozenset({"quota", "attainment", "coverage"})
#: Breakdowns the pipeline summary offers itself (``group_by`` there).
PIPELINE_GROUPS = frozenset({"stage", "rep", "product", "territory", "month"})
OPEN_WORD = re.compile(r"\b(?:still open|open|active|live)\b")
#: Slots whose query filter has another name.
SLOT_FILTERS = {"owner": "rep"}
#: The slot extractor's grouping words that the query names otherwise.
SLOT_GROUPS = {"owner": "rep"}


#: Measures a rep's scorecard answers as asked (with the fiscal year to date when no period is named).
SCORECARD_MEASURES = frozenset({"won_revenue", "won_deals", "win_rate", "average_deal_size"})
#: Questions about a definition, a method or advice are the playbook's or the metric registry's.
NOT_DATA = re.compile(
    r"\bplaybook\b|\bbest practices?\b|\bhow (?:should|do|can|would) (?:i|we)\b|\btips?\b|\badvice\b"
    # "what coverage should my team be targeting?", "what's a healthy win rate?": a norm, not a figure
    r"|\bshould (?:i|we|my team|the team|our team|they|reps) (?:be )?"
    r"(?:target(?:ing)?|aim(?:ing)? for|shoot(?:ing)? for)\b"
    r"|\bwhat(?:'s| is) (?:a )?(?:good|healthy|typical|normal|reasonable) (?:\w+ ){0,2}?"
    r"(?:rate|coverage|ratio|size|cycle)\b"
    r"|\bhow (?:do|does|did) you (?:calculate|compute|work out|measure|define)\b|\bdefin(?:e|ition)\b"
    r"|\bhow is .{0,30} (?:calculated|computed|measured|defined)\b|\bwhat does .{0,40} mean\b"
)
#: "accounts with no pipeline", "reps without deals": an absence is a search, not a measure.
ABSENT = re.compile(
    r"\b(?:no|without|zero|never|haven't|hasn't|don't|doesn't)\s+(?:\w+\s+){0,2}?(?:pipeline|deals?|opps?|opportunit)"
    r"(?!\w*\s+(?:values?|amounts?|sizes?)\b)"  # "no real deal value" is a missing amount
)
#: One deal named by its account ("the Oakridge Supply deal", "Oakridge Supply deal closing…").
ONE_DEAL = re.compile(
    r"(?:^|\b(?:the|this|that|our|my)\W+)(?:entaccount|entunknown)(?:\W+entproduct)?\W+(?:deal|opp|opportunity)\b(?!s)"
)
#: The forecast asked for by name, or two of its categories set side by side.
FORECAST_ASKED = re.compile(
    r"\bforecast\b(?! categor)|\b(?:commit|best[- ]case|upside)\b.{0,30}\b(?:vs\.?|versus|and|or|against)\s+"
    r"(?:the )?(?:commit|best[- ]case|upside)\b"
)
#: Won or lost what? A measure of deals needs a word about deals, money or customers.
SALES_OBJECT = re.compile(
    r"\b(?:deals?|opportunit(?:y|ies)|opps?|revenue|bookings?|booked|business|sales|sold|money|amount|value"
    r"|worth|quota|number|much|many|customers?|clients?|accounts?|products?|pipeline|rate|size|cycle|entproduct"
    r"|entaccount|entperson|entterritory|entregion|buys?|bought|purchased?|sell|sells|selling"
    r"|closed[- ](?:won|lost)|wins|losses)\b|\$"
)


#: "no activity in 30 days", "haven't touched": the stall rule's own wording about an absence.
NO_ACTIVITY = re.compile(next(pattern for pattern, rule in RULES if rule == "no_activity"))
BALANCE = re.compile(r"\b(?:balanced|unbalanced|imbalanced?|balance|evenly|fairly distributed|workloads?)\b")
#: Filters the scorecard (a rep or team, a period) and the pipeline summary (``DealFilter``) cannot take:
#: a question naming one of them is the metric query's, or its filter would be dropped silently.
#: Filters only the metric query takes (the kind of activity, a deal's age, its days in the stage).
ONLY_QUERIED = ("activity_type", "min_age_days", "max_age_days", "min_days_in_stage", "exclude")
NOT_ON_SCORECARD = (
    *ONLY_QUERIED,
    "product",
    "product_family",
    "account",
    "industry",
    "segment",
    "stage",
    "territory",
    "region",
    "country",
    "loss_reason",
    "min_amount",
    "max_amount",
    "without_amount",
)
NOT_ON_PIPELINE = (
    *ONLY_QUERIED,
    "industry",
    "segment",
    "region",
    "country",
    "without_amount",
    "loss_reason",
    "product_family",
)


def _dropped(slots: Slots | None, names: tuple[str, ...]) -> bool:
    return slots is not None and any(getattr(slots, name) is not None for name in names)


def decisive(reading: MetricReading, text: str, slots: Slots | None = None) -> bool:
    """Whether the reading asks for something only the metric query answers as asked.

    With the question's ``slots``, a comparison of two named periods and a filter the other
    tools cannot take count as well ("GTK 500 bookings this year", "did we win more in Q3 than Q2?").
    """
    if NOT_DATA.search(text) or definition_term(text) or ABSENT.search(text):
        return False
    if ONE_DEAL.search(text) and not re.search(r"\b(?:by|per|each)\b", text):
        return False  # "the Oakridge deal: how much is it, what stage?": that deal's details
    outcome_only = reading.measure.startswith(("won_", "lost_", "closed_"))
    # "which industries do we win most in?": a breakdown no other tool gives says it is about data
    queried_only = reading.group_by is not None and reading.group_by not in ("rep", "team", "deal")
    if (
        outcome_only
        and not SALES_OBJECT.search(text)
        and "implied measure" not in reading.signals
        and not queried_only
    ):
        return False
    if reading.measure.startswith("won_") and NOT_YET.search(text):
        return False  # "what else could we sell them?" is about what was not bought
    named = re.search(r"\bentaccount\b|\b(?:they|them|it)\b", text)
    if BOUGHT.search(text) and named and not {"compare", "share"} & set(reading.signals):
        return False  # "what did Acme buy?": its purchases, product by product
    if MONEY.search(text) is None and re.search(r"\bannual revenue\b", text):
        return False  # a company's own revenue is a fact about it, not our bookings
    if re.search(
        r"\bhow (?:big|large) (?:is|are) (?:entaccount|entunknown|they|it|the company|the account)\b", text
    ):
        return False  # "how big is Bramble Freight?": the company's size, not our deal size
    if re.search(r"\b(?:should (?:i|we)|(?:i|we) should) (?:close|mark|kill|drop|disqualify)\b", text):
        return False  # "any deals I should close out as lost?": the stale deals, not the losses
    if BALANCE.search(text):
        return False  # "are the territories balanced?": the workload balance, not one measure
    if reading.measure == "accounts":
        return reading.group_by is not None  # a plain count is the account search's ("24 accounts match")
    if (
        FORECAST_ASKED.search(text)
        and reading.group_by is None
        and reading.measure in OPEN_MEASURES | QUOTA_MEASURES
    ):
        return False  # "org forecast vs quota, what's the gap?", "commit vs best case": the forecast
    if reading.measure == "activities" and slots is not None and slots.rule:
        return False  # "which opps haven't had any activity in 30 days?": the stalled list
    if reading.unavailable:
        return True  # "pipeline by lead source": the query's answer says the data has none
    ranked = "ranking" in reading.signals and reading.group_by is not None
    compared = bool({"compare", "share"} & set(reading.signals)) or (
        slots is not None and bool(slots.compare)
    )
    composed = ranked or compared or reading.mean_of_groups or reading.then_by is not None
    if reading.measure in SCORECARD_MEASURES and reading.group_by is None and not composed:
        return _dropped(slots, NOT_ON_SCORECARD)
    if reading.measure in OPEN_MEASURES:
        if reading.group_by == "deal":
            return False  # the largest open deals are listed with their stage and close date
        return (
            composed
            or (reading.group_by is not None and reading.group_by not in PIPELINE_GROUPS)
            or _dropped(slots, NOT_ON_PIPELINE)
        )
    if reading.measure == "average_days_in_stage" and not re.search(
        r"\b(?:average|avg|mean|median|typical|typically|how long|how many days|longest|oldest|most|per|by)"
        r"\b",
        text,
    ):
        return False  # "deals stuck in stage": the stalled list, not a figure of days
    if reading.measure == "activities":
        # no other tool counts activities ("how many meetings has Jamie's team logged?"); an absence
        # of activity ("deals with no activity in 30 days") is the stalled list or the account search
        return not NO_ACTIVITY.search(text)
    if reading.measure in QUOTA_MEASURES:
        return composed or reading.group_by is not None
    return True


class _Decisive:
    def search(self, text: str, /) -> object:
        reading = read_metric_question(text)
        return reading is not None and decisive(reading, text)


#: Intents whose tool answers a measure only in its own shape: a decisive reading goes to the query.
REPLACEABLE = frozenset(
    {
        Intent.UNKNOWN,
        Intent.PERFORMANCE,
        Intent.PIPELINE,
        Intent.FORECAST,
        Intent.TOP_DEALS,
        Intent.WHITESPACE,
        Intent.ACCOUNTS,
        Intent.TERRITORY,
        Intent.TERRITORIES,
        Intent.ACCOUNT,
    }
)


def _home(measure: str) -> Intent:
    """The intent that answers a measure asked plainly ("what's my pipeline?", "my coverage")."""
    if measure in OPEN_MEASURES:
        return Intent.PIPELINE
    if measure in QUOTA_MEASURES:
        return Intent.FORECAST
    if measure in SCORECARD_MEASURES:
        return Intent.PERFORMANCE
    return Intent.MEASURE


#: The most groups one query returns (``top``'s bound).
MAX_GROUPS = 50
#: "total", "overall", "company-wide": the whole scope's figure, not a scorecard per rep.
WHOLE = re.compile(r"\b(?:total|overall|in total|altogether|combined|company[- ]wide|org[- ]wide|all up)\b")


def _for_a_group(frame: Frame, prepared: str, sees_company: bool) -> bool:
    """A scorecard measure asked of the whole: "total", or the company (a team's scorecards, one per
    rep, stay with the scorecard: a manager reads them side by side)."""
    if WHOLE.search(prepared):
        return True
    return sees_company and frame.slots.owner is None


def prefer_query(frame: Frame, prepared: str, sees_company: bool = False) -> None:
    """Give the question to the metric query when the chosen intent would drop part of it; give a
    question no phrasing claimed ("what have I got closing in March?") to its measure's own intent;
    and a quota measure read as a pipeline question to the forecast, which sets the two side by side."""
    if frame.intent is Intent.PURCHASES and frame.slots.period and frame.slots.account:
        # "how much have we won at Acme this year?": its won revenue in that period, by product
        frame.intent, frame.slots.measure, frame.slots.dimension = Intent.MEASURE, "won_revenue", "product"
        return
    aged = frame.slots.min_days_in_stage is not None or frame.slots.min_age_days is not None
    if frame.intent is Intent.STALLED and aged and frame.slots.rule in (None, "stage_age", "aged"):
        # "deals sitting in negotiation more than 3 weeks": the number asked for, not the stall rule's
        frame.intent, frame.slots.measure, frame.slots.dimension = Intent.MEASURE, "open_pipeline", "deal"
        frame.slots.also = ["average_days_in_stage"] if frame.slots.min_days_in_stage is not None else None
        return
    if frame.intent not in REPLACEABLE:
        return
    reading = read_metric_question(prepared)
    slots = frame.slots
    if slots.forecast_category and (slots.group_by or slots.dimension) and frame.intent is Intent.FORECAST:
        # "commit deals by rep": the forecast has no breakdown; the category's open pipeline, broken down
        frame.intent, slots.measure = Intent.MEASURE, slots.measure or "open_pipeline"
        return
    if reading is None and any(getattr(slots, name) is not None for name in ONLY_QUERIED):
        # "deals in proposal for over 30 days": the open deals, listed, with the filter applied
        frame.intent = Intent.MEASURE
        slots.measure, slots.dimension = (
            ("open_deals", None) if COUNT.search(prepared) else ("open_pipeline", "deal")
        )
        return
    if reading is None:
        if frame.slots.compare and frame.intent in (Intent.PERFORMANCE, Intent.UNKNOWN):
            frame.intent = Intent.MEASURE  # "how does Q4 compare with Q3?": bookings, side by side
            if frame.intent is Intent.MEASURE and not slots.measure:
                # "how am I doing vs last year?": the scorecard's two headline figures, side by side
                slots.measure, slots.also = "won_revenue", ["win_rate"]
        elif (
            frame.intent is Intent.UNKNOWN
            and frame.slots.period
            and (frame.about_me or frame.slots.owner or re.search(r"\b(?:team|we|us|our)\b", prepared))
        ):
            frame.intent = Intent.PERFORMANCE  # "one line on the team's Q4": how they did in it
        return
    if NOT_DATA.search(prepared):
        return
    if (
        reading.group_by == "deal"
        and reading.top is not None
        and reading.measure in OPEN_MEASURES
        and frame.intent in (Intent.ACCOUNT, Intent.UNKNOWN)
        and slots.account is None
    ):
        # "tell me about the biggest open deal on my team": the largest open deals, with their details
        frame.intent, frame.ambiguity = Intent.TOP_DEALS, None
        slots.limit = slots.limit or reading.top
        return
    if decisive(reading, prepared, frame.slots) or (
        reading.measure in SCORECARD_MEASURES
        and frame.intent in (Intent.PERFORMANCE, Intent.UNKNOWN, Intent.PIPELINE, Intent.TOP_DEALS)
        and _for_a_group(frame, prepared, sees_company)
        and not ABSENT.search(prepared)
    ):
        frame.intent = Intent.MEASURE
    elif (
        frame.intent is Intent.UNKNOWN
        or (
            # the pipeline answers for open deals only: won, lost or quota measures are answered elsewhere
            frame.intent in (Intent.PIPELINE, Intent.TOP_DEALS) and reading.measure not in OPEN_MEASURES
        )
        # "what's our quota attainment?": the forecast sets bookings against quota (or says there is none)
        or (frame.intent is Intent.PERFORMANCE and reading.measure in QUOTA_MEASURES and not slots.owner)
    ):
        frame.intent = _home(reading.measure)


def fill(slots: Slots, prepared: str) -> None:
    """Put the metric reading of the prepared question into the frame's slots."""
    if slots.without_amount:
        prepared = NO_AMOUNT.sub(" ", prepared)  # "missing a deal value" is a filter, not a measure
    reading = read_metric_question(prepared)
    if reading is None:
        return
    slots.measure = reading.measure
    if slots.without_amount and reading.measure == "open_pipeline":
        slots.measure = "open_deals"  # deals without an amount are counted: their sum is unknown
    slots.also = reading.also or None
    same_period = reading.compare == "last_year" and one_period_a_year_back(prepared)
    # "bookings the same quarter last year" names one period (the slot reader's), compared with nothing
    # two periods named ("Q3 vs Q3 last year") say themselves what is compared: the slot reader's
    slots.compare = slots.compare if same_period and not slots.compare else slots.compare or reading.compare
    slots.share = reading.share_of_total or None
    slots.mean_of_groups = reading.mean_of_groups or None
    slots.dimension = reading.group_by
    slots.then_by = reading.then_by
    if reading.measure == "activities":
        slots.activity_type = activity_kind(prepared)  # "how many meetings…": meetings only
        if slots.activity_type and "," in slots.activity_type and slots.dimension is None:
            slots.dimension = "activity_type"  # "calls + meetings": each kind, and the two together
    created = reading.measure in ("deals_created", "pipeline_created")
    if (slots.min_age_days or slots.min_days_in_stage) and created and OPEN_WORD.search(prepared):
        # "deals opened more than 3 months ago that are still open": the age is the filter, of open deals
        reading.measure = "open_deals" if COUNT.search(prepared) else "open_pipeline"
        slots.measure = reading.measure
    if (slots.min_age_days or slots.max_age_days or slots.min_days_in_stage) and (
        reading.measure in OPEN_MEASURES and reading.group_by is None and not COUNT.search(prepared)
    ):
        # "open deals older than 90 days": the deals themselves, listed with their amounts
        slots.measure, slots.dimension = "open_pipeline", "deal"
        if slots.min_days_in_stage is not None:
            slots.also = ["average_days_in_stage"]  # how long each has sat there
    slots.unavailable = reading.unavailable
    if reading.top is not None and slots.limit is None:
        slots.limit = reading.top
        slots.ranking = "bottom" if reading.order == "asc" else "top"
    elif reading.group_by is not None and reading.order == "asc":
        slots.ranking = "bottom"  # "who is behind on quota?": everyone, lowest first


def _is_manager(lexicon: Lexicon, name: str) -> bool:
    person = lexicon.person(name)
    return person is not None and person.detail == "manager"


def _person_filter(slots: Slots, lexicon: Lexicon) -> dict[str, str]:
    if slots.owner is None:
        return {}
    return {"team" if _is_manager(lexicon, slots.owner) else "rep": slots.owner}


#: Dimensions that name places, which one data set calls territories and another regions.
PLACES = frozenset({"territory", "region"})


def _one_member_of(group: str, filters: dict[str, Any]) -> bool:
    """Whether the filters keep a single member of the ``group`` dimension."""
    named = {dimension: filters.get(slot) for slot, dimension in MEMBER_SLOTS} | {
        "rep": filters.get("rep"),
        "team": filters.get("team"),
    }
    return bool(named.get(group))


def query_args(frame: Frame, lexicon: Lexicon) -> dict[str, Any]:
    """The ``query_metrics`` arguments for a frame.

    A share of one named member ("what share of bookings came from Cobalt Platform?") is asked as
    the breakdown by that member's dimension, so the share is of the whole, not of the member."""
    slots = frame.slots
    group = slots.dimension or (SLOT_GROUPS.get(slots.group_by, slots.group_by) if slots.group_by else None)
    focus = share_focus(slots)
    filters: dict[str, Any] = {slot: getattr(slots, slot) for slot, _ in MEMBER_SLOTS if slot != "owner"}
    filters |= _person_filter(slots, lexicon)
    compared = compared_members(slots)
    own_dimension = dict(MEMBER_SLOTS)[compared[0]] if compared is not None else None
    if compared is not None and (
        group is None or group == own_dimension or {group, own_dimension} == {"rep", "team"}
    ):
        # "compare her to Darcel" after the lowest win rate by rep: the two of them, side by side
        focus = (compared[0], compared[1][0])
    elif compared is not None and {group, dict(MEMBER_SLOTS)[compared[0]]} <= PLACES:
        # "bookings by regional office (Central / East / West)": the members of the breakdown
        # asked for, not a filter on the first of them
        filters.pop(compared[0], None)
    if focus is not None:
        group = dict(MEMBER_SLOTS)[focus[0]]
        filters.pop(focus[0], None)
        if focus[0] == "owner":
            filters.pop("rep", None)
            filters.pop("team", None)
            if compared is not None and all(_is_manager(lexicon, name) for name in compared[1]):
                group = "team"  # "my team vs Morgan's team": the teams side by side
    if slots.mean_of_groups and filters.get("rep") and group in (None, "rep"):
        # "Kenji's win rate vs the team average": every rep in scope, Kenji's row beside their mean
        filters.pop("rep")
        group = "rep"
    elif focus is None and group is not None and _one_member_of(group, filters):
        group = None  # "bookings by rep" then "what about Ruth": Ruth's figure, not a one-row table
    ranked = slots.limit is not None and group is not None and compared is None
    return given(
        measure=slots.measure or "won_revenue",
        also=slots.also,
        group_by=group,
        then_by=slots.then_by if group is not None and slots.then_by != group else None,
        **filters,
        activity_type=slots.activity_type,
        min_age_days=slots.min_age_days,
        max_age_days=slots.max_age_days,
        min_days_in_stage=slots.min_days_in_stage,
        exclude={SLOT_FILTERS.get(k, k): v for k, v in slots.exclude.items()} if slots.exclude else None,
        min_amount=slots.min_amount,
        max_amount=slots.max_amount,
        without_amount=slots.without_amount,
        period=slots.period,
        compare=slots.compare,
        # the mean over the groups takes every group in (the query shows as many as fit otherwise)
        top=slots.limit if ranked else MAX_GROUPS if slots.mean_of_groups and group else None,
        order="asc" if group is not None and slots.ranking == "bottom" else None,
        share_of_total=True if slots.share else None,
        above=slots.above if group is not None else None,
        below=slots.below if group is not None else None,
    )


def _compared_with(slots: Slots, lexicon: Lexicon) -> dict[str, Any]:
    """ "and vs Q2?" after Q3: the comparison the query makes when Q2 is the period before or the
    same period a year earlier; any other period is answered on its own (it says which)."""
    if not (slots.compare_to and slots.period):
        return {}
    try:
        asked_for = asked(slots.period, lexicon.as_of, lexicon.fy_start_month)
        other = asked(slots.compare_to, lexicon.as_of, lexicon.fy_start_month)
    except InputError:
        return {}
    if previous_window(asked_for, lexicon.fy_start_month) == other:
        return {"compare": "previous_period"}
    if year_earlier(asked_for, lexicon.fy_start_month) == other:
        return {"compare": "last_year"}
    return {"period": slots.compare_to}


def _route(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("query_metrics", {**query_args(frame, lexicon), **_compared_with(frame.slots, lexicon)})]


MEASURE = IntentSpec(
    Intent.MEASURE,
    example="Won revenue by product this year",
    route=_route,
    phrasings=(Phrasing(10, _Decisive()),),
    renders=(Rendering(MetricResult, write),),
    takes=frozenset({"person", "account", "territory", "product", "region"}),
    periodic=True,
)

SPECS = (MEASURE,)


#: "under 50% attainment", "win rate below 60%", "under 100 wins", "more than $1M booked": a
#: threshold on the measure of each group.
THRESHOLD = re.compile(
    r"\b(?:(under|below|less than|fewer than|lower than|<)|(over|above|more than|greater than|higher than"
    r"|at least|>))\s*\$?(\d[\d,]*(?:\.\d+)?)(?![\d,.])\s*(%|percent|k|m\b|mm|million)?"
    # "more than 120 days old", "over 3 weeks": an age or a duration, not a bound on the measure
    r"(?!\s*\+?\s*(?:days?|weeks?|wks?|months?|years?|yrs?|hours?)\b)"
)
#: "who booked over…", "reps with more than…": the groups are the subject of a money threshold.
GROUP_HAS = re.compile(
    r"\b(?:who|which \w+|anyone|anybody|reps|agents|accounts|customers|products|territories)\b.{0,25}"
    r"\b(?:booked|sold|won|closed|has|have|had|with)\s*$"
)
SCALES = {"k": 1_000, "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000}
#: Quota reached: "who has hit their number?", "reps that made quota", "already over quota".
HIT_QUOTA = re.compile(
    r"\b(?:hit|made|reached|exceeded|beat|beaten|over|above|achieved|blown past)\s+(?:their |his |her |the )?"
    r"(?:q[1-4] |quarterly |annual )?(?:quota|number|target)\b"
)


def threshold(frame: Frame, prepared: str) -> bool:
    """Read a threshold on the groups of a measure ("who's under 50% attainment?") into the frame:
    the measure asked of each rep (unless a breakdown is named), only those above or below it. The
    number is then not a deal amount."""
    slots = frame.slots
    found = THRESHOLD.search(prepared)
    if found is None and slots.measure == "attainment" and slots.owner is None and HIT_QUOTA.search(prepared):
        # "which reps have already hit their quota?": those at 100% or more
        slots.dimension = slots.dimension or "rep"
        slots.above, slots.below = 0.9999, None
        frame.intent = Intent.MEASURE
        return True
    if found is None or slots.measure is None or slots.owner is not None:
        return False
    measure = MEASURES.get(slots.measure)
    unit = measure.unit.value if measure is not None else None
    number = float(found[3].replace(",", ""))
    if (unit == "ratio") != (found[4] in ("%", "percent")):
        # "50% of quota" on a money measure, or "fewer than 10 closed" beside a win rate: a bound on
        # something else, which the query does not take (the groups are shown unbounded)
        return False
    if unit != "usd" and (found[4] in SCALES or "$" in found[0]):
        return False  # "deals over 100k we lost": an amount bounds the deals, not the count of them
    if found[4] in ("%", "percent"):
        number /= 100
    elif found[4]:
        number *= SCALES[found[4]]
    if unit == "usd" and not GROUP_HAS.search(prepared[: found.start()]):
        return False  # "bookings over 100k by rep": deals over 100k, unless the groups are the subject
    slots.dimension = slots.dimension or "rep"
    slots.above, slots.below = (None, number) if found[1] else (number, None)
    slots.min_amount = slots.max_amount = None
    frame.intent = Intent.MEASURE
    return True
