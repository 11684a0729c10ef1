"""Follow-ups about the set of records the previous answer listed: "do any of those have open
deals?", "win rate at each?", "which of them still have ARR left?" after the top 5 accounts.

Carrying the previous question's filters (:mod:`assistant.offline.followups`) reaches the same
records only when the answer showed all of them. A list the asker cut ("the top 5 accounts by
churned ARR") is a handful of members out of many, and "those" means that handful: the members
are read back from the answer (:func:`assistant.offline.listed.rows`) and kept with the metric
query's ``any_of`` filter, broken down by them so each gets its own figure, a zero included.
"""

from __future__ import annotations

import re

from assistant.offline.followup_words import SORTED_BY
from assistant.offline.frame import Ambiguity, Frame, Intent, Slots
from assistant.offline.intents.registry import spec_for
from assistant.offline.listed import CUT, RECORD_IN_ROW, rows, single_row
from assistant.offline.measure_lists import IN_MONEY
from assistant.offline.members import MEMBER_SLOTS
from assistant.offline.metric_claims import OPEN_MEASURES
from assistant.offline.record_filters import as_filter
from assistant.offline.thresholds import fewest_records
from tools.semantic.measures import INSTALLED_BASE

#: "those", "them", "each", "any of these": the records of the previous answer, all of them
#: ("both X and Y" joins two names and points at nothing).
SET_WORDS = re.compile(
    r"\b(?:those|these|them|they|their|theirs|each|every one|all \d+|both(?![^?.,;]*\band\b))\b"
    r"(?! (?:days?|weeks?|months?|years?)\b)",
    re.I,
)
#: What each kind of listed record is filtered by in the metric query.
FIELD_OF_KIND = {"account": "account", "user": "rep", "territory": "territory", "opportunity": "deal"}
#: Breakdowns whose table rows name members a filter can keep (a month or a stage bucket cannot).
MEMBER_FIELDS = frozenset({dimension for _, dimension in MEMBER_SLOTS} | {"deal", "team", "parent_account"})
#: Answers that are lists of records: what "those" after them means.
LISTS = (Intent.TOP_DEALS, Intent.ACCOUNTS, Intent.STALLED, Intent.WHITESPACE, Intent.ROSTER)
#: A pronoun for a person or a company, not for deals ("and their open deals?" after a rep's forecast).
PERSONAL = re.compile(r"\b(?:they|their|theirs)\b", re.I)
#: Measures not dated by a period: a list's period does not carry into them.
UNDATED = OPEN_MEASURES | INSTALLED_BASE
#: The most members a set carries (the metric query's limit).
MOST = 50
#: Intents a question about the set is answered with the metric query in place of, and the measure
#: each means: "do any of those have open deals?" is their open pipeline, "how much did they buy?"
#: their bookings.
MEASURED_AS = {
    Intent.MEASURE: None,
    Intent.PIPELINE: "open_pipeline",
    Intent.TOP_DEALS: "open_pipeline",
    Intent.PERFORMANCE: "won_revenue",
    Intent.PURCHASES: "won_revenue",
}


def _reference_in(name: str) -> str:
    """A table row's record by its reference when it shows one ("Acme - Core [opportunity/7]"): names
    of deals repeat, references do not."""
    found = RECORD_IN_ROW.search(name)
    return f"{found[1]}/{found[2]}" if found else name


def listed_set(previous: Frame, answer: str, first: bool = False) -> tuple[str, list[str]] | None:
    """The filter and member names of the records ``answer`` (the previous frame's) listed, when
    they are the whole set it was about (or, ``first``, when the question is about the first few
    it showed: "the top 3")."""
    # "how much were those lost deals worth" after the one product that loses most often: that one
    fewest = 1 if previous.slots.limit == 1 and previous.slots.ranking else 2
    one = single_row([answer]) if fewest == 1 else None
    shown = rows(answer) or ([one] if one is not None else [])
    kinds = {row.kind for row in shown}
    if not fewest <= len(shown) <= MOST or len(kinds) != 1:
        return None
    kind = kinds.pop()
    field = previous.slots.dimension if kind == "row" else FIELD_OF_KIND.get(kind)
    if field not in MEMBER_FIELDS or previous.slots.then_by:
        return None
    if kind != "row" and previous.intent not in LISTS and previous.slots.dimension != field:
        return None  # deals a forecast or a scorecard names by the way are not what it was about
    # the records named are the whole set, whatever a list of more said before them ("top 10 accounts
    # by headcount and how much we've won from each": "showing 10 of 85", then those 10's bookings)
    if previous.slots.limit is None and not previous.slots.any_of and CUT.search(answer) and not first:
        return None
    # a deal by its reference (names repeat: "Acme - Core" twice); "(no account)" is no member
    names = [
        row.ref if kind == "opportunity" else _reference_in(row.name)
        for row in shown
        if not row.name.startswith("(")
    ]
    return (field, names) if len(names) >= fewest else None


