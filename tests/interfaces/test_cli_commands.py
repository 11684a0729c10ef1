"""The root group lists each sub-command by its registered line and builds it only when used."""

from __future__ import annotations

import pytest
import typer.main
from typer import _click as click
from typer.testing import CliRunner

from assistant.interfaces.cli import app
from assistant.interfaces.cli.commands import COMMANDS, LazyCommandGroup


def root() -> LazyCommandGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyCommandGroup)
    return group


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_line_is_the_command_s_own_help(name: str) -> None:
    group = root()
    command = group.get_command(click.Context(group), name)
    assert command is not None and command.help is not None
    assert command.help.split("\n\n")[0].replace("\n", " ") == COMMANDS[name][1]


def test_the_root_help_lists_every_command_and_the_plugins_in_order() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│ ") and "  " in line]
    listed = [row.split()[1] for row in rows]
    assert listed[-len(COMMANDS) - 1 :] == [*COMMANDS, "eval"]
    for line in (help_line for _, help_line in COMMANDS.values()):
        assert line in result.output


def test_a_plugin_s_commands_reach_the_groups_they_extend() -> None:
    result = CliRunner().invoke(app, ["kb", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "eval" in result.output and "ingest" in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code != 0
    assert "No such command" in result.output
