"""Who writes a plan's words: the offline templates, or the configured chat model.

Both return a :class:`~assistant.plans.models.Narrative`: a summary, and the wording of each
objective, action and mitigation candidate by key. The model is shown the facts (figures already
formatted) and the candidates, and answers with one JSON object. What it returns is checked
before it is used:

* a key that is not a candidate is ignored (the model cannot add an objective the data does not
  support, or change a target, owner, due date or link — those are not in its answer at all);
* a text with a figure that is not in the facts (:mod:`assistant.grounding`) is replaced by the
  offline wording, and the plan's notes say which and why;
* a candidate the model did not word keeps the offline wording.

An answer that is not a JSON object of that shape raises :class:`NarrativeError`; the caller falls
back to the offline narrative and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError

import prompts
from assistant import formatting as fmt
from assistant.grounding import unverified, values_of
from assistant.plans import wording
from assistant.plans.models import Narrative
from tools.plans import ObjectiveBasis
from tools.plans.account import AccountPlanFacts
from tools.plans.territory import TerritoryPlanFacts

Facts = AccountPlanFacts | TerritoryPlanFacts
OFFLINE = "offline"


class NarrativeError(Exception):
    """The model's answer could not be used as a narrative."""


class NarrativeWriter(Protocol):
    name: str

    def write(self, facts: Facts) -> tuple[Narrative, list[str]]:
        """The narrative for ``facts`` and notes on what was changed."""
        ...


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def objective_statement(item: ObjectiveBasis) -> str:
    theme = item.theme[:1].upper() + item.theme[1:]
    return (
        f"{theme}: take {item.measure} from {fmt.figure(item.baseline)} to {fmt.figure(item.target)} "
        f"by {fmt.date(item.due)}."
    )


def offline_narrative(facts: Facts) -> Narrative:
    """The template narrative: the summary from ``prompts/plan_summary_<kind>``, candidates as worded."""
    kind = "account" if isinstance(facts, AccountPlanFacts) else "territory"
    summary = prompts.render(f"plan_summary_{kind}", facts=facts, f=fmt, w=wording)
    return Narrative(
        summary=_tidy(summary),
        objectives={o.key: objective_statement(o) for o in facts.objectives},
        actions={a.key: a.action for a in facts.actions},
        mitigations={r.key: r.mitigation for r in facts.risks},
    )


class OfflineWriter:
    """The offline planner's templates."""

    name = OFFLINE

    def write(self, facts: Facts) -> tuple[Narrative, list[str]]:
        return offline_narrative(facts), []


def brief(facts: Facts) -> dict[str, Any]:
    """What the model is shown: the main figures formatted as in the plan, and every candidate."""
    candidates = {
        "objectives": [
            {
                "key": o.key,
                "theme": o.theme,
                "measure": o.measure,
                "baseline": fmt.figure(o.baseline),
                "target": fmt.figure(o.target),
                "due": fmt.date(o.due),
            }
            for o in facts.objectives
        ],
        "actions": [
            {
                "key": a.key,
                "action": a.action,
                "owner": a.owner,
                "due": fmt.date(a.due),
                "about": a.link_label,
                "reason": a.reason,
            }
            for a in facts.actions
        ],
        "risks": [{"key": r.key, "risk": r.risk, "mitigation": r.mitigation} for r in facts.risks],
    }
    return {
        "kind": "account" if isinstance(facts, AccountPlanFacts) else "territory",
        "facts": _headline(facts),
        **candidates,
    }


