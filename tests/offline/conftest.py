"""The offline planner driven through AssistantService, on generated demo data and on the Maven export.

Both data sets are built once per test session (per xdist worker) in a temp SQLite database;
every question goes through ``AssistantService.ask`` with ``SALESPLAN_MODEL=offline``, so the
planner runs inside the real agent loop, with the real tools and the real result cap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from assistant.models import build_chat_model
from assistant.service import Answer, AssistantService
from assistant.settings import Settings
from tools.evidence import describe_records, source_label
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import generate_dataset
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import import_dataset
from tools.store.repository import Repository
from tools.store.schema import Account, DatasetMeta, Opportunity, Role, Territory, User
from tools.store.stages import dataset_stages, load_stages
from tools.viewer import Viewer

DEMO_ACCOUNTS = 500
MAVEN = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "maven-crm"


@dataclass(frozen=True)
class FakePassage:
    citation: str
    title: str
    heading_path: str
    text: str
    score: float


@dataclass
class FakePlaybook:
    """A playbook searcher that returns fixed passages and records the queries it was asked."""

    queries: list[str] = field(default_factory=list)

    def search(self, query: str, k: int = 5, tags: Sequence[str] | None = None) -> list[FakePassage]:
        self.queries.append(query)
        passages = [
            FakePassage(
                "deal-closure-and-multithreading.md#our-multi-threading-standard",
                "Deal Closure and Multi-Threading",
                "Deal Closure and Multi-Threading > Our multi-threading standard",
                "Every deal above the large-deal threshold has at least three engaged contacts, "
                "including the economic buyer. Map the buying committee in the first two meetings.",
                0.9,
            ),
            FakePassage(
                "stalled-deal-recovery.md#no-activity-diagnosis-and-steps",
                "Stalled-Deal Recovery",
                "Stalled-Deal Recovery > No activity: diagnosis and steps",
                "When a deal goes quiet, reach the champion with a reason to talk this week.",
                0.7,
            ),
        ]
        return passages[:k]


#: Sees every record (for reading what answers show).
ADMIN = Viewer(user_id=0, role=Role.ADMIN, name="test")


@dataclass
class World:
    """A data set with an assistant over it."""

    engine: Engine
    repository: Repository
    service: AssistantService
    playbook: FakePlaybook

    def ask(self, viewer: Viewer, question: str, thread: str | None = None) -> Answer:
        return self.service.ask(viewer, question, thread)

    def shown(self, name: str, reference: str) -> str:
        """How an answer shows a record: its name and source CRM id (``Acme - Core (#O00000042)``)."""
        return source_label(
            name, describe_records(self.repository, ADMIN, [reference])[reference].external_id
        )

    def viewer(self, name: str) -> Viewer:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(User.id, User.role, User.name, User.territory_id).where(User.name == name)
            ).one()
        return Viewer(user_id=row.id, role=Role(row.role), name=row.name, territory_id=row.territory_id)


def _repository(engine: Engine) -> Repository:
    with engine.connect() as connection:
        as_of = connection.execute(select(DatasetMeta.value).where(DatasetMeta.key == "as_of")).scalar_one()
    return Repository(engine, dataset_stages(engine, load_stages()), dt.date.fromisoformat(as_of))


def _world(home: Path, engine: Engine) -> World:
    repository = _repository(engine)
    settings = Settings(home=home, model="offline", database_url=None)
    playbook = FakePlaybook()
    service = AssistantService(
        settings,
        repository=lambda: repository,
        playbook=lambda: playbook,
        model_factory=lambda name: build_chat_model(settings, name),
    )
    return World(engine, repository, service, playbook)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("offline-demo")
    engine = make_engine(f"sqlite:///{root / 'crm.db'}")
    ensure_schema(engine)
    generate_dataset(engine, load_stages(), accounts=DEMO_ACCOUNTS)
    yield _world(root / "home", engine)
    engine.dispose()


@pytest.fixture(scope="session")
def maven(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("offline-maven")
    engine = make_engine(f"sqlite:///{root / 'crm.db'}")
    ensure_schema(engine)
    import_dataset(engine, MAVEN, load_mapping("maven"), stages=load_stages())
    yield _world(root / "home", engine)
    engine.dispose()


@dataclass(frozen=True)
class Cast:
    """People and names of the demo data the questions use, picked from the data itself."""

    rep: Viewer
    manager: Viewer
    revops: Viewer
    #: A rep outside the manager's team.
    stranger: Viewer
    #: How the manager refers to the rep: the first name when no one else in scope has it.
    rep_short: str
    #: The rep's own account with the most open pipeline.
    account: str
    #: The rep's home territory, and a territory outside the manager's scope.
    territory: str
    other_territory: str
    #: The rep's largest open deal.
    deal_id: int

    def fill(self, text: str) -> str:
        return text.format(
            rep=self.rep.name,
            rep_short=self.rep_short,
            manager=self.manager.name,
            account=self.account,
            territory=self.territory,
            other_territory=self.other_territory,
            deal_id=self.deal_id,
            stranger=self.stranger.name,
        )


def pick_cast(world: World) -> Cast:
    with world.engine.connect() as connection:
        rep_id = connection.execute(
            select(Opportunity.owner_id)
            .join(User, User.id == Opportunity.owner_id)
            .where(~Opportunity.is_closed, User.role == Role.REP.value)
            .group_by(Opportunity.owner_id)
            .order_by(func.count().desc(), Opportunity.owner_id)
            .limit(1)
        ).scalar_one()
        rep_row = connection.execute(select(User).where(User.id == rep_id)).one()
        manager_row = connection.execute(select(User).where(User.id == rep_row.manager_id)).one()
        revops_row = connection.execute(select(User).where(User.role == Role.REVOPS.value)).first()
        stranger_row = connection.execute(
            select(User)
            .where(User.role == Role.REP.value, User.manager_id != manager_row.id)
            .order_by(User.id)
        ).first()
        people = connection.execute(select(User.name)).scalars().all()
        account = connection.execute(
            select(Account.name)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .where(Account.owner_id == rep_id, Opportunity.owner_id == rep_id, ~Opportunity.is_closed)
            .group_by(Account.id, Account.name)
            .order_by(func.sum(Opportunity.amount).desc(), Account.id)
            .limit(1)
        ).scalar_one()
        territory = connection.execute(
            select(Territory.name).where(Territory.id == rep_row.territory_id)
        ).scalar_one()
        manager_territories = (
            connection.execute(select(User.territory_id).where(User.manager_id == manager_row.id))
            .scalars()
            .all()
        )
        other = (
            connection.execute(
                select(Territory.name).where(Territory.id.not_in(manager_territories)).order_by(Territory.id)
            )
            .scalars()
            .first()
        )
        deal_id = connection.execute(
            select(Opportunity.id)
            .where(Opportunity.owner_id == rep_id, ~Opportunity.is_closed)
            .order_by(Opportunity.amount.desc(), Opportunity.id)
            .limit(1)
        ).scalar_one()
    assert revops_row is not None and stranger_row is not None and other is not None
    first = rep_row.name.split()[0]
    short = first if sum(1 for p in people if p.split()[0] == first) == 1 else rep_row.name
    return Cast(
        rep=world.viewer(rep_row.name),
        manager=world.viewer(manager_row.name),
        revops=world.viewer(revops_row.name),
        stranger=world.viewer(stranger_row.name),
        rep_short=short,
        account=account,
        territory=territory,
        other_territory=other,
        deal_id=deal_id,
    )


@pytest.fixture(scope="session")
def cast(demo: World) -> Cast:
    return pick_cast(demo)