#: "w/ their win rates", "and their total $", "plus their quota": another figure beside the one shown.
WITH_THEIR = re.compile(
    r"^\W*(?:and |\+ ?)?(?:with|w/|plus|incl(?:uding)?|add|along with|and) (?:their|the|its|each one's)\b",
    re.I,
)
#: What the account list shows of each account: "who owns them?", "what industry are they in?".
ACCOUNT_FACTS = re.compile(
    r"\bwho (?:owns|covers|handles|manages|has)\b|\bowners?\b|\bindustr(?:y|ies)\b|\bsectors?\b"
    r"|\bverticals?\b|\bsegments?\b|\bhow big\b|\bemployees\b|\bheadcount\b|\bwhere\b|\bbased\b"
    r"|\blocated\b|\bterritor(?:y|ies)\b|\btiers?\b"
    # "whats their annual revenue", "how old are they", "any of them with a parent?"
    r"|\bannual revenue\b|\brevenues?\b|\bturnover\b|\bsizes?\b|\bfounded\b|\bestablished\b"
    r"|\bparents?\b|\bcountr(?:y|ies)\b|\bcit(?:y|ies)\b",
    re.I,
)
#: "who owns them?", "whose are they?": the owner of each record listed.
OWNERS = re.compile(r"\bwho (?:owns|has|runs|is on|handles)\b|\bwhose\b|\bowners?\b", re.I)
#: "which of them has the most…", "who of those is lowest": one of the set, ranked.
ONE_OF_THEM = re.compile(
    r"\b(?:which|who)(?: one)? of (?:them|those|these)\b.{0,30}"
    r"\b(?:most|least|highest|lowest|best|worst|biggest|largest)\b",
    re.I,
)
#: Intents a question about the listed accounts' own facts can arrive with.
#: "what industry are the top 3 in", "how many employees do they have": a fact of each record listed.
THEIR_FACTS = re.compile(
    r"\bwhat (?:\w+ ){0,2}(?:are|is|were|was) (?:those|these|they|them|the (?:top|first|biggest|largest)"
    r"(?: \d{1,2})?|each)\b|\b(?:do|does) (?:they|those|these|each(?: one)?)(?: \w+)? have\b",
    re.I,
)
#: "the biggest company by headcount", "largest by revenue", "smallest by employees": by a company's size.
SIZED = re.compile(
    r"\b(?:biggest|largest|smallest|most|fewest)\b(?: \w+){0,2}? (?:by|in|on) (?:headcount|employees|staff"
    r"|annual revenue|revenue|turnover|company size|size)\b",
    re.I,
)
#: "the top 3", "the first 5": the first few of the records listed.
FIRST_FEW = re.compile(r"\bthe (?:top|first|biggest|largest) (\d{1,2})\b", re.I)
#: What an account is, which the account search filters the accounts listed by.
ACCOUNT_TRAITS = (
    *("industry", "segment", "tier", "country", "state", "city", "is_subsidiary"),
    *("min_employees", "max_employees", "min_revenue", "max_revenue", "without_product"),
    *("established_before", "established_after", "without_contact_role", "has_open_pipeline"),
)
MOST_OF_THEM = re.compile(r"\b(?:most|fewest|least)\b", re.I)
EACH_OF_THEM = re.compile(r"\b(?:each|every one|every single one) of (?:them|those|these)\b", re.I)
ABOUT_ACCOUNTS = (Intent.UNKNOWN, Intent.ACCOUNT, Intent.ACCOUNT_FACTS, Intent.ACCOUNTS)
#: What the org chart says of each listed rep: "who are their managers?", "which region are they in?".
PEOPLE_FACTS = re.compile(
    r"\bmanag(?:er|ers|es|ed)\b|\bmgrs?\b|\bbosse?s?\b|\breports? to\b"
    r"|\bunder (?:who|whom)\b|\bare they under\b"
    r"|\bregions?\b|\bterritor(?:y|ies)\b|\bteams?\b"
    r"|\boffices?\b|\bwhere\b|\broles?\b|\bwho are they\b|\bemails?\b",
    re.I,
)
#: Intents a question about the listed reps' place in the org can arrive with.
ABOUT_PEOPLE = (Intent.UNKNOWN, Intent.ROSTER, Intent.MEASURE, Intent.TERRITORY, Intent.TERRITORIES)


