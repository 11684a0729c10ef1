"""Two members set side by side where the data has only one of them ("retail vs healthcare" where no
account is in healthcare, "West vs EMEA" where the regions are West, Central and East) get one short
question naming what the data has, never an answer about the one it has alone; a one-word reply
sets the one picked beside the one named."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.offline.conftest import ADMIN, Cast, World
from tools.store.schema import Account, Territory


def _calls(answer: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(call.name, dict(call.args)) for call in answer.tool_calls]


def _industries(world: World) -> list[str]:
    with world.engine.connect() as connection:
        return sorted(connection.scalars(select(Account.industry).distinct()).all())


def test_an_industry_the_data_has_not_beside_one_it_has_is_asked_about(maven: World) -> None:
    industries = _industries(maven)
    assert "retail" in industries and "healthcare" not in industries
    for question in (
        "won revenue retail vs healthcare 2017",
        "healthcare versus retail: who wins more deals?",
        "win rate for retail compared to healthcare",
    ):
        answer = maven.ask(ADMIN, question, thread=question)
        assert not answer.tool_calls, question  # nothing was run for retail alone
        assert 'no industry called "healthcare"' in answer.answer, answer.answer
        # the question lists the industries there are, but not the one already named
        others = [name for name in industries if name != "retail"]
        assert all(name in answer.answer for name in others), answer.answer
        assert "retail" not in answer.answer.split(":", 1)[1]


def test_the_one_picked_goes_beside_the_one_named(maven: World) -> None:
    thread = "pick-beside"
    maven.ask(ADMIN, "won revenue retail vs healthcare 2017", thread=thread)
    answer = maven.ask(ADMIN, "medical", thread=thread)
    assert _calls(answer)[0][1]["group_by"] == "industry"
    rows = [line for line in answer.answer.splitlines() if line.startswith("| ") and "$" in line]
    assert sorted(row.split("|")[1].strip() for row in rows) == ["medical", "retail"]


def test_a_region_the_data_has_not_beside_one_it_has(demo: World, cast: Cast) -> None:
    with demo.engine.connect() as connection:
        regions = sorted(set(connection.scalars(select(Territory.region)).all()))
    assert "West" in regions and len(regions) == 3
    thread = "west-emea"
    answer = demo.ask(cast.revops, "bookings west vs emea this year", thread=thread)
    assert not answer.tool_calls
    assert 'no region called "emea"' in answer.answer
    assert all(region in answer.answer for region in regions if region != "West")
    picked = demo.ask(cast.revops, "east", thread=thread)
    name, args = _calls(picked)[0]
    assert (name, args["group_by"], args["period"]) == ("query_metrics", "region", "this year")
    assert "| East |" in picked.answer and "| West |" in picked.answer


def test_the_other_side_of_a_versus_that_is_not_a_member_is_read_as_before(maven: World) -> None:
    # a period, a target or two members the data has: no question back
    for question in ("retail vs last year bookings", "software vs retail win rate"):
        answer = maven.ask(ADMIN, question, thread=question)
        assert answer.tool_calls, (question, answer.answer)
