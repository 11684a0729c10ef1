"""API tokens expire, rotate, record their last use and are listed without their secret; an expired,
revoked or replaced token is a 401 that says which; the schema change upgrades populated SQLite and
PostgreSQL databases; the API docs load nothing from outside the app."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, select, text, update
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.api.tokens import TokenStore, hash_token
from assistant.interfaces.cli import app
from tests.interfaces.api_support import Api, build_api
from tests.tools import crm
from tools.store.db import MIGRATIONS, current_revision, ensure_schema, head_revision
from tools.store.schema import ApiToken

runner = CliRunner()
DAY = dt.timedelta(days=1)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    world = build_api(tmp_path / "home", token_days=30)
    with world.client:
        yield world


def _refusal(api: Api, token: str) -> str:
    response = api.client.get("/v1/deals/stalled", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    detail: str = response.json()["detail"]
    return detail


def _ok(api: Api, token: str) -> None:
    response = api.client.get("/v1/deals/stalled", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_a_token_lives_the_configured_days_and_is_refused_once_expired(api: Api) -> None:
    store = TokenStore(api.context.engine, api.context.settings.token_days)
    issued = store.create(4, "laptop")
    short = store.create(4, "ci", days=2)
    now = dt.datetime.now(dt.UTC)
    assert abs(issued.expires_at - (now + 30 * DAY)) < dt.timedelta(minutes=1)
    assert abs(short.expires_at - (now + 2 * DAY)) < dt.timedelta(minutes=1)
    _ok(api, issued.token)
    expired_at = now - dt.timedelta(minutes=5)
    with api.context.engine.begin() as connection:  # as if 30 days had passed
        connection.execute(update(ApiToken).where(ApiToken.id == issued.id).values(expires_at=expired_at))
    assert _refusal(api, issued.token) == (
        f"the token expired on {expired_at:%Y-%m-%d %H:%M} UTC: ask for a new one"
    )
    assert store.get(issued.id).status == "expired"
    _ok(api, short.token)


def test_revoked_replaced_and_unknown_tokens_are_refused_with_the_reason(api: Api) -> None:
    store = TokenStore(api.context.engine)
    revoked = store.create(4)
    store.revoke(revoked.id)
    assert re.fullmatch(
        r"the token was revoked on \d{4}-\d\d-\d\d \d\d:\d\d UTC", _refusal(api, revoked.token)
    )
    rotated = store.create(4)
    old, new = store.rotate(rotated.id)
    assert _refusal(api, rotated.token).startswith(f"the token was replaced by token {new.id} on ")
    _ok(api, new.token)
    assert (old.status, old.replaced_by, new.user_id, new.name) == ("rotated", new.id, 4, "api")
    assert _refusal(api, "spk_" + "x" * 43) == "the token is not valid"


def test_the_last_use_is_recorded_on_each_authenticated_request(api: Api) -> None:
    store = TokenStore(api.context.engine)
    issued = store.create(4)
    assert store.get(issued.id).last_used_at is None
    _ok(api, issued.token)
    first = store.get(issued.id).last_used_at
    assert first is not None and dt.datetime.now(dt.UTC) - first < dt.timedelta(seconds=5)
    time.sleep(1.1)
    _ok(api, issued.token)
    second = store.get(issued.id).last_used_at
    assert second is not None and second > first


def test_token_commands_create_with_days_rotate_and_list_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SALESPLAN_TOKEN_DAYS", "7")
    engine = build_app_context().engine
    crm.load(engine)
    default = runner.invoke(app, ["users", "token", "create", "--user", "rita@cobalt.example"])
    longer = runner.invoke(
        app, ["users", "token", "create", "-u", "Sam Reyes", "--name", "ci", "--days", "365"]
    )
    assert default.exit_code == 0 and longer.exit_code == 0, default.output + longer.output
    rita_token, sam_token = default.stdout.strip(), longer.stdout.strip()
    assert "expires" in default.stderr
    store = TokenStore(engine)
    rita, sam = store.list()
    now = dt.datetime.now(dt.UTC)
    assert rita.expires_at is not None and abs(rita.expires_at - (now + 7 * DAY)) < dt.timedelta(minutes=1)
    assert sam.expires_at is not None and abs(sam.expires_at - (now + 365 * DAY)) < dt.timedelta(minutes=1)

    by_user = runner.invoke(app, ["users", "token", "rotate", "Rita Ruiz", "--days", "10"])
    assert by_user.exit_code == 0, by_user.output
    new_rita = by_user.stdout.strip()
    assert new_rita.startswith("spk_") and new_rita != rita_token
    assert f"Token {rita.id} " in by_user.stderr and "is revoked" in by_user.stderr
    assert store.authenticate(rita_token) is None and store.authenticate(new_rita) is not None
    by_id = runner.invoke(app, ["users", "token", "rotate", str(sam.id)])
    assert by_id.exit_code == 0 and store.authenticate(sam_token) is None

    again = runner.invoke(app, ["users", "token", "rotate", str(rita.id)])
    assert again.exit_code == 1 and "already revoked" in again.output and "Traceback" not in again.output
    runner.invoke(app, ["users", "token", "create", "--user", "rita@cobalt.example"])
    two = runner.invoke(app, ["users", "token", "rotate", "rita@cobalt.example"])
    assert two.exit_code == 1 and "has 2 tokens" in two.output

    listed = runner.invoke(app, ["users", "token", "list", "--json"])
    rows = json.loads(listed.stdout)
    assert [(r["user"], r["status"]) for r in rows] == [
        ("Rita Ruiz", "rotated"),
        ("Sam Reyes", "rotated"),
        ("Rita Ruiz", "active"),
        ("Sam Reyes", "active"),
        ("Rita Ruiz", "active"),
    ]
    assert rows[0]["replaced_by"] == rows[2]["id"]
    assert {"id", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"} <= set(rows[0])
    table = runner.invoke(app, ["users", "token", "list"]).stdout
    assert "Expires" in table and "Last used" in table and "rotated" in table
    for token in (rita_token, sam_token, new_rita):
        assert token not in listed.stdout and token not in table
        assert token[:12] in listed.stdout  # the prefix tells tokens apart


def _alembic(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def test_the_expiry_migration_upgrades_a_populated_database(any_engine: Engine) -> None:
    crm.load(any_engine)
    command.downgrade(_alembic(any_engine), "0005")
    created = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
    tokens = ApiToken.__table__
    columns = {c.name for c in tokens.columns} - {"expires_at", "replaced_by"}
    with any_engine.begin() as connection:
        assert "expires_at" not in {r[0] for r in connection.execute(_columns(any_engine))}
        for token_id, secret, revoked in (
            (1, "spk_old-live-token-000", None),
            (2, "spk_old-gone-000", created),
        ):
            row = {
                "id": token_id,
                "user_id": 4,
                "name": "before expiry",
                "token_hash": hash_token(secret),
                "prefix": secret[:12],
                "created_at": created,
                "last_used_at": None,
                "revoked_at": revoked,
            }
            connection.execute(insert(tokens).values({k: v for k, v in row.items() if k in columns}))
    ensure_schema(any_engine)
    assert current_revision(any_engine) == head_revision()
    store = TokenStore(any_engine)
    live, gone = store.list()
    now = dt.datetime.now(dt.UTC)
    assert live.expires_at is not None and abs(live.expires_at - (now + 90 * DAY)) < dt.timedelta(minutes=5)
    assert (live.status, gone.status, live.replaced_by, live.created_at) == (
        "active",
        "revoked",
        None,
        created,
    )
    caller = store.check("spk_old-live-token-000")
    assert caller.viewer.name == "Rita Ruiz"
    with any_engine.connect() as connection:
        assert (
            connection.execute(select(ApiToken.name).where(ApiToken.id == 1)).scalar_one() == "before expiry"
        )


def _columns(engine: Engine):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        return text("SELECT name FROM pragma_table_info('api_tokens')")
    return text("SELECT column_name FROM information_schema.columns WHERE table_name = 'api_tokens'")


def test_the_docs_load_only_assets_the_app_serves(api: Api) -> None:
    for page in ("/docs", "/redoc"):
        response = api.client.get(page)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        html = response.text
        assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
        urls = (
            assets
            + re.findall(r"""url:\s*["']([^"']+)["']""", html)
            + re.findall(r"spec-url=\"([^\"]+)\"", html)
        )
        assert assets, html
        assert not re.search(r"https?://|//cdn|jsdelivr|unpkg|fonts\.googleapis", html), html
        for url in urls:
            assert url.startswith("/"), url
            served = api.client.get(url)
            assert served.status_code == 200, url
            if url.endswith(".js"):
                assert "javascript" in served.headers["content-type"] and len(served.content) > 100_000
            if url.endswith(".css"):
                assert served.headers["content-type"].startswith("text/css")
                assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", served.text)
        assert '"validatorUrl": null' in html or page == "/redoc"
