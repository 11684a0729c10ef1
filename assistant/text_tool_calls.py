"""Tool calls a weak model writes as text, turned into structured tool calls.

Small local models often answer a tool-calling turn with the call written out in the message
instead of the API's ``tool_calls`` field, in one of the shapes their chat templates teach:

* a JSON object ``{"name": "stalled_deals", "arguments": {...}}`` (``parameters`` or ``args`` for
  ``arguments``; the arguments may be a JSON string), or a list of such objects;
* the same inside a ```` ```json ```` fence, or inside ``<tool_call>…</tool_call>`` tags (one
  call per tag, or a list in one tag).

:class:`TextToolCalls` (agent middleware) reads a model reply that has no structured tool calls
and whose text is such a call. When every call names one of the agent's tools and its arguments
validate against that tool's input model, the reply becomes those tool calls and the agent runs
them. When the text has the shape of a tool call but names no such tool or carries arguments the
tool rejects, or when it is a tool call that is not valid JSON (a ``<tool_call>`` tag, or an
object with a ``"name"`` and ``"arguments"`` that does not parse), the reply keeps its text and
records the calls as invalid, so the turn is treated like any other malformed tool call (the
service falls back to the offline planner) instead of showing the user a JSON blob. Any other
text, JSON or not, is left alone.

A JSON object or fence counts only when it is the whole reply (around a fence, a line of prose
is allowed); ``<tool_call>`` tags count wherever they are.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage, BaseMessage, InvalidToolCall, ToolCall
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.DOTALL)
#: Prose allowed around a fenced call ("I'll look that up:"), in characters.
MAX_PROSE_CHARS = 200
NAME_KEYS = ("name", "function", "tool")
ARGUMENT_KEYS = ("arguments", "parameters", "args")
#: A broken JSON text still recognisable as a tool call: a name and arguments keys.
CALL_NAME = re.compile(r'"(?:name|function)"\s*:\s*"([^"]*)"')
CALL_ARGUMENTS = re.compile(r'"(?:arguments|parameters)"\s*:')


@dataclass
class TextCall:
    """One call read from text: its name, its arguments, and why it cannot run (if it cannot)."""

    name: str
    arguments: Any
    error: str | None = None


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _as_call(value: Any) -> TextCall | None:
    """``value`` as a call when it has the shape of one (a name and arguments), else ``None``."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("function"), dict):  # {"type": "function", "function": {...}}
        return _as_call(value["function"])
    name = next((value[k] for k in NAME_KEYS if isinstance(value.get(k), str)), None)
    present = [k for k in ARGUMENT_KEYS if k in value]
    if name is None or not present or set(value) - {*NAME_KEYS, *ARGUMENT_KEYS, "type", "id"}:
        return None
    arguments = value[present[0]]
    if isinstance(arguments, str):
        arguments = _decode(arguments) if arguments.strip() else {}
    return TextCall(name=name, arguments=arguments)


def _malformed(chunk: str) -> list[TextCall]:
    """A call that could not be read, named after the name it seems to give."""
    name = CALL_NAME.search(chunk)
    return [TextCall(name=name[1] if name else "", arguments=chunk, error="the call is not valid JSON")]


def _calls_in(chunk: str, tagged: bool = False) -> list[TextCall] | None:
    """The calls a JSON chunk holds (one object or a list of them), or ``None`` when it holds none.

    A chunk that does not parse but reads like a call (inside a tag, or with a name and
    arguments) is one malformed call.
    """
    value = _decode(chunk)
    if value is None and (tagged or (CALL_NAME.search(chunk) and CALL_ARGUMENTS.search(chunk))):
        return _malformed(chunk)
    values = value if isinstance(value, list) else [value]
    calls = [_as_call(v) for v in values]
    if not calls or any(c is None for c in calls):
        return None
    return [c for c in calls if c is not None]


def read_calls(text: str) -> list[TextCall] | None:
    """The tool calls written in ``text``, or ``None`` when it is not a tool call."""
    stripped = text.strip()
    if "<tool_call>" in stripped:
        tagged = [_calls_in(chunk, tagged=True) or _malformed(chunk) for chunk in TAG.findall(stripped)]
        return [call for calls in tagged for call in calls]
    fences = FENCE.findall(stripped)
    if len(fences) == 1:
        prose = FENCE.sub("", stripped).strip()
        return _calls_in(fences[0].strip()) if len(prose) <= MAX_PROSE_CHARS else None
    if stripped.startswith(("{", "[")):
        return _calls_in(stripped)
    return None


def _schema(tool: BaseTool | dict[str, Any]) -> tuple[str, type[BaseModel] | None] | None:
    if isinstance(tool, BaseTool):
        schema = tool.args_schema
        return tool.name, schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
    return None


def check(calls: list[TextCall], tools: Sequence[BaseTool | dict[str, Any]]) -> list[TextCall]:
    """``calls`` with ``error`` set on each one that names no tool or that its tool would reject."""
    schemas = dict(s for s in (_schema(t) for t in tools) if s is not None)
    for call in calls:
        if call.error:
            continue
        if call.name not in schemas:
            call.error = f"there is no tool named {call.name!r}"
        elif not isinstance(call.arguments, dict):
            call.error = f"the arguments of {call.name} are not a JSON object"
        elif (schema := schemas[call.name]) is not None:
            try:
                schema.model_validate(call.arguments)
            except ValidationError as exc:
                call.error = f"invalid arguments for {call.name}: {exc.error_count()} error(s)"
    return calls


def _content(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def structured(message: AIMessage, tools: Sequence[BaseTool | dict[str, Any]]) -> AIMessage:
    """``message`` with a tool call written as text made structured (or invalid); else unchanged."""
    if message.tool_calls or message.invalid_tool_calls:
        return message
    calls = read_calls(_content(message))
    if not calls:
        return message
    calls = check(calls, tools)
    if any(c.error for c in calls):
        invalid = [
            InvalidToolCall(
                type="invalid_tool_call",
                name=c.name,
                args=json.dumps(c.arguments),
                id=f"call_text_{uuid.uuid4().hex[:12]}",
                error=c.error,
            )
            for c in calls
        ]
        return message.model_copy(update={"invalid_tool_calls": invalid})
    tool_calls = [
        ToolCall(name=c.name, args=c.arguments, id=f"call_text_{uuid.uuid4().hex[:12]}", type="tool_call")
        for c in calls
    ]
    return message.model_copy(update={"content": "", "tool_calls": tool_calls})


class TextToolCalls(AgentMiddleware[Any, Any, Any]):
    """Turn a tool call the model wrote as text into a structured one (see the module docstring)."""

    def _fix(self, request: ModelRequest[Any], response: ModelResponse[Any]) -> ModelResponse[Any]:
        result: list[BaseMessage] = [
            structured(m, request.tools) if isinstance(m, AIMessage) else m for m in response.result
        ]
        return ModelResponse(result=result, structured_response=response.structured_response)

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return self._fix(request, handler(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return self._fix(request, await handler(request))
