"""An activity as each CRM's REST API creates it (from their public object references).

Salesforce (``POST /services/data/vXX.X/sobjects/{Task|Event}``):

* a call, an email or a note is a ``Task`` (``TaskSubtype`` ``Call``, ``Email`` or ``Task``; a
  note's subject starts "Note:"), ``Status`` "Completed", ``ActivityDate`` the day;
* a meeting is an all-day ``Event`` on the day (``IsAllDayEvent``, ``ActivityDate``: no time was
  given, so none is invented);
* an open task (a next step's due date) is a ``Task`` with ``Status`` "Not Started";
* ``WhatId`` is the deal, else the account; ``WhoId`` the contact; ``OwnerId`` the proposer's
  Salesforce user (the integration user writes it, the rep owns it).

HubSpot (``POST /crm/v3/objects/{calls|meetings|emails|notes|tasks}``): the object's own
properties (``hs_call_title`` and ``hs_call_body``, ``hs_meeting_title`` with start and end time,
``hs_email_subject`` and ``hs_email_text``, ``hs_note_body``, ``hs_task_subject`` with
``hs_task_status``), ``hs_timestamp`` the day at 12:00 UTC, ``hubspot_owner_id`` the proposer's
owner, and ``associations`` to the contact, company and deal with HubSpot's default association
types (e.g. call → deal 206, note → deal 214).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tools.store.sync.source import ActivityWrite

#: HubSpot's object for each kind, and its default association type ids to contacts, companies, deals.
HUBSPOT_OBJECTS: dict[str, tuple[str, dict[str, int]]] = {
    "call": ("calls", {"contacts": 194, "companies": 182, "deals": 206}),
    "email": ("emails", {"contacts": 198, "companies": 186, "deals": 210}),
    "meeting": ("meetings", {"contacts": 200, "companies": 188, "deals": 212}),
    "note": ("notes", {"contacts": 202, "companies": 190, "deals": 214}),
    "task": ("tasks", {"contacts": 204, "companies": 192, "deals": 216}),
}
TASK_SUBTYPES = {"call": "Call", "email": "Email"}


def _clean(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def salesforce_activity(activity: ActivityWrite) -> tuple[str, dict[str, Any]]:
    """The sObject and the body that create ``activity`` in Salesforce."""
    links = {
        "WhatId": activity.deal or activity.account,
        "WhoId": activity.contact,
        "OwnerId": activity.owner,
        "ActivityDate": activity.day.isoformat(),
    }
    if activity.kind == "meeting":
        return "Event", _clean({"Subject": activity.subject[:255], "IsAllDayEvent": True, **links})
    subject = f"Note: {activity.subject}" if activity.kind == "note" else activity.subject
    body = {
        "Subject": subject[:255],
        "TaskSubtype": TASK_SUBTYPES.get(activity.kind, "Task"),
        "Status": "Completed" if activity.done else "Not Started",
        "Priority": "Normal",
        **links,
    }
    return "Task", _clean(body)


def hubspot_activity(activity: ActivityWrite) -> tuple[str, dict[str, Any], list[tuple[str, int]]]:
    """The object type, the properties and the associations (record id, association type id) that
    create ``activity`` in HubSpot."""
    kind, types = HUBSPOT_OBJECTS[activity.kind]
    stamp = dt.datetime.combine(activity.day, dt.time(12), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    text = activity.subject
    properties: dict[str, Any] = {"hs_timestamp": stamp, "hubspot_owner_id": activity.owner}
    if activity.kind == "call":
        properties |= {"hs_call_title": text, "hs_call_body": text, "hs_call_status": "COMPLETED"}
    elif activity.kind == "meeting":
        properties |= {
            "hs_meeting_title": text,
            "hs_meeting_body": text,
            "hs_meeting_start_time": stamp,
            "hs_meeting_end_time": stamp,
            "hs_meeting_outcome": "COMPLETED",
        }
    elif activity.kind == "email":
        properties |= {
            "hs_email_subject": text,
            "hs_email_text": text,
            "hs_email_direction": "EMAIL",
            "hs_email_status": "SENT",
        }
    elif activity.kind == "note":
        properties["hs_note_body"] = text
    else:
        status = "COMPLETED" if activity.done else "NOT_STARTED"
        properties |= {"hs_task_subject": text, "hs_task_status": status, "hs_task_type": "TODO"}
    links = [
        (ident, types[target])
        for ident, target in (
            (activity.contact, "contacts"),
            (activity.account, "companies"),
            (activity.deal, "deals"),
        )
        if ident
    ]
    return kind, _clean(properties), links
