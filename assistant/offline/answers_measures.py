"""The answer to a metric query: what was computed, the total, the rows, the formula.

The first line restates what was computed: the measure, whose records, the period (and why that
period, when none was named). "Briefly", "in one line" or "too long" give one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant import formatting as fmt
from assistant.offline.frame import Slots
from assistant.offline.intents.spec import Answering
from assistant.offline.members import compared_members, share_focus
from assistant.offline.render import render, value, whose
from assistant.offline.verdicts import gap as _gap
from tools.evidence import Figure, Unit
from tools.semantic.evaluate import threshold_filters
from tools.semantic.measures import INSTALLED_BASE
from tools.semantic.models import Change, MetricResult, MetricRow
from tools.store.schema import Role

ROWS_SHOWN = 12


def _change(change: Change, unit: Unit) -> str:
    if change.previous is None:
        return "no earlier figure"
    before = value(Figure(name="", value=change.previous, unit=unit, formula=""))
    if change.relative is None and change.previous == 0 and unit in (Unit.USD, Unit.COUNT):
        return "up from none"  # nothing booked (or counted) then: not a "$0" to compare with
    if unit is Unit.RATIO and change.absolute is not None and "coverage" not in change.measure:
        # a rate moves by points: 17% to 19% is "up 2.0 points", not "up 12%"
        points = round(float(change.absolute) * 100, 1)
        arrow = "up" if points > 0 else "down" if points < 0 else "flat"
        return f"{arrow} {abs(points):.1f} points from {before}" if points else f"flat at {before}"
    if change.relative is None:
        return f"was {before}"
    arrow = "up" if change.relative > 0 else "down" if change.relative < 0 else "flat"
    return f"{arrow} {abs(change.relative):.0%} from {before}"


def _changes(result: MetricResult) -> str:
    """The total's change: of the one measure, or of each ("win rate flat at 23%, average won deal
    size up 19% from $36,232": a second measure asked beside the first is compared too)."""
    if len(result.measures) == 1:
        return _change(result.total_changes[0], result.measures[0].unit)
    measures = zip(result.measures, result.total_changes, strict=False)
    return ", ".join(f"{_lower(m.name)} {_change(change, m.unit)}" for m, change in measures)


def _fastest(moved: list[MetricRow], lead: MetricRow, direction: str) -> str:
    """When the largest move in value is not the largest in percent, the other one too."""
    relative = [row for row in moved if row.changes[0].relative is not None]
    if not relative:
        return ""
    pick = max if direction == "up" else min
    fastest = pick(relative, key=lambda row: row.changes[0].relative or 0.0)
    rate = fastest.changes[0].relative or 0.0
    if fastest is lead or (rate <= 0 if direction == "up" else rate >= 0):
        return ""
    return f"; in percent, {fastest.group} {'grew' if rate > 0 else 'fell'} the most ({abs(rate):.0%})"


def _lower(name: str) -> str:
    """A measure's name inside a sentence: lower case, but for acronyms ("active ARR")."""
    return " ".join(word if word.isupper() and len(word) > 1 else word.lower() for word in name.split())


#: The bounds a query of "the rest" by size is kept by.
RESTS = frozenset({"max_employees", "max_annual_revenue"})


def _everyone(answering: Answering) -> str | None:
    """ "avg deal size in retail vs overall": the same figure over everyone, the member included."""
    if not answering.frame.slots.versus_all or len(answering.results) < 2:
        return None
    other, first = answering.results[1].output, answering.results[0].output
    if not isinstance(other, MetricResult) or not isinstance(first, MetricResult) or not other.total:
        return None
    left = [f for f in first.filters if f not in other.filters and "period" not in f]
    figure = other.total[0]
    counted = _counted_over(other, other.measures[0].key, figure)
    said = f"{_lower(other.measures[0].name)} {value(figure)}{counted}"
    every = ", ".join(f"every {f.split(':', 1)[0]}" for f in left)
    return f"Overall ({every} together): {said}" if every else f"Overall: {said}"