def _headline(facts: Facts) -> dict[str, Any]:
    if isinstance(facts, AccountPlanFacts):
        return {
            "account": facts.account.name,
            "industry": facts.account.industry,
            "segment": facts.account.segment,
            "owner": facts.account.owner,
            "health": f"{fmt.figure(facts.health_score)}/100 ({facts.health_band})",
            "active_arr": fmt.figure(facts.active_arr),
            "open_pipeline": fmt.figure(facts.open_pipeline),
            "open_deals": len(facts.open_deals),
            "flagged_deals": sum(1 for d in facts.open_deals if d.flags),
            "engagement": (
                f"{facts.engagement.direction}: {facts.engagement.recent.value} activities in 90 days "
                f"vs {facts.engagement.previous.value} before"
            ),
            "relationship_gaps": facts.contacts.gaps,
            "cross_sell": [
                f"{c.product} ({fmt.figure(c.expected_value)} expected)" for c in facts.cross_sell
            ],
            "quarters": [facts.horizon.this_quarter, facts.horizon.next_quarter],
        }
    now, ytd = facts.outlook, facts.history.year_to_date
    return {
        "scope": facts.scope.label,
        "territories": [t.name for t in facts.scope.territories],
        "accounts": fmt.figure(facts.summary.accounts),
        "potential": fmt.figure(facts.summary.potential) if facts.holdings.potential else "not recorded",
        "this_quarter": {
            "period": now.period,
            "won_to_date": fmt.figure(now.won),
            "quota": fmt.figure(now.quota),
            "attainment": fmt.figure(now.attainment),
            "open_pipeline_due": wording.deals(now.due_deals, now.pipeline_due.value, now.due_without_amount),
            "coverage_of_quota_still_to_win": fmt.figure(now.coverage, coverage=True),
            "forecast_won_plus_weighted_due": fmt.figure(now.forecast),
            "gap_quota_minus_forecast": wording.signed_gap(now.gap),
        },
        "year_to_date": {
            "period": ytd.period,
            "bookings": fmt.figure(ytd.bookings),
            "win_rate": wording.rate(ytd.win_rate, ytd.won_deals + ytd.lost_deals),
            "pipeline_created": fmt.figure(ytd.pipeline_created),
        },
        "last_four_quarters": [
            {"period": q.period, "bookings": fmt.figure(q.bookings), "win_rate": fmt.figure(q.win_rate)}
            for q in facts.history.quarters
        ],
        "all_open_pipeline": wording.deals(
            now.open_deals, facts.summary.open_pipeline.value, now.open_without_amount
        ),
        "stalled": wording.deals(
            int(facts.stalled.count.value or 0), facts.stalled.amount.value, facts.stalled.without_amount
        ),
        "reps": len(facts.reps),
        "quarters": [facts.horizon.this_quarter, facts.horizon.next_quarter],
        "data_notes": facts.data_notes,
    }


def _json_object(text: str) -> dict[str, Any]:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise NarrativeError("the model's answer held no JSON object")
    try:
        payload = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise NarrativeError(f"the model's answer was not valid JSON ({exc.msg})") from None
    if not isinstance(payload, dict):
        raise NarrativeError("the model's answer was not a JSON object")
    return payload


def _as_mapping(value: Any) -> dict[str, str]:
    """``{"O1": "…"}``, or a list of ``{"key": "O1", "text": "…"}`` as small models often write it."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}
    if isinstance(value, list):
        found = {}
        for item in value:
            if isinstance(item, dict) and "key" in item:
                text = next((v for k, v in item.items() if k != "key" and isinstance(v, str)), None)
                if text:
                    found[str(item["key"])] = text
        return found
    return {}


class ModelWriter:
    """A chat model writes the narrative; checked against the facts (see the module docstring)."""

    def __init__(self, model: Callable[[], BaseChatModel], name: str) -> None:
        self._model = model
        self.name = name

    def write(self, facts: Facts) -> tuple[Narrative, list[str]]:
        shown = brief(facts)
        messages = [
            SystemMessage(prompts.render("plan_narrative")),
            HumanMessage(json.dumps(shown, default=str, indent=1)),
        ]
        reply = self._model().invoke(messages)
        content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        payload = _json_object(content)
        try:
            summary = str(payload["summary"]).strip()
        except KeyError:
            raise NarrativeError("the model's answer had no summary") from None
        if not summary:
            raise NarrativeError("the model's answer had an empty summary")
        try:
            written = Narrative(
                summary=summary,
                objectives=_as_mapping(payload.get("objectives")),
                actions=_as_mapping(payload.get("actions")),
                mitigations=_as_mapping(payload.get("mitigations") or payload.get("risks")),
            )
        except ValidationError as exc:
            raise NarrativeError(
                f"the model's answer did not fit the plan ({exc.error_count()} errors)"
            ) from None
        return self._checked(written, facts, shown)

    def _checked(
        self, written: Narrative, facts: Facts, shown: dict[str, Any]
    ) -> tuple[Narrative, list[str]]:
        known: set[Decimal] = values_of(shown) | values_of(facts.model_dump(mode="json"))
        fallback = offline_narrative(facts)
        notes: list[str] = []

        def pick(label: str, text: str | None, offline: str) -> str:
            if not text or not text.strip():
                return offline
            wrong = unverified(text, known)
            if wrong:
                # the note does not repeat the figure: an unverified number never reaches the plan
                notes.append(
                    f"The model's {label} stated a figure the data does not show; "
                    "the template wording is used instead."
                )
                return offline
            return text.strip()

        return (
            Narrative(
                summary=pick("summary", written.summary, fallback.summary),
                objectives={
                    k: pick(f"objective {k}", written.objectives.get(k), v)
                    for k, v in fallback.objectives.items()
                },
                actions={
                    k: pick(f"action {k}", written.actions.get(k), v) for k, v in fallback.actions.items()
                },
                mitigations={
                    k: pick(f"mitigation {k}", written.mitigations.get(k), v)
                    for k, v in fallback.mitigations.items()
                },
            ),
            notes,
        )
