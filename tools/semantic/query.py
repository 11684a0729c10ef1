"""The ``query_metrics`` tool: any declared measure, broken down, filtered, ranked and compared.

A query names measures (:data:`~tools.semantic.measures.MEASURES`), at most one breakdown (a
dimension or a time grain, :mod:`tools.semantic.dimensions`), filters, a period and a comparison;
it is compiled into scoped SQL (:mod:`tools.semantic.compile`) and aggregated
(:mod:`tools.semantic.evaluate`). Nothing about a metric is written here.

Period rules (also in every result's ``period_note``):

* no period on a performance measure (won or lost revenue and deals, closed deals, win rate, deal
  size, sales cycle), on pipeline or deals created, or on activities: fiscal year to date;
* open pipeline, weighted pipeline, open deals and days in stage: every open deal, whatever its
  close date, unless a period is given (then deals whose close date falls in it);
* quota, attainment and coverage: the current quarter (quota is set per quarter);
* ``date_field`` moves the period (and time buckets) to another date of the deals: ``close``
  (closed_at of closed deals, close_date of open ones) or ``created`` (created_at).
"""

from __future__ import annotations

import re

from tools.errors import InputError
from tools.evidence import Unit
from tools.metrics import ratio
from tools.semantic.bounds import (
    account_size,
    ages,
    amount_between,
    amount_unknown,
    inactive,
    missing_field,
    past_due,
    pushed,
)
from tools.semantic.compile import Grouped, Plan, check_breakdown, fetch
from tools.semantic.dimensions import DIMENSIONS, Dimension
from tools.semantic.evaluate import (
    Ranking,
    Series,
    estimated_amounts,
    missing_in_total,
    rows,
    threshold_filters,
    together,
    totals,
)
from tools.semantic.facts import Basis
from tools.semantic.filters import RESOLVERS, Narrowing, among, each_of_filter, excluded, narrow
from tools.semantic.grains import GRAINS, Grain
from tools.semantic.joined import Link
from tools.semantic.measures import MEASURES, Measure
from tools.semantic.models import MeasureInfo, MetricQuery, MetricResult, MetricRow, row_limit
from tools.semantic.notes import dated_by, explain, info, period_note, window_filter
from tools.semantic.windows import Window, asked, compared_window, default_window
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Role, User


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z%]+", " ", text.casefold()).split())


def measure_named(text: str) -> Measure:
    """The measure ``text`` names: its key, its name or an alias, in any case."""
    wanted = _words(text)
    for measure in MEASURES.values():
        if wanted in {_words(measure.key), _words(measure.name), *map(_words, measure.aliases)}:
            return measure
    raise InputError(f"unknown measure {text!r}; measures are {', '.join(MEASURES)}")


def breakdown_named(text: str) -> Dimension | Grain:
    """The dimension or time grain ``text`` names: its key, its name or an alias."""
    wanted = _words(text)
    for dimension in DIMENSIONS.values():
        if wanted in {_words(dimension.key), _words(dimension.name), *map(_words, dimension.aliases)}:
            return dimension
    for grain in GRAINS.values():
        if wanted in {_words(grain.key), *map(_words, grain.aliases)}:
            return grain
    raise InputError(
        f"cannot group by {text!r}; dimensions are {', '.join(DIMENSIONS)} "
        f"and time grains {', '.join(GRAINS)}"
    )


