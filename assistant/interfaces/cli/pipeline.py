"""``salesplan deals …``, ``salesplan pipeline``, ``salesplan forecast``, ``salesplan performance``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from assistant import formatting as fmt
from assistant.interfaces.cli.output import console, echo_json, record
from assistant.interfaces.cli.scoped import JsonOption, PeriodOption, UserOption, emit, reader
from tools.deals.changes import ChangesQuery, PipelineChanges
from tools.deals.details import DealDetails, DealQuery
from tools.deals.forecasting import Forecast, ForecastQuery
from tools.deals.performance import PerformanceQuery, PerformanceReport
from tools.deals.pipeline import GroupBy, PipelineQuery, PipelineSummary
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.deals.stalled_rules import Rule
from tools.deals.win_scores import WinScoreQuery, WinScores
from tools.errors import InputError
from tools.evidence import Figure

deals_app = typer.Typer(help="Deals: stalled and at-risk deals, one deal's details.", no_args_is_help=True)

OwnerOption = Annotated[
    str | None, typer.Option("--owner", help="Only this rep's (or manager's team's) deals.")
]
TerritoryOption = Annotated[str | None, typer.Option("--territory", help="Only deals in this territory.")]


def _line(fig: Figure) -> str:
    return f"{fig.name}: [bold]{fig.display()}[/]"


@deals_app.command("stalled")
def stalled(
    ctx: typer.Context,
    user: UserOption,
    owner: OwnerOption = None,
    territory: TerritoryOption = None,
    rule: Annotated[Rule | None, typer.Option(help="Only deals flagged by this rule.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many deals to list.")] = 25,
    as_json: JsonOption = False,
) -> None:
    """Stalled and at-risk deals, riskiest first, with the evidence and next action for each."""
    read = reader(ctx, user)
    query = StalledQuery(owner=owner, territory=territory, rule=rule, limit=limit)
    emit(read("stalled_deals", query, StalledDeals), as_json, _print_stalled)


def _print_stalled(result: StalledDeals) -> None:
    console.print(
        f"{_line(result.flagged)} of {result.open_deals} open deals, {_line(result.flagged_amount)} "
        f"(as of {result.as_of})"
    )
    for deal in result.deals:
        amount = fmt.deal_amount(deal.amount, deal.amount_estimated)
        console.print(
            f"\n[bold]{record(deal.name, deal.external_id, deal.url)}[/] — {esc(deal.owner)}, "
            f"{deal.stage}, {amount}, risk {deal.risk_score}"
        )
        for flag in deal.flags:
            console.print(f"  • {esc(f'[{flag.severity.value}]')} {flag.title}: {esc(flag.evidence)}")
            console.print(f"    next: {flag.next_action} [dim]({flag.playbook})[/]")
    for skipped in result.skipped_rules:
        console.print(f"[yellow]Rule {skipped.rule.value} not checked:[/] {skipped.reason}")


@deals_app.command("score")
def score(
    ctx: typer.Context,
    user: Annotated[
        str | None, typer.Option("--user", "-u", help="Who is asking: an email or full name.")
    ] = None,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            help="The data set's backtest (no --user): deals closed after the cutoff, scored by a model "
            "trained only on deals closed before it.",
        ),
    ] = False,
    owner: OwnerOption = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many deals to list.")] = 25,
    as_json: JsonOption = False,
) -> None:
    """Win score of open deals (a model trained on your closed deals), with each deal's top factors."""
    if backtest:
        from tools.deals.win_scores import score_backtest

        context = ctx.obj
        repo = context.repository
        result, reason = score_backtest(repo.engine, repo.stages, repo.as_of)
        if as_json:
            echo_json(result.model_dump_json(indent=2))
            return
        console.print(f"[bold]{esc(result.model)}[/]: {esc(reason)}")
        console.print(f"Trained on {result.trained_on:,} closed deals; {len(result.deals):,} held out.")
        return
    if user is None:
        raise InputError("deals score needs --user (or --backtest for the data set's backtest)")
    read = reader(ctx, user)
    emit(read("win_scores", WinScoreQuery(owner=owner, limit=limit), WinScores), as_json, _print_scores)


def _print_scores(result: WinScores) -> None:
    used = "the model" if result.used == "model" else "the stage probability"
    console.print(f"Win scores as of {result.as_of} use {used}: {esc(result.reason)}")
    for deal in result.deals:
        amount = fmt.deal_amount(deal.amount, False)
        console.print(
            f"\n[bold]{record(deal.name, deal.external_id, deal.url)}[/] — {esc(deal.owner)}, {deal.stage}, "
            f"{amount}: win {deal.probability:.0%} (stage {deal.stage_probability:.0%})"
        )
        for factor in deal.factors:
            console.print(f"  • {esc(factor.text)}")


