"""``salesplan slack``: run the Slack app (Socket Mode or HTTP), and ``slack digest``."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.interfaces.cli.output import console

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

app = typer.Typer(
    help="The Slack app: run it (--socket or --http), or send the stalled-deal digest.",
    invoke_without_command=True,
)


@app.callback()
def slack(
    ctx: typer.Context,
    socket: Annotated[bool, typer.Option("--socket", help="Socket Mode (needs SLACK_APP_TOKEN).")] = False,
    http: Annotated[bool, typer.Option("--http", help="HTTP mode: Slack posts to /slack/events.")] = False,
    host: Annotated[str, typer.Option("--host", help="HTTP mode: interface to listen on.")] = "0.0.0.0",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="HTTP mode: port to listen on.")
    ] = 3000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="HTTP mode: worker processes sharing the port (each event is still answered once).",
        ),
    ] = 1,
) -> None:
    """Run the Slack app: --socket (Socket Mode) or --http --port P (HTTP mode)."""
    if ctx.invoked_subcommand is not None:
        if socket or http:
            raise typer.BadParameter("--socket and --http run the app; leave them out for a subcommand")
        return
    if socket == http:
        raise typer.BadParameter("choose one of --socket or --http")
    if socket and workers > 1:
        raise typer.BadParameter("--workers is for --http; run several --socket processes instead")
    context: AppContext = ctx.obj
    context.engine  # noqa: B018 - open (and migrate) the database before taking requests
    if socket:
        from assistant.interfaces.slack.app import run_socket_mode

        console.print("Salesplan Slack app: connecting in Socket Mode…")
        context.warm_playbook()
        asyncio.run(run_socket_mode(context))
        return
    import uvicorn

    from assistant.interfaces.slack.app import build_slack_app
    from assistant.interfaces.slack.http import EVENTS_PATH, create_slack_http_app

    bolt, runtime = build_slack_app(context)  # also checks the Slack settings before serving
    context.warm_playbook()
    console.print(f"Salesplan Slack app: serving {EVENTS_PATH} on http://{host}:{port}")
    if workers == 1:
        uvicorn.run(create_slack_http_app(bolt, runtime), host=host, port=port, log_level="info")
        return
    # Each worker builds its own app from the same environment.
    uvicorn.run(
        "assistant.interfaces.slack.http:create_slack_server",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
    )


@app.command("digest")
def digest(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compose every digest; send and record nothing.")
    ] = False,
    day: Annotated[
        str | None, typer.Option("--day", help="The day the digest is for (YYYY-MM-DD; default today, UTC).")
    ] = None,
) -> None:
    """DM each rep their stalled deals and each manager a team roll-up (once per person per day)."""
    from assistant.interfaces.slack.app import web_client
    from assistant.interfaces.slack.digest import run_digest

    context: AppContext = ctx.obj
    try:
        when = dt.date.fromisoformat(day) if day else None
    except ValueError as exc:
        raise typer.BadParameter(f"--day must be YYYY-MM-DD, got {day!r}") from exc
    client = None if dry_run else web_client(context.settings)
    report = asyncio.run(run_digest(context, client, day=when, dry_run=dry_run))
    for outcome in report.outcomes:
        if outcome.status in ("sent", "would send", "failed"):
            detail = f": {outcome.detail}" if outcome.detail else ""
            console.print(f"{outcome.status}: {outcome.name} ({outcome.kind}, {outcome.deals} deals){detail}")
    counts = report.counts()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nobody to send to"
    console.print(f"Digest for {report.day.isoformat()}{' (dry run)' if dry_run else ''}: {summary}.")
    if counts.get("failed"):
        raise typer.Exit(2)
