"""Change requests on the demo data and the Maven export, with a CRM connection configured (never
reached: a proposal writes nothing): deals named as the data names them ("Cedar Works - Data
Connectors", repeated across years) or as people say them ("the warephase gtx pro deal"), marked
won in the data's own stage ("Closed Won", "Won"); a "which deal?" question answered in the thread.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import case, func, select

from assistant.changes import ChangeDesk
from assistant.models import build_chat_model
from assistant.service import Answer, AssistantService
from assistant.settings import Settings
from tests.offline.conftest import World
from tools.store.schema import Account, Opportunity, User
from tools.store.stages import load_stages
from tools.viewer import Viewer


@pytest.fixture(scope="module")
def connected(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings naming a Salesforce org: proposals are recorded; nothing is sent without a confirm."""
    return Settings(
        home=tmp_path_factory.mktemp("changes-home"),
        model="offline",
        database_url=None,
        salesforce_instance_url="http://127.0.0.1:9",
        salesforce_access_token="unused",  # type: ignore[arg-type]
    )


def service(world: World, settings: Settings) -> AssistantService:
    desk = ChangeDesk(world.engine, settings, load_stages(), source=_no_crm)
    return AssistantService(
        settings,
        repository=lambda: world.repository,
        playbook=lambda: world.playbook,
        model_factory=lambda name: build_chat_model(settings, name),
        changes=lambda: desk,
    )


def _no_crm(name: str) -> object:
    raise AssertionError(f"a proposal must not reach {name}")


@pytest.fixture(scope="module")
def demo_desk(demo: World, connected: Settings) -> Iterator[AssistantService]:
    yield service(demo, connected)


@pytest.fixture(scope="module")
def maven_desk(maven: World, connected: Settings) -> Iterator[AssistantService]:
    yield service(maven, connected)


def _repeated_name(world: World) -> tuple[Viewer, str, str]:
    """A rep, a deal name of theirs with " - " that they have open once and closed before, and the
    open deal's CRM id."""
    with world.engine.connect() as conn:
        repeated = (
            select(Opportunity.owner_id, Opportunity.name)
            .where(Opportunity.name.contains(" - "))
            .group_by(Opportunity.owner_id, Opportunity.name)
            .having(func.count() > 1, func.sum(case((~Opportunity.is_closed, 1), else_=0)) == 1)
            .order_by(Opportunity.owner_id, Opportunity.name)
            .limit(1)
        )
        owner, name = conn.execute(repeated).one()
        deal = conn.execute(
            select(Opportunity.external_id).where(
                Opportunity.owner_id == owner, Opportunity.name == name, ~Opportunity.is_closed
            )
        ).scalar_one()
        person = conn.execute(select(User.name).where(User.id == owner)).scalar_one()
    return world.viewer(person), name, deal


def ask(service: AssistantService, viewer: Viewer, question: str, thread: str | None = None) -> Answer:
    return service.ask(viewer, question, thread)


@pytest.mark.parametrize(
    "asked",
    [
        "move {name} to closed won",
        "mark {name} as won",
        "mark the {name} deal as closed won",
        "we won {name}",
    ],
)
def test_a_deal_named_as_the_data_names_it_is_marked_won(
    demo: World, demo_desk: AssistantService, asked: str
) -> None:
    viewer, name, deal = _repeated_name(demo)
    answer = ask(demo_desk, viewer, asked.format(name=name))
    [proposed] = answer.proposed_changes
    won = demo.repository.stages.won_stage.name
    assert (proposed.record, proposed.external_id, proposed.field, proposed.new) == (name, deal, "stage", won)
    assert "nothing is written to Salesforce until you confirm it" in answer.answer


def test_the_maven_won_stage_is_won(maven: World, maven_desk: AssistantService) -> None:
    darcel = maven.viewer("Darcel Schlecht")
    answer = ask(maven_desk, darcel, "mark the warephase gtx pro deal as won")
    [proposed] = answer.proposed_changes
    with maven.engine.connect() as conn:
        open_deal = conn.execute(
            select(Opportunity.external_id, Opportunity.stage).where(
                Opportunity.owner_id == darcel.user_id,
                Opportunity.name == "Warephase - GTXPro",
                ~Opportunity.is_closed,
            )
        ).one()
    expected = (open_deal.external_id, open_deal.stage, "Won")
    assert (proposed.external_id, proposed.old, proposed.new) == expected
    lost = ask(maven_desk, darcel, "move Warephase - GTXPro to closed lost").proposed_changes
    assert [(c.external_id, c.new) for c in lost] == [(open_deal.external_id, "Lost")]


def test_a_which_deal_question_is_answered_in_the_thread(maven: World, maven_desk: AssistantService) -> None:
    with maven.engine.connect() as conn:
        owner, account = conn.execute(
            select(Opportunity.owner_id, Account.name)
            .join(Account, Account.id == Opportunity.account_id)
            .where(~Opportunity.is_closed)
            .group_by(Opportunity.owner_id, Account.name)
            .having(func.count(func.distinct(Opportunity.name)) > 2)
            .order_by(Opportunity.owner_id, Account.name)
            .limit(1)
        ).one()
        person = conn.execute(select(User.name).where(User.id == owner)).scalar_one()
    rep = maven.viewer(person)
    thread = uuid.uuid4().hex
    first = ask(maven_desk, rep, f"push the {account} close date to next Friday", thread)
    assert first.answer.startswith(f'Which deal do you mean by "{account}"?') and not first.proposed_changes
    listed = [line for line in first.answer.splitlines() if line.startswith("- ")]
    assert len(listed) > 2
    [proposed] = ask(maven_desk, rep, "the last one", thread).proposed_changes
    assert proposed.field == "close_date"
    assert listed[-1].startswith(f"- {proposed.record} (#{proposed.external_id})")