@deals_app.command("forecast-backtest")
def forecast_backtest_command(
    ctx: typer.Context,
    quarters: Annotated[int, typer.Option(min=1, max=12, help="How many past quarters.")] = 4,
    as_json: JsonOption = False,
) -> None:
    """The data set's forecast backtest (no --user): win scores plus run-rate against the
    stage-weighted forecast and what was booked, quarter by quarter."""
    from tools.scoring.forecast import forecast_backtest

    repo = ctx.obj.repository
    result = forecast_backtest(repo.engine, repo.stages, repo.as_of, quarters, repo.fy_start_month)
    if as_json:
        echo_json(result.model_dump_json(indent=2))
        return
    if result.note:
        console.print(f"[yellow]{esc(result.note)}[/]")
    table = Table(
        "Quarter", "Actual", "Stage-weighted", "Error", "Win score + run-rate", "80% range", "Error"
    )
    for q in result.quarters:
        score = f"${q.win_score:,.0f}" if q.win_score is not None else "-"
        span = f"${q.low:,.0f}-${q.high:,.0f}" if q.low is not None and q.high is not None else "-"
        table.add_row(
            q.quarter,
            f"${q.actual:,.0f}",
            f"${q.stage_weighted:,.0f}",
            f"{q.stage_error:+.1%}" if q.stage_error is not None else "-",
            score,
            span,
            f"{q.win_score_error:+.1%}" if q.win_score_error is not None else "-",
        )
    console.print(table)
    if result.stage_mean_abs_error is not None:
        mean_error = result.win_score_mean_abs_error
        shown = f"{mean_error:.1%}" if mean_error is not None else "not available"
        console.print(
            f"Mean absolute error: stage-weighted {result.stage_mean_abs_error:.1%}, "
            f"win score + run-rate {shown}; actual within the 80% range in {result.within_range} quarters"
        )


@deals_app.command("snapshot")
def snapshot(ctx: typer.Context) -> None:
    """Record today's open pipeline (the data set's as_of) for "what changed" views; run it daily
    from cron when the data is kept current (generate and import record their own)."""
    from tools.store.snapshots import record_snapshot

    repo = ctx.obj.repository
    count = record_snapshot(repo.engine, repo.stages, repo.as_of)
    console.print(f"Recorded the open pipeline of {repo.as_of}: {count:,} deals.")


