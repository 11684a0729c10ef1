"""The offline planner as a LangChain chat model (it runs through the same agent loop as a real model)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

CONFIGURE = (
    "The built-in offline planner cannot answer this yet. Configure a model: set "
    "`SALESPLAN_MODEL=openai:<model>` and `OPENAI_API_KEY` (and `OPENAI_BASE_URL` for an "
    "OpenAI-compatible server)."
)


class OfflinePlanner(BaseChatModel):
    """A rule-based planner standing in for an LLM."""

    @property
    def _llm_type(self) -> str:
        return "salesplan-offline"

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=CONFIGURE))])
