"""`salesplan sync salesforce` against a loopback fake of the REST API: a full load, then changes
and deletes only, committed whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from tests.fake_salesforce import FakeSalesforce, related_org, sample_org, serve_salesforce
from tools.store.schema import (
    Account,
    Activity,
    Contact,
    Opportunity,
    OpportunityHistory,
    Product,
    Quota,
    Role,
    Territory,
    User,
    table_of,
)
from tools.store.stages import load_stages
from tools.store.sync import CrmError, sync, watermarks
from tools.store.sync.salesforce import SalesforceSource
from tools.store.sync.salesforce_client import SalesforceConfig, open_client


@pytest.fixture
def org() -> Iterator[tuple[FakeSalesforce, dict[str, str]]]:
    with serve_salesforce(FakeSalesforce(page_size=2)) as fake:
        yield fake, sample_org(fake)


def source(fake: FakeSalesforce, sleeps: list[float] | None = None, **settings: str) -> SalesforceSource:
    config = SalesforceConfig(instance_url=fake.url, **({"access_token": fake.token} | settings))
    return SalesforceSource(config, sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def rows(engine: Engine, model: type, *columns: str) -> set[tuple[object, ...]]:
    table = table_of(model)
    with engine.connect() as conn:
        return {tuple(r) for r in conn.execute(select(*(table.c[c] for c in columns)))}


def org_deals(fake: FakeSalesforce) -> set[tuple[object, ...]]:
    return {
        (
            r["Id"],
            r["Name"],
            r["StageName"],
            Decimal(str(r["Amount"])).quantize(Decimal("0.01")),
            r["CloseDate"],
        )
        for r in fake.live("Opportunity")
    }


def local_deals(engine: Engine) -> set[tuple[object, ...]]:
    return {
        (ext, name, stage, amount, close.isoformat())
        for ext, name, stage, amount, close in rows(
            engine, Opportunity, "external_id", "name", "stage", "amount", "close_date"
        )
    }


def test_a_full_sync_then_an_incremental_one_leaves_exactly_the_orgs_data(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, ids = org
    stages = load_stages(None)
    first = sync(sqlite_engine, source(fake), stages=stages)
    assert first.full
    assert local_deals(sqlite_engine) == org_deals(fake)
    assert first.tables["opportunities"].inserted == 5
    assert rows(sqlite_engine, User, "name", "role") == {
        ("Maya Patel", "manager"),
        ("Rita Ruiz", "rep"),
        ("Sam Stone", "rep"),
    }
    accounts = {
        name: (ext, parent)
        for ext, name, parent in rows(sqlite_engine, Account, "external_id", "name", "parent_account_id")
    }
    acme_id = next(i for (i, ext) in rows(sqlite_engine, Account, "id", "external_id") if ext == ids["acme"])
    assert accounts["Acme Robotics"][1] == acme_id
    assert rows(sqlite_engine, Contact, "name", "buying_role") == {("Naomi Nagata", "Economic Buyer")}
    assert {k for (k,) in rows(sqlite_engine, Activity, "kind")} == {"Call", "Meeting"}
    marks = watermarks(sqlite_engine, "salesforce")
    assert set(marks) >= {"Opportunity", "Account", "User"}

    fake.change("Opportunity", ids["acme_renewal"], CloseDate="2027-01-15", Amount=135000.0)
    fake.delete("Opportunity", ids["globex_addon"])
    fake.requests.clear()
    second = sync(sqlite_engine, source(fake), stages=stages)
    assert not second.full
    assert local_deals(sqlite_engine) == org_deals(fake)
    assert second.deleted == {"opportunities": 1}
    assert second.tables["opportunities"].inserted == 0
    # only changes were asked for, and deletes from the recycle bin
    deal_queries = [(path, q) for _m, path, q in fake.requests if "FROM Opportunity " in q]
    assert deal_queries and all("SystemModstamp > " in q for _path, q in deal_queries)
    assert any("/queryAll" in path and "IsDeleted = true" in q for path, q in deal_queries)
    assert watermarks(sqlite_engine, "salesforce")["Opportunity"] > marks["Opportunity"]
    history = rows(sqlite_engine, OpportunityHistory, "opportunity_id")
    assert len(history) == 4  # the deleted deal's history went with it

    again = sync(sqlite_engine, source(fake), stages=stages)  # nothing changed: nothing new
    assert local_deals(sqlite_engine) == org_deals(fake)
    assert sum(c.inserted for c in again.tables.values()) == 0
    assert again.deleted == {}


def test_a_sync_that_dies_half_way_keeps_the_last_good_data_and_watermarks(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, ids = org
    stages = load_stages(None)
    sync(sqlite_engine, source(fake), stages=stages)
    before = local_deals(sqlite_engine), watermarks(sqlite_engine, "salesforce")
    fake.change("Opportunity", ids["acme_renewal"], Amount=1.0)
    fake.failing.add("Task")  # read after Opportunity: the run fails after reading the change
    with pytest.raises(CrmError, match="500"):
        sync(sqlite_engine, source(fake), stages=stages)
    assert (local_deals(sqlite_engine), watermarks(sqlite_engine, "salesforce")) == before


def test_a_run_whose_data_cannot_be_imported_writes_nothing(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, ids = org
    stages = load_stages(None)
    sync(sqlite_engine, source(fake), stages=stages)
    before = local_deals(sqlite_engine), watermarks(sqlite_engine, "salesforce")
    fake.change("Opportunity", ids["acme_renewal"], Amount=2.0)
    fake.change("Opportunity", ids["acme_expansion"], StageName="No Such Stage")
    with pytest.raises(Exception, match="nothing was written"):
        sync(sqlite_engine, source(fake), stages=stages)
    assert (local_deals(sqlite_engine), watermarks(sqlite_engine, "salesforce")) == before


def test_roles_given_in_salesplan_survive_a_sync(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, ids = org
    stages = load_stages(None)
    sync(sqlite_engine, source(fake), stages=stages)
    users = table_of(User)
    with sqlite_engine.begin() as conn:
        conn.execute(users.update().where(users.c.external_id == ids["sam"]).values(role=Role.ADMIN.value))
    fake.change("User", ids["sam"], Email="sam.stone@example.com")
    sync(sqlite_engine, source(fake), stages=stages)
    assert ("sam.stone@example.com", "admin") in rows(sqlite_engine, User, "email", "role")


def test_rate_limits_are_retried_with_backoff(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, _ids = org
    fake.limit_next(2)
    sleeps: list[float] = []
    sync(sqlite_engine, source(fake, sleeps), stages=load_stages(None))
    assert sleeps == [1.0, 2.0]
    assert local_deals(sqlite_engine) == org_deals(fake)


def test_an_expired_session_is_renewed_with_client_credentials(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, _ids = org
    config = SalesforceConfig(
        instance_url=fake.url, client_id=fake.client_id, client_secret=fake.client_secret
    )
    crm = SalesforceSource(config, sleep=lambda _s: None)
    assert crm.client.session_id == fake.token  # signed in
    fake.expire_token()  # the next call answers INVALID_SESSION_ID: the client signs in again
    sync(sqlite_engine, crm, stages=load_stages(None))
    assert local_deals(sqlite_engine) == org_deals(fake)
    assert [p for _m, p, _q in fake.requests].count("/services/oauth2/token") == 2


def test_an_expired_access_token_says_to_renew_it(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, _ids = org
    crm = source(fake)
    fake.expire_token()
    with pytest.raises(CrmError, match="SALESFORCE_ACCESS_TOKEN"):
        sync(sqlite_engine, crm, stages=load_stages(None))
    assert watermarks(sqlite_engine, "salesforce") == {}


def test_the_client_keeps_the_instance_urls_scheme(org: tuple[FakeSalesforce, dict[str, str]]) -> None:
    fake, _ids = org
    client = open_client(SalesforceConfig(instance_url=fake.url, access_token=fake.token))
    assert client.base_url.startswith(f"{fake.url}/services/data/v")
    secure = open_client(SalesforceConfig(instance_url="https://acme.my.salesforce.com", access_token="t"))
    assert secure.base_url.startswith("https://acme.my.salesforce.com/services/data/v")
    # a paged query follows nextRecordsUrl over http:// on loopback (two records a page)
    found = list(
        SalesforceSource(SalesforceConfig(instance_url=fake.url, access_token=fake.token)).records(
            "SELECT Id FROM Opportunity"
        )
    )
    assert len(found) == 5
    assert sum(1 for _m, p, _q in fake.requests if "/query/01g" in p) == 2


def test_settings_that_cannot_sign_in_are_a_clear_error() -> None:
    with pytest.raises(CrmError, match="not configured"):
        SalesforceConfig(instance_url="https://acme.my.salesforce.com").check()
    with pytest.raises(CrmError, match="must be a URL"):
        SalesforceConfig(instance_url="acme", access_token="t").check()


def test_sync_salesforce_from_the_command_line(
    org: tuple[FakeSalesforce, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from assistant.interfaces.cli import app

    fake, _ids = org
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", fake.url)
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", fake.token)
    runner = CliRunner()
    first = runner.invoke(app, ["sync", "salesforce"])
    assert first.exit_code == 0, first.output
    assert "salesforce full sync: users +3" in first.output and "opportunities +5" in first.output
    summary = runner.invoke(app, ["data", "summary"])
    assert "salesforce-sync" in summary.output and "5 opportunities" in summary.output
    fake.expire_token()
    failed = runner.invoke(app, ["sync", "salesforce"])
    assert failed.exit_code == 2 and "SALESFORCE_ACCESS_TOKEN" in failed.output
    bad = runner.invoke(app, ["sync", "salesforce", "--every", "5 minutes"])
    assert bad.exit_code == 1 and "--every takes an interval" in bad.output


def test_every_keeps_syncing_after_a_failed_run() -> None:
    from assistant.crm import parse_interval, repeat
    from tools.errors import DataError

    assert parse_interval("15m") == 900 and parse_interval("1h") == 3600
    outcomes = iter([None, DataError("down"), None])
    runs: list[str] = []
    errors: list[str] = []
    waits: list[float] = []

    def run() -> None:
        failure = next(outcomes)
        runs.append("run")
        if failure is not None:
            raise failure

    repeat(run, 900, on_error=lambda exc: errors.append(str(exc)), sleep=waits.append, times=3)
    assert runs == ["run"] * 3 and errors == ["down"] and len(waits) == 2 and all(w > 899 for w in waits)


def _named(engine: Engine, model: type, key: str = "name") -> dict[object, int]:
    return {name: ident for ident, name in rows(engine, model, "id", key)}


def test_products_line_items_territories_and_quotas_full_then_incremental(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, ids = org
    extra = related_org(fake, ids)
    stages = load_stages(None)
    sync(sqlite_engine, source(fake), stages=stages)
    products = _named(sqlite_engine, Product)
    assert rows(sqlite_engine, Product, "external_id", "name", "family", "list_price") == {
        (extra["platform"], "Platform", "Core", Decimal("100000.00")),  # the standard price book's price
        (extra["addon"], "Add-on", "Extensions", Decimal("20000.00")),
    }
    deal_products = {ext: p for ext, p in rows(sqlite_engine, Opportunity, "external_id", "product_id")}
    assert deal_products[ids["acme_renewal"]] == products["Platform"]  # its largest line item
    assert deal_products[ids["acme_expansion"]] == products["Add-on"]
    assert deal_products[ids["robotics_pilot"]] is None
    territories = _named(sqlite_engine, Territory)
    assert set(territories) == {"West", "West Enterprise"}  # the archived model's are left out
    assert (territories["West Enterprise"], territories["West"]) in rows(
        sqlite_engine, Territory, "id", "parent_id"
    )
    assert rows(sqlite_engine, User, "name", "territory_id") == {
        ("Maya Patel", None),
        ("Rita Ruiz", territories["West Enterprise"]),
        ("Sam Stone", territories["West"]),
    }
    account_territory = {ext: t for ext, t in rows(sqlite_engine, Account, "external_id", "territory_id")}
    assert account_territory[ids["acme"]] == territories["West Enterprise"]
    assert account_territory[ids["globex"]] == territories["West"]
    users = _named(sqlite_engine, User)
    # monthly revenue quotas summed per quarter; product-family and other forecast types left out
    assert rows(sqlite_engine, Quota, "user_id", "period", "amount") == {
        (users["Rita Ruiz"], "2026-Q4", Decimal("90000.00")),
        (users["Sam Stone"], "2027-Q1", Decimal("250000.00")),
    }

    # a line item grows (its deal does not change), another deal loses its only one, an account
    # moves territory, a user leaves theirs, a quota changes
    fake.change("OpportunityLineItem", extra["renewal_addon"], TotalPrice=150000.0)
    fake.delete("OpportunityLineItem", extra["expansion_addon"])
    fake.delete("ObjectTerritory2Association", extra["acme_link"])
    fake.add("ObjectTerritory2Association", ObjectId=ids["acme"], Territory2Id=extra["west"])
    sam_link = next(r for r in fake.live("UserTerritory2Association") if r["UserId"] == ids["sam"])
    fake.change("UserTerritory2Association", sam_link["Id"], IsActive=False)
    quota = next(q for q in fake.live("ForecastingQuota") if q["QuotaOwnerId"] == ids["sam"])
    fake.change("ForecastingQuota", quota["Id"], QuotaAmount=300000.0)
    fake.requests.clear()
    second = sync(sqlite_engine, source(fake), stages=stages)
    assert not second.full
    deal_products = {ext: p for ext, p in rows(sqlite_engine, Opportunity, "external_id", "product_id")}
    assert deal_products[ids["acme_renewal"]] == products["Add-on"]
    assert deal_products[ids["acme_expansion"]] is None
    assert local_deals(sqlite_engine) == org_deals(fake)  # the deals read again are unchanged
    account_territory = {ext: t for ext, t in rows(sqlite_engine, Account, "external_id", "territory_id")}
    assert account_territory[ids["acme"]] == territories["West"]
    assert account_territory[ids["globex"]] == territories["West"]  # untouched
    assert ("Sam Stone", None) in rows(sqlite_engine, User, "name", "territory_id")
    assert (users["Sam Stone"], "2027-Q1", Decimal("300000.00")) in rows(
        sqlite_engine, Quota, "user_id", "period", "amount"
    )
    item_queries = [q for _m, _p, q in fake.requests if "FROM OpportunityLineItem" in q]
    assert any("SystemModstamp > " in q for q in item_queries)
    assert any("OpportunityId IN (" in q for q in item_queries)  # the touched deals' live items


def test_an_org_without_territories_or_forecasts_syncs_the_rest(
    sqlite_engine: Engine, org: tuple[FakeSalesforce, dict[str, str]]
) -> None:
    fake, ids = org
    related_org(fake, ids)
    fake.missing |= {"Territory2Model", "Territory2", "ObjectTerritory2Association", "ForecastingType"}
    report = sync(sqlite_engine, source(fake), stages=load_stages(None))
    assert rows(sqlite_engine, Territory, "name") == set() and rows(sqlite_engine, Quota, "period") == set()
    assert {name for (name,) in rows(sqlite_engine, Product, "name")} == {"Platform", "Add-on"}
    assert local_deals(sqlite_engine) == org_deals(fake)
    assert "Territory2" not in report.fetched
