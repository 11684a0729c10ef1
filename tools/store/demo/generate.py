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
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, Table, select

from tools.errors import UsageError
from tools.store.bulk import BulkWriter, clear_tables, reset_sequences
from tools.store.demo import reference as ref
from tools.store.demo.deals import DealSimulator, SimulatedDeal
from tools.store.demo.org import Org, build_org
from tools.store.schema import (
    Account,
    AccountProduct,
    Activity,
    Contact,
    DatasetMeta,
    Opportunity,
    OpportunityHistory,
    Product,
    Quota,
    Territory,
    User,
    table_of,
)
from tools.store.stages import StageConfig

DEFAULT_AS_OF = dt.date(2026, 11, 20)
DEFAULT_SEED = 7
DEFAULT_ACCOUNTS = 2_000
#: Years of history before ``as_of``.
HISTORY_DAYS = 730
#: Expected opportunities per account over the segment mix (SMB 20%, Mid-Market 62%, Enterprise 18%).
MEAN_OPPORTUNITIES_PER_ACCOUNT = 4.29
#: Account segment by employees: (upper bound exclusive, segment).
SEGMENT_BOUNDS = ((200, "SMB"), (2_000, "Mid-Market"))
#: Per account segment: mean opportunities, contact count range, customer share, deal size multiple.
SEGMENT_PROFILE: dict[str, tuple[float, tuple[int, int], float, float]] = {
    "SMB": (3.0, (2, 4), 0.35, 0.5),
    "Mid-Market": (4.2, (3, 6), 0.45, 1.5),
    "Enterprise": (6.0, (5, 9), 0.60, 4.5),
}

Progress = Callable[[int, int], None]


class GenerateReport(BaseModel):
    seed: int
    as_of: dt.date
    rows: dict[str, int]


def segment_of(employees: int) -> str:
    for bound, segment in SEGMENT_BOUNDS:
        if employees < bound:
            return segment
    return "Enterprise"


class _AccountNamer:
    def __init__(self) -> None:
        self._taken: set[str] = set()

    def name(self, index: int, industry: str, city: str, rng: random.Random) -> str:
        if index < len(ref.FEATURED_ACCOUNTS):
            candidate = ref.FEATURED_ACCOUNTS[index]
        else:
            candidate = f"{rng.choice(ref.NAME_STEMS)} {rng.choice(ref.NAME_SUFFIX_BY_INDUSTRY[industry])}"
            if candidate in self._taken:
                candidate = f"{candidate} of {city}"
            suffix = 2
            base = candidate
            while candidate in self._taken:
                candidate, suffix = f"{base} {suffix}", suffix + 1
        self._taken.add(candidate)
        return candidate


