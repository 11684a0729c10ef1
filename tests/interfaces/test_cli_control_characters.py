"""The CLI never prints a control character from data: values already stored with ESC sequences,
BEL, backspaces or C1 codes (written before the importer removed them, or typed into the CRM) are
printed without them by every kind of output — Rich text, tables and Markdown answers, plain
Markdown when piped, JSON (where they are escapes, so the data still round-trips), and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.tools import crm
from tools.store.schema import Account, Contact, Opportunity

runner = CliRunner()

#: What a terminal would obey: C0 but tab and line feed, DEL, C1.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ACME = "Acme Corporation\x1b[2J\x1b]0;owned\x07\x9b31m"
NEXT_STEP = "Send\x08\x08\x08 the MSA\x1b[8m hidden\x1b[0m\x85"
CONTACT = "Ann\x7f Buyer\x1b[5m"


@pytest.fixture(autouse=True)
def tainted_crm(tmp_path: Path) -> None:
    engine = build_app_context().engine
    crm.load(engine)
    with engine.begin() as connection:
        connection.execute(update(Account).where(Account.id == 1).values(name=ACME))
        connection.execute(update(Opportunity).where(Opportunity.id == 1).values(next_step=NEXT_STEP))
        connection.execute(update(Contact).where(Contact.id == 1).values(name=CONTACT))


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_printable(output: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(output)})
    assert found == [], f"control characters printed: {found}"


@pytest.mark.parametrize(
    "args",
    [
        ["accounts", "search", "--user", "rita@cobalt.example"],
        ["accounts", "show", "Acme Corporation", "--user", "rita@cobalt.example"],
        ["deals", "show", "opportunity/1", "--user", "rita@cobalt.example"],
        ["ask", "tell me about Acme Corporation", "--user", "rita@cobalt.example"],
        ["plan", "account", "Acme Corporation", "--user", "rita@cobalt.example", "--no-chart"],
    ],
    ids=["table", "profile", "deal", "answer", "plan markdown"],
)
def test_text_output_prints_no_control_character(args: list[str]) -> None:
    output = run(*args)
    assert_printable(output)
    assert "Corporation" in output  # the value is shown, without what a terminal would obey


@pytest.mark.parametrize(
    "args",
    [
        ["accounts", "show", "Acme Corporation", "--user", "rita@cobalt.example", "--json"],
        ["deals", "show", "opportunity/1", "--user", "rita@cobalt.example", "--json"],
        ["ask", "tell me about Acme Corporation", "--user", "rita@cobalt.example", "--json"],
        ["plan", "account", "Acme Corporation", "--user", "rita@cobalt.example", "--json", "--no-chart"],
    ],
    ids=["profile", "deal", "answer", "plan"],
)
def test_json_output_escapes_control_characters_and_round_trips(args: list[str]) -> None:
    output = run(*args)
    assert_printable(output)
    assert any(ACME in text for text in strings(json.loads(output)))  # the stored value, intact


def strings(value: object) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_an_error_quoting_data_prints_no_control_character() -> None:
    result = runner.invoke(app, ["accounts", "show", "Nothing\x1b[2J Here", "--user", "rita@cobalt.example"])
    assert result.exit_code == 1
    assert_printable(result.output)
    assert "no account named" in result.output