def _narrowings(repo: Repository, viewer: ViewerLike, params: MetricQuery) -> list[Narrowing]:
    found = [
        narrow(repo, viewer, field, name)
        for field in RESOLVERS
        if (name := getattr(params, field, None)) is not None and name.strip()
    ]
    found += [excluded(repo, viewer, field, name) for field, name in (params.exclude or {}).items()]
    found += [among(repo, viewer, field, names) for field, names in (params.any_of or {}).items()]
    unknown = [amount_unknown()] if params.without_amount else []
    unknown += [missing_field(params.missing)] if params.missing and params.missing.strip() else []
    aged = ages(repo.as_of, params.min_age_days, params.max_age_days, params.min_days_in_stage)
    aged += [inactive(repo.as_of, params.inactive_days)] if params.inactive_days else []
    aged += [pushed(params.min_pushes)] if params.min_pushes else []
    aged += [pushed(params.max_pushes, at_most=True)] if params.max_pushes is not None else []
    aged += [past_due(repo.as_of)] if params.past_due else []
    sized = account_size(
        (params.min_employees, params.max_employees), (params.min_annual_revenue, params.max_annual_revenue)
    )
    return found + amount_between(params.min_amount, params.max_amount) + sized + unknown + aged


def _people(
    repo: Repository, viewer: ViewerLike, by: Dimension | Grain, narrowings: list[Narrowing]
) -> list[str]:
    """The reps in scope, for a count (or a sum ranked from the bottom) broken down by rep with no other
    filter on people: a rep with no record gets a row rather than vanishing from "who has the fewest".
    Not under a filter on a place ("activity per rep in the east"): a rep elsewhere is no zero there."""
    places = ("rep", "team", "territory", "region", "not_territory", "not_region")
    if not isinstance(by, Dimension) or by.key != "rep" or any(n.field in places for n in narrowings):
        return []
    with repo.connect() as connection:
        return list(connection.execute(repo.users(viewer, User.name).where(User.role == Role.REP)).scalars())


def _check_filters(measures: list[Measure], narrowings: list[Narrowing]) -> None:
    """Refuse a filter none of the measures' records carry (deals have no activity type)."""
    activities = any(Basis.ACTIVITY in m.needs for m in measures)
    for narrowing in narrowings:
        if Link.ACTIVITY in narrowing.links and not activities:
            raise InputError(
                f"{narrowing.description} filters activities only; use the activities measure with it"
            )