def _the_rest(answering: Answering) -> str | None:
    """ "GTK 500 vs everything else": the same figure over everything the first one leaves out."""
    other = next(
        (
            r
            for r in answering.results[1:]
            if r.name == "query_metrics" and (r.args.get("exclude") or RESTS & set(r.args))
        ),
        None,
    )
    if other is None or not isinstance(other.output, MetricResult) or not other.output.total:
        return None
    first = answering.results[0].output
    if not other.args.get("exclude") and isinstance(first, MetricResult):
        # "vs smaller ones": the bound the rest is kept by, as its filter reads
        own = [f for f in other.output.filters if f not in first.filters and "period" not in f]
        figure = other.output.total[0]
        counted = (
            f" ({fmt.plural(figure.record_count, _records(other.output))})" if figure.record_count else ""
        )
        said = f"{_lower(other.output.measures[0].name)} {value(figure)}{counted}"
        return f"The rest ({'; '.join(own)}): {said}"
    left_out = ", ".join(f"{value}" for value in other.args["exclude"].values())
    figure = other.output.total[0]
    counted = f" ({fmt.plural(figure.record_count, _records(other.output))})" if figure.record_count else ""
    return (
        f"Everything else (not {left_out}): {_lower(other.output.measures[0].name)} {value(figure)}{counted}"
    )


def _reached(result: MetricResult, more: list[MetricResult]) -> str | None:
    """Attainment by rep: how many reached their quota, from the rows when every rep is shown, or
    from the same query kept to those at 100% or more."""
    if result.measures[0].key != "attainment" or result.group_by != "rep" or not result.rows:
        return None
    if any(" above " in f or " below " in f for f in result.filters):
        return None
    counted = next((m for m in more if m.measures[0].key == "attainment" and m.group_by == "rep"), None)
    if counted is not None:
        reached, reps = counted.groups_total, result.groups_total
    elif result.groups_total <= len(result.rows):
        with_quota = [r for r in result.rows if r.figures[0].value is not None]
        reached, reps = sum(1 for r in with_quota if float(r.figures[0].value or 0) >= 1), len(with_quota)
    else:
        return None
    return f"{reached} of {fmt.plural(reps, 'rep')} reached 100% of their quota"


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


def grouping(result: MetricResult, joiner: str = " and ") -> str:
    """What the rows are grouped by, as read: "rep", "rep and product" (two breakdowns at once)."""
    parts = [key.replace("_", " ") for key in (result.group_by, result.then_by) if key]
    return joiner.join(parts)


def _records(result: MetricResult, key: str | None = None) -> str:
    """What the first measure (or the measure ``key``) counts over: deals, activities, quota rows,
    people or accounts."""
    key = key or result.measures[0].key
    if key in INSTALLED_BASE:
        return "installed product"
    return {"activities": "activity", "quota": "quota", "reps": "rep", "accounts": "account"}.get(key, "deal")


def _unknown_why(result: MetricResult) -> str:
    """Why a measure has no value: no quota behind a ratio to quota, else no records to work from."""
    if result.measures[0].key in ("attainment", "coverage", "quota"):
        return f"no quota is recorded for {result.period.label}"
    return "there are no records to work it out from"


#: Breakdowns by who sells: a rep's own deals fall in one group of each.
PEOPLE_GROUPS = frozenset({"rep", "team", "territory", "region"})


def _alone(answering: Answering, result: MetricResult) -> bool:
    """A rep's own figure is the only group: the rep sees their own deals and no one else's."""
    return answering.viewer.role is Role.REP and len(result.rows) <= 1


def _whose(answering: Answering, result: MetricResult) -> str:
    owner = answering.args.get("rep") or answering.args.get("team")
    people = whose(answering.viewer, owner)
    return {"your": "your", "the": "all"}.get(people, people)


