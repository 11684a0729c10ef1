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
    # every attacker probes every read, more than a minute's requests at the default rate limit
    context = app_context(tmp_path_factory.mktemp("security-api") / "home", api_rate_limit_per_minute=10_000)
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


def by_id(planted: Planted) -> list[tuple[str, str, dict[str, Any]]]:
    """Requests for ``planted``'s records by id: (method, path, query or body)."""
    account, deal = planted.account_id, planted.deal_id
    return [
        ("GET", f"/v1/accounts/{account}", {}),
        ("GET", f"/v1/accounts/account/{account}", {}),
        ("GET", f"/v1/deals/{deal}", {}),
        ("GET", f"/v1/deals/opportunity/{deal}", {}),
        ("POST", "/v1/plans/account", {"account_id": f"account/{account}"}),
    ]


#: Reads filtered by a person's name: (path, the filter, other parameters).
BY_PERSON = [
    ("/v1/deals/stalled", "owner", {}),
    ("/v1/deals", "owner", {}),
    ("/v1/pipeline", "owner", {}),
    ("/v1/forecast", "owner", {}),
    ("/v1/performance", "rep", {}),
    ("/v1/metrics", "rep", {"measure": "won_revenue"}),
    ("/v1/accounts", "owner", {}),
]
#: Reads filtered by an account's name.
BY_ACCOUNT = [
    ("/v1/deals/stalled", "account", {}),
    ("/v1/deals", "account", {}),
    ("/v1/pipeline", "account", {}),
    ("/v1/metrics", "account", {"measure": "open_pipeline"}),
]


def call(api: Api, who: str, method: str, path: str, given: dict[str, Any]) -> Response:
    return api.get(who, path, **given) if method == "GET" else api.post(who, path, given)


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_record_endpoints_answer_forbidden_exactly_like_missing(
    api: Api, world: World, attacker: str
) -> None:
    missing_ids = [problem(call(api, attacker, *request)) for request in by_id(MADE_UP)]
    missing_plan = problem(
        api.post(attacker, "/v1/plans/account", {"name": MADE_UP.account_words}), MADE_UP.account_words
    )
    missing_people = [
        problem(api.get(attacker, path, **{name: MADE_UP_PERSON}, **other), MADE_UP_PERSON)
        for path, name, other in BY_PERSON
    ]
    words = MADE_UP.account_words
    missing_accounts = [
        problem(api.get(attacker, path, **{name: words}, **other), words) for path, name, other in BY_ACCOUNT
    ]
    statuses = {status for status, _ in [*missing_ids, missing_plan, *missing_people, *missing_accounts]}
    assert statuses == {404}
    for planted in hidden_from(world, attacker):
        assert [problem(call(api, attacker, *request)) for request in by_id(planted)] == missing_ids
        words = planted.account_words
        assert problem(api.post(attacker, "/v1/plans/account", {"name": words}), words) == missing_plan
        owner = world.org.names[planted.first.lower()]
        people = [
            problem(api.get(attacker, path, **{name: owner}, **other), owner)
            for path, name, other in BY_PERSON
        ]
        assert people == missing_people
        accounts = [
            problem(api.get(attacker, path, **{name: words}, **other), words)
            for path, name, other in BY_ACCOUNT
        ]
        assert accounts == missing_accounts


def test_a_territory_plan_for_someone_elses_territory_is_like_a_missing_one(api: Api) -> None:
    hidden = api.post("rita", "/v1/plans/territory", {"name": "East Commercial"})
    missing = api.post("rita", "/v1/plans/territory", {"name": MADE_UP_TERRITORY})
    assert problem(hidden, "East Commercial") == problem(missing, MADE_UP_TERRITORY)
    assert hidden.status_code == 404 and "CANARY" not in hidden.text


def test_another_users_thread_is_like_a_missing_one(api: Api, world: World) -> None:
    """Threads are private: Rita naming the thread Ravi asked in, to continue it or to read it back,
    gets the 404 a thread id never used gets, and Ravi's conversation is untouched."""
    ravi = api.post("ravi", "/v1/ask", {"question": "tell me about Kestrel Dynamics"}).json()
    assert "CANARY-Ravi-ACCT" in ravi["answer"]
    thread, made_up = ravi["thread_id"], "deal-room-0"
    for follow_up in ("and their stalled deals?", "what was the next step there?", "why?"):
        hijack = api.post("rita", "/v1/ask", {"question": follow_up, "thread_id": thread})
        missing = api.post("rita", "/v1/ask", {"question": follow_up, "thread_id": made_up})
        assert problem(hijack, thread) == problem(missing, made_up)
        assert hijack.status_code == 404 and "Kestrel" not in hijack.text
    read = api.get("rita", f"/v1/threads/{thread}")
    assert problem(read, thread) == problem(api.get("rita", f"/v1/threads/{made_up}"), made_up)
    assert read.status_code == 404 and "CANARY" not in read.text
    own = api.get("ravi", f"/v1/threads/{thread}").json()
    assert [t["question"] for t in own["turns"]] == ["tell me about Kestrel Dynamics"]
    assert "CANARY-Ravi-ACCT" in own["turns"][0]["answer"]
