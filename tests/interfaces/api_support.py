"""The HTTP API under test: ``create_app`` over the hand-built CRM, with tokens for its people."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.bootstrap import AppContext
from assistant.interfaces.api import create_app
from assistant.interfaces.api.tokens import TokenStore
from assistant.settings import Settings
from tests.tools import crm

#: People of the hand-built CRM by first name -> user id.
PEOPLE = {"rita": 4, "ravi": 5, "sam": 6, "max": 2, "olga": 7}


@dataclass
class Api:
    client: TestClient
    context: AppContext
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def api_context(home: Path, **settings: object) -> AppContext:
    context = AppContext(Settings(home=home, model="offline", **settings))  # type: ignore[arg-type]
    crm.load(context.engine)
    return context


def issue_tokens(context: AppContext) -> dict[str, str]:
    store = TokenStore(context.engine)
    return {name: store.create(user_id, f"{name} test").token for name, user_id in PEOPLE.items()}


def build_api(home: Path, **settings: object) -> Api:
    context = api_context(home, **settings)
    return Api(TestClient(create_app(context=context)), context, issue_tokens(context))
