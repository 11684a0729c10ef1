"""Configuration: one typed ``Settings`` object, read from the environment (and ``.env``).

Nothing in the package reads the environment at import time; the composition root
(:mod:`assistant.bootstrap`) builds a ``Settings`` once and hands it down.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tools.evidence import template_fields
from tools.store.scope import Sharing

OFFLINE_MODEL = "offline"


class Settings(BaseSettings):
    """Every setting Salesplan reads. Field docs are the configuration table in the README."""

    model_config = SettingsConfigDict(
        env_prefix="SALESPLAN_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    home: Path = Field(
        default=Path(".salesplan"),
        description="Directory holding the SQLite database, the Chroma index and conversations.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the CRM database; default SQLite under the home directory.",
    )
    model: str | None = Field(
        default=None,
        description="Chat model: `offline` or `openai:<name>`. Default: offline unless an OpenAI key is set.",
    )
    as_of: dt.date | None = Field(
        default=None,
        description="Overrides the dataset's `as_of` date (the 'today' of every analysis).",
    )
    stages_file: Path | None = Field(
        default=None,
        description="YAML stage configuration; default the packaged `tools/store/stages.yaml`.",
    )
    chroma_url: str | None = Field(
        default=None,
        description="URL of a Chroma server (http://host:8000); default a persistent index under the home.",
    )
    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] = Field(
        default=1, description="First month of the fiscal year (1 = January)."
    )
    crm_record_url: str | None = Field(
        default=None,
        description="Link to a record in the source CRM, e.g. `https://acme.my.salesforce.com/{external_id}` "
        "({external_id}, {kind}, {id}); every record reference in answers becomes a link.",
    )
    public_url: str | None = Field(
        default=None,
        description="Where people reach the HTTP API (`salesplan serve`), e.g. "
        "`https://salesplan.acme.example`: playbook citations in Slack link to its `/playbook` pages. "
        "Unset: citations are plain text.",
    )
    debug: bool = Field(
        default=False,
        description="Show internals under answers and plans in Slack: the model, the time taken and how "
        "many records are cited.",
    )
    sharing: Sharing = Field(
        default=Sharing.PRIVATE,
        description="What a rep sees besides their own deals: `private` (accounts they own or have a "
        "deal on) or `territory` (also every account of their territory). Managers see their team's.",
    )
    playbook_auto_index: bool = Field(
        default=True,
        description="Index the packaged playbook on first use when the index is empty "
        "(turn off when you manage the index yourself with `salesplan kb ingest`).",
    )

    model_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout of one model call (seconds)."
    )
    turn_deadline_seconds: float = Field(
        default=90.0,
        gt=0,
        description="A turn ends by then: with the model's answer or the offline fallback.",
    )
    max_model_calls: int = Field(default=8, ge=1, description="Model calls allowed per turn.")

    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "SALESPLAN_OPENAI_API_KEY"),
        description="Key for OpenAI or an OpenAI-compatible server.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "SALESPLAN_OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp).",
    )
    openai_default_model: str = Field(
        default="gpt-4o-mini",
        validation_alias=AliasChoices("OPENAI_MODEL", "SALESPLAN_OPENAI_DEFAULT_MODEL"),
        description="Model used when an OpenAI key is set and `SALESPLAN_MODEL` is not.",
    )
    openai_embedding_model: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_EMBEDDING_MODEL", "SALESPLAN_OPENAI_EMBEDDING_MODEL"),
        description="Use this OpenAI embedding model instead of the packaged local one.",
    )

    slack_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "SALESPLAN_SLACK_BOT_TOKEN"),
        description="Bot token (`xoxb-…`) of the Slack app.",
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "SALESPLAN_SLACK_APP_TOKEN"),
        description="App-level token (`xapp-…`) for Socket Mode.",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "SALESPLAN_SLACK_SIGNING_SECRET"),
        description="Signing secret verifying Slack's HTTP requests.",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_URL", "SALESPLAN_SLACK_API_URL"),
        description="Base URL of the Slack Web API (a proxy or test double may stand in).",
    )
    salesforce_instance_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SALESFORCE_INSTANCE_URL", "SALESPLAN_SALESFORCE_INSTANCE_URL"),
        description="The org's URL (`https://acme.my.salesforce.com`); its scheme is kept.",
    )
    salesforce_access_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SALESFORCE_ACCESS_TOKEN", "SALESPLAN_SALESFORCE_ACCESS_TOKEN"),
        description="An OAuth access token of the integration user (not renewed when it expires).",
    )
    salesforce_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SALESFORCE_CLIENT_ID", "SALESPLAN_SALESFORCE_CLIENT_ID"),
        description="Consumer key of the connected app (client credentials or JWT bearer).",
    )
    salesforce_client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SALESFORCE_CLIENT_SECRET", "SALESPLAN_SALESFORCE_CLIENT_SECRET"),
        description="Consumer secret of the connected app (client credentials flow).",
    )
    salesforce_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SALESFORCE_USERNAME", "SALESPLAN_SALESFORCE_USERNAME"),
        description="Integration user's username (JWT bearer flow).",
    )
    salesforce_private_key_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("SALESFORCE_PRIVATE_KEY_FILE", "SALESPLAN_SALESFORCE_PRIVATE_KEY_FILE"),
        description="PEM private key whose certificate the connected app holds (JWT bearer flow).",
    )
    salesforce_api_version: str = Field(
        default="62.0",
        validation_alias=AliasChoices("SALESFORCE_API_VERSION", "SALESPLAN_SALESFORCE_API_VERSION"),
        description="Salesforce REST API version.",
    )
    hubspot_access_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("HUBSPOT_ACCESS_TOKEN", "SALESPLAN_HUBSPOT_ACCESS_TOKEN"),
        description="Access token of the HubSpot private app.",
    )
    hubspot_api_url: str = Field(
        default="https://api.hubapi.com",
        validation_alias=AliasChoices("HUBSPOT_API_URL", "SALESPLAN_HUBSPOT_API_URL"),
        description="Base URL of the HubSpot API (a proxy or test double may stand in).",
    )
    link_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices(
            "link_hosts", "slack_link_hosts", "SALESPLAN_LINK_HOSTS", "SALESPLAN_SLACK_LINK_HOSTS"
        ),
        description="Hosts (and their subdomains) answers in the HTTP API and Slack may link to, "
        "comma-separated (the host of `SALESPLAN_CRM_RECORD_URL` is always allowed); links to any "
        "other host are shown as text. `SALESPLAN_SLACK_LINK_HOSTS` is the older name.",
    )

    max_concurrent_turns: int = Field(
        default=8,
        ge=1,
        description="Questions and plans the HTTP API and the Slack app work on at once, per process; "
        "more wait their turn.",
    )
    api_max_body_bytes: int = Field(
        default=65_536, ge=1_024, description="Largest HTTP API request body accepted (bytes); more is 413."
    )
    api_max_question_chars: int = Field(
        default=4_000, ge=1, le=4_000, description="Longest question the HTTP API accepts (characters)."
    )
    api_rate_limit_per_minute: int = Field(
        default=60,
        ge=1,
        description="HTTP API requests allowed per token per minute, across every serving process; "
        "more is 429.",
    )
    api_body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a client has to send the whole request body once its headers are in "
        "(the HTTP API and the Slack app's HTTP mode); a slower client gets 408 and is disconnected.",
    )
    token_days: int = Field(
        default=90,
        ge=1,
        le=3_650,
        description="Days an HTTP API token lives unless `--days` says otherwise when it is created "
        "or rotated.",
    )

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str | None) -> str | None:
        if value is None or value == OFFLINE_MODEL:
            return value
        provider, _, name = value.partition(":")
        if provider != "openai" or not name:
            raise ValueError(f"SALESPLAN_MODEL must be 'offline' or 'openai:<model>', got {value!r}")
        return value

    @field_validator("sharing", mode="before")
    @classmethod
    def _sharing_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("crm_record_url")
    @classmethod
    def _check_record_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value.replace("{", "").replace("}", ""))
        if parts.scheme not in ("http", "https") or not parts.hostname or "{" in value.split("/")[2]:
            raise ValueError(f"must be an http(s) URL with a fixed host, got {value!r}")
        names = template_fields(value)
        if not {"external_id", "id"} & set(names):
            raise ValueError(
                "must contain {external_id} (or {id}), e.g. https://acme.my.salesforce.com/{external_id}"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"must be an http(s) URL such as https://salesplan.acme.example, got {value!r}")
        return value

    @field_validator("link_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower().strip(".") for host in value.split(",") if host.strip()]
        return value

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        self.home = self.home.expanduser()
        return self

    @property
    def crm_record_host(self) -> str | None:
        """The host record links point to (answers may link to it), when record links are configured."""
        return urlsplit(self.crm_record_url).hostname if self.crm_record_url else None

    @property
    def allowed_link_hosts(self) -> list[str]:
        """The hosts answers may link to: ``link_hosts``, the CRM's record-link host and the host of
        ``public_url`` (the playbook pages)."""
        public_host = urlsplit(self.public_url).hostname if self.public_url else None
        return [*self.link_hosts, *(host for host in (self.crm_record_host, public_host) if host)]

    @property
    def chat_model(self) -> str:
        """The chat model in effect: the configured one, else offline unless a key is set."""
        if self.model:
            return self.model
        return f"openai:{self.openai_default_model}" if self.openai_api_key else OFFLINE_MODEL

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in effect (SQLite under ``home`` unless one is configured)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'salesplan.db').resolve()}"