#: Answers that list deals: a rule asked of "those" applies to the deals they were drawn from.
DEAL_SETS = (Intent.TOP_DEALS, Intent.PIPELINE, Intent.STALLED)
#: Money said: "the most $", "in value", "biggest".
MONEY_SAID = re.compile(
    r"\$|\b(?:value|dollars?|money|revenue|amount|worth|biggest|largest|bookings)\b", re.I
)
#: "how many of those are…", "of those, how many…": the deals behind a count, not the rows shown.
DEALS_OF_THOSE = re.compile(
    r"\bhow many of (?:those|them|these)\b|\bof (?:those|them|these),? how many\b", re.I
)
#: Measures that count or sum deals, whose rows are groups of deals.
DEAL_MEASURES = frozenset({*IN_MONEY, *IN_MONEY.values(), "closed_deals"})
#: "which of those 5…", "these 3": the set counted, which may be a list shown before the last answer.
COUNTED_SET = re.compile(
    r"\b(?:those|these|the|them|all) (\d{1,2})\b(?! (?:days?|weeks?|months?|years?)\b)", re.I
)


def _counted(question: str, answers: list[str]) -> tuple[str, list[str]] | None:
    """ "which of those 5 have no next step?" after one of five deals was opened: the latest answer
    that listed exactly that many deals or accounts."""
    said = COUNTED_SET.search(question)
    if said is None:
        return None
    for answer in reversed(answers):
        shown = rows(answer)
        kinds = {row.kind for row in shown}
        if (
            len(shown) == int(said[1])
            and len(kinds) == 1
            and (kind := kinds.pop()) in ("opportunity", "account")
        ):
            return FIELD_OF_KIND[kind], [row.ref if kind == "opportunity" else row.name for row in shown]
    return None


