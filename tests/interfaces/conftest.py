"""Fixtures of the interface tests that need a live CRM: the sample org of the Salesforce fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.bootstrap import AppContext
from assistant.settings import Settings
from tests.fake_salesforce import FakeSalesforce, sample_org, serve_salesforce
from tools.store.schema import Role, User, table_of
from tools.store.sync import sync
from tools.store.sync.salesforce import SalesforceSource
from tools.store.sync.salesforce_client import SalesforceConfig


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSalesforce, dict[str, str]]]:
    """The sample org, synced into the home database; the settings point at the fake."""
    with serve_salesforce() as fake:
        ids = sample_org(fake)
        monkeypatch.setenv("SALESFORCE_INSTANCE_URL", fake.url)
        monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", fake.token)
        context = AppContext(Settings())
        config = SalesforceConfig(instance_url=fake.url, access_token=fake.token)
        sync(context.engine, SalesforceSource(config), stages=context.stages)
        users = table_of(User)
        with context.engine.begin() as conn:  # an admin to see everything
            conn.execute(users.update().where(users.c.name == "Maya Patel").values(role=Role.ADMIN.value))
        context.engine.dispose()
        yield fake, ids