@deals_app.command("changes")
def changes(
    ctx: typer.Context,
    user: UserOption,
    since: Annotated[
        str,
        typer.Option(help="'last week', 'yesterday', 'monday', 'my last digest', '10 days ago' or a date."),
    ] = "last week",
    owner: OwnerOption = None,
    territory: TerritoryOption = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Deals listed per group.")] = 5,
    chart: Annotated[Path | None, typer.Option(help="Write the waterfall chart to this PNG file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """What changed in the open pipeline since a day: new, advanced, pushed, amount up/down, won, lost."""
    read = reader(ctx, user)
    query = ChangesQuery(since=since, owner=owner, territory=territory, limit=limit)
    result = read("pipeline_changes", query, PipelineChanges)
    if chart is not None:
        from tools.deals.changes_chart import draw_waterfall

        draw_waterfall(result, chart)
    emit(result, as_json, _print_changes)
    if chart is not None and not as_json:
        console.print(f"Waterfall chart: {esc(str(chart))}")


def _print_changes(result: PipelineChanges) -> None:
    console.print(
        f"[bold]Open pipeline {result.start} → {result.end}[/]: ${result.start_value:,.0f} "
        f"({result.start_deals:,} deals) → ${result.end_value:,.0f} ({result.end_deals:,} deals)"
    )
    if result.note:
        console.print(f"[dim]{esc(result.note)}[/]")
    for group in result.groups:
        if not group.count:
            continue
        console.print(f"\n[bold]{group.title}[/]: {group.count:,} deals, ${group.amount:,.0f}")
        for deal in group.deals:
            console.print(
                f"  • {record(deal.name, deal.external_id, deal.url)} — {esc(deal.owner)}: "
                f"{deal.stage_before or '-'} → {deal.stage or 'closed'}, "
                f"{_money(deal.amount_before, deal.stage_before)} → {_money(deal.amount, deal.stage)}, "
                f"close {deal.close_date_before or '-'} → {deal.close_date or '-'}"
            )


def _money(amount: Decimal | None, stage: str | None) -> str:
    return fmt.deal_amount(amount, False) if stage else "-"


@deals_app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Deal name or id.")],
    user: UserOption,
    as_json: JsonOption = False,
) -> None:
    """One deal: stage, amount, dates, next step, stage history and recent activity."""
    read = reader(ctx, user)
    emit(read("deal_details", DealQuery(deal=name), DealDetails), as_json, _print_deal)


def _print_deal(deal: DealDetails) -> None:
    amount = fmt.deal_amount(deal.amount, deal.amount_estimated, deal.estimate_basis)
    console.print(
        f"[bold]{record(deal.name, deal.external_id, deal.url)}[/] — {esc(deal.account or 'no account')}, "
        f"owner {esc(deal.owner)}"
    )
    console.print(
        f"{deal.stage}, {amount}, close {deal.close_date}, next step: {esc(deal.next_step or 'none')}"
        f" ({deal.next_step_date or '-'})"
    )
    for entry in deal.history:
        console.print(f"  {entry.changed_at}  {entry.stage:<14} close {entry.close_date}")
    for activity in deal.activities:
        console.print(f"  {activity.occurred_at:%Y-%m-%d} {activity.kind}: {esc(activity.subject or '')}")


def pipeline(
    ctx: typer.Context,
    user: UserOption,
    period: PeriodOption = None,
    by: Annotated[GroupBy, typer.Option("--by", help="Break down by this dimension.")] = GroupBy.STAGE,
    owner: OwnerOption = None,
    territory: TerritoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open pipeline: count, amount and weighted amount by stage, owner, product, territory or month."""
    read = reader(ctx, user)
    query = PipelineQuery(period=period, group_by=by, owner=owner, territory=territory)
    emit(read("pipeline_summary", query, PipelineSummary), as_json, _print_pipeline)


def _print_pipeline(result: PipelineSummary) -> None:
    table = Table(result.group_by.value.replace("_", " ").title(), "Deals", "Amount", "Weighted")
    for group in result.groups:
        table.add_row(
            group.key, f"{group.count:,}", f"${group.amount:,.0f}", f"${group.weighted_amount:,.0f}"
        )
    console.print(table)
    console.print(
        f"{_line(result.open_pipeline)}, {_line(result.weighted_pipeline)}, {_line(result.deal_count)}"
    )
    console.print(f"[dim]filters: {'; '.join(result.filters)}[/]")


def forecast_command(
    ctx: typer.Context,
    user: UserOption,
    period: PeriodOption = None,
    owner: OwnerOption = None,
    territory: TerritoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Forecast for a period (default this quarter): closed won, commit, best case, pipeline vs quota."""
    read = reader(ctx, user)
    query = ForecastQuery(period=period or "this quarter", owner=owner, territory=territory)
    emit(read("forecast", query, Forecast), as_json, _print_forecast)


def _print_forecast(result: Forecast) -> None:
    console.print(
        f"[bold]Forecast {result.period.label}[/] ({result.period.start} to {result.period.last_day})"
    )
    for fig in (
        result.closed_won,
        result.commit,
        result.best_case,
        result.pipeline,
        result.quota,
        result.attainment,
        result.gap_to_quota,
        result.coverage,
        result.weighted_forecast,
    ):
        console.print(f"  {_line(fig)}")
    expected = result.expected
    if expected is not None:
        money = fmt.money
        console.print(
            f"  Expected bookings: [bold]{money(expected.value)}[/] (80% range {money(expected.low)} to "
            f"{money(expected.high)}): {money(expected.closed_won)} won + {money(expected.open_expected)} "
            f"from open deals by {expected.probability} + {money(expected.run_rate)} not yet created "
            f"({expected.days_left} days left)"
        )


def performance(
    ctx: typer.Context,
    user: UserOption,
    period: PeriodOption = None,
    rep: Annotated[str | None, typer.Option("--rep", help="A rep, or a manager's team.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rep scorecards: quota, bookings, attainment, win rate, deal size, cycle, pipeline, coverage."""
    read = reader(ctx, user)
    query = PerformanceQuery(rep=rep, period=period or "this quarter")
    emit(read("rep_performance", query, PerformanceReport), as_json, _print_performance)


def _print_performance(result: PerformanceReport) -> None:
    table = Table(
        "Rep",
        "Quota",
        "Bookings",
        "Attainment",
        "Win rate",
        "Avg deal",
        "Cycle",
        "Pipeline",
        "Coverage",
        title=f"Performance {result.period.label}",
    )
    for rep in result.reps:
        table.add_row(
            rep.rep,
            *(
                f.display()
                for f in (
                    rep.quota,
                    rep.bookings,
                    rep.attainment,
                    rep.win_rate,
                    rep.average_deal_size,
                    rep.sales_cycle,
                    rep.open_pipeline,
                    rep.coverage,
                )
            ),
        )
    console.print(table)