def _headline(answering: Answering, result: MetricResult) -> str:
    each = [_lower(m.name) for m in result.measures]
    names = " and ".join(each) if len(each) < 3 else ", ".join(each[:-1]) + " and " + each[-1]
    if result.group_by == "deal":
        # each deal's own figure: "age of open deals by deal", not an average of one
        names = re.sub(r"\baverage (?=age|days in stage)", "", names)
    names = names[:1].upper() + names[1:]
    group = f" by {grouping(result)}" if result.group_by else ""
    if answering.frame.slots.mean_of_groups and result.group_by and not _alone(answering, result):
        names = f"Average {_lower(result.measures[0].name)} per {result.group_by.replace('_', ' ')}"
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
    if period.label == "all time" and period.end:
        when = f", all time (to {fmt.date(period.end)})"
    if answering.args.get("date_field") == "created" and when:
        when = f", of the deals created in{when.removeprefix(',')}"  # a cohort, by what became of it
    who, records = _whose(answering, result), "deals"
    if result.measures and result.measures[0].key == "reps":
        who, records = ("the whole" if who == "all" else who), "team"
    elif result.measures and result.measures[0].key in INSTALLED_BASE | {"accounts"}:
        records = "accounts"
    return f"{names}{group}, {who} {records}{scope}{when}"


def _bottom_with_some(
    slots: Slots, result: MetricResult, rows: list[MetricRow]
) -> tuple[list[MetricRow], str] | None:
    """ "bottom 5?" of reps by bookings: those with none in the period are said by name, apart from
    the lowest few who have some (a table of five "none" rows would hide the real low sellers)."""
    limit = slots.limit
    if slots.ranking != "bottom" or not limit or result.group_by not in ("rep", "team") or not result.rows:
        return None
    if result.groups_total > len(result.rows):
        return None  # a cut: the rows at the bottom of the whole are not all here
    empty = [row for row in rows if not row.record_count or row.figures[0].value is None]
    if not empty:
        return None
    some = [row for row in rows if row not in empty][:limit]
    names = [row.group for row in empty]
    listed = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    what = _lower(result.measures[0].name)
    said = f"{fmt.plural(len(empty), grouping(result))} with no {what} in the period: {listed}."
    if some:
        said += f" Shown: the lowest {len(some)} of those with some."
    return some, said


#: Second breakdowns read inside each group, in order ("each region, quarter by quarter", "each
#: rep's commit, best case and pipeline"): a few members each, so every row is shown.
SPLIT_INSIDE = frozenset(
    {"day", "week", "month", "quarter", "year", "forecast_category", "stage", "segment", "loss_reason"}
)


def _called_out(end: str | None, result: MetricResult) -> str | None:
    """ "which month was best?" beside the months: the group at that end of the first measure."""
    known = [
        r for r in result.rows if r.figures and r.figures[0].value is not None and not _unrecorded(r.group)
    ]
    if end is None or not known or result.groups_total > len(result.rows):
        return None
    pick = max if end == "top" else min
    row = pick(known, key=lambda r: float(r.figures[0].value or 0))
    word = "Highest" if end == "top" else "Lowest"
    return f"{word}: {row.group}, {value(row.figures[0])}."


def _unrecorded(group: str) -> bool:
    """A group of records without the dimension's value: "(no reason recorded)", "(no segment)"."""
    return group.startswith("(") and group.endswith(")")


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
    r"|nothing more|tl;?dr|short version|keep it short|in a sentence|too long|in short)\b"
    # "shorter please", not "a shorter sales cycle than Lucas" (a comparison)
    r"|\bshorter\b(?! (?:[\w-]+ ){0,3}than\b)"
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
        body = ", ".join(f"{_lower(m.name)} {value(t)}" for m, t in pairs)
    if result.total_changes:
        # "just the total and the % change": the comparison asked for is part of the short answer
        period = result.compare_period.label if result.compare_period else "before"
        body += f"; {_changes(result)} ({period})"
    return f"{head}: {body}."


#: Fewer records than this behind a rate: the rate is said to rest on few deals.
FEW = 5


#: Measures of what lies ahead, which a period still to come has: what is open and due, the quota.
AHEAD = frozenset({"open_pipeline", "open_deals", "weighted_pipeline", "quota", "coverage", "attainment"})


