"""Chat models: ``offline`` (the built-in planner) or ``openai:<model>`` on any OpenAI-compatible server.

``langchain_openai`` is imported only when an OpenAI model is asked for, so the offline path
(and every command that uses it) does not pay for loading it.

The OpenAI client's own retries are off (``max_retries=0``): the agent's
:class:`~assistant.agent.RetryAfter` middleware retries instead, so it can honour ``Retry-After``
within the turn's deadline. Every call has a per-request timeout (30 s by default).

A self-hosted server (``OPENAI_BASE_URL`` naming any host but OpenAI's API) gets Chat Completions
requests shaped for it (:mod:`assistant.compat`) and an output cap of
:data:`SELF_HOSTED_MAX_TOKENS` tokens: a small local model that loses its way would otherwise write
until its context is full. OpenAI's own API keeps its default output limit.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.offline import OfflinePlanner
from assistant.settings import OFFLINE_MODEL, Settings
from tools.errors import DataError

#: Output cap of one call to a self-hosted model (an answer, or a turn's tool calls).
SELF_HOSTED_MAX_TOKENS = 2048


def build_chat_model(settings: Settings, name: str | None = None) -> BaseChatModel:
    """The chat model ``name`` (default: the configured one)."""
    model = name or settings.chat_model
    if model == OFFLINE_MODEL:
        return OfflinePlanner()
    provider, _, model_name = model.partition(":")
    if provider != "openai" or not model_name:
        raise DataError(f"unknown model {model!r}: use 'offline' or 'openai:<model>'")
    if settings.openai_api_key is None and settings.openai_base_url is None:
        raise DataError(f"{model} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)")
    from assistant.compat import CompatChatOpenAI, is_self_hosted

    options: dict[str, Any] = {}
    if is_self_hosted(settings.openai_base_url):
        options = {"use_responses_api": False, "max_tokens": SELF_HOSTED_MAX_TOKENS}
    return CompatChatOpenAI(
        model=model_name,
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=min(settings.model_timeout_seconds, settings.turn_deadline_seconds),
        max_retries=0,
        temperature=0,
        **options,
    )