def about_listed(previous: Frame | None, current: Frame, question: str, answers: list[str]) -> Frame | None:
    """``current`` asked of each record the previous answer listed, or None when it is not about them."""
    if previous is None or not answers or not SET_WORDS.search(question):
        return None
    if current.ambiguity is not None or current.slots.any_of:
        return None
    if previous.intent is Intent.MEASURE and fewest_records(previous, question) is not None:
        return None  # "only those with over 500 closed deals": the groups by their records, not a set
    if previous.slots.dimension and SORTED_BY.match(question):
        return None  # "sort them by bookings": the rows in another order, not a question about a set
    grouped = previous.slots.dimension not in (None, "deal")
    if grouped and DEALS_OF_THOSE.search(question) and (previous.slots.measure or "") in DEAL_MEASURES:
        # "how many of those are already closed lost" after the deals created by rep: those deals,
        # what became of them (the thread's cohort), not the reps the rows name
        return None
    found = listed_set(previous, answers[-1], first=FIRST_FEW.search(question) is not None)
    counted = _counted(question, answers)
    if counted is not None and (found is None or len(found[1]) != len(counted[1])):
        found = counted
    if found is None and _whose(previous, current, question):
        # "whose are they?" after the 24 deals pushed 3+ times, 12 shown: all of them, by owner
        slots = previous.slots.model_copy(update={"dimension": "rep", "group_by": None, "limit": None})
        return previous.model_copy(update={"slots": slots, "follow_up": True, "question": current.question})
    if (
        found is None
        and current.intent is Intent.STALLED
        and previous.intent in DEAL_SETS
        and as_filter(current.slots)
    ):
        # "any of those gone quiet?" after the 5 largest of 8 deals: all 8 (the list's own filters),
        # checked against that rule
        slots = previous.slots.model_copy(deep=True)
        for name, value in current.slots:
            if value is not None and name not in ("measure", "limit", "ranking"):
                setattr(slots, name, value)
        slots.limit = slots.ranking = None
        return Frame(intent=Intent.STALLED, slots=slots, follow_up=True, question=current.question)
    if found is None:
        return _which_of_them(previous, current, question, answers[-1])
    field, names = found
    if field != "deal" and any(re.search(rf"\b{re.escape(name)}\b", question, re.I) for name in names):
        return None  # "for Rocco Neubert's team, which product do they lose": the one named, not all
    if field == "deal" and not SET_WORDS.search(PERSONAL.sub(" ", question)) and not OWNERS.search(question):
        return None  # "their" after deals is a person's, unless it asks whose the deals are
    if any(getattr(current.slots, slot) for slot, member in MEMBER_SLOTS if member == field):
        return None  # "West is lowest, what are they losing on?": the one named, not all of them
    traits = [slot for slot in ACCOUNT_TRAITS if getattr(current.slots, slot) is not None]
    # "which of those are in the us": a trait alone, of the accounts listed
    asked = current.intent is Intent.ACCOUNTS or (current.intent is Intent.UNKNOWN and bool(traits))
    searched = field == "account" and asked and not current.slots.measure
    # "which of them are tier A?" after the top 10 accounts by bookings: those of the ten with the
    # trait, with the figure they were listed by (a trait named, not a fact asked of each)
    kept_figure = searched and traits and previous.intent is Intent.MEASURE and previous.slots.measure
    if kept_figure and not SIZED.search(question):
        slots = previous.slots.model_copy(deep=True)
        for slot in traits:
            setattr(slots, slot, getattr(current.slots, slot))
        slots.any_of, slots.dimension, slots.group_by = {field: names}, field, None
        slots.limit = slots.ranking = None
        return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)
    # "what industry are the top 3 in?": the facts of the accounts listed, not the figure by industry
    their_facts = THEIR_FACTS.search(question) is not None
    # "which of those is the biggest company by headcount?": the accounts listed, by their size
    sized = field == "account" and SIZED.search(question) is not None
    if (
        sized
        or searched
        or (
            field == "account"
            and (current.intent in ABOUT_ACCOUNTS or their_facts)
            and ACCOUNT_FACTS.search(question)
        )
    ):
        first = FIRST_FEW.search(question)
        if first is not None:
            names = names[: int(first[1])]
        # "any of those subsidiaries of another company?": the account search over the ones listed;
        # "who owns them?", "their industry and size?": the accounts themselves, listed
        listed = Slots(any_of={field: names}, limit=len(names))
        for slot in ACCOUNT_TRAITS:
            # "which of them are tier A?", "any of those in healthcare?": the ones listed that have it
            setattr(listed, slot, getattr(current.slots, slot))
        return Frame(intent=Intent.ACCOUNTS, slots=listed, follow_up=True, question=current.question)
    org = current.intent is not Intent.MEASURE or current.slots.measure in (None, "reps")
    if field == "rep" and current.intent in ABOUT_PEOPLE and org and PEOPLE_FACTS.search(question):
        listed = Slots(any_of={field: names})
        return Frame(intent=Intent.ROSTER, slots=listed, follow_up=True, question=current.question)
    if field == "deal" and OWNERS.search(question) and not current.slots.owner and not current.slots.account:
        # "who owns them?" after a few deals: those deals, each with its owner
        slots = Slots(measure="open_pipeline", any_of={field: names}, dimension="deal", then_by="rep")
        most = MOST_OF_THEM.search(question)
        if most is not None:
            # "who owns the most of them?": the owners by how many of those deals each has, the top one
            # ("the most $ of them": by their value)
            priced = "open_pipeline" if MONEY_SAID.search(question) else "open_deals"
            down = most[0].casefold() in ("fewest", "least")
            slots = Slots(measure=priced, any_of={field: names}, dimension="rep", limit=1)
            slots.ranking = "bottom" if down else "top"
        return Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)
    # "which of those have no next step / slipped at least once / are past due / went quiet?": the
    # stall check's rule as the metric query's filter, over the records listed
    quiet = current.intent is Intent.STALLED and as_filter(current.slots)
    # "which of those are in tech?", "any of them in healthcare?": the listed records with a filter
    filtered = current.intent in (Intent.UNKNOWN, Intent.ACCOUNTS) and any(
        getattr(current.slots, slot) is not None for slot, member in MEMBER_SLOTS if member != field
    )
    # "what % of their Q3 quota did each of them hit" after the top 5 reps: their attainment
    of_quota = current.intent is Intent.FORECAST and current.slots.measure == "attainment" and field == "rep"
    # "how much did those accounts spend with us?": a figure of the accounts listed
    figured = current.intent is Intent.ACCOUNTS and current.slots.measure is not None and field == "account"
    if current.intent not in MEASURED_AS and not quiet and not filtered and not of_quota and not figured:
        return None
    # "which of those haven't been touched in 30 days?": the open ones among them, so quiet
    measure = current.slots.measure or MEASURED_AS.get(current.intent) or "open_pipeline"
    if quiet and measure == "activities":
        # "any of those gone quiet - no activity in 2 weeks?": the deals, not a count of touches
        measure = "open_pipeline"
    if filtered and not current.slots.measure:
        measure = MEASURED_AS.get(previous.intent) or previous.slots.measure or "open_pipeline"
    before = previous.slots.measure
    if before in IN_MONEY and IN_MONEY[before] == measure and not MONEY_SAID.search(question):
        measure = before  # "which rep lost the most of those" after deals lost counted: the most deals
    slots = current.slots.model_copy(deep=True)
    slots.measure, slots.any_of = measure, {field: names}
    before = previous.slots.measure
    if WITH_THEIR.match(question) and before and before != measure and previous.intent is Intent.MEASURE:
        # "w/ their win rates" after the top 5 by bookings: the bookings, with the win rate beside
        slots.measure, slots.also = before, [*(previous.slots.also or []), measure]
    if slots.period is None and measure not in UNDATED:
        slots.period = previous.slots.period  # "what's their win rate?" after the top 5 of 2017: in 2017
    if current.intent is Intent.PURCHASES and field == "account":
        slots.then_by = slots.then_by or "product"  # "what did they buy?": each one's products
    # "how much have we sold to each of them": one row per record listed, whatever else is named
    slots.dimension = field if EACH_OF_THEM.search(question) else slots.dimension or field
    slots.group_by = None
    if slots.dimension == field and not (ONE_OF_THEM.search(question) and slots.ranking):
        slots.limit = slots.ranking = None  # every one of them, not a top N of the few
    elif slots.dimension == field:
        slots.limit = slots.limit or 1  # "which of them has the most open pipeline?": the one
    return current.model_copy(
        update={"intent": Intent.MEASURE, "slots": slots, "follow_up": True, "readings": [], "implied": False}
    )


