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

The answer's first line restates what was computed: the measure, whose records, the period (and
why that period, when none was named).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from assistant import formatting as fmt
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.intents.knowledge import definition_term
from assistant.offline.intents.spec import Answering, IntentSpec, Phrasing, Rendering
from assistant.offline.measures import BOUGHT, MONEY, NOT_YET, MetricReading, read_metric_question
from assistant.offline.render import render, whose
from assistant.offline.slots import one_period_a_year_back
from tools.evidence import Figure, Unit
from tools.lexicon import Lexicon
from tools.semantic.models import Change, MetricResult, MetricRow

#: Measures the other intents already answer well on their own (without a composition).
OPEN_MEASURES = frozenset({"open_pipeline", "open_deals", "weighted_pipeline"})
QUOTA_MEASURES = frozenset({"quota", "attainment", "coverage"})
#: Breakdowns the pipeline summary offers itself (``group_by`` there).
PIPELINE_GROUPS = frozenset({"stage", "rep", "product", "territory", "month"})
#: The slot extractor's grouping words that the query names otherwise.
SLOT_GROUPS = {"owner": "rep"}
ROWS_SHOWN = 12


#: Measures a rep's scorecard answers as asked (with the fiscal year to date when no period is named).
SCORECARD_MEASURES = frozenset({"won_revenue", "won_deals", "win_rate", "average_deal_size"})
#: Questions about a definition, a method or advice are the playbook's or the metric registry's.
NOT_DATA = re.compile(
    r"\bplaybook\b|\bbest practices?\b|\bhow (?:should|do|can|would) (?:i|we)\b|\btips?\b|\badvice\b"
    r"|\bhow (?:do|does|did) you (?:calculate|compute|work out|measure|define)\b|\bdefin(?:e|ition)\b"
    r"|\bhow is .{0,30} (?:calculated|computed|measured|defined)\b|\bwhat does .{0,40} mean\b"
)
#: "accounts with no pipeline", "reps without deals": an absence is a search, not a measure.
ABSENT = re.compile(
    r"\b(?:no|without|zero|never|haven't|hasn't|don't|doesn't)\s+(?:\w+\s+){0,2}?(?:pipeline|deals?|opps?|opportunit)"
)
#: Won or lost what? A measure of deals needs a word about deals, money or customers.
SALES_OBJECT = re.compile(
    r"\b(?:deals?|opportunit(?:y|ies)|opps?|revenue|bookings?|booked|business|sales|sold|money|amount|value"
    r"|worth|quota|number|much|many|customers?|clients?|accounts?|products?|pipeline|rate|size|cycle|entproduct"
    r"|entaccount|entperson|entterritory|entregion|buys?|bought|purchased?|sell|sells|selling"
    r"|closed[- ](?:won|lost)|wins|losses)\b|\$"
)


#: Filters the scorecard (a rep or team, a period) and the pipeline summary (``DealFilter``) cannot take:
#: a question naming one of them is the metric query's, or its filter would be dropped silently.
NOT_ON_SCORECARD = (
    "product",
    "account",
    "industry",
    "segment",
    "stage",
    "territory",
    "region",
    "min_amount",
    "max_amount",
)
NOT_ON_PIPELINE = ("industry", "segment", "region")


def _dropped(slots: Slots | None, names: tuple[str, ...]) -> bool:
    return slots is not None and any(getattr(slots, name) is not None for name in names)


