"""The demo data generator: a deterministic B2B company of any size.

``generate_dataset`` builds territories (regions x sales segments), managers, reps and a RevOps
user with quarterly quotas, accounts with geography and potential, contacts with buying roles,
products and what accounts own, and opportunities simulated stage by stage, with their history
and activities. Nothing is scripted: stalled deals of every kind arise from the simulation
(slow stages, deals that go dark, close dates that slip or are left in the past, missing next
steps, single-threaded deals, deals open far longer than a normal cycle).

Determinism: every account draws from its own ``random.Random(f"{seed}:account:{i}")``, and ids
are assigned in generation order, so a seed always gives identical data. Memory stays bounded:
accounts are simulated one at a time and rows are written in batches (:class:`BulkWriter`).
The company itself is simulated in :mod:`tools.store.demo.company`.

Source ids: as a CRM export would, every record carries an id of "its CRM" (``external_id``),
shown beside its name in answers and linked with ``SALESPLAN_CRM_RECORD_URL``: the internal id
with a letter per kind, ``O00000042`` (opportunity), ``A0000007`` (account), ``C00000001``
(contact), ``E000000001`` (activity), ``U00001`` (user), ``T001`` (territory), ``P01`` (product).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, select

from tools.errors import UsageError
from tools.store.bulk import BulkWriter, clear_tables, reset_sequences
from tools.store.db import refresh_statistics
from tools.store.demo.company import CompanySimulator
from tools.store.demo.org import build_org
from tools.store.schema import (
    Account,
    DatasetMeta,
    Opportunity,
    User,
    table_of,
)
from tools.store.scope import touch_org
from tools.store.snapshots import backfill_snapshots
from tools.store.stages import StageConfig

DEFAULT_AS_OF = dt.date(2026, 11, 20)
DEFAULT_SEED = 7
DEFAULT_ACCOUNTS = 2_000
#: Expected opportunities per account over the segment mix (SMB 20%, Mid-Market 62%, Enterprise 18%).
MEAN_OPPORTUNITIES_PER_ACCOUNT = 4.29

Progress = Callable[[int, int], None]


class GenerateReport(BaseModel):
    seed: int
    as_of: dt.date
    rows: dict[str, int]


def generate_dataset(
    engine: Engine,
    stages: StageConfig,
    *,
    accounts: int = DEFAULT_ACCOUNTS,
    seed: int = DEFAULT_SEED,
    as_of: dt.date = DEFAULT_AS_OF,
    opportunities: int | None = None,
    progress: Progress | None = None,
) -> GenerateReport:
    """Replace the CRM data with a generated data set, in one transaction.

    ``opportunities`` (optional) sets the approximate total number of opportunities by scaling
    the deals per account; by default each account has about 4.3.
    """
    if accounts < 1:
        raise UsageError("accounts must be at least 1")
    scale = opportunities / (accounts * MEAN_OPPORTUNITIES_PER_ACCOUNT) if opportunities else 1.0
    org = build_org(accounts, seed, as_of)
    with engine.begin() as connection:
        clear_tables(connection)
        writer = BulkWriter(connection)
        generator = CompanySimulator(writer, stages, seed, as_of, scale)
        generator.write_reference(org)
        for index in range(accounts):
            generator.account(index, org)
            if progress and ((index + 1) % 100 == 0 or index + 1 == accounts):
                progress(index + 1, accounts)
        generator.quotas(org)
        _write_meta(writer, seed, as_of)
        writer.flush()
        backfill_snapshots(connection, stages, as_of)  # a fresh data set already has a past
        touch_org(connection)  # a new org: every process sharing the database rebuilds its scopes
        reset_sequences(connection)
    refresh_statistics(engine)
    return GenerateReport(seed=seed, as_of=as_of, rows=dict(writer.written))


def _write_meta(writer: BulkWriter, seed: int, as_of: dt.date) -> None:
    meta = {
        "as_of": as_of.isoformat(),
        "source": "demo",
        "seed": str(seed),
        "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    writer.extend(table_of(DatasetMeta), [{"key": k, "value": v} for k, v in meta.items()])


def has_data(connection: Connection) -> bool:
    """Whether the database already holds CRM rows."""
    return any(
        connection.execute(select(column).limit(1)).first() is not None
        for column in (Account.id, Opportunity.id, User.id)
    )
