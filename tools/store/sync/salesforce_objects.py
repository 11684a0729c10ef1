"""The Salesforce objects a sync reads, the fields it asks for, and the fields a change may set.

:data:`OBJECTS` are read incrementally (``SystemModstamp`` after the watermark) except those in
:data:`WHOLE`, read whole on every run: users are few, and the import sets each user's territory
from every user's row. The related objects (products and line items, territories, quotas) are in
:mod:`tools.store.sync.salesforce_extras`.
"""

from __future__ import annotations

import datetime as dt

OVERLAP = dt.timedelta(minutes=5)
STAMP = "SystemModstamp"

#: Object -> the fields read, and the local table its deletes remove rows from (None: never deleted
#: on its own). Order matters only for readability: the import orders tables itself.
OBJECTS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "User": (
        (
            "Id",
            "Name",
            "Email",
            "ManagerId",
            "IsActive",
        ),
        None,
    ),
    "Account": (
        (
            "Id",
            "Name",
            "Industry",
            "AnnualRevenue",
            "NumberOfEmployees",
            "BillingCity",
            "BillingState",
            "BillingCountry",
            "ParentId",
            "OwnerId",
        ),
        "accounts",
    ),
    "Contact": (
        (
            "Id",
            "AccountId",
            "FirstName",
            "LastName",
            "Title",
            "Email",
        ),
        "contacts",
    ),
    "Opportunity": (
        (
            "Id",
            "Name",
            "AccountId",
            "OwnerId",
            "StageName",
            "Amount",
            "Probability",
            "ForecastCategoryName",
            "CloseDate",
            "CreatedDate",
            "NextStep",
            "LastActivityDate",
            "IsClosed",
            "IsWon",
        ),
        "opportunities",
    ),
    "OpportunityHistory": (
        (
            "Id",
            "OpportunityId",
            "CreatedDate",
            "StageName",
            "Amount",
            "CloseDate",
        ),
        None,
    ),
    "OpportunityContactRole": (
        (
            "Id",
            "ContactId",
            "OpportunityId",
            "Role",
        ),
        None,
    ),
    "Task": (
        (
            "Id",
            "TaskSubtype",
            "Subject",
            "ActivityDate",
            "CreatedDate",
            "OwnerId",
            "AccountId",
            "WhatId",
            "WhoId",
        ),
        "activities",
    ),
    "Event": (
        (
            "Id",
            "Subject",
            "ActivityDateTime",
            "CreatedDate",
            "OwnerId",
            "AccountId",
            "WhatId",
            "WhoId",
        ),
        "activities",
    ),
}
STAGE_OBJECT = "OpportunityStage"
STAGE_FIELDS = (
    "ApiName",
    "MasterLabel",
    "IsClosed",
    "IsWon",
    "DefaultProbability",
    "ForecastCategoryName",
    "SortOrder",
)
#: Fields a write-back may set on an opportunity, by the name Salesplan gives them.
WRITABLE = {
    "close_date": "CloseDate",
    "stage": "StageName",
    "amount": "Amount",
    "next_step": "NextStep",
}
#: Objects read whole on every run (no watermark).
WHOLE = frozenset({"User"})


def soql_stamp(watermark: str) -> str:
    """A SOQL dateTime literal (UTC, whole seconds) :data:`OVERLAP` before ``watermark``."""
    stamp = dt.datetime.fromisoformat(watermark) - OVERLAP
    return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
