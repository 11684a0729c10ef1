"""The root ``salesplan`` command: builds the app context once and composes the sub-commands."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from assistant.interfaces.cli import accounts, ask, audit, changes, data, demo, kb, pipeline, plan, territory
from assistant.interfaces.cli import serve as serve_cli
from assistant.interfaces.cli import slack as slack_cli
from assistant.interfaces.cli import sync as sync_cli
from assistant.interfaces.cli import users as users_cli
from assistant.interfaces.cli.errors import SalesplanGroup

app = typer.Typer(
    cls=SalesplanGroup,
    help="Salesplan: a sales-planning assistant over your CRM data and playbook.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data.app, name="data")
app.command("demo")(demo.demo)
app.add_typer(pipeline.deals_app, name="deals")
app.command("pipeline")(pipeline.pipeline)
app.command("forecast")(pipeline.forecast_command)
app.command("performance")(pipeline.performance)
app.command("ask")(ask.ask)
app.command("chat")(ask.chat)
app.add_typer(ask.threads_app, name="threads")
app.add_typer(accounts.app, name="accounts")
app.add_typer(territory.app, name="territory")
app.add_typer(kb.app, name="kb")
app.add_typer(users_cli.app, name="users")
app.command("serve")(serve_cli.serve)
app.add_typer(slack_cli.app, name="slack")
app.add_typer(plan.app, name="plan")
app.add_typer(audit.app, name="audit")
app.add_typer(sync_cli.app, name="sync")
app.add_typer(changes.app, name="changes")


#: Packages that add commands (the evaluation harness adds ``eval`` and ``kb eval``) name a function
#: ``register_commands(root, groups)`` under this entry-point group, as ``llm`` plugins do.
COMMAND_PLUGINS = "salesplan.cli"


def _register_plugins() -> None:
    groups = {"kb": kb.app}
    for plugin in entry_points(group=COMMAND_PLUGINS):
        plugin.load()(app, groups)


_register_plugins()


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Salesplan: a sales-planning assistant over your CRM data and playbook."""
    from assistant.bootstrap import build_app_context  # settings and the store: not for --help

    ctx.obj = build_app_context()


def main() -> None:
    app()
