"""Logging calls, meetings, emails and notes from chat, next steps with a due day, deals won or lost,
and the "which deal?" question a change asks when a name matches several deals — all against the
loopback Salesforce fake: proposed in the answer, written (one create, or one PATCH) only when the
proposer confirms, audited with old (none) and new values."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select

from assistant.bootstrap import AppContext
from assistant.settings import Settings
from tests.fake_salesforce import FakeSalesforce
from tests.interfaces.test_changes import audit_entries, cli
from tools.store.schema import Activity, Contact, Opportunity, table_of

Org = tuple[FakeSalesforce, dict[str, str]]
TODAY = dt.datetime.now(dt.UTC).date()


def ask(question: str, user: str = "Rita Ruiz", thread: str | None = None) -> dict[str, object]:
    extra = ["--thread", thread] if thread else []
    code, out = cli("ask", question, "--user", user, "--json", *extra)
    assert code == 0, out
    answer: dict[str, object] = json.loads(out)
    return answer


def proposals(answer: dict[str, object]) -> list[dict[str, object]]:
    found = answer["proposed_changes"]
    assert isinstance(found, list)
    return found


def confirm(change: dict[str, object], user: str = "Rita Ruiz") -> str:
    code, out = cli("changes", "confirm", str(change["id"]), "--user", user, "--json")
    assert code == 0, out
    return out


def local(query: object) -> list[tuple[object, ...]]:
    context = AppContext(Settings())
    with context.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]  # type: ignore[call-overload]
    context.engine.dispose()
    return rows


def add_hannah(fake: FakeSalesforce, ids: dict[str, str]) -> str:
    """A contact at Acme Robotics (one open deal, Robotics Pilot), synced in."""
    hannah = fake.add(
        "Contact", AccountId=ids["acme_sub"], FirstName="Hannah", LastName="Murphy", Title="COO", Email=None
    )["Id"]
    code, out = cli("sync", "salesforce")
    assert code == 0, out
    return str(hannah)


def test_a_logged_call_is_a_proposal_until_confirmed_then_one_task(org: Org) -> None:
    fake, ids = org
    hannah = add_hannah(fake, ids)
    answer = ask("log a call with Hannah Murphy at Acme Robotics, discussed pricing")
    [proposed] = proposals(answer)
    new = f"Call on {TODAY.isoformat()} with Hannah Murphy: Discussed pricing"
    assert proposed == {
        "id": proposed["id"],
        "record": "Robotics Pilot",  # the account's one open deal
        "external_id": ids["robotics_pilot"],
        "field": "activity",
        "old": None,
        "new": new,
    }
    text = str(answer["answer"])
    assert "nothing is written to Salesforce until you confirm it" in text
    assert "Log a **call** on **Robotics Pilot**" in text and "with Hannah Murphy" in text
    assert fake.created == []  # proposed, not written
    confirm(proposed)
    assert fake.created == [
        (
            "Task",
            {
                "Subject": "Discussed pricing",
                "TaskSubtype": "Call",
                "Status": "Completed",
                "Priority": "Normal",
                "WhatId": ids["robotics_pilot"],
                "WhoId": hannah,
                "OwnerId": ids["rita"],
                "ActivityDate": TODAY.isoformat(),
            },
        )
    ]
    task_id = fake.live("Task")[-1]["Id"]
    activities = table_of(Activity)
    assert local(
        select(activities.c.kind, activities.c.subject).where(activities.c.external_id == task_id)
    ) == [("Call", "Discussed pricing")]  # the data set's own spelling (from the synced tasks)
    deals = table_of(Opportunity)
    assert local(select(deals.c.last_activity_at).where(deals.c.name == "Robotics Pilot")) == [(TODAY,)]
    contacts = table_of(Contact)
    assert local(select(contacts.c.last_engaged_at).where(contacts.c.external_id == hannah)) == [(TODAY,)]
    logged = [(k, o, d) for k, o, d in audit_entries() if d and new in d]
    assert [(k, o) for k, o, _d in logged] == [("change_propose", "answered"), ("change_confirm", "answered")]
    assert all("activity: (none) → " in str(d) for _k, _o, d in logged)


def test_a_note_on_a_deal_and_a_meeting_yesterday(org: Org) -> None:
    fake, ids = org
    [note] = proposals(ask("add a note to the Acme Renewal deal: legal review started"))
    assert (note["record"], note["field"], note["new"]) == (
        "Acme Renewal",
        "activity",
        f"Note on {TODAY.isoformat()}: Legal review started",
    )
    [meeting] = proposals(ask("log a meeting on Acme Expansion yesterday about the rollout plan"))
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    assert meeting["new"] == f"Meeting on {yesterday}: The rollout plan"
    confirm(meeting)
    assert fake.created == [
        (
            "Event",
            {
                "Subject": "The rollout plan",
                "IsAllDayEvent": True,
                "WhatId": ids["acme_expansion"],
                "OwnerId": ids["rita"],
                "ActivityDate": yesterday,
            },
        )
    ]
    # the note was never confirmed: nothing of it reached the org
    assert not any(body.get("Subject", "").startswith("Note:") for _s, body in fake.created)


def test_a_call_with_a_next_step_proposes_both_and_the_next_step_is_due_that_day(org: Org) -> None:
    fake, ids = org
    add_hannah(fake, ids)
    answer = ask("log a call with Hannah Murphy at Acme Robotics, next step pilot review on Friday")
    call, step = proposals(answer)
    friday = TODAY + dt.timedelta(days=(4 - TODAY.weekday()) % 7 or 7)
    assert (call["field"], step["field"], step["record"]) == ("activity", "next_step", "Robotics Pilot")
    assert (step["old"], step["new"]) == ("Send proposal", "pilot review")
    text = str(answer["answer"])
    assert "I've proposed these changes" in text and f"due **{friday:%a} {friday:%b} {friday.day}" in text
    confirm(step)
    assert fake.patches == [("Opportunity", ids["robotics_pilot"], {"NextStep": "pilot review"})]
    [(sobject, task)] = fake.created  # the due date: an open task on the deal
    assert (sobject, task["Status"], task["ActivityDate"], task["WhatId"], task["Subject"]) == (
        "Task",
        "Not Started",
        friday.isoformat(),
        ids["robotics_pilot"],
        "Next step: pilot review",
    )
    deals = table_of(Opportunity)
    step_now = select(deals.c.next_step, deals.c.next_step_date).where(deals.c.name == "Robotics Pilot")
    assert local(step_now) == [("pilot review", friday)]


def test_next_step_with_its_day(org: Org) -> None:
    fake, _ids = org
    [step] = proposals(ask("next step on Acme Renewal: pricing call on Friday"))
    friday = TODAY + dt.timedelta(days=(4 - TODAY.weekday()) % 7 or 7)
    assert (step["field"], step["old"], step["new"]) == ("next_step", "Send proposal", "pricing call")
    _code, out = cli("changes", "list", "--user", "Rita Ruiz", "--json")
    [listed] = json.loads(out)
    assert listed["details"] == {"due": friday.isoformat(), "old_due": None}
    assert fake.patches == [] and fake.created == []


def test_won_and_lost_are_the_data_sets_own_stages(org: Org) -> None:
    fake, ids = org
    [won] = proposals(ask("mark the Acme Renewal deal as won"))
    assert (won["field"], won["old"], won["new"]) == ("stage", "Negotiation/Review", "Closed Won")
    [lost] = proposals(ask("we lost robotics pilot"))
    assert (lost["record"], lost["new"]) == ("Robotics Pilot", "Closed Lost")
    confirm(won)
    assert fake.patches == [("Opportunity", ids["acme_renewal"], {"StageName": "Closed Won"})]


def test_which_deal_is_asked_and_a_reply_in_the_thread_completes_the_proposal(org: Org) -> None:
    fake, ids = org
    first = ask("push the Acme close date to Jan 15", thread="t-choice")
    text = str(first["answer"])
    assert text.startswith('Which deal do you mean by "Acme"?') and proposals(first) == []
    listed = re.findall(r"^- (.+?) \(#(\w+)\)", text, re.M)  # the CLI shows each with its CRM id
    assert [name for name, _ in listed] == ["Acme Renewal", "Robotics Pilot", "Acme Expansion"]
    [second] = proposals(ask("the second one", thread="t-choice"))
    jan_15 = dt.date(TODAY.year + (dt.date(TODAY.year, 1, 15) < TODAY), 1, 15).isoformat()
    assert (second["record"], second["field"], second["new"]) == ("Robotics Pilot", "close_date", jan_15)
    # another thread: a word only one of them has, then the CRM id as the CLI showed it
    ask("push the Acme close date to Jan 15", thread="t-words")
    [expansion] = proposals(ask("the Expansion one", thread="t-words"))
    assert expansion["external_id"] == ids["acme_expansion"]
    ask("push the Acme close date to Jan 15", thread="t-id")
    [renewal] = proposals(ask(ids["acme_renewal"], thread="t-id"))
    assert renewal["record"] == "Acme Renewal"
    assert fake.patches == []


def test_an_activity_without_a_crm_is_one_it_cannot_do(org: Org, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.delenv("SALESFORCE_INSTANCE_URL")
    answer = ask("log a call with Naomi Nagata at Acme Corporation, discussed pricing")
    assert str(answer["answer"]).startswith("I can't do that yet") and proposals(answer) == []
