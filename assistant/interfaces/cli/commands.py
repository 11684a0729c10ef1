"""The ``salesplan`` sub-commands, each imported only when it runs or shows its own help.

Start-up is most of a command's time, and a command module imports the tool family it shows (its
input and result models, and through them SQLAlchemy). So the root group knows each sub-command
by where it is defined and its line in ``salesplan --help``, and imports a module only for the
command being run: ``salesplan --help`` imports none of them, ``salesplan deals stalled`` the
deals commands alone. ``tests/interfaces/test_cli_commands.py`` checks that each line here is
the command's own help.

Packages that add commands (the evaluation harness adds ``eval`` and ``kb eval``) name a function
``register_commands(root, groups)`` under the ``salesplan.cli`` entry-point group, as ``llm``
plugins do; they are loaded when the root help lists every command, when a name is not one of
these, and before a group they may extend (``kb``) is built.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer
from typer import _click as click  # the Click that Typer vendors and builds its groups on
from typer.core import TyperCommand
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from assistant.interfaces.cli.errors import SalesplanGroup

#: The entry-point group of packages that add commands.
COMMAND_PLUGINS = "salesplan.cli"
_CLI = "assistant.interfaces.cli"

#: Name -> (``module:attribute`` of the Typer app or command function, its line in the root help),
#: in the order ``salesplan --help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        f"{_CLI}.demo:demo",
        "Build the demo data set (once) and the playbook index, then answer sample questions.",
    ),
    "pipeline": (
        f"{_CLI}.pipeline:pipeline",
        "Open pipeline: count, amount and weighted amount by stage, owner, product, territory or month.",
    ),
    "forecast": (
        f"{_CLI}.pipeline:forecast_command",
        "Forecast for a period (default this quarter): closed won, commit, best case, pipeline vs quota.",
    ),
    "performance": (
        f"{_CLI}.pipeline:performance",
        "Rep scorecards: quota, bookings, attainment, win rate, deal size, cycle, pipeline, coverage.",
    ),
    "ask": (
        f"{_CLI}.ask:ask",
        "Ask one question; --json prints answer, tool_calls, citations, model and latency_ms.",
    ),
    "chat": (
        f"{_CLI}.ask:chat",
        "Talk with the assistant; one thread for the whole session. Ctrl-D or 'exit' to leave.",
    ),
    "serve": (
        f"{_CLI}.serve:serve",
        "Serve the HTTP API (OpenAPI document at /openapi.json, docs at /docs).",
    ),
    "data": (f"{_CLI}.data:app", "Load data: generate a demo data set or import a CRM export."),
    "deals": (f"{_CLI}.pipeline:deals_app", "Deals: stalled and at-risk deals, one deal's details."),
    "manager": (
        f"{_CLI}.manager:app",
        "Manager views: forecast-call prep, 1:1 prep, who may miss their number, qualification scorecards.",
    ),
    "threads": (f"{_CLI}.ask:threads_app", "Conversation threads."),
    "accounts": (f"{_CLI}.accounts:app", "Accounts: search, profile, facts, purchases and whitespace."),
    "territory": (f"{_CLI}.territory:app", "Territories: list, summary, balance and rebalancing."),
    "kb": (f"{_CLI}.kb:app", "The playbook knowledge base: ingest, search, evaluate."),
    "users": (f"{_CLI}.users:app", "Users of Salesplan, their roles and their API tokens."),
    "slack": (
        f"{_CLI}.slack:app",
        "The Slack app: run it (--socket or --http), or send the stalled-deal digest.",
    ),
    "plan": (f"{_CLI}.plan:app", "Drafted account and territory plans."),
    "audit": (f"{_CLI}.audit:app", "The audit log of questions, plan requests and data reads."),
    "sync": (f"{_CLI}.sync:app", "Sync the database with a live CRM (Salesforce or HubSpot)."),
    "changes": (
        f"{_CLI}.changes:app",
        "Changes to CRM records: proposed, then written only when you confirm.",
    ),
}
#: Groups a plugin may add commands to, by name.
EXTENSIBLE = ("kb",)


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


class LazyCommandGroup(SalesplanGroup):
    """The root group: :data:`COMMANDS` are built on first use; the root help lists them from
    their lines above without importing them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins: dict[str, click.Command] | None = None
        self._listing = False

    def _build(self, info: TyperInfo | CommandInfo) -> click.Command:
        options: dict[str, Any] = {"pretty_exceptions_short": True, "rich_markup_mode": self.rich_markup_mode}
        if isinstance(info, TyperInfo):
            return get_group_from_info(info, suggest_commands=True, **options)
        return get_command_from_info(info, **options)

    def plugin_commands(self) -> dict[str, click.Command]:
        """The commands plugins add at the root (loading them adds theirs to extensible groups)."""
        if self._plugins is None:
            from importlib.metadata import entry_points

            root = typer.Typer()
            groups = {name: _load(COMMANDS[name][0]) for name in EXTENSIBLE}
            for plugin in entry_points(group=COMMAND_PLUGINS):
                plugin.load()(root, groups)
            infos: list[TyperInfo | CommandInfo] = [*root.registered_commands, *root.registered_groups]
            self._plugins = {str(info.name): self._build(info) for info in infos}
        return self._plugins

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS, *self.plugin_commands()]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        if cmd_name not in COMMANDS:
            return self.plugin_commands().get(cmd_name)
        if self._listing:  # the root help: the command's line, without importing it
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
        if cmd_name in EXTENSIBLE:
            self.plugin_commands()
        target = _load(COMMANDS[cmd_name][0])
        info = (
            TyperInfo(target, name=cmd_name)
            if isinstance(target, typer.Typer)
            else CommandInfo(name=cmd_name, callback=target)
        )
        command = self._build(info)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
