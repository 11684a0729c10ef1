"""A yes/no question gets a yes or a no: "did we win more in Q2 than in Q1?", "is West bigger than
East on bookings?", "does Lucas have a higher win rate than Ines?", "is our win rate better than
last quarter?".

The verdict is read from the figures the tools returned (a period against the one compared, or
two members set side by side), never computed here, and it says the gap: "**No**: 2026-Q2
$2.0M against 2026-Q1 $2.7M, $693,000 less (26%)." A question that is not a yes/no comparison,
or whose figures cannot settle it (an unknown amount, more than two members), gets none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Frame, Intent
from assistant.offline.members import compared_members, share_focus
from assistant.offline.render import value
from tools.accounts.search import AccountSearchResult
from tools.deals.performance import PerformanceReport, RepPerformance
from tools.evidence import Figure, Unit
from tools.semantic.models import MetricResult

Way = Literal["up", "down"]

#: "did we…", "is West…", "so are we…", "hasn't it…": a question answered by yes or no.
ASKS_WHETHER = re.compile(
    r"^\W*(?:(?:so|and|but|ok(?:ay)?|then|well|hey|quick (?:q|question))[,:]?\s+)*"
    r"(?:is|are|was|were|did|do|does|has|have|had|will|am|isn't|aren't|wasn't|weren't|didn't|doesn't"
    r"|hasn't|haven't)\b",
    re.I,
)
#: The way a yes/no comparison points, for a figure where more is more.
UP = re.compile(
    r"\b(?:more|bigger|larger|higher|greater|better|ahead|beat(?:s|en|ing)?|exceed(?:s|ed|ing)?"
    r"|outs(?:ell|old)\w*|outperform\w*|up|grow(?:n|s|ing)?|grew|improv\w*|increas\w*|ris(?:e|en|ing)|rose"
    r"|longer|slower)\b",
    re.I,
)
DOWN = re.compile(
    r"\b(?:less|fewer|smaller|lower|worse|behind|down|drop(?:s|ped|ping)?|f[ae]ll(?:en|ing)?"
    r"|declin\w*|decreas\w*|shr[iau]nk\w*|shorter|faster|quicker)\b",
    re.I,
)
#: For a time (a sales cycle, days in stage) better is shorter.
BETTER, WORSE = re.compile(r"\b(?:better|improv\w*)\b", re.I), re.compile(r"\b(?:worse)\b", re.I)
#: A company's size asked by its revenue rather than its headcount.
REVENUE = re.compile(r"\b(?:revenue|turnover|sales|income)\b", re.I)
PARENTHESIS = re.compile(r" \(.*\)")
#: The scorecard's figure a yes/no comparison of two reps is about, by the measure asked.
SCORECARD = {
    "won_revenue": "bookings",
    "attainment": "attainment",
    "win_rate": "win_rate",
    "average_deal_size": "average_deal_size",
    "sales_cycle": "sales_cycle",
    "median_sales_cycle": "sales_cycle",
    "open_pipeline": "open_pipeline",
    "coverage": "coverage",
    "quota": "quota",
    "won_deals": "won_deals",
}


#: A bound that picks members, not the total: "any reps above 30%?", "which deals are over 1M?".
MEMBERS_ASKED = re.compile(
    r"\b(?:any|anyone|anybody|all|every|each|which|who|whose|how many|reps?|agents?|sellers?|people"
    r"|someone|somebody|deals?|opps?|opportunit(?:y|ies)|accounts?|customers?|products?|by|per)\b",
    re.I,
)
#: Money measures whose total a bound can be set against ("are we over 5M in open pipeline?").
MONEY_TOTALS = frozenset(
    {"open_pipeline", "weighted_pipeline", "won_revenue", "lost_revenue", "pipeline_created"}
)


def total_bar(frame: Frame, text: str) -> None:
    """ "is my team's win rate above 30%?", "are we over 5M in open pipeline?": the total set against
    the number (``frame.bar``), not the reps (or the deals) past it."""
    if not ASKS_WHETHER.match(text) or MEMBERS_ASKED.search(text):
        return
    slots = frame.slots
    if frame.intent is Intent.MEASURE and (slots.above is not None) != (slots.below is not None):
        frame.bar = ("above", slots.above) if slots.above is not None else ("below", float(slots.below or 0))
        slots.above = slots.below = None
        slots.dimension = None
        return
    money = slots.measure in MONEY_TOTALS and (slots.min_amount is None) != (slots.max_amount is None)
    if money and frame.intent in (Intent.MEASURE, Intent.PIPELINE, Intent.FORECAST, Intent.PERFORMANCE):
        low, high = slots.min_amount, slots.max_amount
        frame.bar = ("above", float(low)) if low is not None else ("below", float(high or 0))
        slots.min_amount = slots.max_amount = None
        frame.intent = Intent.MEASURE


def _way(question: str, unit: Unit) -> Way | None:
    """Which way the question asks the first figure to lie from the second, or None."""
    text = question
    if unit is Unit.DAYS:
        # "is her cycle better than his?": shorter is better for a time
        text = BETTER.sub(" shorter ", WORSE.sub(" longer ", text))
    up, down = UP.search(text), DOWN.search(text)
    if up and (not down or up.start() < down.start()):
        return "up"
    return "down" if down else None


def _number(figure: Figure) -> float | None:
    return None if figure.value is None else float(figure.value)


def gap(first: Figure, second: Figure) -> str:
    """How far the first figure lies from the second: "$693,000 less (26%)", "0.8 points lower"."""
    a, b = _number(first), _number(second)
    assert a is not None and b is not None
    if a == b:
        return "the same"
    if first.unit is Unit.RATIO and "coverage" not in first.name.casefold():
        points = round(abs(a - b) * 100, 1)
        return (
            f"{points:.1f} points {'higher' if a > b else 'lower'}"
            if points
            else "level to a tenth of a point"
        )
    shown = value(Figure(name="", value=_as_value(abs(a - b), first), unit=first.unit, formula=""))
    if first.unit is Unit.DAYS:
        word = "longer" if a > b else "shorter"
    elif first.unit in (Unit.USD, Unit.COUNT):
        word = "more" if a > b else "less" if first.unit is Unit.USD else "fewer"
    else:
        word = "higher" if a > b else "lower"
    share = ""
    if b and first.unit in (Unit.USD, Unit.COUNT):
        # "26%" for a gap, "80 times as much" past double: a percent in the thousands reads as noise
        times = a / b
        share = (
            f" ({abs(a - b) / abs(b):.0%})"
            if times < 2
            else f" ({times:.1f} times as much)"
            if times < 10
            else f" ({times:,.0f} times as much)"
        )
    return f"{shown} {word}{share}"


def _as_value(number: float, like: Figure) -> Decimal | float | int:
    if isinstance(like.value, Decimal):
        return Decimal(str(round(number, 2)))
    if isinstance(like.value, int):
        return round(number)
    return number


def _said(way: Way, first: tuple[str, Figure], second: tuple[str, Figure], unit: str = "") -> str | None:
    """ "**No**: A $2.0M against B $2.7M, $693,000 less (26%)." or None when a figure is unknown;
    ``unit`` follows each value ("34,288 employees")."""
    a, b = _number(first[1]), _number(second[1])
    if a is None or b is None:
        return None
    yes = a > b if way == "up" else a < b
    against = " ".join(part for part in (second[0], value(second[1]) + unit) if part)
    apart = gap(first[1], second[1])
    return f"**{'Yes' if yes else 'No'}**: {first[0]} {value(first[1])}{unit} against {against}, {apart}."


def _first_named(question: str, names: Sequence[str]) -> int:
    """The index of the name said first in the question (the one the comparison is about)."""
    text = question.casefold()
    spots = [(text.find(name.casefold()) % (len(text) + 1), index) for index, name in enumerate(names)]
    return min(spots)[1]


def _of_periods(question: str, result: MetricResult) -> str | None:
    if len(result.measures) != 1 or not result.total_changes or result.compare_period is None:
        return None
    change, now = result.total_changes[0], result.total[0]
    if change.previous is None:
        return None
    way = _way(question, now.unit)
    if way is None:
        return None
    before = now.model_copy(update={"value": change.previous})
    return _said(way, (result.period.label, now), (result.compare_period.label, before))


def _of_share(frame: Frame, question: str, result: MetricResult) -> str | None:
    """ "is that higher than last quarter?" after Went dark's share of the losses: its share now against
    its share then, each from the counts the tool returned (the member's and the whole's)."""
    focus = share_focus(frame.slots)
    if focus is None or not result.total_changes or result.compare_period is None:
        return None
    row = next((r for r in result.rows if r.group.casefold() == str(focus[1]).casefold()), None)
    whole = result.total_changes[0].previous
    if row is None or row.share_of_total is None or not row.changes or not whole:
        return None
    part = row.changes[0].previous
    way = _way(question, Unit.RATIO)
    if part is None or way is None:
        return None
    share, earlier = row.share_of_total, float(part) / float(whole)
    total = result.total[0]
    yes = share > earlier if way == "up" else share < earlier
    now = Figure(name="share", value=share, unit=Unit.RATIO, formula="")
    of_now = f"{value(row.figures[0])} of {value(total)}"
    then, all_then = (value(total.model_copy(update={"value": v})) for v in (part, whole))
    of_then = f"{then} of {all_then}"
    return (
        f"**{'Yes' if yes else 'No'}**: {row.group} was {share:.0%} of {result.period.label} ({of_now}) "
        f"against {earlier:.0%} of {result.compare_period.label} ({of_then}), "
        f"{gap(now, now.model_copy(update={'value': earlier}))}."
    )


def _of_members(frame: Frame, question: str, result: MetricResult) -> str | None:
    compared = compared_members(frame.slots)
    if compared is None or len(result.measures) != 1:
        return None
    members = {name.casefold() for name in compared[1]}
    rows = [row for row in result.rows if row.group.casefold() in members]
    if len(rows) != 2 or len(compared[1]) != 2:
        return None
    way = _way(question, result.measures[0].unit)
    if way is None:
        return None
    first = _first_named(question, [row.group for row in rows])
    pair = [(row.group, row.figures[0]) for row in rows]
    return _said(way, pair[first], pair[1 - first])


def _of_reps(frame: Frame, question: str, reps: list[RepPerformance]) -> str | None:
    field = SCORECARD.get(frame.slots.measure or "won_revenue")
    if field is None or len(reps) != 2:
        return None
    figures: list[Figure] = [
        Figure(name="won deals", value=rep.won_deals, unit=Unit.COUNT, formula="")
        if field == "won_deals"
        else getattr(rep, field)
        for rep in reps
    ]
    way = _way(question, figures[0].unit)
    if way is None:
        return None
    first = _first_named(question, [rep.rep for rep in reps])
    # "Lucas Jensen's bookings", not "bookings (closed won)": the headline above says what it counts
    called = PARENTHESIS.sub("", figures[0].name.casefold())
    pair = [(f"{rep.rep}'s {called}", figure) for rep, figure in zip(reps, figures, strict=True)]
    return _said(way, pair[first], pair[1 - first])


def _of_everyone(frame: Frame, question: str, results: list[ToolResult]) -> str | None:
    """ "is retail's win rate higher than overall?": the member's figure against everyone's."""
    if not frame.slots.versus_all or len(results) < 2 or not results[1].ok:
        return None
    first, whole = results[0].output, results[1].output
    if not isinstance(first, MetricResult) or not isinstance(whole, MetricResult):
        return None
    if not first.total or not whole.total or len(first.measures) != 1:
        return None
    way = _way(question, first.measures[0].unit)
    member = next((f.split(": ", 1)[1] for f in first.filters if f not in whole.filters and ": " in f), None)
    if way is None or member is None:
        return None
    return _said(way, (member, first.total[0]), ("overall", whole.total[0]))


def _of_bar(frame: Frame, result: MetricResult) -> str | None:
    if frame.bar is None or not result.total:
        return None
    total = result.total[0]
    bar = total.model_copy(update={"value": _as_value(frame.bar[1], total)})
    name = PARENTHESIS.sub("", result.measures[0].name.casefold())
    return _said("up" if frame.bar[0] == "above" else "down", (name, total), ("", bar))


def _of_accounts(question: str, found: AccountSearchResult) -> str | None:
    """ "is Kan-code bigger than Konex?": two companies by headcount, or by annual revenue when named."""
    if len(found.accounts) != 2:
        return None
    revenue = REVENUE.search(question) is not None
    figures = [
        Figure(name="annual revenue", value=line.annual_revenue, unit=Unit.USD, formula="")
        if revenue
        else Figure(name="employees", value=line.employees, unit=Unit.COUNT, formula="")
        for line in found.accounts
    ]
    way = _way(question, Unit.COUNT)
    if way is None:
        return None
    first = _first_named(question, [line.name for line in found.accounts])
    pair = [(line.name, figure) for line, figure in zip(found.accounts, figures, strict=True)]
    return _said(way, pair[first], pair[1 - first], "" if revenue else " employees")


def verdict(frame: Frame, results: list[ToolResult]) -> str | None:
    """The yes or no a yes/no comparison asks for, from the figures in ``results``, or None."""
    question = frame.question
    if not ASKS_WHETHER.match(question) or not results or not results[0].ok:
        return None
    main = results[0].output
    if isinstance(main, MetricResult):
        return (
            _of_bar(frame, main)
            or _of_everyone(frame, question, results)
            or _of_share(frame, question, main)
            or _of_periods(question, main)
            or _of_members(frame, question, main)
        )
    if isinstance(main, AccountSearchResult):
        return _of_accounts(question, main)
    reps = [
        rep
        for result in results
        if result.ok and isinstance(result.output, PerformanceReport)
        for rep in result.output.reps
    ]
    return _of_reps(frame, question, reps) if reps else None
