"""Change requests in chat: answered with a proposed change (never applied), carried in
``ask --json`` and the API's answer as ``proposed_changes``; without a CRM connection, the plain
"I can't do that yet"."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from assistant.settings import Settings
from tests.fake_salesforce import FakeSalesforce
from tests.interfaces.test_changes import audit_entries, cli
from tools.store.crm_tables import ProposedChange
from tools.store.schema import User, table_of

Org = tuple[FakeSalesforce, dict[str, str]]


def ask(question: str, user: str = "Rita Ruiz") -> dict[str, object]:
    code, out = cli("ask", question, "--user", user, "--json")
    assert code == 0, out
    answer: dict[str, object] = json.loads(out)
    return answer


def stored_changes() -> list[tuple[str, str, str | None, str, str]]:
    context = AppContext(Settings())
    table = table_of(ProposedChange)
    with context.engine.connect() as conn:
        rows = conn.execute(
            select(table.c.record_name, table.c.field, table.c.old, table.c.new, table.c.state)
        )
        found = [(str(a), str(b), c, str(d), str(e)) for a, b, c, d, e in rows]
    context.engine.dispose()
    return found


def test_a_change_request_is_answered_with_a_proposal_that_only_a_yes_applies(org: Org) -> None:
    fake, ids = org
    answer = ask("push the Acme Renewal close date to Jan 15")
    [proposed] = answer["proposed_changes"]  # type: ignore[misc]
    assert proposed == {
        "id": proposed["id"],
        "record": "Acme Renewal",
        "external_id": ids["acme_renewal"],
        "field": "close_date",
        "old": "2026-12-15",
        "new": "2027-01-15",  # "Jan 15" after the data's as-of date
    }
    text = str(answer["answer"])
    assert "nothing is written to Salesforce until you confirm" in text
    assert ids["acme_renewal"] in text and "Tue Dec 15, 2026 (2026-12-15)" in text
    assert f"salesplan changes confirm {proposed['id']} --user 'Rita Ruiz'" in text
    assert fake.patches == []  # proposed, not written
    assert stored_changes() == [("Acme Renewal", "close_date", "2026-12-15", "2027-01-15", "proposed")]
    assert ("change_propose", "answered") in [(k, o) for k, o, _d in audit_entries()]
    code, out = cli("changes", "confirm", str(proposed["id"]), "--user", "Rita Ruiz")
    assert code == 0, out
    assert fake.patches == [("Opportunity", ids["acme_renewal"], {"CloseDate": "2027-01-15"})]


@pytest.mark.parametrize(
    ("question", "field", "old", "new", "sent"),
    [
        ("move the Acme Expansion deal to Negotiation", "stage", "Prospecting", "Negotiation/Review", None),
        ("set the amount on Acme Expansion to 40k", "amount", "45000.00", "40000.00", {"Amount": 40000.0}),
        ("next step on Acme Renewal: pricing call", "next_step", "Send proposal", "pricing call", None),
    ],
)
def test_each_field_a_request_can_name(
    org: Org, question: str, field: str, old: str, new: str, sent: dict[str, object] | None
) -> None:
    fake, ids = org
    [proposed] = ask(question)["proposed_changes"]  # type: ignore[misc]
    assert (proposed["field"], proposed["old"], proposed["new"]) == (field, old, new)
    assert fake.patches == []
    if sent is not None:
        code, out = cli("changes", "confirm", str(proposed["id"]), "--user", "Rita Ruiz")
        assert code == 0, out
        assert fake.patches == [("Opportunity", ids["acme_expansion"], sent)]


def test_a_deal_named_by_its_account_is_asked_about_when_several_match(org: Org) -> None:
    answer = ask("push the Acme close date to Jan 15")
    text = str(answer["answer"])
    assert text.startswith('Which deal do you mean by "Acme"')
    assert "Acme Renewal" in text and "Acme Expansion" in text and "Robotics Pilot" in text
    assert answer["proposed_changes"] == [] and stored_changes() == []
    # a deal out of the asker's scope is not found (Globex is Sam's)
    answer = ask("push the Globex Platform close date to Jan 15")
    assert answer["proposed_changes"] == [] and "no deal 'Globex Platform' that you can see" in str(
        answer["answer"]
    )


def test_the_api_answer_carries_the_proposed_changes(org: Org) -> None:
    fake, ids = org
    context = AppContext(Settings())
    users = table_of(User)
    with context.engine.connect() as conn:
        rita = conn.execute(select(users.c.id).where(users.c.name == "Rita Ruiz")).scalar_one()
    headers = {"Authorization": f"Bearer {TokenStore(context.engine).create(int(rita)).token}"}
    client = TestClient(create_app(context=context))
    answer = client.post(
        "/v1/ask", json={"question": "set the amount on Acme Renewal to 135k"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    [proposed] = answer.json()["proposed_changes"]
    assert (proposed["record"], proposed["external_id"], proposed["new"]) == (
        "Acme Renewal",
        ids["acme_renewal"],
        "135000.00",
    )
    confirmed = client.post(f"/v1/changes/{proposed['id']}/confirm", headers=headers)
    assert confirmed.status_code == 200 and fake.patches == [
        ("Opportunity", ids["acme_renewal"], {"Amount": 135000.0})
    ]
    entries = [(e.kind, e.channel) for e in context.changes.audit.tail(20)]
    assert ("change_propose", "api") in entries


def test_without_a_crm_connection_the_request_is_one_it_cannot_do_yet(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ids = org
    monkeypatch.delenv("SALESFORCE_INSTANCE_URL")
    monkeypatch.delenv("SALESFORCE_ACCESS_TOKEN")
    answer = ask("push the Acme Renewal close date to Jan 15")
    text = str(answer["answer"])
    assert text.startswith("I can't do that yet") and "nothing has been written" in text
    assert "show the deal as it stands now" in text  # what it can do instead
    assert answer["proposed_changes"] == [] and answer["tool_calls"] == []
    assert stored_changes() == [] and fake.patches == []