def _not_begun(result: MetricResult, answering: Answering) -> str | None:
    """ "which customers will churn next year?", "how much will we win in 2027?": what has happened
    in a period that has not begun is nothing yet; said, with what can be shown instead (never a
    table of nothing under next year's dates, which reads as a forecast)."""
    start, today = result.period.start, answering.lexicon.as_of
    key = result.measures[0].key
    if start is None or start <= today or key in AHEAD or key in INSTALLED_BASE - {"churned_arr"}:
        return None
    if result.total and result.total[0].record_count and key != "churned_arr":
        return None  # churn is not dated: what has churned so far is no answer about next year
    name = _lower(result.measures[0].name)
    return (
        f"{result.period.label} has not begun (today is {fmt.date(today)}), so there is no {name} in it "
        f"yet: the records say what has happened, and I can't predict what will. I can show the {name} "
        "so far (this year, or any period that has passed), and for what lies ahead, the open pipeline "
        'due then and the forecast ("what\'s my forecast for next quarter?").'
    )


def _number(figure: Figure) -> float:
    """A figure as a number to rank by; an unknown one ranks last."""
    return float("-inf") if figure.value is None else float(figure.value)


def _counts_itself(result: MetricResult) -> bool:
    """ "won deals 89": a count of the records behind it says its own number ("(89 deals)" again adds
    nothing); a second measure beside it still gets the records line."""
    first = result.total[0]
    return len(result.measures) == 1 and first.unit is Unit.COUNT and first.value == first.record_count


def _counted_over(result: MetricResult, key: str, figure: Figure) -> str:
    """ "win rate 57% (227 deals)" beside "lost deals 97": with several measures each says the records
    behind it (one count after both read as the win rate's), and a count says none (its own number)."""
    if not figure.record_count or (figure.unit is Unit.COUNT and figure.value == figure.record_count):
        return ""
    return f" ({fmt.plural(figure.record_count, _records(result, key))})"


def _thresholded(answering: Answering) -> bool:
    slots = answering.frame.slots
    return slots.above is not None or slots.below is not None


