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
from typing import Any, Literal

from assistant.offline.answers_measures import write
from assistant.offline.breakdowns import BREAKDOWN, DIMENSION_WORD, DIMENSIONS, GRAIN
from assistant.offline.calls import Call, given
from assistant.offline.comparisons import TOP_N
from assistant.offline.followup_words import CHANGE_DOWN, CHANGE_UP
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.intents.accounts import own_book
from assistant.offline.intents.spec import IntentSpec, Phrasing, Rendering
from assistant.offline.measure_lists import IN_MONEY
from assistant.offline.measure_words import COUNT
from assistant.offline.measures import read_metric_question
from assistant.offline.members import MEMBER_SLOTS, compared_members, share_focus
from assistant.offline.metric_claims import (
    ABSENT,
    NOT_DATA,
    ONLY_QUERIED,
    OPEN_MEASURES,
    QUOTA_MEASURES,
    SCORECARD_MEASURES,
    Decisive,
    decisive,
)
from assistant.offline.period_slots import one_period_a_year_back
from assistant.offline.record_filters import activity_kind, as_filter
from assistant.offline.slots import NO_AMOUNT
from assistant.offline.thresholds import HIT_QUOTA
from tools.errors import InputError
from tools.evidence import Unit
from tools.lexicon import Lexicon
from tools.semantic.measures import INSTALLED_BASE, MEASURES
from tools.semantic.models import MetricResult
from tools.semantic.windows import asked, previous_window, year_earlier

OPEN_WORD = re.compile(r"\b(?:still open|open|active|live)\b")
#: Slots whose query filter has another name.
SLOT_FILTERS = {"owner": "rep"}
#: The slot extractor's grouping words that the query names otherwise.
SLOT_GROUPS = {"owner": "rep"}


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


#: Words about risk: "the biggest stalled deal" is the stall list's, not the largest deal's.
STALL_WORDS = re.compile(r"\b(?:stall\w*|stuck|at[- ]risk|risk\w*|slipp\w*|dark|neglected|stale|quiet)\b")
#: "which …", "list", "show me": the records themselves are asked for.
LISTED = re.compile(r"\b(?:which|what|list|show(?: me)?)\b")
#: Members named that are not people: a scorecard (per rep) cannot be narrowed to them.
KINDS = ("product", "product_family", "industry", "segment", "country", "state", "city", "any_of")


#: "how's Cobalt Platform doing?", "how is healthcare trending": how something is going overall.
HOW_DOING = re.compile(
    r"\bhow(?:'s| is| are| has| have)\b.{0,40}\b(?:doing|going|performing|tracking|trending)\b"
    r"|\bperformance (?:in|of|for) |\b(?:performance|results) (?:this|last) "
)


#: "what does Jamie have closing", "what's she got due this month": the deals themselves.
OPEN_PIPE = re.compile(r"^\W*(?:(?:what(?:'s| is)|how much) (?:the )?)?(?:open )?(?:pipe|pipeline)\b")
CLOSING_DEALS = re.compile(r"\b(?:have|has|got)\b.{0,20}\b(?:closing|due|landing|coming in)\b")


def _kind_named(slots: Slots) -> bool:
    return slots.owner is None and any(getattr(slots, name) is not None for name in KINDS)


#: "overdue next steps": the stall rule's own words (a next step past its date counts too).
OVERDUE = re.compile(r"\b(?:overdue|past due|late|expired|stale)\b")


#: What an account search leaves out: a product they bought, their country.
SEARCH_EXCLUDES = frozenset({"product", "country"})


def _searched(slots: Slots) -> bool:
    """Whether the only filters of the query alone are exclusions the account search takes."""
    # "which accounts roll up to Golddex?": the search for its subsidiaries
    taken = ("exclude", "with_subsidiaries") if slots.account else ("exclude",)
    others = [name for name in ONLY_QUERIED if name not in taken and getattr(slots, name) is not None]
    return not others and set(slots.exclude or {}) <= SEARCH_EXCLUDES


