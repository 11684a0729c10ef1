"""``salesplan sync hubspot`` against a loopback fake of the HubSpot CRM v3 API: a full sync then an
incremental one leave exactly the fake's data; a failed run writes nothing; rate limits are
retried after Retry-After; a confirmed close date arrives as one PATCH."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.fake_hubspot import PIPELINE, FakeHubSpot, sample_account, sample_items, serve_hubspot
from tools.store.schema import Account, Activity, Contact, Opportunity, Product, Role, User, table_of
from tools.store.scope import Sharing
from tools.store.stages import dataset_stages, load_stages
from tools.store.sync import CrmError, sync, watermarks
from tools.store.sync.activity_changes import propose_activity
from tools.store.sync.changes import ChangeRefused, confirm, propose
from tools.store.sync.hubspot import HubSpotConfig, HubSpotSource

LABELS = {ident: label for ident, label, *_rest in PIPELINE}
Account_ = tuple[FakeHubSpot, dict[str, str]]


@pytest.fixture
def hub() -> Iterator[Account_]:
    with serve_hubspot(FakeHubSpot(page_size=2)) as fake:
        yield fake, sample_account(fake)


def source(fake: FakeHubSpot, sleeps: list[float] | None = None, token: str | None = None) -> HubSpotSource:
    config = HubSpotConfig(access_token=token or fake.token, api_url=fake.url)
    return HubSpotSource(config, sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def rows(engine: Engine, model: type, *columns: str) -> set[tuple[object, ...]]:
    table = table_of(model)
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(*(table.c[c] for c in columns)))}


def fake_deals(fake: FakeHubSpot) -> set[tuple[object, ...]]:
    return {
        (
            r["id"],
            r["properties"]["dealname"],
            LABELS[r["properties"]["dealstage"]],
            Decimal(r["properties"]["amount"]).quantize(Decimal("0.01")),
            r["properties"]["closedate"][:10],
            r["properties"]["hs_next_step"],
        )
        for r in fake.objects["deals"]
        if not r["archived"]
    }


def local_deals(engine: Engine) -> set[tuple[object, ...]]:
    return {
        (ext, name, stage, amount, close.isoformat(), step)
        for ext, name, stage, amount, close, step in rows(
            engine, Opportunity, "external_id", "name", "stage", "amount", "close_date", "next_step"
        )
    }


def test_a_full_sync_then_an_incremental_one_leaves_exactly_the_accounts_data(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, ids = hub
    stages = load_stages(None)
    first = sync(sqlite_engine, source(fake), stages=stages)
    assert first.full and local_deals(sqlite_engine) == fake_deals(fake)
    assert rows(sqlite_engine, User, "external_id", "name") == {
        (ids["rita"], "Rita Ruiz"),
        (ids["sam"], "Sam Stone"),
    }
    assert rows(sqlite_engine, Account, "external_id", "name") == {
        (ids["acme"], "Acme Corporation"),
        (ids["globex"], "Globex"),
    }
    assert rows(sqlite_engine, Contact, "external_id", "name") == {(ids["naomi"], "Naomi Nagata")}
    accounts = {e: i for i, e in rows(sqlite_engine, Account, "id", "external_id")}
    deal_accounts = rows(sqlite_engine, Opportunity, "external_id", "account_id")
    assert (ids["renewal"], accounts[ids["acme"]]) in deal_accounts  # the deal's company association
    assert set(watermarks(sqlite_engine, "hubspot")) == {"companies", "contacts", "deals"}

    fake.change("deals", ids["renewal"], closedate="2027-01-31T00:00:00.000Z", hs_next_step="Legal review")
    fake.delete("deals", ids["expansion"])
    fake.requests.clear()
    second = sync(sqlite_engine, source(fake), stages=stages)
    assert not second.full
    assert local_deals(sqlite_engine) == fake_deals(fake)
    assert second.deleted == {"opportunities": 1}
    # only the changed deal, and the newest one again (the five-minute overlap), were read
    assert second.fetched["deals"] == 2
    assert ("POST", "/crm/v3/objects/deals/search") in fake.requests


def test_a_refused_token_writes_nothing_and_a_rate_limit_is_retried(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, _ids = hub
    stages = load_stages(None)
    with pytest.raises(CrmError, match="renew HUBSPOT_ACCESS_TOKEN"):
        sync(sqlite_engine, source(fake, token="wrong"), stages=stages)
    assert rows(sqlite_engine, Opportunity, "id") == set() and watermarks(sqlite_engine, "hubspot") == {}
    sleeps: list[float] = []
    fake.limit_next(2)
    sync(sqlite_engine, source(fake, sleeps), stages=stages)
    assert sleeps == [1.0, 1.0]  # the Retry-After HubSpot gave
    assert local_deals(sqlite_engine) == fake_deals(fake)


def test_a_confirmed_close_date_arrives_as_one_patch(sqlite_engine: Engine, hub: Account_) -> None:
    fake, ids = hub
    stages = load_stages(None)
    hubspot = source(fake)
    sync(sqlite_engine, hubspot, stages=stages)
    users = table_of(User)
    with sqlite_engine.connect() as conn:
        rita = conn.execute(select(users.c.id, users.c.role).where(users.c.name == "Rita Ruiz")).one()
    common = {"user_id": rita.id, "role": Role(rita.role), "sharing": Sharing.PRIVATE, "stages": stages}
    approved = propose(
        sqlite_engine, source="hubspot", deal="Acme Renewal", field="close_date", new="2027-01-15", **common
    )
    propose(
        sqlite_engine, source="hubspot", deal="Acme Expansion", field="close_date", new="2027-03-31", **common
    )
    assert fake.patches == []
    confirm(sqlite_engine, change_id=approved.id, crm=hubspot, **common)
    assert fake.patches == [("deals", ids["renewal"], {"closedate": "2027-01-15"})]
    assert fake.find("deals", ids["expansion"])["properties"]["closedate"].startswith("2027-02-28")


def _rita(engine: Engine) -> dict[str, Any]:
    users = table_of(User)
    with engine.connect() as conn:
        rita = conn.execute(select(users.c.id, users.c.role).where(users.c.name == "Rita Ruiz")).one()
    # the stages as the sync stored them (the pipeline's labels)
    found = dataset_stages(engine, load_stages(None))
    return {"user_id": rita.id, "role": Role(rita.role), "sharing": Sharing.PRIVATE, "stages": found}


def test_a_confirmed_stage_is_sent_as_the_stage_id_and_an_amount_as_a_number(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, ids = hub
    stages = load_stages(None)
    hubspot = source(fake)
    sync(sqlite_engine, hubspot, stages=stages)
    common = _rita(sqlite_engine)
    stage = propose(sqlite_engine, source="hubspot", deal="Acme Renewal", field="stage", new="won", **common)
    amount = propose(
        sqlite_engine, source="hubspot", deal="Acme Expansion", field="amount", new="52,500", **common
    )
    assert (stage.old, stage.new) == ("Contract Sent", "Closed Won")  # labels here, ids in HubSpot
    assert (amount.old, amount.new) == ("45000.00", "52500.00")
    assert fake.patches == []
    confirm(sqlite_engine, change_id=stage.id, crm=hubspot, **common)
    confirm(sqlite_engine, change_id=amount.id, crm=hubspot, **common)
    assert fake.patches == [
        ("deals", ids["renewal"], {"dealstage": "closedwon"}),
        ("deals", ids["expansion"], {"amount": "52500.00"}),
    ]
    deals = rows(sqlite_engine, Opportunity, "external_id", "stage", "is_won", "amount")
    assert (ids["renewal"], "Closed Won", True, Decimal("120000.00")) in deals
    assert (ids["expansion"], "Appointment Scheduled", False, Decimal("52500.00")) in deals


def test_a_stage_changed_in_hubspot_since_the_proposal_is_refused(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, ids = hub
    stages = load_stages(None)
    hubspot = source(fake)
    sync(sqlite_engine, hubspot, stages=stages)
    common = _rita(sqlite_engine)
    change = propose(
        sqlite_engine, source="hubspot", deal="Acme Renewal", field="stage", new="Closed Won", **common
    )
    fake.change("deals", ids["renewal"], dealstage="closedlost")
    with pytest.raises(ChangeRefused, match="changed in hubspot since it was proposed"):
        confirm(sqlite_engine, change_id=change.id, crm=hubspot, **common)
    assert fake.patches == []


def test_a_confirmed_call_is_one_engagement_associated_with_the_contact_company_and_deal(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, ids = hub
    stages = load_stages(None)
    hubspot = source(fake)
    sync(sqlite_engine, hubspot, stages=stages)
    common = _rita(sqlite_engine)
    del common["stages"]
    day = dt.date(2026, 12, 3)
    call = propose_activity(
        sqlite_engine,
        source="hubspot",
        kind="call",
        subject="Discussed pricing",
        deal="Acme Renewal",
        contact="Naomi",
        day=day.isoformat(),
        **common,
    )
    assert (call.record, call.old, call.new) == (
        "Acme Renewal",
        None,
        "Call on 2026-12-03 with Naomi Nagata: Discussed pricing",
    )
    assert fake.created == []
    confirm(sqlite_engine, change_id=call.id, crm=hubspot, stages=stages, **common)
    [(kind, properties, links)] = fake.created
    assert kind == "calls"
    assert properties == {
        "hs_timestamp": "2026-12-03T12:00:00.000Z",
        "hubspot_owner_id": ids["rita"],
        "hs_call_title": "Discussed pricing",
        "hs_call_body": "Discussed pricing",
        "hs_call_status": "COMPLETED",
    }
    assert links == [(ids["naomi"], 194), (ids["acme"], 182), (ids["renewal"], 206)]
    created = fake.objects["calls"][0]["id"]
    logged = rows(sqlite_engine, Activity, "external_id", "kind", "subject", "occurred_at")
    assert logged == {(created, "call", "Discussed pricing", dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC))}


def test_products_and_each_deals_largest_line_item_full_then_incremental(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, ids = hub
    items = sample_items(fake, ids)
    stages = load_stages(None)
    sync(sqlite_engine, source(fake), stages=stages)
    assert rows(sqlite_engine, Product, "external_id", "name", "list_price") == {
        (items["platform"], "Platform", Decimal("100000.00")),
        (items["addon"], "Add-on", Decimal("20000.00")),
    }
    products = {name: ident for ident, name in rows(sqlite_engine, Product, "id", "name")}

    def deal_products() -> dict[object, object]:
        return dict(rows(sqlite_engine, Opportunity, "external_id", "product_id"))

    assert deal_products() == {
        ids["renewal"]: products["Platform"],
        ids["expansion"]: products["Add-on"],
        ids["platform"]: None,
    }
    fake.change("line_items", items["renewal_addon"], amount=150000)  # the deal itself does not change
    fake.delete("line_items", items["expansion_addon"])
    fake.requests.clear()
    sync(sqlite_engine, source(fake), stages=stages)
    assert deal_products() == {
        ids["renewal"]: products["Add-on"],
        ids["expansion"]: None,
        ids["platform"]: None,
    }
    assert local_deals(sqlite_engine) == fake_deals(fake)  # deals read again for their product are intact
    assert ("POST", "/crm/v3/objects/line_items/search") in fake.requests  # only changes were asked for
    assert ("GET", "/crm/v3/objects/line_items") in fake.requests  # and the archived ones


def test_a_token_without_the_e_commerce_scope_syncs_everything_else(
    sqlite_engine: Engine, hub: Account_
) -> None:
    fake, ids = hub
    sample_items(fake, ids)
    fake.forbidden |= {"products", "line_items"}
    sync(sqlite_engine, source(fake), stages=load_stages(None))
    assert rows(sqlite_engine, Product, "name") == set()
    assert local_deals(sqlite_engine) == fake_deals(fake)