def decisive(reading: MetricReading, text: str, slots: Slots | None = None) -> bool:
    """Whether the reading asks for something only the metric query answers as asked.

    With the question's ``slots``, a comparison of two named periods and a filter the other
    tools cannot take count as well ("GTK 500 bookings this year", "did we win more in Q3 than Q2?").
    """
    if NOT_DATA.search(text) or definition_term(text) or ABSENT.search(text):
        return False
    outcome_only = reading.measure.startswith(("won_", "lost_", "closed_"))
    if outcome_only and not SALES_OBJECT.search(text) and "implied measure" not in reading.signals:
        return False
    if reading.measure.startswith("won_") and NOT_YET.search(text):
        return False  # "what else could we sell them?" is about what was not bought
    named = re.search(r"\bentaccount\b|\b(?:they|them|it)\b", text)
    if BOUGHT.search(text) and named and not {"compare", "share"} & set(reading.signals):
        return False  # "what did Acme buy?": its purchases, product by product
    if MONEY.search(text) is None and re.search(r"\bannual revenue\b", text):
        return False  # a company's own revenue is a fact about it, not our bookings
    ranked = "ranking" in reading.signals and reading.group_by is not None
    compared = bool({"compare", "share"} & set(reading.signals)) or (
        slots is not None and bool(slots.compare)
    )
    composed = ranked or compared or reading.mean_of_groups
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
    if reading.measure in QUOTA_MEASURES or reading.measure == "activities":
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
    if frame.intent not in REPLACEABLE:
        return
    reading = read_metric_question(prepared)
    slots = frame.slots
    if slots.forecast_category and (slots.group_by or slots.dimension) and frame.intent is Intent.FORECAST:
        # "commit deals by rep": the forecast has no breakdown; the category's open pipeline, broken down
        frame.intent, slots.measure = Intent.MEASURE, slots.measure or "open_pipeline"
        return
    if reading is None:
        if frame.slots.compare and frame.intent in (Intent.PERFORMANCE, Intent.UNKNOWN):
            frame.intent = Intent.MEASURE  # "how does Q4 compare with Q3?": bookings, side by side
        elif (
            frame.intent is Intent.UNKNOWN
            and frame.slots.period
            and (frame.about_me or frame.slots.owner or re.search(r"\b(?:team|we|us|our)\b", prepared))
        ):
            frame.intent = Intent.PERFORMANCE  # "one line on the team's Q4": how they did in it
        return
    if NOT_DATA.search(prepared):
        return
    if decisive(reading, prepared, frame.slots) or (
        reading.measure in SCORECARD_MEASURES
        and frame.intent in (Intent.PERFORMANCE, Intent.UNKNOWN, Intent.PIPELINE, Intent.TOP_DEALS)
        and _for_a_group(frame, prepared, sees_company)
        and not ABSENT.search(prepared)
    ):
        frame.intent = Intent.MEASURE
    elif frame.intent is Intent.UNKNOWN or (
        # the pipeline answers for open deals only: won, lost or quota measures are answered elsewhere
        frame.intent in (Intent.PIPELINE, Intent.TOP_DEALS) and reading.measure not in OPEN_MEASURES
    ):
        frame.intent = _home(reading.measure)


def fill(slots: Slots, prepared: str) -> None:
    """Put the metric reading of the prepared question into the frame's slots."""
    reading = read_metric_question(prepared)
    if reading is None:
        return
    slots.measure = reading.measure
    slots.also = reading.also or None
    same_period = reading.compare == "last_year" and one_period_a_year_back(prepared)
    # "bookings the same quarter last year" names one period (the slot reader's), compared with nothing
    slots.compare = slots.compare if same_period and not slots.compare else reading.compare or slots.compare
    slots.share = reading.share_of_total or None
    slots.mean_of_groups = reading.mean_of_groups or None
    slots.dimension = reading.group_by
    if reading.top is not None and slots.limit is None:
        slots.limit = reading.top
        slots.ranking = "bottom" if reading.order == "asc" else "top"
    elif reading.group_by is not None and reading.order == "asc":
        slots.ranking = "bottom"  # "who is behind on quota?": everyone, lowest first


def _person_filter(slots: Slots, lexicon: Lexicon) -> dict[str, str]:
    if slots.owner is None:
        return {}
    person = lexicon.person(slots.owner)
    return {"team" if person is not None and person.detail == "manager" else "rep": slots.owner}


#: Slots naming one member of a dimension, for "what share of X comes from <member>?".
MEMBER_SLOTS = (
    ("product", "product"),
    ("account", "account"),
    ("owner", "rep"),
    ("industry", "industry"),
    ("segment", "segment"),
    ("stage", "stage"),
    ("territory", "territory"),
    ("region", "region"),
    ("forecast_category", "forecast_category"),
)


def share_focus(slots: Slots) -> tuple[str, str] | None:
    """For a share with no breakdown: the named member (slot, value) whose share is asked for."""
    if not slots.share or slots.dimension or slots.group_by:
        return None
    return next(((slot, getattr(slots, slot)) for slot, _ in MEMBER_SLOTS if getattr(slots, slot)), None)


