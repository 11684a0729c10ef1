"""``salesplan accounts …``: search accounts, show one account, its facts, what it bought, and its
whitespace."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Column, Table

from assistant.interfaces.cli.output import console, record
from assistant.interfaces.cli.scoped import JsonOption, UserOption, emit, reader
from tools.accounts import (
    AccountFacts,
    AccountInput,
    AccountProfile,
    AccountProfileInput,
    AccountPurchases,
    AccountSearch,
    AccountSearchResult,
    WhitespaceInput,
    WhitespaceReport,
)
from tools.evidence import Figure

app = typer.Typer(help="Accounts: search, profile, facts, purchases and whitespace.", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="Account name (close spellings are matched).")]


class SortBy(StrEnum):
    POTENTIAL = "potential"
    NAME = "name"
    OPEN_PIPELINE = "open_pipeline"


def _fig(figure: Figure) -> str:
    return f"{figure.name}: [bold]{figure.display()}[/]"


@app.command("search")
def search(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str | None, typer.Option("--name", help="Part of the account name.")] = None,
    industry: Annotated[str | None, typer.Option(help="Industry, e.g. Healthcare.")] = None,
    segment: Annotated[str | None, typer.Option(help="SMB, Mid-Market or Enterprise.")] = None,
    territory: Annotated[str | None, typer.Option(help="Territory name.")] = None,
    tier: Annotated[str | None, typer.Option(help="Account tier, e.g. A.")] = None,
    owner: Annotated[str | None, typer.Option(help="Account owner's name.")] = None,
    min_potential: Annotated[
        float | None, typer.Option("--min-potential", min=0, help="Minimum potential.")
    ] = None,
    open_pipeline: Annotated[
        bool | None,
        typer.Option("--open-pipeline/--no-open-pipeline", help="Only accounts with (without) open deals."),
    ] = None,
    inactive_days: Annotated[
        int | None,
        typer.Option("--inactive-days", min=1, max=3650, help="Only accounts with no activity in N days."),
    ] = None,
    sort: Annotated[SortBy, typer.Option(help="Sort order.")] = SortBy.POTENTIAL,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many accounts to list.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find accounts by name, industry, segment, territory, tier, owner, potential or inactivity."""
    read = reader(ctx, user)
    params = AccountSearch(
        name=name,
        industry=industry,
        segment=segment,
        territory=territory,
        tier=tier,
        owner=owner,
        min_potential=None if min_potential is None else Decimal(str(min_potential)),
        has_open_pipeline=open_pipeline,
        inactive_days=inactive_days,
        sort_by=sort.value,
        limit=limit,
    )
    emit(read("search_accounts", params, AccountSearchResult), as_json, _print_search)


def _print_search(result: AccountSearchResult) -> None:
    console.print(
        f"{_fig(result.matched)} ({esc('; '.join(result.filters))}) — {_fig(result.total_potential)}, "
        f"{_fig(result.total_open_pipeline)}"
    )
    table = Table(
        Column("Account", no_wrap=True),
        "Industry",
        "Segment",
        "Tier",
        "Territory",
        "Owner",
        "Potential",
        "Open pipeline",
    )
    for line in result.accounts:
        table.add_row(
            esc(line.name),
            esc(line.industry or "-"),
            esc(line.segment or "-"),
            esc(line.tier or "-"),
            esc(line.territory or "-"),
            esc(line.owner or "-"),
            line.potential.display(),
            f"{line.open_pipeline.display()} ({line.open_pipeline.record_count})",
        )
    console.print(table)


@app.command("show")
def show(ctx: typer.Context, name: NameArgument, user: UserOption, as_json: JsonOption = False) -> None:
    """One account: firmographics, contacts, products, deals, recent activity and health."""
    read = reader(ctx, user)
    emit(read("account_profile", AccountProfileInput(account=name), AccountProfile), as_json, _print_profile)


