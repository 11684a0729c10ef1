"""Cross-user attempts through the HTTP API, each with a token of the asking user: a
representative 20 of the natural-language attempts through ``POST /v1/ask`` (the answer must be
the one ``AssistantService.ask`` gives and show nothing out of scope), and each planted record of
someone else through the record endpoints, where a forbidden record and a missing one must get
the same 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient

from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from tests.security.attacks import (
    ATTACKERS,
    MADE_UP,
    MADE_UP_PERSON,
    MADE_UP_TERRITORY,
    PAIRS,
    attempt,
    pair_ids,
)
from tests.security.conftest import World, app_context
from tests.security.world import PLANTED, Planted, viewers

#: Every eighth attempt: all six attackers and a spread of the templates.
SUBSET = PAIRS[::8]


class Response(Protocol):
    """What the tests read of a test client's response."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, path: str, **params: Any) -> Response:
        return self.client.get(path, params=params, headers=self.headers(who))

    def post(self, who: str, path: str, body: dict[str, Any]) -> Response:
        return self.client.post(path, json=body, headers=self.headers(who))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    context = app_context(tmp_path_factory.mktemp("security-api") / "home")
    store = TokenStore(context.engine)
    tokens = {
        first: store.create(v.user_id, "security").token for first, v in viewers(context.engine).items()
    }
    with TestClient(create_app(context=context)) as client:
        yield Api(client, tokens)
    context.engine.dispose()


@pytest.mark.parametrize(("attacker", "number"), SUBSET, ids=pair_ids(SUBSET))
def test_an_attempt_through_the_api_reveals_nothing(
    api: Api, world: World, attacker: str, number: int
) -> None:
    attack = attempt(world.org, world.sights[attacker], attacker, number)
    response = api.post(attacker, "/v1/ask", {"question": attack.question})
    assert response.status_code == 200, response.text
    body = response.json()
    shown = "\n".join([body["answer"], *body["citations"]])
    assert world.sights[attacker].leaks(shown, attack.question) == [], (attack.question, body["answer"])
    direct = world.service.ask(world.people[attacker], attack.question)
    assert body["answer"] == direct.answer
    assert sorted(body["citations"]) == sorted(direct.citations)


def hidden_from(world: World, attacker: str) -> list[Planted]:
    return [p for p in PLANTED.values() if p.deal_id not in world.sights[attacker].ids["opportunity"]]


def problem(response: Response, typed: str = "") -> tuple[int, str]:
    """Status and problem detail with what the caller typed (names, ids) and the suggestions of
    similar names in scope (which depend on the typed spelling) taken out."""
    assert "CANARY" not in response.text
    detail = response.json().get("detail", "")
    if typed:
        detail = detail.replace(typed, "…")
    detail = re.sub(r" — did you mean .*$", "", detail)
    return response.status_code, re.sub(r"\d+", "#", detail)


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_record_endpoints_answer_forbidden_exactly_like_missing(
    api: Api, world: World, attacker: str
) -> None:
    missing_account = problem(api.get(attacker, f"/v1/accounts/{MADE_UP.account_id}"))
    missing_plan = problem(
        api.post(attacker, "/v1/plans/account", {"name": MADE_UP.account_words}), MADE_UP.account_words
    )
    missing_owner = problem(api.get(attacker, "/v1/deals/stalled", owner=MADE_UP_PERSON), MADE_UP_PERSON)
    missing_at = problem(
        api.get(attacker, "/v1/deals/stalled", account=MADE_UP.account_words), MADE_UP.account_words
    )
    assert missing_account[0] == missing_plan[0] == missing_owner[0] == missing_at[0] == 404
    for planted in hidden_from(world, attacker):
        assert problem(api.get(attacker, f"/v1/accounts/{planted.account_id}")) == missing_account
        words = planted.account_words
        assert problem(api.post(attacker, "/v1/plans/account", {"name": words}), words) == missing_plan
        owner = world.org.names[planted.first.lower()]
        assert problem(api.get(attacker, "/v1/deals/stalled", owner=owner), owner) == missing_owner
        assert problem(api.get(attacker, "/v1/deals/stalled", account=words), words) == missing_at


def test_a_territory_plan_for_someone_elses_territory_is_like_a_missing_one(api: Api) -> None:
    hidden = api.post("rita", "/v1/plans/territory", {"name": "East Commercial"})
    missing = api.post("rita", "/v1/plans/territory", {"name": MADE_UP_TERRITORY})
    assert problem(hidden, "East Commercial") == problem(missing, MADE_UP_TERRITORY)
    assert hidden.status_code == 404 and "CANARY" not in hidden.text


def test_another_users_thread_id_continues_nothing_of_theirs(api: Api, world: World) -> None:
    """Threads are private: Rita reusing the thread id Ravi asked in gets what a new thread gives."""
    for number, follow_up in enumerate(("and their stalled deals?", "what was the next step there?", "why?")):
        thread = f"deal-room-{number}"
        ravi = api.post(
            "ravi", "/v1/ask", {"question": "tell me about Kestrel Dynamics", "thread_id": thread}
        )
        assert "CANARY-Ravi-ACCT" in ravi.json()["answer"]
        hijack = api.post("rita", "/v1/ask", {"question": follow_up, "thread_id": thread}).json()
        fresh = api.post("rita", "/v1/ask", {"question": follow_up}).json()
        assert world.sights["rita"].leaks(hijack["answer"]) == [] and "Kestrel" not in hijack["answer"]
        assert hijack["answer"] == fresh["answer"]