def compared_members(slots: Slots) -> tuple[str, list[str]] | None:
    """Two or more members of one dimension set side by side ("East vs West bookings"): the slot
    and the names, asked as the breakdown by that dimension and shown for the named members."""
    slot = slots.others_slot or ("owner" if slots.others else None)
    first = getattr(slots, slot) if slot else None
    if slot is None or first is None or not slots.others:
        return None
    return slot, [first, *slots.others]


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
    if compared is not None and group is None:
        focus = (compared[0], compared[1][0])
    if focus is not None:
        group = dict(MEMBER_SLOTS)[focus[0]]
        filters.pop(focus[0], None)
        filters.pop("rep" if focus[0] == "owner" else focus[0], None)
    ranked = slots.limit is not None and (group is not None)
    return given(
        measure=slots.measure or "won_revenue",
        also=slots.also,
        group_by=group,
        **filters,
        min_amount=slots.min_amount,
        max_amount=slots.max_amount,
        period=slots.period,
        compare=slots.compare,
        top=slots.limit if ranked else None,
        order="asc" if group is not None and slots.ranking == "bottom" else None,
        share_of_total=True if slots.share else None,
    )


def _route(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("query_metrics", query_args(frame, lexicon))]


# -- the answer ---------------------------------------------------------------------------------


def value(figure: Figure) -> str:
    if figure.value is None:
        return "n/a" if figure.unit is not Unit.USD else "amount unknown"
    if figure.unit is Unit.USD:
        return fmt.estimated(fmt.money(figure.value), figure.value, figure.estimated)
    if figure.unit is Unit.RATIO and "coverage" in figure.name.casefold():
        return fmt.multiple(figure.value)
    if figure.unit is Unit.RATIO:
        return fmt.percent(figure.value)
    if figure.unit is Unit.DAYS:
        return fmt.days(figure.value)
    return fmt.count(figure.value)


def _change(change: Change, unit: Unit) -> str:
    if change.previous is None:
        return "no earlier figure"
    before = value(Figure(name="", value=change.previous, unit=unit, formula=""))
    if change.relative is None:
        return f"was {before}"
    arrow = "up" if change.relative > 0 else "down" if change.relative < 0 else "flat"
    return f"{arrow} {abs(change.relative):.0%} from {before}"


@dataclass
class Line:
    group: str
    values: list[str]
    note: str


@dataclass
class MeasureView:
    headline: str
    basis: str
    columns: list[str]
    lines: list[Line]
    more: str
    summary: str
    notes: list[str]
    formulas: list[str]


def _line(row: MetricRow, result: MetricResult) -> Line:
    values = [value(f) for f in row.figures]
    notes = []
    if row.share_of_total is not None:
        notes.append(f"{row.share_of_total:.0%} of the total")
    for change in row.changes[:1]:
        notes.append(_change(change, result.measures[0].unit))
    if row.missing_amounts:
        notes.append(f"{fmt.plural(row.missing_amounts, 'deal')} without an amount")
    return Line(row.group, values, "; ".join(notes))


def _whose(answering: Answering, result: MetricResult) -> str:
    owner = answering.args.get("rep") or answering.args.get("team")
    people = whose(answering.viewer, owner)
    return {"your": "your", "the": "all"}.get(people, people)


def _headline(answering: Answering, result: MetricResult) -> str:
    names = " and ".join(m.name.lower() for m in result.measures)
    names = names[:1].upper() + names[1:]
    group = f" by {result.group_by.replace('_', ' ')}" if result.group_by else ""
    if answering.frame.slots.mean_of_groups and result.group_by:
        names = f"Average {result.measures[0].name.lower()} per {result.group_by.replace('_', ' ')}"
        group = ""
    filters = [f for f in result.filters if f and "scope" not in f and not f.startswith("period")]
    scope = f" ({'; '.join(filters)})" if filters else ""
    period = result.period
    # An undated period (every open deal) is said by the line under the headline.
    when = (
        f", {period.label} ({fmt.date(period.start)} – {fmt.date(period.end)})"
        if period.start and period.end
        else ""
    )
    who, records = _whose(answering, result), "deals"
    if result.measures and result.measures[0].key == "reps":
        who, records = ("the whole" if who == "all" else who), "team"
    return f"{names}{group}, {who} {records}{scope}{when}"


