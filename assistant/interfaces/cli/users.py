"""``salesplan users add|set-role`` (who uses Salesplan, with which role) and ``salesplan users
token create|list|rotate|revoke`` (API tokens tied to users).

A role decides what a user sees (reps their book, managers their team, RevOps and admins
everything); a change takes effect at once, in running servers too (:mod:`tools.store.people`),
and is written to the audit log with the operating-system account that made it.
A token is printed once, when it is created or rotated; only its hash is stored. It expires after
``SALESPLAN_TOKEN_DAYS`` days (90 unless set) or the ``--days`` given. Rotating issues a new token
for the same user and purpose and revokes the old one. The API answers every request with the
token's user's scope.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from assistant.audit import AuditLog
from assistant.interfaces.api.tokens import MAX_DAYS, TokenInfo, TokenStore
from assistant.interfaces.cli.output import console
from assistant.interfaces.cli.scoped import JsonOption, UserOption
from tools.errors import InputError
from tools.store.people import ROLES, PersonChange, add_user, parse_role, set_role
from tools.viewer import viewer_by_id

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext

app = typer.Typer(help="Users of Salesplan, their roles and their API tokens.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create (printed once), list, rotate, revoke.", no_args_is_help=True)
DaysOption = Annotated[
    int | None,
    typer.Option(
        "--days", min=1, max=MAX_DAYS, help="Days until the token expires (default SALESPLAN_TOKEN_DAYS, 90)."
    ),
]
app.add_typer(token_app, name="token")


def operator() -> str:
    """Who ran the command (the operating-system account), for the audit log."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def audit_change(context: AppContext, change: PersonChange, request: str) -> None:
    """One audit entry for a change to a user: the user changed, the command and what it did."""
    viewer = viewer_by_id(context.engine, change.user_id)
    if viewer is None or not change.changed:
        return
    AuditLog(context.engine).record(
        viewer,
        channel="cli",
        kind="user_add" if change.created else "user_role",
        question=request,
        outcome="answered",
        latency_ms=0,
        detail=f"{change.describe()} (by {operator()})",
    )


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The new user's email (what --user and Slack match).")],
    role: Annotated[str, typer.Option("--role", help=f"One of {ROLES}.")],
    name: Annotated[
        str | None, typer.Option("--name", help="Full name (default from the email: ann.lee@… is Ann Lee).")
    ] = None,
    manager: Annotated[
        str | None, typer.Option("--manager", help="Their manager's email or full name.")
    ] = None,
    territory: Annotated[str | None, typer.Option("--territory", help="Their territory's name.")] = None,
    hire_date: Annotated[
        str | None,
        typer.Option("--hire-date", help="YYYY-MM-DD: a new rep ramps to a full book from this day."),
    ] = None,
) -> None:
    """Add a user with a role (rep, manager, revops or admin), their manager and territory."""
    context: AppContext = ctx.obj
    chosen = parse_role(role)
    try:
        hired = dt.date.fromisoformat(hire_date) if hire_date else None
    except ValueError:
        raise InputError(f"--hire-date {hire_date!r}: write YYYY-MM-DD, e.g. 2026-09-01") from None
    with context.engine.begin() as connection:
        change = add_user(
            connection, email, role=chosen, name=name, manager=manager, territory=territory, hire_date=hired
        )
    audit_change(context, change, f"users add {email} --role {chosen.value}")
    said = change.describe()
    console.print(esc(said[:1].upper() + said[1:]) + ".")


@app.command("set-role")
def set_role_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="The user's email or full name.")],
    role: Annotated[str, typer.Argument(help=f"One of {ROLES}.")],
) -> None:
    """Change a user's role: what they see changes at once (RevOps and admins see everything)."""
    context: AppContext = ctx.obj
    chosen = parse_role(role)
    with context.engine.begin() as connection:
        change = set_role(connection, user, chosen)
    audit_change(context, change, f"users set-role {user} {chosen.value}")
    console.print(f"{esc(change.describe())}.")