def _whose(previous: Frame, current: Frame, question: str) -> bool:
    """ "whose are they?" after deals listed by the metric query, or after a count of them ("how many
    of my team's engaging deals have sat there 90+ days"): those deals, by owner."""
    counted = (
        previous.slots.dimension is None
        and (previous.slots.measure or "") in IN_MONEY
        and not (current.slots.ranking or current.slots.limit)  # "who has the most of those": one of them
    )
    return (
        previous.intent is Intent.MEASURE
        and (previous.slots.dimension == "deal" or counted)
        and OWNERS.search(question) is not None
        and not current.slots.owner
        and not current.slots.account
    )


#: How many of a list's first rows a clarifying question offers.
OFFERED = 3
#: "they", "them", "there": one of the accounts listed, when the list is no set of its own.
ONE_OF_THEM = re.compile(r"\b(?:they|them|their|theirs|there)\b", re.I)


def _which_of_them(previous: Frame, current: Frame, question: str, answer: str) -> Frame | None:
    """ "what did they buy?" after a long list of accounts, which "they" cannot all be: a question
    offering the first few listed, rather than one naming an example from anywhere."""
    pronoun = ONE_OF_THEM.search(question)
    if pronoun is None or not needs_account(current):
        return None
    shown = rows(answer)
    kinds = {row.kind for row in shown}
    accounts = kinds == {"account"} or (kinds == {"row"} and previous.slots.dimension == "account")
    names = [row.name for row in shown if not row.name.startswith("(")][:OFFERED]
    if not accounts or len(names) < 2:
        return None
    ambiguity = Ambiguity(kind="account", phrase=pronoun[0], candidates=names)
    return current.model_copy(update={"ambiguity": ambiguity, "follow_up": True})


def needs_account(frame: Frame) -> bool:
    """The frame's intent needs an account, and none is named nor being asked for."""
    needed = "account" in spec_for(frame.intent).requires
    return needed and frame.slots.account is None and frame.ambiguity is None