def _basis(note: str) -> str:
    """Why the period is what it is, when the question named none."""
    if not note.startswith("No period"):
        return ""
    if "fiscal year to date" in note:
        return "No period was named, so this covers the fiscal year to date."
    if "open deals" in note:
        return "No period was named, so this covers every open deal, whatever its close date."
    return "No period was named: " + note.removeprefix("No period was given: ")


def _mean(rows: list[MetricRow]) -> Figure | None:
    numbers = [float(r.figures[0].value) for r in rows if r.figures and r.figures[0].value is not None]
    if not numbers:
        return None
    first = rows[0].figures[0]
    return Figure(name=first.name, value=sum(numbers) / len(numbers), unit=first.unit, formula="")


#: "briefly", "in one line", "just the number", "nothing more": the answer in one sentence.
BRIEF = re.compile(
    r"\b(?:briefly|in brief|be brief|keep it brief|in one line|one[- ]liner|one line"
    r"|just the (?:number|figure|total|names?)"
    r"|nothing more|tl;?dr|short version|keep it short|in a sentence|too long|shorter|in short)\b"
)


def brief(result: MetricResult, answering: Answering) -> str:
    """One sentence: what was computed, then the figures (the rows when there is a breakdown)."""
    head = _headline(answering, result)
    if result.rows:
        shown = result.rows[: min(len(result.rows), 5)]
        body = ", ".join(f"{row.group} {value(row.figures[0])}" for row in shown)
        if result.total:
            body += f" (in all {value(result.total[0])})"
    else:
        pairs = zip(result.measures, result.total, strict=False)
        body = ", ".join(f"{m.name.lower()} {value(t)}" for m, t in pairs)
    return f"{head}: {body}."


def write(result: MetricResult, answering: Answering) -> str:
    """The answer to a metric query: what was computed, the total, the rows, the formula."""
    if answering.frame.brief or BRIEF.search(answering.frame.question.casefold()):
        return brief(result, answering)
    totals = ", ".join(
        f"{m.name.lower()} {value(t)}" for m, t in zip(result.measures, result.total, strict=False)
    )
    summary = f"In all: {totals}"
    if result.total and result.total[0].record_count:
        summary += f" ({fmt.plural(result.total[0].record_count, 'record')})"
    for change in result.total_changes[:1]:
        period = result.compare_period.label if result.compare_period else "before"
        summary += f"; {_change(change, result.measures[0].unit)} ({period})"
    if answering.frame.slots.mean_of_groups and result.rows:
        mean = _mean(result.rows)
        if mean is not None:
            group = (result.group_by or "group").replace("_", " ")
            summary = f"Average over {fmt.plural(len(result.rows), group)}: {value(mean)}. {summary}"
    focus = share_focus(answering.frame.slots)
    member = next(
        (r for r in result.rows if focus is not None and r.group.casefold() == str(focus[1]).casefold()), None
    )
    if member is not None and member.share_of_total is not None and result.total:
        summary = (
            f"{member.group}: {member.share_of_total:.0%} of the total "
            f"({value(member.figures[0])} of {value(result.total[0])}). {summary}"
        )
    rows = result.rows
    compared = compared_members(answering.frame.slots)
    if compared is not None:
        named = {name.casefold() for name in compared[1]}
        rows = [row for row in rows if row.group.casefold() in named] or rows
        summary = f"{summary} (every {(result.group_by or 'group').replace('_', ' ')} together)"
    lines = [_line(row, result) for row in rows[:ROWS_SHOWN]]
    shown = min(len(result.rows), ROWS_SHOWN)
    more = ""
    if result.groups_total > shown:
        more = f"Showing {shown} of {result.groups_total} {(result.group_by or 'group').replace('_', ' ')}s."
    notes = list(result.notes)
    first = result.total[0] if result.total else None
    if first is not None and first.unit is Unit.USD and first.value is None and result.rows:
        # Every amount is unknown: the rows are in no meaningful order; say what can be asked instead.
        notes.append(
            "No deal here has an amount, so these cannot be ranked by value; ask how many deals instead."
        )
    view = MeasureView(
        headline=_headline(answering, result),
        basis=_basis(result.period_note),
        columns=[(result.group_by or "").replace("_", " ").capitalize(), *(m.name for m in result.measures)],
        lines=lines,
        more=more,
        summary=summary,
        notes=notes,
        formulas=[f"{m.name} = {m.formula}" for m in result.measures],
    )
    return render("measure", view)


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
