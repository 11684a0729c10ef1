"""What the planner understood of a question: an intent and its slots (a "frame").

A frame is built from the question alone (:mod:`assistant.offline.understanding`), then merged
with the frame of the previous question when the question follows up on it
(:mod:`assistant.offline.followups`), and finally turned into tool calls
(:mod:`assistant.offline.routing`). What the planner knows about each intent is declared in
:mod:`assistant.offline.intents`. Names in slots are the canonical names found in the loaded
data (or, when nothing in scope matched, the words the user wrote, so the tool reports the name
as unknown exactly as it would for a name that does not exist).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from tools.lexicon import EntityKind


class Intent(StrEnum):
    STALLED = "stalled"
    PIPELINE = "pipeline"
    TOP_DEALS = "top_deals"
    DEAL = "deal"
    FORECAST = "forecast"
    PERFORMANCE = "performance"
    ACCOUNT = "account"
    WHITESPACE = "whitespace"
    ACCOUNTS = "accounts"
    TERRITORIES = "territories"
    TERRITORY = "territory"
    BALANCE = "balance"
    REBALANCE = "rebalance"
    METRICS = "metrics"
    PLAYBOOK = "playbook"
    ACCOUNT_PLAN = "account_plan"
    TERRITORY_PLAN = "territory_plan"
    HELP = "help"
    SMALL_TALK = "small_talk"
    OUT_OF_SCOPE = "out_of_scope"
    WHY = "why"
    UNKNOWN = "unknown"
    #: Any measure, broken down, filtered, ranked or compared (the semantic layer's query).
    MEASURE = "measure"
    #: A request to do something the product cannot do (write an email, log a call, update a record).
    ACTION = "action"
    #: What the data says about one company (size, sector, location, founded, parent, subsidiaries).
    ACCOUNT_FACTS = "account_facts"
    #: What one company has bought from us (won deals by product, what it owns).
    PURCHASES = "purchases"
    #: A change to one field of one deal, proposed for the user to confirm (never applied).
    CHANGE = "change"
    #: Manager views (:mod:`assistant.offline.intents.manager`), what changed, and a deal's chances.
    FORECAST_CALL = "forecast_call"
    ONE_ON_ONE = "one_on_one"
    QUOTA_RISK = "quota_risk"
    QUALIFICATION = "qualification"
    CHANGES = "changes"
    WIN_CHANCES = "win_chances"
    #: Territory design (:mod:`assistant.offline.intents.design`): owners for accounts, scenarios.
    ASSIGN = "assign"
    SCENARIOS = "scenarios"
    #: Who is who: a person's manager, territory and region; who is on a team (the org chart).
    ROSTER = "roster"
    #: What we sell: the product catalogue with list prices.
    PRODUCTS = "products"


class Ambiguity(BaseModel):
    """A name that matches several things in scope: the planner asks which one."""

    kind: EntityKind
    phrase: str
    candidates: list[str]
    #: The phrase names nothing in the data ("EMEA" where the regions are West, Central and East):
    #: the question says so before listing what there is.
    missing: bool = False


class Slots(BaseModel):
    """Everything a question can specify. ``None`` means "not said"."""

    owner: str | None = None
    account: str | None = None
    territory: str | None = None
    region: str | None = None
    product: str | None = None
    stage: str | None = None
    deal: str | None = None
    period: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    #: "open deals with no amount": only deals whose amount is not known.
    without_amount: bool | None = None
    limit: int | None = None
    group_by: str | None = None
    rule: str | None = None
    industry: str | None = None
    segment: str | None = None
    tier: str | None = None
    #: The accounts' country ("bookings in Germany").
    country: str | None = None
    #: The accounts' state and city ("pipeline in Texas", "accounts in Denver").
    state: str | None = None
    city: str | None = None
    #: A product family named as such ("the MG series", "GTX products").
    product_family: str | None = None
    #: A recorded loss reason ("deals lost to no decision").
    loss_reason: str | None = None
    has_open_pipeline: bool | None = None
    #: "accounts with no economic buyer on file": a buying role no contact of the account has.
    without_contact_role: str | None = None
    #: "accounts not touched in 60 days": no activity in this many days.
    inactive_days: int | None = None
    #: "deals pushed 3+ times": the fewest close-date pushes a deal has had.
    min_pushes: int | None = None
    #: "take out the deals pushed 2+ times": those pushed at most once are kept.
    max_pushes: int | None = None
    #: "accounts that haven't bought X": the product they lack; "subsidiaries"; "founded before 1990".
    without_product: str | None = None
    is_subsidiary: bool | None = None
    established_before: int | None = None
    established_after: int | None = None
    #: "accounts with more than 10,000 employees", "5k+ employees", "under 500 staff".
    min_employees: int | None = None
    max_employees: int | None = None
    #: "accounts with over $1B in annual revenue", "revenue under $50M".
    min_revenue: Decimal | None = None
    max_revenue: Decimal | None = None
    #: A forecast category named as a member ("what % of pipeline is in commit").
    forecast_category: str | None = None
    ranking: Literal["top", "bottom"] | None = None
    topic: str | None = None
    #: The term a "what is X?" question asks the playbook about, as written.
    term: str | None = None
    metric: str | None = None
    #: More names of one kind after the first ("compare Kenji and Emil", "East vs West"), and the
    #: slot they belong to (``owner`` for people).
    others: list[str] | None = None
    others_slot: str | None = None
    #: A metric question: the measure key, more measures, the comparison, a share of the total, and
    #: whether the mean over the groups is asked for ("the team average").
    measure: str | None = None
    #: The dimension a metric question breaks down by (``rep``, ``product``, ``industry``, ``month``…).
    dimension: str | None = None
    #: A second breakdown inside the first ("won revenue by rep and product").
    then_by: str | None = None
    #: Activities of one kind as the data records it ("meetings", "calls").
    activity_type: str | None = None
    #: Deal age in days since created ("open deals older than 90 days", "created in the last 2 weeks"),
    #: and days in the current stage ("sitting in proposal for over 30 days").
    min_age_days: int | None = None
    max_age_days: int | None = None
    min_days_in_stage: int | None = None
    #: "Acme incl. its subsidiaries", "everything that rolls up to Acme": the account's whole group.
    with_subsidiaries: bool | None = None
    #: Filters that leave records out ("outside the US": ``{"country": "United States"}``), by slot.
    exclude: dict[str, str] | None = None
    #: Several members of one filter, any of which a record may match: the records an earlier
    #: answer listed ("do any of those have open deals?"), by the metric query's filter name.
    any_of: dict[str, list[str]] | None = None
    #: Names of which an account must have a record of every one ("bought both X and Y"), by the
    #: metric query's filter name (:mod:`assistant.offline.each_of`).
    each_of: dict[str, list[str]] | None = None
    also: list[str] | None = None
    #: A breakdown the data cannot give ("by lead source"), said in the answer rather than dropped.
    unavailable: str | None = None
    #: A filter on a field the data does not record ("lost to competitors" on an export with no loss
    #: reasons), said in the answer rather than dropped silently.
    unrecorded: str | None = None
    compare: Literal["previous_period", "last_year"] | None = None
    #: "and vs Q2?" after a question about Q3: the period named to set the thread's period against.
    compare_to: str | None = None
    #: The period of the question before, when a follow-up named another ("and last qtr?"): what a
    #: change asked next ("who dropped the most?") is measured against.
    prior_period: str | None = None
    share: bool | None = None
    #: "GTK 500 vs everything else" of a rate: the member's figure, and the same without it.
    versus_rest: bool | None = None
    #: "retail vs overall": the member's figure, and everyone's.
    versus_all: bool | None = None
    mean_of_groups: bool | None = None
    #: "min 20 closed": the fewest records a group needs behind its figure.
    min_records: int | None = None
    #: "deals with no account", "opps missing a next step": a deal field that is empty.
    missing: str | None = None
    #: "the best and worst month": how many groups to show at each end.
    both_ends: int | None = None
    #: "monthly won revenue - which month was best?", "by rep - who's lowest?": every group shown,
    #: the one at the top (or the bottom) named first.
    call_out: Literal["top", "bottom"] | None = None
    #: "why did it change?": the figure's parts for both periods, said to be what the data records
    #: (the reasons are not in it).
    drivers: bool | None = None
    #: "who dropped the most?" after a comparison: the groups ranked by their change, "down" or "up".
    by_change: Literal["down", "up", "any"] | None = None
    #: "vs company" after a team's figure: the wider group asked for, which the answer names when the
    #: asker's scope does not reach it (a manager sees their team, a rep their own deals).
    wider: str | None = None
    #: "how much of that is already won?" after the pipeline created in October: the period is on
    #: the deals' created date (a cohort), whatever the measure's own date is.
    date_field: Literal["close", "created"] | None = None
    #: "reps under 50% attainment": only the groups whose measure is above / below this.
    above: float | None = None
    below: float | None = None


#: Slots naming one thing in the data, and the entity kind each holds.
ENTITY_SLOTS: dict[str, EntityKind] = {
    "owner": "person",
    "account": "account",
    "territory": "territory",
    "product": "product",
    "deal": "deal",
    "region": "region",
}

#: Slots that narrow a list (kept within a thread only while the intent stays the same).
FILTER_SLOTS = (
    "date_field",
    "stage",
    "min_amount",
    "max_amount",
    "without_amount",
    "limit",
    "group_by",
    "rule",
    "industry",
    "segment",
    "tier",
    "country",
    "state",
    "city",
    "loss_reason",
    "product_family",
    "has_open_pipeline",
    "without_contact_role",
    "inactive_days",
    "min_pushes",
    "max_pushes",
    "min_employees",
    "max_employees",
    "min_revenue",
    "max_revenue",
    "without_product",
    "is_subsidiary",
    "established_before",
    "established_after",
    "forecast_category",
    "ranking",
    "metric",
    "others",
    "others_slot",
    "measure",
    "dimension",
    "then_by",
    "activity_type",
    "min_age_days",
    "max_age_days",
    "min_days_in_stage",
    "exclude",
    "any_of",
    "each_of",
    "with_subsidiaries",
    "also",
    "unavailable",
    "unrecorded",
    "compare",
    "compare_to",
    "share",
    "versus_rest",
    "versus_all",
    "mean_of_groups",
    "both_ends",
    "call_out",
    "missing",
    "min_records",
    "by_change",
    "above",
    "below",
)


class Frame(BaseModel):
    intent: Intent
    slots: Slots = Field(default_factory=Slots)
    ambiguity: Ambiguity | None = None
    #: True when the question was understood as a follow-up of the previous one.
    follow_up: bool = False
    #: Self-references ("my", "me", "my team") were seen.
    about_me: bool = False
    #: The question also asks what to do ("how should I…"): add the playbook's advice.
    advice: bool = False
    #: "why?": show how the previous answer's figures were worked out.
    explain: bool = False
    #: The intent came from a name alone ("Globex?"), not from any word of the question.
    implied: bool = False
    #: Names that matched nothing in scope and that the question's intent had no slot for
    #: ("now show the same for Zed Ray"): a follow-up places them in the thread's intent.
    unplaced: list[str] = Field(default_factory=list)
    #: Whether the first unplaced name was written as a possessive ("Zed's"), so a person.
    unplaced_possessive: bool = False
    #: "briefly", "in one line", "too long": the short version of the answer.
    brief: bool = False
    #: "is my team's win rate above 30%?": the total set against a number, yes or no
    #: (:mod:`assistant.offline.verdicts`), not the groups past it.
    bar: tuple[Literal["above", "below"], float] | None = None
    #: A follow-up that changed nothing the thread had asked ("by value instead" read as the same
    #: question): said plainly rather than answered again as if it had been understood.
    unchanged: bool = False
    #: Two readings the question supports about equally (and weakly): the planner asks which.
    readings: list[Intent] = Field(default_factory=list)
    #: The person the thread was about before the current one ("how is Kenji doing?", "and Emil?"):
    #: "compare them" sets the two side by side.
    earlier_person: str | None = None
    question: str = ""
    #: The question this frame answers written out on its own: the question itself when it was
    #: read alone, the thread's question with the breakdown asked for when a follow-up only asked
    #: for one (:mod:`assistant.offline.recompose`); empty for other follow-ups.
    reading: str = ""
