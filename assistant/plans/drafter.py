"""Drafting a plan: the tools' facts, a narrative from a writer, the structured plan and its Markdown.

:class:`PlanDrafter` is what :class:`~assistant.service.AssistantService` and the agent's plan
tools call, so a plan asked for on the command line, through the API, in Slack or in a chat
("draft an account plan for Acme") is the same code and the same document. The narrative comes
from the configured model when there is one; when it fails (an error, an answer that is not the
JSON asked for), the offline templates write it and the draft says why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from assistant.model_errors import describe_model_error, is_model_error
from assistant.plans.models import AccountPlan, Action, Narrative, Objective, PlanDraft, Risk, TerritoryPlan
from assistant.plans.narrative import OFFLINE, Facts, NarrativeError, NarrativeWriter, OfflineWriter
from assistant.plans.render import citations, markdown
from tools.plans.account import AccountPlanFacts, AccountPlanInput, account_plan_facts
from tools.plans.territory import TerritoryPlanInput, territory_plan_facts
from tools.playbook import PlaybookSearcher
from tools.store.repository import Repository
from tools.viewer import Viewer


def _model_failed(exc: BaseException) -> bool:
    """What a failing model raises; the draft falls back to the offline narrative on any of these."""
    return isinstance(exc, NarrativeError | TimeoutError) or is_model_error(exc)


def _describe(exc: BaseException) -> str:
    return describe_model_error(exc) or str(exc) or type(exc).__name__


def _parts(facts: Facts, narrative: Narrative) -> tuple[list[Objective], list[Action], list[Risk]]:
    """The candidates with the narrative's wording (each keeps its target, owner, due date and link)."""
    objectives = [
        Objective(**o.model_dump(), statement=narrative.objectives.get(o.key, o.theme))
        for o in facts.objectives
    ]
    actions = [a.model_copy(update={"action": narrative.actions.get(a.key, a.action)}) for a in facts.actions]
    risks = [
        r.model_copy(update={"mitigation": narrative.mitigations.get(r.key, r.mitigation)})
        for r in facts.risks
    ]
    return objectives, actions, risks


class PlanDrafter:
    """Drafts account and territory plans for a viewer with one narrative writer."""

    def __init__(
        self,
        repository: Callable[[], Repository],
        playbook: Callable[[], PlaybookSearcher | None],
        writer: NarrativeWriter | None = None,
    ) -> None:
        self._repository = repository
        self._playbook = playbook
        self.writer: NarrativeWriter = writer or OfflineWriter()

    def account(self, viewer: Viewer, name: str) -> PlanDraft:
        started = time.monotonic()
        facts = account_plan_facts(
            self._repository(), viewer, AccountPlanInput(account=name), self._playbook()
        )
        return self._draft(facts, started)

    def territory(self, viewer: Viewer, name: str | None) -> PlanDraft:
        started = time.monotonic()
        facts = territory_plan_facts(
            self._repository(), viewer, TerritoryPlanInput(territory=name), self._playbook()
        )
        return self._draft(facts, started)

    def _narrative(self, facts: Facts) -> tuple[Narrative, list[str], str, str | None]:
        try:
            narrative, notes = self.writer.write(facts)
            return narrative, notes, self.writer.name, None
        except Exception as exc:
            if self.writer.name == OFFLINE or not _model_failed(exc):
                raise
            reason = _describe(exc)
            narrative, notes = OfflineWriter().write(facts)
            note = f"The configured model did not write the narrative ({reason}); the offline templates did."
            return narrative, [note, *notes], OFFLINE, reason

    def _draft(self, facts: Facts, started: float) -> PlanDraft:
        narrative, notes, written_by, fallback = self._narrative(facts)
        objectives, actions, risks = _parts(facts, narrative)
        parts = {
            "summary": narrative.summary,
            "objectives": objectives,
            "actions": actions,
            "risks": risks,
            "written_by": written_by,
            "notes": notes,
        }
        plan: AccountPlan | TerritoryPlan
        if isinstance(facts, AccountPlanFacts):
            title = f"Account plan: {facts.account.name}"
            plan = AccountPlan(title=title, facts=facts, **parts)
        else:
            title = f"Territory plan: {facts.scope.label}"
            plan = TerritoryPlan(title=title, facts=facts, **parts)
        text = markdown(plan)
        return PlanDraft(
            kind=plan.kind,
            title=title,
            markdown=text,
            plan=plan,
            citations=citations(text),
            model=written_by,
            latency_ms=round((time.monotonic() - started) * 1000),
            fallback_reason=fallback,
        )
