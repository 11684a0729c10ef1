"""An optional LLM judge of narrative quality (directness, clarity, usefulness), never of figures.

It runs only when a judge model is configured (``salesplan eval run --judge openai:<name>`` or
``SALESPLAN_JUDGE_MODEL``); it is never needed and never part of the CI gate. The judge reads the
prompt ``prompts/eval_judge.md.j2`` and replies ``{"score": 1-5, "reason": "…"}``; a turn's
``rubric`` says what a good answer does for that question. Its score is advisory (``gating`` is
false): it is reported per case and on average, and does not fail a case.
"""

from __future__ import annotations

import json
import re

import httpx
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

import prompts
from evals.scorers import Score

PASS_SCORE = 3
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class Judge:
    """Grades answers with a chat model; a turn scores 1–5 and passes at :data:`PASS_SCORE` or above."""

    def __init__(self, model: BaseChatModel, name: str, pass_score: int = PASS_SCORE) -> None:
        self.model = model
        self.name = name
        self.pass_score = pass_score

    async def grade(self, question: str, answer: str, rubric: str | None) -> Score:
        prompt = prompts.render("eval_judge", question=question, answer=answer, rubric=rubric or "")
        try:
            reply = await self.model.ainvoke([HumanMessage(prompt)])
        except (openai.OpenAIError, httpx.HTTPError, TimeoutError) as exc:
            # The judge is advisory: its failure is reported on the case, never raised.
            return Score(name="judge", passed=False, gating=False, detail=f"the judge failed: {exc}")
        return self.parse(str(reply.text))

    def parse(self, text: str) -> Score:
        """The judge's JSON reply as a score; an unreadable reply is a failed, advisory score."""
        match = JSON_OBJECT.search(text)
        try:
            data = json.loads(match[0]) if match else None
            value = int(data["score"]) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            value = None
        if value is None or not 1 <= value <= 5:
            return Score(
                name="judge", passed=False, gating=False, detail=f"unreadable judge reply: {text[:120]!r}"
            )
        reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
        return Score(
            name="judge",
            passed=value >= self.pass_score,
            value=float(value),
            gating=False,
            detail=f"{value}/5: {reason}".strip(),
        )