def _print_profile(profile: AccountProfile) -> None:
    firm = profile.firmographics
    place = ", ".join(p for p in (firm.city, firm.state, firm.country) if p)
    console.print(
        f"[bold]{record(firm.name, firm.external_id, firm.url)}[/] — {esc(firm.industry or '-')}, "
        f"{esc(firm.segment or '-')}"
    )
    console.print(
        f"Tier {esc(firm.tier or '-')}, territory {esc(firm.territory or '-')}, "
        f"owner {esc(firm.owner or '-')}{', ' + esc(place) if place else ''}; "
        f"{_fig(firm.potential)}, {_fig(firm.employees)}"
    )
    health = profile.health
    console.print(
        f"{_fig(health.score)} ({health.band}): engagement {health.engagement.display()}, pipeline "
        f"{health.pipeline.display()}, products {health.products.display()}, losses {health.losses.display()}"
    )
    console.print("\n[bold]Contacts[/]")
    for group in profile.contacts.by_role:
        people = ", ".join(
            f"{c.name} ({c.title or '-'}, {c.last_engaged_at or 'never'})" for c in group.contacts
        )
        console.print(f"  {esc(group.buying_role)}: {esc(people)}")
    for gap in profile.contacts.gaps:
        console.print(f"  [yellow]gap:[/] {esc(gap)}")
    console.print(f"\n[bold]Products[/] — {_fig(profile.active_arr)}")
    for product in profile.products:
        console.print(
            f"  {esc(product.product)}: {product.status}, {product.arr.display()} since {product.since}"
        )
    console.print(f"\n[bold]Open deals[/] — {_fig(profile.open_pipeline)}, {_fig(profile.weighted_pipeline)}")
    for deal in profile.open_opportunities:
        console.print(
            f"  {esc(deal.name)}: {deal.stage}, {deal.amount.display()}, close {deal.close_date}, "
            f"next step: {esc(deal.next_step or 'none')}"
        )
    console.print(f"\n[bold]Closed in the last 180 days[/] — {_fig(profile.won_last_180_days)}")
    for deal in profile.recent_closed:
        console.print(f"  {esc(deal.name)}: {deal.stage} {deal.closed_at}, {deal.amount.display()}")
    console.print("\n[bold]Recent activity[/]")
    for activity in profile.recent_activities:
        console.print(f"  {activity.occurred_at:%Y-%m-%d} {activity.kind}: {esc(activity.subject or '')}")


@app.command("facts")
def facts(ctx: typer.Context, name: NameArgument, user: UserOption, as_json: JsonOption = False) -> None:
    """What the data says about a company: industry, size, location, founding year, parent, subsidiaries."""
    read = reader(ctx, user)
    emit(read("account_facts", AccountInput(account=name), AccountFacts), as_json, _print_facts)


def _print_facts(result: AccountFacts) -> None:
    firm = result.firmographics
    place = ", ".join(p for p in (firm.city, firm.state, firm.country) if p)
    console.print(f"[bold]{esc(firm.name)}[/] ({firm.id})")
    lines = {
        "Industry": firm.industry,
        "Segment": firm.segment,
        "Employees": firm.employees.display() if firm.employees.value is not None else None,
        "Annual revenue": firm.annual_revenue.display() if firm.annual_revenue.value is not None else None,
        "Location": place or None,
        "Established": str(firm.year_established) if firm.year_established else None,
        "Parent": firm.parent_account,
        "Subsidiaries": ", ".join(s.name for s in result.subsidiaries) or None,
        "Owner": firm.owner,
        "Territory": firm.territory,
    }
    for label, value in lines.items():
        if value is not None:
            console.print(f"  {label}: {esc(value)}")
    if result.missing:
        console.print(f"  [dim]not in the data: {', '.join(result.missing)}[/]")


@app.command("bought")
def bought(ctx: typer.Context, name: NameArgument, user: UserOption, as_json: JsonOption = False) -> None:
    """What an account has bought: products won there with amounts and dates (and what it owns)."""
    read = reader(ctx, user)
    emit(read("account_purchases", AccountInput(account=name), AccountPurchases), as_json, _print_purchases)


def _print_purchases(result: AccountPurchases) -> None:
    console.print(f"[bold]{esc(result.account.name)}[/] — {_fig(result.total_won)}, from {result.basis}")
    for product in result.products:
        console.print(
            f"  {esc(product.product)}: {product.deals_won} won, {product.amount.display()}, "
            f"{product.first_won} to {product.last_won}"
        )
    for owned in result.owned:
        console.print(
            f"  owns {esc(owned.product)}: {owned.status}, {owned.arr.display()} since {owned.since}"
        )


@app.command("whitespace")
def whitespace(ctx: typer.Context, name: NameArgument, user: UserOption, as_json: JsonOption = False) -> None:
    """Products an account does not own, how often similar accounts own them, and what to cross-sell."""
    read = reader(ctx, user)
    emit(
        read("account_whitespace", WhitespaceInput(account=name), WhitespaceReport),
        as_json,
        _print_whitespace,
    )


def _print_whitespace(report: WhitespaceReport) -> None:
    console.print(f"[bold]{esc(report.account)}[/] owns {esc(', '.join(report.owned) or 'nothing yet')}")
    console.print(f"Peers: {esc(report.peer_group.description)}")
    table = Table(
        Column("Product", no_wrap=True),
        "Status",
        "In pipeline",
        "Peer adoption",
        "List price",
        "Est. value",
        "Expected value",
    )
    for line in report.not_owned:
        table.add_row(
            esc(line.product),
            esc(line.status),
            "yes" if line.open_opportunities else "-",
            line.adoption_rate.display(),
            line.list_price.display(),
            line.estimated_value.display(),
            line.expected_value.display(),
        )
    console.print(table)
    for candidate in report.cross_sell:
        console.print(f"  {candidate.rank}. {esc(candidate.product)} — {esc(candidate.reason)}")