def _store(ctx: typer.Context) -> TokenStore:
    context: AppContext = ctx.obj
    return TokenStore(context.engine, context.settings.token_days)


def _time(at: dt.datetime | None, never: str = "") -> str:
    return f"{at:%Y-%m-%d %H:%M}" if at else never


@token_app.command("create")
def create(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown in listings).")] = "api",
    days: DaysOption = None,
) -> None:
    """Create an API token for a user and print it (it is shown only this once)."""
    context: AppContext = ctx.obj
    viewer = context.viewer(user)
    issued = _store(ctx).create(viewer.user_id, name, days)
    typer.echo(issued.token)
    typer.echo(
        f"Token {issued.id} for {viewer.name} ({viewer.role.value}), expires {_time(issued.expires_at)} UTC. "
        f"It is shown only once: store it now. Rotate it with: salesplan users token rotate {issued.id}; "
        f"revoke it with: salesplan users token revoke {issued.id}",
        err=True,
    )


def _status(t: TokenInfo) -> str:
    if t.status == "rotated":
        return f"rotated {_time(t.revoked_at)} (by token {t.replaced_by})"
    if t.status == "revoked":
        return f"revoked {_time(t.revoked_at)}"
    return t.status


@token_app.command("list")
def list_tokens(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's tokens.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List API tokens (id, prefix, user, created, expires, last used, status); never the tokens."""
    context: AppContext = ctx.obj
    user_id = context.viewer(user).user_id if user else None
    tokens = _store(ctx).list(user_id)
    if as_json:
        rows = [{**json.loads(t.model_dump_json()), "status": t.status} for t in tokens]
        typer.echo(json.dumps(rows))
        return
    if not tokens:
        console.print("No API tokens.")
        return
    table = Table("Id", "User", "Name", "Prefix", "Created", "Expires", "Last used", "Status")
    for t in tokens:
        table.add_row(
            str(t.id),
            esc(t.user),
            esc(t.name),
            f"{t.prefix}…",
            _time(t.created_at),
            _time(t.expires_at, "never"),
            _time(t.last_used_at, "never"),
            _status(t),
        )
    console.print(table)


def _to_rotate(ctx: typer.Context, which: str) -> int:
    """The id of the token ``which`` names: a token id, or a user with exactly one active token."""
    if which.strip().isdigit():
        return int(which)
    context: AppContext = ctx.obj
    viewer = context.viewer(which)
    active = [t for t in _store(ctx).list(viewer.user_id) if t.status in ("active", "expired")]
    if len(active) != 1:
        held = ", ".join(str(t.id) for t in active)
        raise InputError(
            f"{viewer.name} has no token to rotate"
            if not active
            else f"{viewer.name} has {len(active)} tokens ({held}): name the one to rotate by its id"
        )
    return active[0].id


@token_app.command("rotate")
def rotate(
    ctx: typer.Context,
    which: Annotated[
        str,
        typer.Argument(help="A token id, or a user (email or name) who has one token.", metavar="TOKEN|USER"),
    ],
    days: DaysOption = None,
) -> None:
    """Issue a new token in place of one and revoke the old one; prints the new token once."""
    old, issued = _store(ctx).rotate(_to_rotate(ctx, which), days)
    typer.echo(issued.token)
    typer.echo(
        f"Token {old.id} ({old.prefix}…) of {old.user} is revoked; token {issued.id} replaces it and "
        f"expires {_time(issued.expires_at)} UTC. It is shown only once: store it now.",
        err=True,
    )


@token_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id (from 'salesplan users token list').")],
) -> None:
    """Revoke an API token: requests with it are refused from now on."""
    info = _store(ctx).revoke(token_id)
    console.print(f"Token {info.id} ({info.prefix}…) of {esc(info.user)} is revoked.")
