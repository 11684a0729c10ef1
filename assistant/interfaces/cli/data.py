"""``salesplan data …``: generate a demo data set, import a CRM export, show what is loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from assistant.audit import AuditLog
from assistant.interfaces.cli.errors import err_console
from assistant.interfaces.cli.output import console, import_progress, progress_bar
from assistant.interfaces.cli.users import operator
from tools.errors import InputError, SalesplanError
from tools.store.demo.generate import (
    DEFAULT_ACCOUNTS,
    DEFAULT_AS_OF,
    DEFAULT_SEED,
    generate_dataset,
    has_data,
)

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext
    from tools.store.importer.runner import AdminSpec
    from tools.store.summary import DatasetSummary

app = typer.Typer(help="Load data: generate a demo data set or import a CRM export.", no_args_is_help=True)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} must be a date like 2026-11-20, got {value!r}") from None


@app.command("generate")
def generate(
    ctx: typer.Context,
    accounts: Annotated[int, typer.Option(min=1, help="Number of accounts (about 4 opportunities each).")] = (
        DEFAULT_ACCOUNTS
    ),
    opportunities: Annotated[
        int | None,
        typer.Option(min=1, help="About this many opportunities in all (default about 4.3 per account)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = DEFAULT_SEED,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The data set's 'today' (YYYY-MM-DD).")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the data already in the database.")] = False,
) -> None:
    """Generate a deterministic demo data set into the database."""
    context: AppContext = ctx.obj
    day = parse_date(as_of, "--as-of") or DEFAULT_AS_OF
    with context.engine.connect() as connection:
        if has_data(connection) and not replace:
            raise InputError("the database already holds data; add --replace to overwrite it")
    with progress_bar("Generating accounts") as update:
        report = generate_dataset(
            context.engine,
            context.stages,
            accounts=accounts,
            seed=seed,
            as_of=day,
            opportunities=opportunities,
            progress=update,
        )
    console.print(
        f"Generated {report.rows['accounts']:,} accounts, {report.rows['opportunities']:,} opportunities "
        f"and {report.rows['activities']:,} activities (seed {report.seed}, as of {report.as_of})."
    )
    score_deals(context, report.as_of)


def score_deals(context: AppContext, as_of: dt.date) -> None:
    """Train the win score and score the open deals right after a load (generate, import, sync).

    Done lazily instead, the first forecast question would train it and every answer after it
    that reads the scores (stalled deals, what changed) would differ from the same question asked
    before: the same data must give the same answer whatever was asked first."""
    from tools.scoring.store import refresh

    with progress_bar("Scoring open deals"):
        report = refresh(context.engine, context.stages, context.settings.as_of or as_of)
    console.print(f"Win score: {report['reason']}", markup=False)


@app.command("import")
def import_(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory holding the CSV files.")],
    mapping: Annotated[
        str, typer.Option(help="A packaged mapping name (e.g. 'maven') or a mapping YAML file.")
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The data set's 'today' (default: the latest date in the data)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")] = False,
    admin: Annotated[
        list[str] | None,
        typer.Option(
            "--admin",
            help="Email (or full name) of someone who may see all the data: an existing user gets the "
            "admin role, a new email becomes an admin user. Repeat for several.",
        ),
    ] = None,
) -> None:
    """Import a CRM export: every row is checked first, then everything is written in one transaction."""
    from tools.store.importer.mapping_files import load_mapping
    from tools.store.importer.runner import AdminSpec, import_dataset

    context: AppContext = ctx.obj
    plan = load_mapping(mapping)
    day = parse_date(as_of, "--as-of")
    admins = [AdminSpec(user=who) for who in admin or []]
    with import_progress() as progress:
        report = import_dataset(
            context.engine,
            directory,
            plan,
            stages=context.stages,
            as_of=day,
            dry_run=dry_run,
            progress=progress,
            admins=admins,
        )
    for line in report.warning_lines():
        err_console.print(f"[yellow]warning:[/] {esc(line)}", soft_wrap=True)
    console.print(report.summary(), markup=False)
    for line in report.admins:
        console.print(f"admin: {line}", markup=False)
    if not dry_run:
        request = " ".join(["data import", str(directory), *(f"--admin {who}" for who in admin or [])])
        _audit_admins(context, [*plan.admins, *admins], report.admins, request)
        score_deals(context, report.as_of or context.as_of())


def _audit_admins(context: AppContext, admins: list[AdminSpec], done: list[str], request: str) -> None:
    """An audit entry for each admin the import named: what it did, and who ran it."""
    log = AuditLog(context.engine)
    for spec, what in zip(admins, done, strict=True):
        try:
            viewer = context.viewer(spec.user)
        except SalesplanError:  # two users share the name: the import said what it did
            continue
        log.record(
            viewer,
            channel="cli",
            kind="user_add" if what.startswith("added ") else "user_role",
            question=request,
            outcome="answered",
            latency_ms=0,
            detail=f"{what} (by {operator()})",
        )


@app.command("summary")
def summary(ctx: typer.Context) -> None:
    """Show what the database holds."""
    from tools.store.summary import summarize

    print_summary(summarize(ctx.obj.engine))


def print_summary(data: DatasetSummary) -> None:
    meta = data.meta
    console.print(
        f"[bold]Data set[/]: {meta.get('source', 'empty')}, as of {meta.get('as_of', '-')}  "
        f"({data.rows['accounts']:,} accounts, {data.rows['opportunities']:,} opportunities: "
        f"{data.open:,} open, {data.won:,} won, {data.lost:,} lost)"
    )
    roles = ", ".join(f"{count} {role}" for role, count in sorted(data.roles.items()))
    console.print(f"[bold]People[/]: {roles or 'none'}")
    table = Table("Territory", "Accounts", "Reps", "Open deals", "Open pipeline", title="Territories")
    for line in data.territories:
        table.add_row(
            line.name,
            f"{line.accounts:,}",
            str(line.reps),
            f"{line.open_deals:,}",
            f"${line.open_pipeline:,.0f}",
        )
    console.print(table)