def query_metrics(repo: Repository, viewer: ViewerLike, params: MetricQuery) -> MetricResult:
    """Compute any sales measure, optionally broken down, filtered, ranked and compared.

    Measures: won_revenue (bookings), won_deals, lost_deals, lost_revenue, closed_deals, win_rate,
    loss_rate, open_pipeline, weighted_pipeline, open_deals, pipeline_created, deals_created,
    average_deal_size, average_lost_deal_size, median_deal_size, average_sales_cycle, median_sales_cycle,
    average_days_in_stage, average_deal_age, quota, attainment, coverage, activities. Dimensions: rep,
    team, territory, region, product, product_family, account, parent_account, industry, segment, tier,
    country, state, city, stage, forecast_category, activity_type; time grains: day, week, month,
    quarter, year. Without a period, won/lost, win rate, deal size, cycle, created and activity
    measures cover fiscal year to date; open pipeline measures cover every open deal; quota,
    attainment and coverage the current quarter.
    Deals without an amount are counted in counts and reported, never summed as $0.

    Args:
        measure: A measure key, e.g. won_revenue, win_rate, open_pipeline, attainment (or 'bookings').
        also: More measures computed for the same groups.
        group_by: A dimension or time grain to break down by (e.g. rep, product, month).
        then_by: A second dimension or grain inside the first (rows are pairs, e.g. rep · product).
        rep: A rep's name (a manager's name means their team).
        team: A manager's name: their team's records.
        territory: Territory name.
        region: Region name.
        product: Product name.
        product_family: Product family (series) name.
        account: Account name.
        parent_account: An account with its subsidiaries (the group it heads).
        industry: Account industry.
        segment: Account segment.
        tier: Account tier: 'A'.
        country: The account's country.
        state: The account's state: 'Texas' or 'TX'.
        city: The account's city.
        loss_reason: Why a lost deal was lost, as recorded.
        stage: Deal stage, or several: 'Proposal, Negotiation'.
        forecast_category: commit, best_case, pipeline…
        exclude: Leave out what a filter would keep, e.g. {'country': 'United States'}.
        any_of: Keep what any of several names of one filter would keep, e.g. {'account': ['Acme',
            'Globex']} (the accounts an earlier answer listed).
        each_of: Only records at accounts with a record of every one of several names in the period, e.g.
            {'product': ['GTK 500', 'MG Advanced']} by account: the accounts that bought both.
        activity_type: Activity kind as recorded (call, meeting, email…), or several: 'call, meeting'.
        min_age_days: Only deals created at least this many days ago.
        max_age_days: Only deals created at most this many days ago.
        min_days_in_stage: Only deals in their current stage at least this many days.
        inactive_days: Only deals with no activity in this many days (none ever recorded included).
        min_pushes: Only deals whose close date was pushed out at least this many times.
        max_pushes: Only deals whose close date was pushed out at most this many times (0: never).
        past_due: Only open deals whose close date has passed.
        min_amount: Only deals of at least this amount.
        max_amount: Only deals of at most this amount.
        min_employees: Only records at accounts with at least this many employees.
        max_employees: Only records at accounts with at most this many employees.
        min_annual_revenue: Only records at accounts whose own annual revenue is at least this.
        max_annual_revenue: Only records at accounts whose own annual revenue is at most this.
        min_records: Only groups with at least this many records behind the first measure.
        missing: Only deals where this field is empty: account, product, close_date, next_step or created.
        without_amount: Only deals whose amount is unknown (none recorded, or estimated).
        period: 'this quarter', 'Q3 2026', 'last year', 'YTD', '2026-01-01..2026-03-31'.
        date_field: Which deal date the period applies to: close or created (default: the measure's own).
        compare: previous_period, last_year or a named period ('all of last year'): also that earlier
            period, with the change.
        top: Only the first N groups by the measure (1-50; a tie at the Nth is kept).
        order: desc (largest first) or asc (bottom N).
        share_of_total: Give each group's share of the total.
        above: Only groups whose first measure is above this (a ratio as 0.5 for 50%).
        below: Only groups whose first measure is below this (a ratio as 0.5 for 50%).
    """
    measures = list({m.key: m for m in map(measure_named, [params.measure, *params.also])}.values())
    by = breakdown_named(params.group_by) if params.group_by and params.group_by.strip() else None
    then = breakdown_named(params.then_by) if params.then_by and params.then_by.strip() else None
    if then is not None and by is None:
        by, then = then, None
    if then is not None and by is not None and then.key == by.key:
        then = None
    for measure in measures:
        check_breakdown(by, measure.needs)
        check_breakdown(then, measure.needs)
    narrowings = _narrowings(repo, viewer, params)
    _check_filters(measures, narrowings)
    every = tuple(
        narrow(repo, viewer, field, name) for field, names in (params.each_of or {}).items() for name in names
    )
    plan = Plan(by, then, tuple(narrowings), params.date_field, repo.fy_start_month, every)
    as_of, fy = repo.as_of, repo.fy_start_month
    windows = {
        m.key: asked(params.period, as_of, fy) if params.period else default_window(m.default, as_of, fy)
        for m in measures
    }
    earlier = {key: compared_window(params.compare, window, as_of, fy) for key, window in windows.items()}
    cache: dict[tuple[Basis, Window], list[Grouped]] = {}

    def records(basis: Basis, window: Window) -> list[Grouped]:
        if (basis, window) not in cache:
            cache[basis, window] = fetch(repo, viewer, basis, window, plan)
        return cache[basis, window]

    scope = ["viewer's scope", *(n.description for n in narrowings), *each_of_filter(every)]
    if by is not None:
        scope += threshold_filters(measures[0].name, measures[0].unit, params.above, params.below)
        at_least, each = params.min_records, str(params.group_by).replace("_", " ")
        kept = f"each {each} with any" if at_least == 1 else f"groups of at least {at_least} records"
        scope += [kept] if at_least else []
    series = []
    for m in measures:
        window, before = windows[m.key], earlier[m.key]
        series.append(
            Series(
                m,
                {b: records(b, window) for b in m.needs},
                {b: records(b, before) for b in m.needs} if before is not None else None,
                (*scope, window_filter(m, window, params.date_field)),
            )
        )
    total, total_changes = totals(series, as_of)
    whole = None
    if params.share_of_total and by is None and narrowings and measures[0].additive:
        # "what share of bookings came from outside California?": the filtered total against the
        # same measure over everything in scope, in the same period
        m = measures[0]
        unfiltered = Plan(None, None, (), params.date_field, repo.fy_start_month)
        everything = {b: fetch(repo, viewer, b, windows[m.key], unfiltered) for b in m.needs}
        scoped = ("viewer's scope", window_filter(m, windows[m.key], params.date_field))
        whole = totals([Series(m, everything, None, scoped)], as_of)[0][0]
    ranking = Ranking(
        params.top,
        params.order == "desc",
        isinstance(by, Grain),
        params.share_of_total,
        row_limit(len(measures), params.compare is not None),
        params.above,
        params.below,
        params.min_records,
    )
    shown: list[MetricRow] = []
    groups = 0
    combined = None
    if by is not None:
        grouped_by = by.key if then is None else f"{by.key} and {then.key}"
        # the people with none of it count among the fewest ("who booked the least?": the rep with no
        # win at all); a count lists them always
        bottom = params.order == "asc" or params.below is not None
        counted = measures[0].additive and (measures[0].unit is Unit.COUNT or bottom)
        members = _people(repo, viewer, by, narrowings) if then is None and counted else []
        # "do any of those have open deals?": each member named gets a row, with records or none
        # (not when another filter narrows them: "which of those are quiet?" lists the quiet ones)
        if by.key != "deal" and then is None and len(narrowings) == 1:
            members += [m for m in narrowings[0].members if narrowings[0].field == by.key]
        shown, groups = rows(series, as_of, grouped_by, total, ranking, members)
        if params.top is not None and not isinstance(by, Grain) and then is None:
            combined = together(measures[0], shown, groups)
    first, compared = windows[measures[0].key], earlier[measures[0].key]
    notes = explain(params, measures, narrowings, first, as_of)
    if by is not None and groups > len(shown) and params.top is None:
        kind = "latest" if isinstance(by, Grain) else "largest" if params.order == "desc" else "smallest"
        notes.append(f"showing the {kind} {len(shown)} of {groups} groups; ask for the top N to choose")
    missing = missing_in_total(series)
    if missing:
        notes.append(
            f"{missing} deals have no amount: counted in deal counts, left out of sums and averages "
            "(amount unknown, not $0)"
        )
    guessed = estimated_amounts(series)
    if guessed:
        basis = repo.estimate_basis() or "a looked-up value"
        notes.append(f"{guessed} deals' amounts are estimates ({basis}), included in the sums as estimated")
    return MetricResult(
        measures=[
            MeasureInfo(
                key=m.key,
                name=m.name,
                unit=m.unit,
                formula=m.formula,
                period=info(windows[m.key]),
                dated_by=dated_by(m, params.date_field),
            )
            for m in measures
        ],
        group_by=by.key if by is not None else None,
        then_by=then.key if then is not None else None,
        filters=scope,
        period=info(first),
        period_note=period_note(params, measures, windows),
        compare=params.compare,
        compare_period=info(compared) if compared is not None else None,
        total=total,
        total_changes=total_changes,
        whole=whole,
        share_of_whole=ratio(total[0].value or 0, whole.value) if whole is not None and whole.value else None,
        rows=shown,
        groups_total=groups,
        shown_together=combined,
        missing_amounts=missing,
        estimated_amounts=guessed,
        notes=notes,
    )
