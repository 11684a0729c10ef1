"""When a metric reading claims a question: the query answers it only when another intent would
answer a different question (a measure of closed or created deals, a rate, a size, a cycle; a
breakdown, ranking, comparison or share the other tools do not give; a filter they would drop).
Definitions, advice, absences, one deal named and a company's own facts are not claimed."""

from __future__ import annotations

import re

from assistant.offline.frame import Slots
from assistant.offline.intents.knowledge import NORM_ASKED, definition_term
from assistant.offline.measure_words import BOUGHT, MONEY, NOT_YET
from assistant.offline.measures import MetricReading, read_metric_question
from assistant.offline.slots import RULES

#: Measures the other intents already answer well on their own (without a composition).
OPEN_MEASURES = frozenset({"open_pipeline", "open_deals", "weighted_pipeline"})


QUOTA_MEASURES = frozenset({"quota", "attainment", "coverage"})
#: Breakdowns the pipeline summary offers itself (``group_by`` there).
PIPELINE_GROUPS = frozenset({"stage", "rep", "product", "territory", "month"})
#: Measures a rep's scorecard answers as asked (with the fiscal year to date when no period is named).
SCORECARD_MEASURES = frozenset({"won_revenue", "won_deals", "win_rate", "average_deal_size"})
#: "accounts that have never bought anything", "with no won deals": not customers yet.
NEVER_BOUGHT = re.compile(
    r"\b(?:never|not yet|haven't|hasn't|have not|has not|didn't|did not)(?: \w+){0,2} "
    r"(?:bought|purchased|been (?:a )?customers?|closed|won)\b"
    r"|\bno (?:won|closed[- ]won) (?:deals|opps|opportunities|business)\b"
    r"|\bnot (?:yet )?(?:a )?customers?\b|\bprospects only\b"
)
#: "accounts that bought Workflow Automation but not Cobalt Platform", "customers on X but never Y".
BOUGHT_BUT_NOT = re.compile(
    r"\b(?:accounts?|customers?|clients?|companies|logos)\b.{0,60}?\b(?:bought|purchased|have|has|own|owns"
    r"|use|uses|using|run|runs|on)\b.{0,40}?\bbut (?:not|never|no|haven't|hasn't|didn't|don't|doesn't"
    r"|without|have not|has not|did not)\b"
)
#: "existing customers", "accounts that have bought from us".
NEVER_WON = re.compile(
    r"\b(?:never|not yet|haven't|have not|didn't|did not)(?: \w+){0,2} (?:won|closed)\b"
    r"|\bno (?:won|closed[- ]won) (?:deals|opps|opportunities|business)\b"
)
#: A count asked for: "how many", "count of", "number of", "# of".
COUNT_ASKED = re.compile(r"\bhow many\b|\bcount\b|\bnumber of\b|#|\btally\b")
#: One person asked about ("did I", "Darcel's", "her"): their scorecard, which says their count first.
ONE_PERSON = re.compile(r"\b(?:i|me|mine|entperson|he|she|him|her|his)\b|\bmy\b(?! team)")
#: The scorecard's figures it also totals over a team ("All 8 reps together: $2.5M booked, win rate 23%").
TEAM_TOTALLED = frozenset({"won_revenue", "won_deals", "win_rate"})
TEAM = re.compile(r"\b(?:(?:my|our|the) team(?:'s)?|we|our|us|across the team|team-wide)\b")
PER_PERSON = re.compile(
    r"\b(?:who|whose|which reps?|each|per (?:rep|person)|by (?:rep|person)|leaderboard|rank)"
)
#: Questions about a definition, a method or advice are the playbook's or the metric registry's.
#: "who should I call at Green-Plus?": a person at the account (its contacts), not a figure about reps.
WHO_TO_CONTACT = re.compile(
    r"\bwho (?:should|do|can|could|would) (?:i|we) (?:call|email|contact|reach out to|talk to"
    r"|speak (?:to|with)|ping|go to|get in front of)\b.{0,20}\b(?:at|in|over at|from)"
    r" (?:entaccount|entunknown|them)\b"
)
#: "who's my champ there?", "who is the economic buyer at Acme": a person at the account, by role.
CONTACT_ROLE = re.compile(
    r"\bwho(?:'s| is| are| was)? (?:my |our |the |their )?(?:main |key |primary )?"
    r"(?:champ|champion|economic buyer|eb|decision[- ]maker|buyer|sponsor|contact|point of contact|poc)s?\b"
)
NOT_DATA = re.compile(
    r"\bplaybook\b|\bbest practices?\b|\bhow (?:should|do|can|would) (?:i|we)\b|\btips?\b|\badvice\b"
    + "".join(f"|{pattern}" for pattern in NORM_ASKED)
    + r"|\bhow (?:do|does|did) you (?:calculate|compute|work out|measure|define)\b|\bdefin(?:e|ition)\b"
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
    # "what did i close in december vs november": a person closing is closing deals
    r"|\bdid (?:i|we|you|they|he|she|entperson) (?:close|win|book|sell|lose)\b"
)
#: "no activity in 30 days", "haven't touched": the stall rule's own wording about an absence.
NO_ACTIVITY = re.compile(next(pattern for pattern, rule in RULES if rule == "no_activity"))
BALANCE = re.compile(r"\b(?:balanced|unbalanced|imbalanced?|balance|evenly|fairly distributed|workloads?)\b")
#: Filters the scorecard (a rep or team, a period) and the pipeline summary (``DealFilter``) cannot take:
#: a question naming one of them is the metric query's, or its filter would be dropped silently.
#: Filters only the metric query takes (the kind of activity, a deal's age, its days in the stage).
ONLY_QUERIED = (
    "missing",
    "activity_type",
    "min_age_days",
    "max_age_days",
    "min_days_in_stage",
    "exclude",
    "any_of",
    "min_pushes",
    "max_pushes",
    "with_subsidiaries",
)
#: Bounds on the accounts' size: the account search and the metric query take them, no other tool.
COMPANY_SIZE = ("min_employees", "max_employees", "min_revenue", "max_revenue")
NOT_ON_SCORECARD = (
    *ONLY_QUERIED,
    *COMPANY_SIZE,
    "compare",  # "what did i close in december vs november": the scorecard gives one period
    "product",
    "product_family",
    "account",
    "industry",
    "segment",
    "stage",
    "territory",
    "region",
    "country",
    "state",
    "city",
    "loss_reason",
    "min_amount",
    "max_amount",
    "without_amount",
)
NOT_ON_PIPELINE = (
    *ONLY_QUERIED,
    *COMPANY_SIZE,
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


#: A deal's chances asked for: the win scores answer, whatever else is named.
WIN_CHANCE = re.compile(
    r"\bwin (?:probabilit(?:y|ies)|prob|chances?|odds|likelihood)\b"
    r"|\b(?:chances?|odds|likelihood|probability) (?:of|to) (?:win|close|closing|winning)\b"
)


def decisive(reading: MetricReading, text: str, slots: Slots | None = None) -> bool:
    """Whether the reading asks for something only the metric query answers as asked.

    With the question's ``slots``, a comparison of two named periods and a filter the other
    tools cannot take count as well ("GTK 500 bookings this year", "did we win more in Q3 than Q2?").
    """
    if NOT_DATA.search(text) or definition_term(text) or ABSENT.search(text) or WHO_TO_CONTACT.search(text):
        return False
    if WIN_CHANCE.search(text):
        return False  # "the win probability on my biggest open deal": its chances, not a bookings figure
    if CONTACT_ROLE.search(text) and re.search(r"\bentaccount\b", text):
        return False  # "what do they have from us, anything open, and who's my champ?": the account's brief
    if slots is not None and slots.without_contact_role:
        return False  # "accounts with no economic buyer on file": a filter only the account search takes
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
    named = re.search(
        r"\bentaccount\b|\b(?:they|them|it)\b|\b(?:that|this|the same) (?:account|company|customer)\b", text
    )
    ranks_accounts = reading.group_by == "account" and "ranking" in reading.signals
    composed_purchase = bool({"compare", "share"} & set(reading.signals)) or ranks_accounts
    if BOUGHT.search(text) and named and not composed_purchase:
        # "what did Acme buy?": its purchases, product by product ("who was my best customer and how
        # many deals did they buy?" ranks the accounts: "they" is the one at the top)
        return False
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
    if reading.group_by == "account" and NEVER_BOUGHT.search(text):
        return False  # "accounts we've never won anything at": the ones without, which no breakdown lists
    if reading.group_by in (None, "product", "account") and BOUGHT_BUT_NOT.search(text):
        return False  # "accounts that bought X but not Y": the account search, with and without
    if reading.measure == "accounts":
        return reading.group_by is not None  # a plain count is the account search's ("24 accounts match")
    if (
        FORECAST_ASKED.search(text)
        and reading.group_by is None
        and (reading.measure in OPEN_MEASURES | QUOTA_MEASURES or reading.measure.startswith("closed"))
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
        # "avg won deal size on my team": a figure the scorecard gives each rep but no team total of
        team_figure = (
            reading.measure not in TEAM_TOTALLED and TEAM.search(text) and not PER_PERSON.search(text)
        )
        # "how many deals did my team win last quarter?": the count itself, not each rep's scorecard
        # with the count in its second line (one person's scorecard says their count first)
        team_count = (
            reading.measure == "won_deals"
            and COUNT_ASKED.search(text)
            and not PER_PERSON.search(text)
            and not ONE_PERSON.search(text)
        )
        return _dropped(slots, NOT_ON_SCORECARD) or bool(
            (team_figure or team_count) and not (slots and slots.owner)
        )
    if reading.measure in OPEN_MEASURES:
        if reading.group_by == "deal":
            # the largest open deals are listed with their stage and close date, unless a filter
            # only the query takes was asked ("the biggest deal that isn't Cobalt Platform")
            return _dropped(slots, NOT_ON_PIPELINE)
        # "how much pipe has had no activity in 60 days?": a filter the pipeline summary lacks
        quiet = slots is not None and slots.rule == "no_activity" and slots.inactive_days is not None
        return (
            composed
            or quiet
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


class Decisive:
    def search(self, text: str, /) -> object:
        reading = read_metric_question(text)
        return reading is not None and decisive(reading, text)