def _pick_weighted(rng: random.Random, items: list[tuple[int, float]]) -> int:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class _Generator:
    def __init__(
        self, writer: BulkWriter, stages: StageConfig, seed: int, as_of: dt.date, deal_scale: float = 1.0
    ) -> None:
        self.writer, self.seed, self.as_of, self.deal_scale = writer, seed, as_of, deal_scale
        self.deals = DealSimulator(stages, as_of)
        self.namer = _AccountNamer()
        self.products = {p.name: i + 1 for i, p in enumerate(ref.PRODUCTS)}
        self.next_contact = 1
        #: (rep id, quarter label) -> won amount, for quotas.
        self.bookings: dict[tuple[int, str], float] = defaultdict(float)

    def write_reference(self, org: Org) -> None:
        self.writer.extend(table_of(Territory), org.territories)
        self.writer.extend(table_of(User), org.users)
        self.writer.extend(
            table_of(Product),
            [
                {
                    "id": i + 1,
                    "external_id": f"P{i + 1:02d}",
                    "name": p.name,
                    "family": p.family,
                    "list_price": p.list_price,
                }
                for i, p in enumerate(ref.PRODUCTS)
            ],
        )

    def account(self, index: int, org: Org) -> None:
        rng = random.Random(f"{self.seed}:account:{index}")
        industry = rng.choices(list(ref.INDUSTRIES), weights=[v[0] for v in ref.INDUSTRIES.values()])[0]
        _, revenue_per_employee, fit = ref.INDUSTRIES[industry]
        region = rng.choices(list(ref.REGION_WEIGHTS), weights=list(ref.REGION_WEIGHTS.values()))[0]
        city = rng.choice(ref.REGIONS[region])
        employees = int(min(200_000, max(10, rng.lognormvariate(math.log(600), 1.3))))
        segment = segment_of(employees)
        sales_segment = next(s for s, covered in ref.SALES_SEGMENTS.items() if segment in covered)
        territory = next(
            t for t in org.territories if t["region"] == region and t["segment"] == sales_segment
        )
        territory_id = int(str(territory["id"]))
        owner = _pick_weighted(rng, org.reps_by_territory[territory_id])
        mean_opps, contact_range, customer_share, size = SEGMENT_PROFILE[segment]
        potential = round(employees * 95 * fit * rng.uniform(0.6, 1.5), -2)
        reference_potential = {"SMB": 9_000, "Mid-Market": 60_000, "Enterprise": 400_000}[segment]
        tier = (
            "A"
            if potential >= 2 * reference_potential
            else "B"
            if potential >= 0.8 * reference_potential
            else "C"
        )
        account_id = index + 1
        name = self.namer.name(index, industry, city.name, rng)
        self.writer.add(
            table_of(Account),
            {
                "id": account_id,
                "external_id": f"A{account_id:07d}",
                "name": name,
                "industry": industry,
                "segment": segment,
                "employees": employees,
                "annual_revenue": round(employees * revenue_per_employee * rng.uniform(0.7, 1.3), -3),
                "country": "United States",
                "state": city.state,
                "city": city.name,
                "latitude": round(city.latitude + rng.uniform(-0.25, 0.25), 5),
                "longitude": round(city.longitude + rng.uniform(-0.25, 0.25), 5),
                "territory_id": territory_id,
                "owner_id": owner,
                "parent_account_id": rng.randrange(1, account_id)
                if account_id > 50 and rng.random() < 0.03
                else None,
                "potential": potential,
                "tier": tier,
                "year_established": rng.randint(1950, 2022),
            },
        )
        contacts = self._contacts(rng, account_id, name, rng.randint(*contact_range))
        owned = self._owned_products(rng, customer_share, size)
        colleagues = org.reps_by_territory[territory_id]
        engaged: dict[int, dt.date] = {}
        deal_rows: list[tuple[Table, dict[str, Any]]] = []
        for _ in range(_poisson(rng, mean_opps * self.deal_scale)):
            deal_owner = (
                owner if rng.random() < 0.88 or len(colleagues) < 2 else _pick_weighted(rng, colleagues)
            )
            product = self._deal_product(rng, owned)
            spec = ref.PRODUCTS[self.products[product] - 1]
            amount = round(spec.list_price * size * rng.lognormvariate(0, 0.5), -2)
            deal = self.deals.simulate(rng, amount=amount, segment=segment)
            deal_rows += self._deal_rows(rng, deal, account_id, name, deal_owner, product, contacts, engaged)
            if deal.won and deal.closed_at:
                owned.setdefault(product, (deal.closed_at, amount))
                self.bookings[(deal_owner, quarter_of(deal.closed_at))] += amount
        for contact in contacts:
            contact["last_engaged_at"] = engaged.get(int(str(contact["id"])))
        self.writer.extend(table_of(Contact), contacts)
        for table, row in deal_rows:
            self.writer.add(table, row)
        for product, (since, arr) in owned.items():
            self.writer.add(
                table_of(AccountProduct),
                {
                    "account_id": account_id,
                    "product_id": self.products[product],
                    "status": "churned" if rng.random() < 0.07 else "active",
                    "arr": arr,
                    "since": since,
                },
            )

    def _contacts(
        self, rng: random.Random, account_id: int, account: str, count: int
    ) -> list[dict[str, Any]]:
        roles = ["Champion"] + (["Economic Buyer"] if rng.random() < 0.75 else [])
        roles += rng.choices(list(ref.BUYING_ROLES), k=max(0, count - len(roles)))
        domain = "".join(ch for ch in account.lower() if ch.isalnum())[:20] + ".example"
        rows = []
        for role in roles:
            name = f"{rng.choice(ref.FIRST_NAMES)} {rng.choice(ref.LAST_NAMES)}"
            rows.append(
                {
                    "id": self.next_contact,
                    "external_id": f"C{self.next_contact:08d}",
                    "account_id": account_id,
                    "name": name,
                    "title": rng.choice(ref.BUYING_ROLES[role]),
                    "buying_role": role,
                    "email": f"{name.lower().replace(' ', '.')}@{domain}",
                }
            )
            self.next_contact += 1
        return rows

    def _owned_products(
        self, rng: random.Random, customer_share: float, size: float
    ) -> dict[str, tuple[dt.date, float]]:
        owned: dict[str, tuple[dt.date, float]] = {}
        if rng.random() >= customer_share:
            return owned
        first = self.as_of - dt.timedelta(days=rng.randint(HISTORY_DAYS, 2_000))
        for spec in ref.PRODUCTS:
            if spec.name == ref.CORE_PRODUCT or rng.random() < 0.3:
                since = (
                    first
                    if spec.name == ref.CORE_PRODUCT
                    else first + dt.timedelta(days=rng.randint(30, 600))
                )
                owned[spec.name] = (since, round(spec.list_price * size * rng.uniform(0.7, 1.4), -2))
        return owned

    def _deal_product(self, rng: random.Random, owned: dict[str, tuple[dt.date, float]]) -> str:
        if ref.CORE_PRODUCT not in owned and rng.random() < 0.75:
            return ref.CORE_PRODUCT
        candidates = [p for p in ref.PRODUCTS if p.name not in owned and p.cross_sell_weight > 0]
        if not candidates:
            candidates = [p for p in ref.PRODUCTS if p.cross_sell_weight > 0]
        return rng.choices([p.name for p in candidates], weights=[p.cross_sell_weight for p in candidates])[0]

    def _deal_rows(
        self,
        rng: random.Random,
        deal: SimulatedDeal,
        account_id: int,
        account: str,
        owner: int,
        product: str,
        contacts: list[dict[str, Any]],
        engaged: dict[int, dt.date],
    ) -> list[tuple[Table, dict[str, Any]]]:
        opp_id = self.deals.next_id()
        activities = self.deals.activities(rng, deal, opp_id, account_id, owner, product, contacts)
        opportunity = deal.opportunity_row(
            opp_id,
            account_id=account_id,
            owner_id=owner,
            product_id=self.products[product],
            name=f"{account} - {product}",
            contacts_engaged=len({row["contact_id"] for row in activities if row["contact_id"] is not None}),
        )
        rows: list[tuple[Table, dict[str, Any]]] = [(table_of(Opportunity), opportunity)]
        rows += [(table_of(OpportunityHistory), row) for row in deal.history_rows(opp_id)]
        for row in activities:
            rows.append((table_of(Activity), row))
            contact_id, day = row["contact_id"], row["occurred_at"].date()
            if engaged.get(contact_id, dt.date.min) < day:
                engaged[contact_id] = day
        return rows

    def quotas(self, org: Org) -> None:
        """Quarterly quotas: the territory's average rep bookings per quarter, plus 15%."""
        quarters = quarter_range(
            self.as_of - dt.timedelta(days=HISTORY_DAYS), self.as_of + dt.timedelta(days=92)
        )
        for reps in org.reps_by_territory.values():
            totals = [sum(self.bookings.get((rep, q), 0.0) for q in quarters) for rep, _ in reps]
            per_quarter = sum(totals) / max(1, len(reps)) / max(1, len(quarters) - 2)
            amount = max(10_000.0, round(per_quarter * 1.15, -4))
            for rep, _ in reps:
                self.writer.extend(
                    table_of(Quota), [{"user_id": rep, "period": q, "amount": amount} for q in quarters]
                )


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_range(start: dt.date, end: dt.date) -> list[str]:
    labels, year, quarter = [], start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        labels.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return labels


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
    org = build_org(accounts, seed)
    with engine.begin() as connection:
        clear_tables(connection)
        writer = BulkWriter(connection)
        generator = _Generator(writer, stages, seed, as_of, scale)
        generator.write_reference(org)
        for index in range(accounts):
            generator.account(index, org)
            if progress and ((index + 1) % 100 == 0 or index + 1 == accounts):
                progress(index + 1, accounts)
        generator.quotas(org)
        _write_meta(writer, seed, as_of)
        writer.flush()
        reset_sequences(connection)
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