def write(result: MetricResult, answering: Answering) -> str:
    """The answer to a metric query: what was computed, the total, the rows, the formula."""
    if result.measures[0].key == "activities" and not answering.lexicon.has_activities:
        # "activity count by agent last month" of an export with no activities: said, not zeros
        return (
            f"**{_headline(answering, result)}**\n\nThe data records no activities at all (no calls, "
            "emails or meetings were imported), so there is nothing to count. I can count deals, "
            'bookings and pipeline by the same breakdown ("won deals by agent last month").'
        )
    if result.measures[0].key in INSTALLED_BASE and not answering.lexicon.has_installed:
        return (
            f"**{_headline(answering, result)}**\n\nThe data records no installed products or ARR (the "
            f"export has deals and accounts only), so {_lower(result.measures[0].name)} cannot be measured "
            "here. I can show won and lost revenue by the same breakdown "
            '("lost revenue by sector this year").'
        )
    ahead = _not_begun(result, answering)
    if ahead is not None:
        return f"**{_headline(answering, result)}**\n\n{ahead}"
    unset = [figure for row in result.rows for figure in row.figures[:1]] + result.total[:1]
    if result.measures[0].key in ("quota", "attainment", "coverage") and all(f.value is None for f in unset):
        # "which of my reps are below quota?" where no quota is on file: said, not a table of "none"
        return (
            f"**{_headline(answering, result)}**\n\nNothing to show: {_unknown_why(result)}, so "
            f"{_lower(result.measures[0].name)} cannot be worked out. I can show what was won by the same "
            'breakdown ("won revenue by rep this quarter") or the open pipeline due.'
        )
    if answering.frame.brief or BRIEF.search(answering.frame.question.casefold()):
        return brief(result, answering)
    several = len(result.measures) > 1
    totals = ", ".join(
        f"{_lower(m.name)} {value(t)}" + (_counted_over(result, m.key, t) if several else "")
        for m, t in zip(result.measures, result.total, strict=False)
    )
    summary = f"In all: {totals}"
    kept = answering.frame.slots.any_of or {}
    if result.total and not result.total[0].record_count and result.rows and result.group_by in kept:
        # "do any of those have open deals?" and none has: say so, not a table of zeros
        listed = fmt.or_list([row.group for row in result.rows], "and")
        return (
            f"**{_headline(answering, result)}**\n\nNone of them: {listed} have no "
            f"{_lower(result.measures[0].name)}."
        )
    if result.total and not result.total[0].record_count and not result.rows:
        # nothing matched: "none", not a "$0" that reads like a measured figure
        kind = "record" if result.measures[0].key in ("activities", "quota", "reps", "accounts") else "deal"
        if result.measures[0].key in INSTALLED_BASE:
            kind = "installed product (the products accounts run, with their ARR)"
        summary = f"None: no {kind} matches, so there is no {_lower(result.measures[0].name)} to give"
    elif result.group_by and not result.rows and _thresholded(answering):
        # "which reps haven't closed anything this quarter?" and every one has: say so, with the
        # total, not an empty table
        group, slots = result.group_by.replace("_", " "), answering.frame.slots
        none = slots.below == 1 and result.measures[0].unit is Unit.COUNT
        measure, unit = _lower(result.measures[0].name), result.measures[0].unit
        limits = threshold_filters(measure, unit, slots.above, slots.below)
        summary = (
            f"None: every {group} in view has {measure} in {result.period.label}"
            if none
            else f"None: no {group} in view has {' and '.join(limits)}"
        ) + f". {summary} ({fmt.plural(result.total[0].record_count, _records(result))})"
    elif (
        result.total and result.measures[0].key in ("attainment", "coverage") and result.total[0].record_count
    ):
        # the deals and the quota rows behind a ratio to quota, not a count of deals
        summary += f" (from {fmt.plural(result.total[0].record_count, 'record')}: deals and quotas)"
    elif result.total and result.total[0].record_count and not _counts_itself(result) and not several:
        summary += f" ({fmt.plural(result.total[0].record_count, _records(result))})"
    if result.total_changes:
        period = result.compare_period.label if result.compare_period else "before"
        summary += f"; {_changes(result)} ({period})"
    if result.shown_together is not None and result.rows:
        # "combined revenue of my top 5 accounts": the ones shown, added up by the tool
        together = result.shown_together
        listed = "listed" if len(result.rows) > ROWS_SHOWN else "shown"
        summary += f". The {len(result.rows)} {listed} together: {value(together)}"
    if answering.frame.slots.mean_of_groups and _alone(answering, result):
        # a rep's scope holds their own deals only: an average over the team is not theirs to see
        summary = (
            f"{summary}. The team average takes in other people's deals, which you can't see (a rep "
            "sees their own deals only), so this is your own figure; your manager can set it beside the "
            "team's"
        )
    elif answering.frame.slots.wider and answering.viewer.role in (Role.REP, Role.MANAGER):
        # "vs company" from a manager or a rep: their scope is not the company, and the answer says so
        mine = "your own deals" if answering.viewer.role is Role.REP else "your team's deals"
        summary = (
            f"{summary}. You see {mine} only, so the {answering.frame.slots.wider}'s figure is not yours to "
            "see; this one covers everything you can see. RevOps can set it beside the company's"
        )
    elif _alone(answering, result) and result.group_by in PEOPLE_GROUPS and result.groups_total <= 1:
        # "which regional office is doing best?" asked by a rep: their own is the only one they see
        group = result.group_by.replace("_", " ")
        summary = (
            f"{summary}. You see your own deals only, so this is your {group} alone, not a ranking "
            f"of every {group}; your manager or revops can compare them"
        )
    elif answering.frame.slots.mean_of_groups and result.rows:
        mean = _mean(result.rows)
        if mean is not None:
            group = (result.group_by or "group").replace("_", " ")
            summary = f"Average over {fmt.plural(len(result.rows), group)}: {value(mean)}. {summary}"
            named = str(answering.frame.slots.owner or "").casefold()
            own = next((r for r in result.rows if named and r.group.casefold() == named), None)
            if own is not None:
                summary = f"{own.group}: {value(own.figures[0])}. {summary}"
    focus = share_focus(answering.frame.slots)
    member = next(
        (r for r in result.rows if focus is not None and r.group.casefold() == str(focus[1]).casefold()), None
    )
    if member is not None and member.share_of_total is not None and result.total:
        summary = (
            f"{member.group}: {member.share_of_total:.0%} of the total "
            f"({value(member.figures[0])} of {value(result.total[0])}). {summary}"
        )
    elif focus is not None and result.total and result.groups_total <= len(result.rows):
        summary = f"{focus[1]}: none of the total (no record is in it). {summary}"
    elif result.share_of_whole is not None and result.whole is not None and result.total:
        # "what share of bookings came from outside California?": the filtered total against all of it
        summary = (
            f"{result.share_of_whole:.0%} of all {_lower(result.measures[0].name)}: "
            f"{value(result.total[0])} of {value(result.whole)}. {summary}"
        )
    rest = _the_rest(answering) or _everyone(answering)
    if rest:
        summary = f"{summary}. {rest}"
    called = _called_out(answering.frame.slots.call_out, result)
    if called:
        summary = f"{called} {summary}"
    rows = result.rows
    whole = result.groups_total <= len(rows)
    if result.then_by in SPLIT_INSIDE and not answering.frame.slots.ranking and whole:
        # "by region, by quarter too": each region's quarters in their order, not mixed by size
        rows = sorted(rows, key=lambda row: row.group)
    reached = _reached(result, answering.outputs(MetricResult)[1:])
    if reached:
        summary = f"{reached}. {summary}"
    compared = compared_members(answering.frame.slots)
    picked = False
    if compared is not None:
        members = {name.casefold() for name in compared[1]}
        rows = [row for row in rows if row.group.casefold() in members] or rows
        picked = len(rows) < len(result.rows)
        summary = f"{summary} (every {(result.group_by or 'group').replace('_', ' ')} together)"
    bottom = _bottom_with_some(answering.frame.slots, result, rows)
    if bottom is not None:
        rows, said = bottom
        summary, picked = f"{said} {summary}", True
    by_change = answering.frame.slots.by_change
    if by_change and rows and all(row.changes for row in rows):
        # "who dropped the most?": the rows by their change in the first measure, the named one first
        moved = [row for row in rows if row.changes[0].absolute is not None]
        if by_change == "any":
            # "who drove the change?": the largest moves either way first
            moved.sort(key=lambda row: abs(float(row.changes[0].absolute or 0)), reverse=True)
        else:
            moved.sort(key=lambda row: float(row.changes[0].absolute or 0), reverse=by_change == "up")
        if moved:
            lead, delta = moved[0], float(moved[0].changes[0].absolute or 0)
            went = "fell" if delta < 0 else "rose" if delta > 0 else "did not change"
            leads_that_way = by_change == "any" or (delta < 0) == (by_change == "down")
            most = "the most" if leads_that_way and delta else "least badly"
            unit = result.measures[0].unit
            amount = value(Figure(name="", value=abs(delta), unit=unit, formula=""))
            by = f" ({abs(delta) * 100:.1f} points)" if unit is Unit.RATIO else f" (by {amount})"
            summary = f"{lead.group} {went} {most}{by}{_fastest(moved, lead, by_change)}. {summary}"
            rows = moved
    ends = answering.frame.slots.both_ends
    if ends and len(rows) > 2 * ends and result.groups_total <= len(result.rows):
        # "the best and worst month": the first and the last few of every group, ranked by the figure
        # (months come in their order, not by size)
        rows = sorted(rows, key=lambda row: -_number(row.figures[0]))
        counted = fmt.plural(len(rows), grouping(result))
        summary = f"The top {ends} and the bottom {ends} of {counted}. {summary}"
        if ends == 1 and rows[0].figures[0].value is not None and rows[-1].figures[0].value is not None:
            # "how much more was the best than the worst": the gap between the two
            high, low = rows[0], rows[-1]
            summary = f"{high.group} against {low.group}: {_gap(high.figures[0], low.figures[0])}. {summary}"
        rows, picked = rows[:ends] + rows[-ends:], True
    # each month of the year for two products: every row of a time breakdown by a second dimension
    cap = (
        ROWS_SHOWN * 2
        if result.then_by and result.group_by in ("month", "quarter", "week")
        else ROWS_SHOWN * 4
        if result.then_by in SPLIT_INSIDE and not answering.frame.slots.ranking
        else ROWS_SHOWN
    )
    lines = [_line(row, result) for row in rows[:cap]]
    shown = min(len(result.rows), cap)
    more = ""
    if result.groups_total > shown and not picked:
        grouped = "group" if result.then_by else (result.group_by or "group").replace("_", " ")
        more = f"Showing {shown} of {fmt.plural(result.groups_total, grouped)}."
    asked = answering.args.get("top")
    if isinstance(asked, int) and 0 < asked < len(result.rows) and not picked:
        # "just the 5 biggest" where 13 share the 5th place: said, not a list of 13 as if 5 were asked
        tied = [row for row in result.rows if row.figures[0].value == result.rows[asked - 1].figures[0].value]
        grouped = (result.group_by or "group").replace("_", " ")
        cut = f"; the first {shown} are shown." if shown < len(result.rows) else "."
        more = (
            f"{fmt.plural(len(tied), grouped)} tie at {value(tied[0].figures[0])} for place {asked}, so "
            f"{len(result.rows)} are in the top {asked}{cut}"
        )
    # the members asked for are shown, not a cut of the breakdown; and where the answer says how many
    # it shows ("Showing 12 of 24 reps"), the tool's own cut ("the largest 23 of 24") is not said too
    notes = [n for n in result.notes if not ((picked or more) and n.startswith("showing the "))]
    if rows and all(_unrecorded(row.group) for row in rows):
        # every record lacks the dimension (an export with no loss reasons): a line, not a table of it
        lines, more = [], ""
        group = (result.group_by or "group").replace("_", " ")
        notes.append(f"The data records no {group} for these records, so they cannot be broken down by it")
    rated = result.measures[0].key in ("win_rate", "loss_rate") and result.group_by != "deal"
    thin = [row for row in rows[:3] if rated and 0 < row.record_count < FEW]
    if thin:
        # "which product has the highest loss rate?": a rate over one deal tops the list; say so
        said = ", ".join(f"{row.group}'s on {fmt.plural(row.record_count, 'closed deal')}" for row in thin)
        notes.append(
            f"Few deals behind some rates ({said}); add 'at least 20 closed' to rank only groups with enough"
        )
    first = result.total[0] if result.total else None
    if result.rows and all(row.figures[0].value is None for row in rows) and first is not None:
        # nothing to show for any group (no quota in the data, no closed deal to rate): a sentence,
        # not a table of n/a
        lines, more = [], ""
        name = _lower(result.measures[0].name)
        summary = f"No {name} can be worked out for any {grouping(result)}: {_unknown_why(result)}"
        if first.record_count:
            summary += f" ({fmt.plural(first.record_count, _records(result))} looked at)"
        notes = [n for n in notes if not n.startswith("showing the")]
    elif first is not None and first.unit is Unit.USD and first.value is None and result.rows:
        # Every amount is unknown: the rows are in no meaningful order; say what can be asked instead.
        notes.append(
            "No deal here has an amount, so these cannot be ranked by value; ask how many deals instead."
        )
    if not result.rows and first is not None and first.value is None and first.unit is not Unit.USD:
        # "what's our attainment?" on data with no quota: why there is no figure, not "n/a"
        summary = f"No {_lower(result.measures[0].name)} can be worked out: {_unknown_why(result)}"
    basis = _basis(result.period_note)
    unrecorded = answering.frame.slots.unrecorded
    if unrecorded:
        basis = f"The data records no {unrecorded}. {basis}".strip()
    missing = answering.frame.slots.unavailable
    if missing:
        # "pipeline created by source": no such field in the data, said before the figure, not dropped
        basis = (
            f"The data has no {missing} to break this down by, so this is the total (it can be broken "
            f"down by rep, team, territory, region, product, account, industry, segment, stage or month). "
            f"{basis}"
        ).strip()
    view = MeasureView(
        headline=_headline(answering, result),
        basis=basis,
        columns=[grouping(result, " · ").capitalize(), *(m.name for m in result.measures)],
        lines=lines,
        more=more,
        summary=summary,
        notes=notes,
        formulas=[f"{m.name} = {m.formula}" for m in result.measures],
    )
    return render("measure", view)
