"""``ChatOpenAI`` for self-hosted OpenAI-compatible servers (llama.cpp, Ollama, vLLM, LM Studio).

Those servers implement the Chat Completions API with a few differences from OpenAI's own, which
:class:`CompatChatOpenAI` smooths over in the request it sends:

* an assistant message that only calls tools goes out with ``"content": ""``, never ``null``
  (the llama-cpp-python server answers 500 to a null content);
* the output cap goes out as ``max_tokens`` as well as ``max_completion_tokens`` (langchain-openai
  sends only the newer name, which the llama-cpp-python server ignores, so a rambling model would
  write until its context is full);
* requests always use Chat Completions, never the Responses API these servers lack.

Tool calls a weak model writes as text are handled in the agent, for every chat model:
see :mod:`assistant.text_tool_calls`.

This module imports ``langchain_openai``; :mod:`assistant.models` imports it only when an OpenAI
model is asked for.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from langchain_core.language_models import LanguageModelInput
from langchain_openai import ChatOpenAI

#: Hosts of OpenAI's own API: requests to them are sent as langchain-openai builds them.
OPENAI_HOSTS = frozenset({"api.openai.com"})


def is_self_hosted(base_url: str | None) -> bool:
    """Whether ``base_url`` points at a server other than OpenAI's own API."""
    if not base_url:
        return False
    return (urlsplit(base_url).hostname or "").casefold() not in OPENAI_HOSTS


def compatible_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` (a Chat Completions request body) as every OpenAI-compatible server accepts it."""
    for message in payload.get("messages", []):
        if message.get("role") == "assistant" and message.get("content") is None:
            message["content"] = ""
    if "max_completion_tokens" in payload and "max_tokens" not in payload:
        payload["max_tokens"] = payload["max_completion_tokens"]
    return payload


class CompatChatOpenAI(ChatOpenAI):
    """``ChatOpenAI`` whose Chat Completions requests suit self-hosted servers too."""

    def _get_request_payload(
        self,
        input_: LanguageModelInput,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        return compatible_payload(payload)
