"""``salesplan manager …``: forecast-call prep, 1:1 prep, who may miss their number, and
qualification scorecards, each as the user sees it (``--user``), in the words of the chat answers
(:mod:`assistant.offline.answers_manager`) or as the tool's JSON (``--json``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from assistant.interfaces.cli.output import console
from assistant.interfaces.cli.scoped import JsonOption, PeriodOption, UserOption, emit, reader
from tools.manager import (
    ForecastCallPrep,
    ForecastCallQuery,
    OneOnOnePrep,
    OneOnOneQuery,
    QualificationQuery,
    QuotaPace,
    QuotaRiskQuery,
    Scorecards,
)
from tools.viewer import Viewer

app = typer.Typer(
    help="Manager views: forecast-call prep, 1:1 prep, who may miss their number, qualification scorecards.",
    no_args_is_help=True,
)

OwnerOption = Annotated[str | None, typer.Option("--owner", help="Only this rep (or this manager's team).")]
TerritoryOption = Annotated[str | None, typer.Option("--territory", help="Only this territory.")]
SinceOption = Annotated[
    str,
    typer.Option(
        "--since",
        help="'last week' (default), 'monday', 'yesterday', 'my last digest', '10 days ago' or a date.",
    ),
]


def _show(ctx: typer.Context, viewer: Viewer, markdown: str) -> None:
    """An answer in the terminal, its records named as people read them (name and source CRM id)."""
    from rich.markdown import Markdown

    from assistant.references import references_in, render_references
    from tools.evidence import describe_records

    sources = describe_records(ctx.obj.repository, viewer, references_in(markdown))
    console.print(Markdown(render_references(markdown, sources)), soft_wrap=False)


def _print(ctx: typer.Context, viewer: Viewer, write: Any, args: dict[str, Any]) -> Any:
    return lambda result: _show(ctx, viewer, write(result, args, viewer))


@app.command("forecast-call")
def forecast_call(
    ctx: typer.Context,
    user: UserOption,
    since: SinceOption = "last week",
    owner: OwnerOption = None,
    territory: TerritoryOption = None,
    period: PeriodOption = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="Deals listed per section.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Forecast-call prep: what moved in commit and best case since a day, and the deals to inspect."""
    from assistant.offline.answers_manager import forecast_call as write

    read = reader(ctx, user)
    query = ForecastCallQuery(
        since=since, owner=owner, territory=territory, period=period or "this quarter", limit=limit
    )
    result = read("forecast_call_prep", query, ForecastCallPrep)
    emit(result, as_json, _print(ctx, read.viewer, write, {"owner": owner}))


@app.command("one-on-one")
def one_on_one(
    ctx: typer.Context,
    user: UserOption,
    rep: Annotated[str | None, typer.Argument(help="The rep (default: you, when you are a rep).")] = None,
    period: PeriodOption = None,
    limit: Annotated[int, typer.Option(min=1, max=25, help="Deals at risk listed.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """1:1 prep for a rep: pace to quota, deals at risk by value at risk, coaching topics (playbook)."""
    from assistant.offline.answers_manager import one_on_one as write

    read = reader(ctx, user)
    result = read(
        "one_on_one_prep", OneOnOneQuery(rep=rep, period=period or "this quarter", limit=limit), OneOnOnePrep
    )
    emit(result, as_json, lambda found: _show(ctx, read.viewer, write(found, read.viewer)))


@app.command("quota-risk")
def quota_risk(
    ctx: typer.Context,
    user: UserOption,
    owner: OwnerOption = None,
    territory: TerritoryOption = None,
    period: PeriodOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who is at risk of missing their number: each rep's pace to quota, largest gap first."""
    from assistant.offline.answers_manager import quota_risk as write

    read = reader(ctx, user)
    query = QuotaRiskQuery(owner=owner, territory=territory, period=period or "this quarter")
    emit(read("quota_risk", query, QuotaPace), as_json, _print(ctx, read.viewer, write, {"owner": owner}))


@app.command("scorecard")
def scorecard(
    ctx: typer.Context,
    user: UserOption,
    deal: Annotated[
        str | None, typer.Argument(help="One deal (its name or id); default your open deals.")
    ] = None,
    missing: Annotated[
        str | None, typer.Option("--missing", help="Only deals without this letter, e.g. 'economic buyer'.")
    ] = None,
    methodology: Annotated[
        str, typer.Option("--methodology", help="meddpicc (default) or bant.")
    ] = "meddpicc",
    owner: OwnerOption = None,
    account: Annotated[str | None, typer.Option("--account", help="Only this account's deals.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Deals listed.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Qualification scorecard per deal (MEDDPICC or BANT) from the CRM's contact roles and fields."""
    from assistant.offline.answers_manager import scorecard as write

    read = reader(ctx, user)
    query = QualificationQuery(
        deal=deal, missing=missing, methodology=methodology, owner=owner, account=account, limit=limit
    )
    emit(
        read("qualification_scorecard", query, Scorecards),
        as_json,
        _print(ctx, read.viewer, write, {"owner": owner}),
    )