#: Breakdowns over time, whose rows are shown in time order (never ranked unless asked).
TIME_GRAINS = frozenset({"day", "week", "month", "quarter", "year"})
#: "which country", "what product": the breakdown a question ranks.
#: Facts of a company named beside "revenue": then it is the company's revenue, not ours from it.
FACTS_LISTED = re.compile(r"\b(?:sector|industry|employees|headcount|hq|headquarters|parent|founded|size)\b")
WON_REVENUE = re.compile(r"\b(?:won|closed|booked|bookings|we|our|us|from them)\b")
WHICH_GROUP = re.compile(rf"\b(?:which|what) ({DIMENSION_WORD})\b")


def prefer_query(frame: Frame, prepared: str, sees_company: bool = False) -> None:
    """Give the question to the metric query when the chosen intent would drop part of it; give a
    question no phrasing claimed ("what have I got closing in March?") to its measure's own intent;
    and a quota measure read as a pipeline question to the forecast, which sets the two side by side."""
    own = frame.slots.account and frame.slots.measure == "won_revenue" and not frame.slots.period
    if own and FACTS_LISTED.search(prepared) and not WON_REVENUE.search(prepared):
        # "Kan-code - sector, employees, revenue": the company's own revenue among its facts
        frame.intent, frame.slots.measure = Intent.ACCOUNT_FACTS, None
        return
    grouped = frame.intent in (Intent.ACCOUNT_FACTS, Intent.PURCHASES) and frame.slots.with_subsidiaries
    if grouped and frame.slots.measure:
        # "total bookings for Acme incl its subsidiaries": a figure over the group, not the facts
        frame.intent = Intent.MEASURE
        return
    if frame.intent is Intent.PURCHASES and frame.slots.period and frame.slots.account:
        # "how much have we won at Acme this year?": its won revenue in that period, by product
        frame.intent, frame.slots.measure, frame.slots.dimension = Intent.MEASURE, "won_revenue", "product"
        return
    if frame.intent is Intent.FORECAST and frame.slots.compare and frame.slots.measure is None:
        # "how's q4 looking vs q3?": the two quarters' bookings side by side (a forecast is one period)
        frame.intent, frame.slots.measure = Intent.MEASURE, "won_revenue"
        return
    missing_step = frame.slots.missing == "next_step" and frame.slots.rule == "next_step"
    if (
        frame.intent is Intent.STALLED
        and missing_step
        and not OVERDUE.search(prepared)
        and COUNT.search(prepared)
    ):
        # "how many open deals have no next step": those with none recorded, counted exactly (the stall
        # rule, which lists the deals to act on with the playbook's advice, also flags overdue ones)
        frame.intent, frame.slots.rule, frame.slots.measure = Intent.MEASURE, None, "open_deals"
        return
    if frame.intent is Intent.STALLED and missing_step and not OVERDUE.search(prepared) and not frame.advice:
        # "which of my open deals have no next step", "open deals over 20k in proposal with no next
        # step": exactly those with none recorded, listed (the stall rule would add the ones whose next
        # step is overdue)
        frame.intent, frame.slots.rule, frame.slots.measure = Intent.MEASURE, None, "open_pipeline"
        frame.slots.dimension = frame.slots.dimension or "deal"
        return
    ranked_people = frame.slots.dimension in ("rep", "team") and frame.slots.ranking is not None
    if frame.intent is Intent.STALLED and ranked_people and frame.slots.rule in ("past_close", "no_activity"):
        # "which rep has the most deals past their close date?": the reps counted, most first (the
        # stall list is of deals)
        frame.intent, frame.slots.measure = Intent.MEASURE, frame.slots.measure or "open_deals"
        return
    grouped = frame.slots.dimension not in (None, "rep", "team", "deal", "account", "parent_account")
    if frame.intent is Intent.STALLED and grouped and frame.slots.rule and as_filter(frame.slots):
        # "open deals with no activity in 30+ days - how many per stage": those deals, by stage (the
        # stall list is by owner)
        frame.intent, frame.slots.also = Intent.MEASURE, None
        frame.slots.measure = "open_deals" if COUNT.search(prepared) else "open_pipeline"
        return
    if frame.intent is Intent.STALLED and frame.slots.min_pushes:
        # "deals pushed 3+ times": exactly as often as asked (the stall rule's own count is fixed)
        counted = COUNT.search(prepared) is not None
        frame.intent, frame.slots.rule = Intent.MEASURE, None
        frame.slots.measure = "open_deals" if counted else "open_pipeline"
        asked = read_metric_question(prepared)
        if asked is not None and asked.measure in OPEN_MEASURES:
            frame.slots.measure, frame.slots.also = asked.measure, asked.also or None  # "…and the pipe"
        frame.slots.dimension = frame.slots.dimension or (None if counted or frame.slots.group_by else "deal")
        return
    aged = frame.slots.min_days_in_stage is not None or frame.slots.min_age_days is not None
    if frame.intent is Intent.STALLED and aged and frame.slots.rule in (None, "stage_age", "aged"):
        # "deals sitting in negotiation more than 3 weeks": the number asked for, not the stall rule's;
        # "how many …" counts them, with what they are worth
        whose = WHOSE_DEALS.search(prepared) is not None
        if COUNT.search(prepared) or whose:
            # "which of my reps have deals stuck in Engaging over 30 days": each rep's, counted
            frame.intent, frame.slots.measure, frame.slots.also = (
                Intent.MEASURE,
                "open_deals",
                ["open_pipeline"],
            )
            if whose:
                frame.slots.dimension, frame.slots.min_records = "rep", 1  # those with none are not listed
            return
        frame.intent, frame.slots.measure, frame.slots.dimension = Intent.MEASURE, "open_pipeline", "deal"
        frame.slots.also = ["average_days_in_stage"] if frame.slots.min_days_in_stage is not None else None
        return
    if frame.intent is Intent.STALLED and frame.slots.rule is None and not STALL_WORDS.search(prepared):
        largest = read_metric_question(prepared)
        if (
            largest is not None
            and largest.group_by == "deal"
            and largest.top
            and largest.measure in OPEN_MEASURES
        ):
            # "my biggest open opp: where's it at, what should I do next?": that deal, not the riskiest
            frame.intent, frame.ambiguity = Intent.TOP_DEALS, None
            frame.slots.limit = frame.slots.limit or largest.top
            return
    if frame.intent is Intent.QUOTA_RISK and frame.slots.dimension not in (None, "rep", "team"):
        # "H2 bookings by region + how is each region pacing vs quota": pace is per rep; by region,
        # the bookings and attainment of each
        frame.intent = Intent.MEASURE
        frame.slots.measure = frame.slots.measure or "attainment"
        if frame.slots.measure != "attainment" and "attainment" not in (frame.slots.also or []):
            frame.slots.also = [*(frame.slots.also or []), "attainment"]
        return
    if (
        frame.intent is Intent.PERFORMANCE
        and frame.slots.measure in OPEN_MEASURES
        and (frame.slots.owner is not None or frame.slots.territory is not None)
        and (CLOSING_DEALS.search(prepared) or OPEN_PIPE.search(prepared))
        and not HOW_DOING.search(prepared)
    ):
        # "what does Jamie have closing this quarter?", "open pipe for the Central office": the deals
        # open there, not a scorecard of bookings
        frame.intent = Intent.PIPELINE
        return
    if frame.intent not in REPLACEABLE:
        return
    reading = read_metric_question(prepared)
    slots = frame.slots
    if slots.forecast_category and (slots.group_by or slots.dimension) and frame.intent is Intent.FORECAST:
        # "commit deals by rep": the forecast has no breakdown; the category's open pipeline, broken down
        frame.intent, slots.measure = Intent.MEASURE, slots.measure or "open_pipeline"
        return
    doing = frame.intent in (Intent.PERFORMANCE, Intent.PIPELINE) and bool(HOW_DOING.search(prepared))
    if frame.intent is Intent.ACCOUNTS and reading is None and _searched(slots):
        return  # "customers on Cobalt but not Security Shield", "accounts outside the US": a search
    if (
        reading is None
        and any(getattr(slots, name) is not None for name in ONLY_QUERIED)
        and not (doing and _kind_named(slots))
    ):
        # "deals in proposal for over 30 days": the open deals, listed, with the filter applied
        frame.intent = Intent.MEASURE
        which = WHICH_GROUP.search(prepared)
        if which is not None and DIMENSIONS.get(which[1]) not in (None, "deal"):
            # "which country is biggest outside us?": that breakdown, ranked, of the thread's measure
            slots.dimension, frame.implied = DIMENSIONS[which[1]], True
            slots.limit = slots.limit or (1 if slots.ranking else None)
            return
        slots.measure, slots.dimension = (
            ("open_deals", None) if COUNT.search(prepared) else ("open_pipeline", "deal")
        )
        return
    if reading is None:
        if _kind_named(slots) and doing:
            # "how is healthcare doing?", "how are we doing in Texas?": the scorecard is per person, so
            # its headline figures for those records, against the period before
            frame.intent, slots.measure, slots.also = Intent.MEASURE, "won_revenue", ["win_rate"]
            slots.period = slots.period or "this quarter"
            slots.compare = slots.compare or ("previous_period" if not slots.compare_to else None)
        elif frame.slots.compare and frame.intent in (Intent.PERFORMANCE, Intent.UNKNOWN):
            frame.intent = Intent.MEASURE  # "how does Q4 compare with Q3?": bookings, side by side
            # ("and Q4 vs Q3?" goes on with the thread's own measure)
            if frame.intent is Intent.MEASURE and not slots.measure and not re.match(r"\W*and\b", prepared):
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
        and (frame.intent in (Intent.ACCOUNT, Intent.UNKNOWN))
        and slots.account is None
    ):
        # "tell me about the biggest open deal on my team": the largest open deals, with their details
        frame.intent, frame.ambiguity = Intent.TOP_DEALS, None
        slots.limit = slots.limit or reading.top
        return
    if (
        slots.others
        and frame.intent in (Intent.PIPELINE, Intent.PERFORMANCE)
        and slots.others_slot != "owner"
    ):
        # "east enterprise vs east commercial - open pipe and weighted": the two side by side
        frame.intent = Intent.MEASURE
    elif decisive(reading, prepared, frame.slots) or (
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


#: "which of my reps have deals…", "who has deals…": the people holding the deals, not the deals.
WHOSE_DEALS = re.compile(
    r"\b(?:which|what) (?:of (?:my|our|the) )?(?:reps|sellers|people|aes|agents)\b"
    r"|^\W*who(?:'s| has| have| is)\b"
)
#: "and who won it?", "who owns them", "with their owners": the people behind the deals listed.
WHO_HAD_IT = re.compile(
    r"\bwho (?:won|owns|owned|closed|sold|lost|has|had|brought in|booked|runs|ran) "
    r"(?:it|that|them|those|each|that one|these)\b|\bwith (?:the(?:ir)? )?owners?\b|\band whose\b"
)


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
    slots.versus_rest = reading.versus_rest or None
    slots.versus_all = reading.versus_all or None
    slots.mean_of_groups = reading.mean_of_groups or None
    slots.both_ends = reading.both_ends
    if slots.both_ends:
        slots.limit = slots.ranking = None  # "top 3 / bottom 3": every group, both ends shown
    # "what did I win in sept vs oct vs nov": each month named, not the deals of all three
    by_grain = slots.dimension in TIME_GRAINS and reading.group_by in (None, "deal")
    slots.dimension = slots.dimension if by_grain else reading.group_by
    if slots.without_amount and slots.dimension == "deal" and not LISTED.search(prepared):
        slots.dimension = None  # "open opps missing a deal value": counted (their sum is unknown)
    slots.then_by = reading.then_by
    if slots.dimension == "deal" and slots.then_by is None and WHO_HAD_IT.search(prepared):
        slots.then_by = "rep"  # "biggest deal we won in healthcare, and who won it?": each with its owner
    if reading.measure == "activities":
        slots.activity_type = activity_kind(prepared)  # "how many meetings…": meetings only
        if slots.activity_type and "," in slots.activity_type and slots.dimension is None:
            slots.dimension = "activity_type"  # "calls + meetings": each kind, and the two together
        elif slots.activity_type and "," in slots.activity_type and slots.then_by is None:
            slots.then_by = "activity_type"  # "calls, meetings and emails by rep": each kind per rep
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
    if slots.missing and slots.dimension is None and LISTED.search(prepared):
        # "which of my open deals have no account?": those deals, listed with their amounts
        slots.dimension, slots.measure = "deal", IN_MONEY.get(slots.measure or "", slots.measure)
    if reading.top is not None and slots.limit is None:
        slots.limit = reading.top
        slots.ranking = "bottom" if reading.order == "asc" else "top"
    elif reading.group_by is not None and reading.order == "asc":
        slots.ranking = "bottom"  # "who is behind on quota?": everyone, lowest first
    order = SORT_ASKED.search(prepared)
    if order and slots.dimension is not None:
        # "best to worst", "fastest first", "lowest first": the order asked, every group shown
        first = order["first"] or order["start"]
        days = (slots.measure or "") in DAY_MEASURES
        low = first in LOW_FIRST or (days and first in FAST) or (not days and first in SLOW_IS_LOW)
        slots.ranking, slots.limit = (
            ("bottom" if low else "top"),
            (slots.limit if not order["start"] else None),
        )
    if (
        slots.limit == 1
        and slots.ranking
        and slots.dimension not in (None, "deal")
        and (BREAKDOWN.search(prepared) or GRAIN.search(prepared))
        and not TOP_N.search(prepared)
    ):
        # "monthly won revenue - which month was best?", "by rep - who's lowest?": the breakdown asked
        # for, every group, with the one at the top (or the bottom) named; months stay in their order
        slots.call_out, slots.limit = slots.ranking, None
        if slots.dimension in TIME_GRAINS:
            slots.ranking = None
    moved: Literal["down", "up"] | None = (
        "down" if CHANGE_DOWN.search(prepared) else "up" if CHANGE_UP.search(prepared) else None
    )
    if moved and slots.compare and slots.dimension:
        # "Q3 vs Q2 bookings per rep, who dropped off the most?": every rep, ranked by the change
        slots.by_change, slots.limit, slots.ranking = moved, None, None


#: An order asked in words: "best to worst", "fastest first", "lowest first", "in descending order".
SORT_ASKED = re.compile(
    r"\b(?P<start>best|worst|highest|lowest|most|least|biggest|smallest|largest|fastest|slowest|quickest"
    r"|shortest|longest|top|bottom) to (?:worst|best|lowest|highest|least|most|smallest|biggest|slowest"
    r"|fastest|longest|shortest|bottom|top)\b"
    r"|\b(?P<first>best|worst|highest|lowest|most|least|biggest|smallest|largest|fastest|slowest|quickest"
    r"|shortest|longest) (?:first|on top|at the top)\b"
)
LOW_FIRST = frozenset({"worst", "lowest", "least", "smallest", "bottom"})
#: For a measure in days, fast is few days; for any other, "slowest" reads as the lowest.
FAST = frozenset({"fastest", "quickest", "shortest"})
SLOW_IS_LOW = frozenset({"slowest"})
DAY_MEASURES = frozenset(
    {
        "average_sales_cycle",
        "median_sales_cycle",
        "average_lost_cycle",
        "average_days_in_stage",
        "average_deal_age",
    }
)


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
    member = named.get(group)
    # "prospecting vs engaging": several stages in one filter are still each a row of the breakdown
    return bool(member) and not (isinstance(member, str) and "," in member)


def query_args(frame: Frame, lexicon: Lexicon) -> dict[str, Any]:
    """The ``query_metrics`` arguments for a frame.

    A share of one named member ("what share of bookings came from Cobalt Platform?") is asked as
    the breakdown by that member's dimension, so the share is of the whole, not of the member.
    A stall rule the query can filter by is its filter ("the most open deals with pushed close
    dates": deals pushed at least once), never dropped."""
    slots = frame.slots.model_copy()
    if slots.rule is not None:
        as_filter(slots)
    group = slots.dimension or (SLOT_GROUPS.get(slots.group_by, slots.group_by) if slots.group_by else None)
    focus = share_focus(slots)
    filters: dict[str, Any] = {slot: getattr(slots, slot) for slot, _ in MEMBER_SLOTS if slot != "owner"}
    filters |= _person_filter(slots, lexicon)
    own = own_book(frame.question.lower(), lexicon)
    if slots.measure in INSTALLED_BASE and not filters.get("rep") and own:
        # "how much ARR are my accounts carrying?": the accounts the rep owns, not every one they sell into
        filters["rep"] = lexicon.viewer.name
    if slots.with_subsidiaries and filters.get("account"):
        # "Acme incl. its subsidiaries": the group the account heads
        filters["parent_account"] = filters.pop("account")
    compared = compared_members(slots)
    own_dimension = dict(MEMBER_SLOTS)[compared[0]] if compared is not None else None
    beside: dict[str, list[str]] = {}
    if compared is not None and (
        group is None or group == own_dimension or {group, own_dimension} == {"rep", "team"}
    ):
        # "compare her to Darcel" after the lowest win rate by rep: the two of them, side by side
        focus = (compared[0], compared[1][0])
    elif compared is not None and {group, dict(MEMBER_SLOTS)[compared[0]]} <= PLACES:
        # "bookings by regional office (Central / East / West)": the members of the breakdown
        # asked for, not a filter on the first of them
        filters.pop(compared[0], None)
    elif compared is not None and own_dimension not in (None, "rep") and not slots.then_by:
        # "vs GTX Pro" after MG Advanced's deal size by region: each region, the two products in it
        filters.pop(compared[0], None)
        beside = {own_dimension: compared[1]}
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
    measure = slots.measure or "won_revenue"
    if measure == "accounts" and group in ("product", "product_family"):
        # "number of accounts per product": the accounts that own each product (the installed base)
        measure = "active_products"
    if group == "deal" and measure in IN_MONEY and not slots.also:
        # "which open deals have been pushed 2+ times": each deal counts one, so its amount is shown
        measure = IN_MONEY[measure]
    # the bottom of a sum over reps: every rep, so those with none are said apart from the lowest
    # who have some ("bottom 5?" after the top 5 by bookings)
    summed = measure in MEASURES and MEASURES[measure].unit is Unit.USD and MEASURES[measure].additive
    bottom_of_people = (
        ranked
        and slots.ranking == "bottom"
        and (slots.limit or 0) > 1
        and group in ("rep", "team")
        and summed
    )
    # "how much is that worth" after deals counted with their pipeline: the pipeline once, not twice
    also = [m for m in slots.also or [] if m != measure] or None
    if measure == "attainment" and group is None and not also:
        # "what did i close in q2 vs my quota": the percentage, with what was booked and the quota
        also = ["won_revenue", "quota"]
    return given(
        measure=measure,
        also=also,
        group_by=group,
        then_by=next(iter(beside), None)
        or (slots.then_by if group is not None and slots.then_by != group else None),
        **filters,
        activity_type=slots.activity_type,
        min_age_days=slots.min_age_days,
        max_age_days=slots.max_age_days,
        min_days_in_stage=slots.min_days_in_stage,
        # "open deals with no activity in 60 days": as many days as said
        inactive_days=slots.inactive_days if slots.rule == "no_activity" else None,
        past_due=True if slots.rule == "past_close" else None,  # "who has the most past due deals?"
        exclude={SLOT_FILTERS.get(k, k): v for k, v in slots.exclude.items()} if slots.exclude else None,
        any_of={**(slots.any_of or {}), **beside} or None,
        each_of=slots.each_of,
        min_pushes=slots.min_pushes,
        max_pushes=slots.max_pushes,
        min_amount=slots.min_amount,
        max_amount=slots.max_amount,
        without_amount=slots.without_amount,
        min_employees=slots.min_employees,
        max_employees=slots.max_employees,
        min_annual_revenue=slots.min_revenue,
        max_annual_revenue=slots.max_revenue,
        missing=slots.missing,
        min_records=slots.min_records if group is not None else None,
        period=slots.period,
        date_field=slots.date_field,
        compare=slots.compare,
        # every group, when the mean over them is asked or named members are picked from them
        top=MAX_GROUPS
        if bottom_of_people
        else slots.limit
        if ranked
        else MAX_GROUPS
        if (slots.mean_of_groups or compared or slots.both_ends) and group and group not in TIME_GRAINS
        else None,
        order="asc" if group is not None and slots.ranking == "bottom" else None,
        share_of_total=True if slots.share else None,
        above=slots.above if group is not None else None,
        below=slots.below if group is not None else None,
    )


def _compared_with(slots: Slots, lexicon: Lexicon) -> dict[str, Any]:
    """ "and vs Q2?" after Q3, "Q3 vs Q1": the period before or the same period a year earlier when
    the other period is one of those, else the other period itself, named."""
    if not (slots.compare_to and slots.period):
        return {}
    try:
        asked_for = asked(slots.period, lexicon.as_of, lexicon.fy_start_month)
        other = asked(slots.compare_to, lexicon.as_of, lexicon.fy_start_month)
    except InputError:
        return {}
    later, earlier = slots.period, slots.compare_to
    if asked_for.start is not None and other.start is not None and other.start > asked_for.start:
        # "Q3, then Q4: who grew the most?": the later period set against the earlier one
        asked_for, other, later, earlier = other, asked_for, earlier, later
    moved = {"period": later} if later != slots.period else {}
    if previous_window(asked_for, lexicon.fy_start_month) == other:
        return moved | {"compare": "previous_period"}
    if year_earlier(asked_for, lexicon.fy_start_month) == other:
        return moved | {"compare": "last_year"}
    return moved | {"compare": earlier}


def _route(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    args = {**query_args(frame, lexicon), **_compared_with(frame.slots, lexicon)}
    if (
        args.get("measure") == "attainment"
        and args.get("group_by") == "rep"
        and args.get("order") == "asc"
        and HIT_QUOTA.search(frame.question.lower())
    ):
        # "how many reps hit their number, and who missed by the most?": everyone, furthest below
        # first, and those at 100% or more, counted
        reached = {key: value for key, value in args.items() if key != "order"} | {"above": 0.9999}
        return [Call("query_metrics", args), Call("query_metrics", reached)]
    sized = next((key for key in ("min_employees", "min_annual_revenue") if args.get(key) is not None), None)
    if frame.slots.versus_rest and sized is not None and "group_by" not in args:
        # "more than 5000 employees vs smaller ones": the accounts below the bound, beside
        rest = {key: value for key, value in args.items() if key != sized}
        rest[sized.replace("min_", "max_")] = args[sized] - 1
        return [Call("query_metrics", args), Call("query_metrics", rest)]
    member = next((slot for slot in REST_OF if args.get(slot) is not None), None)
    if frame.slots.versus_all and member is not None and "group_by" not in args:
        # "avg deal size in retail vs overall": that member's figure, then everyone's
        whole = {key: value for key, value in args.items() if key != member}
        return [Call("query_metrics", args), Call("query_metrics", whole)]
    if frame.slots.versus_rest and member is not None and "group_by" not in args:
        # "win rate on GTK 500 vs everything else": that product's figure, then everything but it
        rest = {key: value for key, value in args.items() if key != member}
        rest["exclude"] = {**(args.get("exclude") or {}), member: args[member]}
        return [Call("query_metrics", args), Call("query_metrics", rest)]
    return [Call("query_metrics", args)]


#: Filters "everything else" can leave out (the query's exclude takes them).
REST_OF = (
    *("product", "product_family", "industry", "segment", "country", "state", "city", "region"),
    *("territory", "account", "stage", "rep", "team"),
)


MEASURE = IntentSpec(
    Intent.MEASURE,
    example="Won revenue by product this year",
    route=_route,
    phrasings=(Phrasing(10, Decisive()),),
    renders=(Rendering(MetricResult, write),),
    takes=frozenset({"person", "account", "territory", "product", "region"}),
    periodic=True,
)

SPECS = (MEASURE,)
