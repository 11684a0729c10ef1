"""Secrets never reach the audit log, the conversation store or a configured model: each kind
pasted into a question, and one kept in a CRM record, is replaced by ``[redacted]`` in all three;
ordinary text (a playbook question about password resets, a deal amount) is left exactly as it is."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from assistant.audit import AUDIT_LOG, AuditLog
from assistant.models import build_chat_model
from assistant.redaction import redact
from assistant.service import AssistantService
from assistant.settings import Settings
from tests.assistant.conftest import ServiceFactory
from tests.fakes import FakeOpenAI, text_reply, tool_reply
from tests.tools.conftest import RITA
from tools.store.schema import Opportunity

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAx4YbPemBodyLeak0123456789abcdef\n"
    "Zm9vYmFyYmF6cXV4cXV1eA==\n"
    "-----END RSA PRIVATE KEY-----"
)

#: (what is pasted, the part that must not leak)
SECRETS = {
    "aws access key id": ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    "aws session key id": ("ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
    "aws secret key": (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG",
    ),
    "github classic": ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    "github oauth": ("gho_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    "github app": ("ghs_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    "github fine-grained": (
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCD",
        "11ABCDEFG0123456789_abcdefghij",
    ),
    "database url": ("postgresql://sales:Sup3rS3cret!@db.internal:5432/crm", "Sup3rS3cret!"),
    "jwt": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N",
    ),
    "pem private key": (PEM, "PemBodyLeak0123456789"),
    "password pair": ("password=hunter2-Xq9", "hunter2-Xq9"),
    "passwd colon": ("passwd: Tr0ub4dor&3", "Tr0ub4dor&3"),
    "secret pair": ("secret=swordfish-42", "swordfish-42"),
    "api key pair": ("api_key=k3y-0f-th3-d4y", "k3y-0f-th3-d4y"),
    "openai key": ("sk-proj-abcdefghijklmnopqrstuv", "abcdefghijklmnopqrstuv"),
}
PLAIN = "What is our password reset policy before we sign the $1,250,000 Acme - Core renewal?"


@pytest.mark.parametrize(("pasted", "leak"), SECRETS.values(), ids=SECRETS.keys())
def test_each_kind_of_secret_is_redacted(pasted: str, leak: str) -> None:
    redacted = redact(f"before {pasted} after")
    assert leak not in redacted and "[redacted" in redacted
    assert redacted.startswith("before ") and redacted.endswith(" after")


@pytest.mark.parametrize(
    "text",
    [
        PLAIN,
        "Password: reset it every 90 days.",
        "Secret: sauce. The deal is $1,250,000, closing 2026-12-01 at 10:30 (opportunity/42).",
        "token: 5 of them",
        "Acme - Core [opportunity/1] is in Negotiation at $120,000; see https://acme.example/deal?id=7.",
    ],
)
def test_ordinary_text_is_not_mangled(text: str) -> None:
    assert redact(text) == text


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI().running() as server:
        yield server


def _service(make_service: ServiceFactory, fake: FakeOpenAI, engine: Engine) -> AssistantService:
    config = Settings(
        model="openai:fake-model",
        openai_api_key="sk-test",
        openai_base_url=fake.base_url,  # type: ignore[arg-type]
        model_timeout_seconds=5.0,
    )
    service = make_service(model=build_chat_model(config))
    service.audit = AuditLog(engine)
    return service


def _audit_text(engine: Engine) -> str:
    with engine.connect() as connection:
        return json.dumps([list(row) for row in connection.execute(select(AUDIT_LOG))], default=str)


def _stored(home: Path) -> bytes:
    """Every value of every table of the conversation store, as bytes (messages are msgpack)."""
    found: list[bytes] = []
    with sqlite3.connect(home / "conversations.db") as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in connection.execute(f"SELECT * FROM {table}"):
                found += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"\n".join(found)


def test_secrets_in_a_question_reach_neither_the_log_the_store_nor_the_model(
    make_service: ServiceFactory, fake: FakeOpenAI, sqlite_engine: Engine, tmp_path: Path
) -> None:
    service = _service(make_service, fake, sqlite_engine)
    for pasted, _ in SECRETS.values():
        fake.script(tool_reply(("pipeline_summary", {})), text_reply("Your pipeline is in good shape."))
        service.ask(RITA, f"my config has {pasted} - how is my pipeline?")
    fake.script(text_reply("Resets follow the security playbook."))
    service.ask(RITA, PLAIN)

    sent = json.dumps(fake.requests)
    audit = _audit_text(sqlite_engine)
    stored = _stored(tmp_path / "home")
    for name, (_, leak) in SECRETS.items():
        assert leak not in sent, f"{name} sent to the model"
        assert leak not in audit, f"{name} in the audit log"
        assert leak.encode() not in stored, f"{name} in the conversation store"
    # what was said reached all three, only the secrets are gone
    assert sent.count("[redacted") >= len(SECRETS) and b"how is my pipeline?" in stored
    assert "my config has [redacted] - how is my pipeline?" in audit
    assert PLAIN in sent and PLAIN in audit and PLAIN.encode() in stored
    assert [e.question for e in service.audit.tail(1)] == [PLAIN]  # type: ignore[union-attr]


def test_a_secret_kept_in_a_crm_record_is_not_sent_to_the_model_or_stored(
    make_service: ServiceFactory, fake: FakeOpenAI, sqlite_engine: Engine, tmp_path: Path
) -> None:
    service = _service(make_service, fake, sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(
            update(Opportunity)
            .where(Opportunity.id == 1)
            .values(
                next_step="Legal review; vendor portal password=Acme-Portal-77 and db postgres://a:Pw0rd99@h/x"
            )
        )
    fake.script(tool_reply(("deal_details", {"deal": "Acme - Core"})), text_reply("Legal review is next."))
    answer = service.ask(RITA, "what is the next step on Acme - Core?")
    assert answer.tool_calls[0].name == "deal_details"
    tool_result = next(m["content"] for m in fake.requests[1]["messages"] if m["role"] == "tool")
    assert "Legal review; vendor portal password=[redacted]" in tool_result
    for leak in ("Acme-Portal-77", "Pw0rd99"):
        assert leak not in json.dumps(fake.requests)
        assert leak.encode() not in _stored(tmp_path / "home")
    assert b"Legal review; vendor portal" in _stored(tmp_path / "home")
