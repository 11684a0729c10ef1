"""``salesplan users token create|list|revoke``: API tokens tied to users.

A token is printed once, when it is created; only its hash is stored. The API answers every
request with the token's user's scope.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from assistant.bootstrap import AppContext
from assistant.interfaces.api.tokens import TokenStore
from assistant.interfaces.cli.output import console
from assistant.interfaces.cli.scoped import JsonOption, UserOption

app = typer.Typer(help="Users of Salesplan and their API tokens.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create (printed once), list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _store(ctx: typer.Context) -> TokenStore:
    context: AppContext = ctx.obj
    return TokenStore(context.engine)


@token_app.command("create")
def create(
    ctx: typer.Context,
    user: UserOption,
    name: Annotated[str, typer.Option("--name", help="What the token is for (shown in listings).")] = "api",
) -> None:
    """Create an API token for a user and print it (it is shown only this once)."""
    context: AppContext = ctx.obj
    viewer = context.viewer(user)
    issued = _store(ctx).create(viewer.user_id, name)
    typer.echo(issued.token)
    typer.echo(
        f"Token {issued.id} for {viewer.name} ({viewer.role.value}). It is shown only once: store it now. "
        f"Revoke it with: salesplan users token revoke {issued.id}",
        err=True,
    )


@token_app.command("list")
def list_tokens(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's tokens.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List API tokens (prefix, user, created, last used, revoked); never the tokens themselves."""
    context: AppContext = ctx.obj
    user_id = context.viewer(user).user_id if user else None
    tokens = _store(ctx).list(user_id)
    if as_json:
        typer.echo("[" + ",".join(t.model_dump_json() for t in tokens) + "]")
        return
    if not tokens:
        console.print("No API tokens.")
        return
    table = Table("Id", "User", "Name", "Prefix", "Created", "Last used", "Revoked")
    for t in tokens:
        table.add_row(
            str(t.id),
            t.user,
            t.name,
            f"{t.prefix}…",
            f"{t.created_at:%Y-%m-%d %H:%M}",
            f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
            f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="The token's id (from 'salesplan users token list').")],
) -> None:
    """Revoke an API token: requests with it are refused from now on."""
    info = _store(ctx).revoke(token_id)
    console.print(f"Token {info.id} ({info.prefix}…) of {info.user} is revoked.")
