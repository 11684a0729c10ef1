"""Approved changes: proposed by the assistant or the CLI, written to the CRM (a loopback fake of
Salesforce) only when the proposer confirms, refused when stale, audited with old and new values."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.audit import AuditLog
from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from assistant.interfaces.cli import app
from assistant.settings import Settings
from tests.fake_salesforce import FakeSalesforce
from tools.store.schema import Opportunity, User, table_of

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def propose(deal: str, field: str, value: str, user: str = "Rita Ruiz") -> int:
    code, out = cli("changes", "propose", deal, "--field", field, "--value", value, "--user", user, "--json")
    assert code == 0, out
    changes = json.loads(out)
    return int(changes[0]["id"])


def local_close(name: str) -> str:
    context = AppContext(Settings())
    deals = table_of(Opportunity)
    with context.engine.connect() as conn:
        value = conn.execute(select(deals.c.close_date).where(deals.c.name == name)).scalar_one()
    context.engine.dispose()
    return str(value)


def audit_entries() -> list[tuple[str, str, str | None]]:
    context = AppContext(Settings())
    entries = AuditLog(context.engine).tail(50)
    context.engine.dispose()
    return [(e.kind, e.outcome, e.detail) for e in entries if e.kind.startswith("change_")]


def test_an_approved_close_date_arrives_as_one_patch_and_an_unapproved_one_never(
    org: tuple[FakeSalesforce, dict[str, str]],
) -> None:
    fake, ids = org
    approved = propose("Acme Renewal", "close_date", "2027-01-15")
    unapproved = propose("Acme Expansion", "close_date", "2027-03-31")
    assert fake.patches == []  # a proposal writes nothing
    code, out = cli("changes", "list", "--user", "Rita Ruiz")
    assert code == 0 and f"#{approved} [proposed] Acme Renewal" in out and "2026-12-15 → 2027-01-15" in out
    code, out = cli("changes", "confirm", str(approved), "--user", "Rita Ruiz")
    assert code == 0, out
    assert fake.patches == [("Opportunity", ids["acme_renewal"], {"CloseDate": "2027-01-15"})]
    assert fake.find("Opportunity", ids["acme_renewal"])["CloseDate"] == "2027-01-15"
    assert local_close("Acme Renewal") == "2027-01-15"  # the local record is refreshed
    assert local_close("Acme Expansion") == "2027-02-28"
    assert fake.find("Opportunity", ids["acme_expansion"])["CloseDate"] == "2027-02-28"
    code, out = cli("changes", "confirm", str(approved), "--user", "Rita Ruiz")
    assert code == 1 and "already applied" in out  # a second yes writes nothing again
    assert len(fake.patches) == 1
    code, out = cli("changes", "cancel", str(unapproved), "--user", "Rita Ruiz")
    assert code == 0 and "[cancelled]" in out
    assert len(fake.patches) == 1
    entries = audit_entries()
    assert (
        "change_confirm",
        "answered",
        "Acme Renewal ({}) close_date: 2026-12-15 → 2027-01-15".format(ids["acme_renewal"]),
    ) in entries
    assert [kind for kind, _o, _d in entries].count("change_propose") == 2


def test_only_the_proposer_can_confirm_and_only_deals_they_can_see(
    org: tuple[FakeSalesforce, dict[str, str]],
) -> None:
    fake, _ids = org
    change = propose("Acme Renewal", "amount", "135000")
    code, out = cli("changes", "confirm", str(change), "--user", "Sam Stone")
    assert code == 1 and f"no change {change} of yours" in out
    code, out = cli(
        "changes", "propose", "Acme Renewal", "--field", "amount", "--value", "1", "--user", "Sam Stone"
    )
    assert code == 1 and "no deal 'Acme Renewal' that you can see" in out
    assert fake.patches == []


def test_a_stale_proposal_is_refused_not_forced(org: tuple[FakeSalesforce, dict[str, str]]) -> None:
    fake, ids = org
    remote = propose("Acme Renewal", "close_date", "2027-01-15")
    fake.change("Opportunity", ids["acme_renewal"], CloseDate="2027-02-01")  # changed in Salesforce since
    code, out = cli("changes", "confirm", str(remote), "--user", "Rita Ruiz")
    assert code == 2 and "changed in salesforce since it was proposed" in out
    local = propose("Acme Expansion", "stage", "Negotiation/Review")
    code, out = cli("sync", "salesforce")  # brings the remote change in
    assert code == 0, out
    fake.change("Opportunity", ids["acme_expansion"], StageName="Closed Lost")
    code, out = cli("sync", "salesforce")
    code, out = cli("changes", "confirm", str(local), "--user", "Rita Ruiz")
    assert code == 2 and "changed since it was proposed" in out
    assert fake.patches == []
    refused = [(k, o) for k, o, d in audit_entries() if k == "change_confirm"]
    assert refused == [("change_confirm", "rejected")] * 2


def test_changes_through_the_api(org: tuple[FakeSalesforce, dict[str, str]]) -> None:
    fake, ids = org
    context = AppContext(Settings())
    tokens = TokenStore(context.engine)
    users = table_of(User)
    with context.engine.connect() as conn:
        people = {str(name): int(ident) for name, ident in conn.execute(select(users.c.name, users.c.id))}
    rita = {"Authorization": f"Bearer {tokens.create(people['Rita Ruiz']).token}"}
    sam = {"Authorization": f"Bearer {tokens.create(people['Sam Stone']).token}"}
    client = TestClient(create_app(context=context))
    change = propose("Acme Renewal", "next_step", "Pricing call on Dec 2")
    listed = client.get("/v1/changes", headers=rita).json()["changes"]
    assert [c["id"] for c in listed] == [change] and listed[0]["old"] == "Send proposal"
    assert client.post(f"/v1/changes/{change}/confirm", headers=sam).status_code == 404
    done = client.post(f"/v1/changes/{change}/confirm", headers=rita)
    assert done.status_code == 200 and done.json()["state"] == "applied"
    assert fake.patches == [("Opportunity", ids["acme_renewal"], {"NextStep": "Pricing call on Dec 2"})]
    stale = propose("Acme Expansion", "amount", "50000")
    fake.change("Opportunity", ids["acme_expansion"], Amount=47000.0)
    refused = client.post(f"/v1/changes/{stale}/confirm", headers=rita)
    assert refused.status_code == 409 and "changed in salesforce" in refused.json()["detail"]
    assert len(fake.patches) == 1


def test_without_a_crm_connection_nothing_can_be_proposed(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.tools import crm

    context = AppContext(Settings())
    crm.load(context.engine)
    code, out = cli("changes", "propose", "1", "--field", "amount", "--value", "1", "--user", "Rita Ruiz")
    assert code == 1 and "no CRM connection is configured" in out


def test_an_activity_logged_from_the_command_line(org: tuple[FakeSalesforce, dict[str, str]]) -> None:
    fake, ids = org
    code, out = cli(
        "changes",
        "log",
        "email",
        "--subject",
        "Sent the order form",
        "--contact",
        "Naomi Nagata",
        "--day",
        "2026-12-01",
        "--user",
        "Rita Ruiz",
    )
    assert code == 0, out
    number = re.search(
        r"#(\d+) \[proposed\] Acme Corporation \(\w+\) activity: \(none\) → Email on 2026-12-01", out
    )
    assert number is not None, out
    assert fake.created == []
    code, out = cli("changes", "confirm", number[1], "--user", "Rita Ruiz")
    assert code == 0 and "[applied]" in out, out
    [(sobject, body)] = fake.created
    assert (sobject, body["TaskSubtype"], body["WhatId"], body["ActivityDate"]) == (
        "Task",
        "Email",
        ids["acme"],
        "2026-12-01",
    )
    code, out = cli(
        "changes", "log", "fax", "--subject", "x", "--contact", "Naomi Nagata", "--user", "Rita Ruiz"
    )
    assert code == 1 and "an activity is a call, meeting, email or note, not 'fax'" in out
    code, out = cli(
        "changes", "log", "call", "--subject", "x", "--contact", "Zed Nobody", "--user", "Rita Ruiz"
    )
    assert code == 1 and "no contact 'Zed Nobody' that you can see" in out
