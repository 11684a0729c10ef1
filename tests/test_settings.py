"""Settings: typed, read from the environment only when built, with the documented defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.bootstrap import build_app_context, load_settings
from assistant.settings import Settings
from tools.errors import DataError


def test_defaults_are_offline_and_sqlite_under_home(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.chat_model == "offline"
    assert settings.home == tmp_path / "home"
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'home' / 'salesplan.db'}"
    assert settings.slack_api_url == "https://slack.com/api/"


def test_environment_is_read_when_settings_are_built_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SALESPLAN_AS_OF", "2026-06-30")
    monkeypatch.setenv("SALESPLAN_DATABASE_URL", "postgresql://db.internal/sales")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    settings = Settings()
    assert settings.chat_model == "openai:gpt-4o-mini"
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings)
    assert settings.as_of == dt.date(2026, 6, 30)
    assert settings.sqlalchemy_url == "postgresql://db.internal/sales"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    monkeypatch.setenv("SALESPLAN_MODEL", "offline")
    assert Settings().chat_model == "offline"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SALESPLAN_MODEL", "gpt-4", "SALESPLAN_MODEL must be"),
        ("SALESPLAN_AS_OF", "soon", "as_of"),
        ("SALESPLAN_FISCAL_YEAR_START_MONTH", "13", "fiscal_year_start_month"),
        ("SALESPLAN_PUBLIC_URL", "salesplan.acme.example", "public_url"),
        ("SALESPLAN_PUBLIC_URL", "https://salesplan.acme.example/?x=1", "public_url"),
    ],
)
def test_bad_values_fail_fast_with_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(DataError, match=message) as caught:
        load_settings()
    assert "\n" not in str(caught.value)


def test_as_of_comes_from_setting_then_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    context = build_app_context()
    from tools.store.demo.generate import generate_dataset

    generate_dataset(context.engine, context.stages, accounts=5, as_of=dt.date(2025, 1, 15))
    assert context.as_of() == dt.date(2025, 1, 15)
    monkeypatch.setenv("SALESPLAN_AS_OF", "2025-02-01")
    assert build_app_context().as_of() == dt.date(2025, 2, 1)


def test_the_public_url_is_where_the_playbook_pages_are_linked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESPLAN_PUBLIC_URL", "https://salesplan.acme.example/sales/")
    monkeypatch.setenv("SALESPLAN_DEBUG", "true")
    settings = load_settings()
    assert settings.public_url == "https://salesplan.acme.example/sales" and settings.debug is True
    assert "salesplan.acme.example" in settings.allowed_link_hosts  # its links stay links
