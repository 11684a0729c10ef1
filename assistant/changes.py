"""Approved changes to the CRM: proposals, and the proposer's yes or no, each audited.

Every interface (the CLI's ``salesplan changes``, the API's ``/v1/changes``, the Slack buttons, an
answer of the assistant) goes through :class:`ChangeDesk`. A change is proposed against the CRM
the settings configure (Salesforce first); it is written only by :meth:`ChangeDesk.confirm`, by
the user who proposed it, through the connector as the integration user after Salesplan's own
scope check (no per-user CRM credentials are kept). Logging a call, meeting, email or note is
proposed and confirmed the same way (:meth:`ChangeDesk.propose_activity`). The audit log records
each step (``kind`` ``change_propose``, ``change_confirm``, ``change_cancel``) with the record,
field, old and new values in ``detail`` and the outcome: ``answered`` when done, ``rejected`` when
refused (stale, out of scope, unknown), ``error`` when the CRM failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.audit import AuditLog
from assistant.crm import configured, open_source
from assistant.settings import Settings
from tools.errors import ErrorKind, InputError, SalesplanError
from tools.store.stages import StageConfig, dataset_stages
from tools.store.sync.activity_changes import propose_activity
from tools.store.sync.changes import Change, cancel, changes_of, confirm, pending_change, propose
from tools.viewer import Viewer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tools.store.sync.source import CrmSource


class ChangeDesk:
    """Proposes, lists, confirms and cancels changes for one viewer at a time."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        stages: StageConfig,
        *,
        source: Callable[[str], CrmSource] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self._stages = stages
        self._source = source or (lambda name: open_source(settings, name))
        self.audit = AuditLog(engine)

    @property
    def connected(self) -> str | None:
        """The CRM changes go to, or None when no connection is configured."""
        found = configured(self.settings)
        return found[0] if found else None

    def stages(self) -> StageConfig:
        return dataset_stages(self.engine, self._stages)

    def propose(
        self, viewer: Viewer, deal: str, field: str, new: str, *, channel: str, due: str | None = None
    ) -> Change:
        """Record a proposed change (a next step may come with the day it is ``due``); nothing is
        written to the CRM."""
        request = f"propose {field} of {deal} = {new}" + (f" (due {due})" if due else "")
        source = self._source_for(viewer, channel, request)
        return self._audited(
            viewer,
            channel,
            "change_propose",
            request,
            lambda: propose(
                self.engine,
                user_id=viewer.user_id,
                role=viewer.role,
                sharing=self.settings.sharing,
                source=source,
                deal=deal,
                field=field,
                new=new,
                stages=self.stages(),
                due=due,
            ),
        )

    def propose_activity(self, viewer: Viewer, activity: dict[str, Any], *, channel: str) -> Change:
        """Record a proposed call, meeting, email or note (``kind``, ``subject``, ``deal``,
        ``account``, ``contact``, ``day``); nothing is written to the CRM."""
        named = ", ".join(f"{k}={v}" for k, v in activity.items() if v and k not in ("kind", "subject"))
        request = f"propose logging a {activity.get('kind')} ({named}): {activity.get('subject')}"
        source = self._source_for(viewer, channel, request)
        return self._audited(
            viewer,
            channel,
            "change_propose",
            request,
            lambda: propose_activity(
                self.engine,
                user_id=viewer.user_id,
                role=viewer.role,
                sharing=self.settings.sharing,
                source=source,
                kind=str(activity.get("kind") or ""),
                subject=str(activity.get("subject") or ""),
                deal=activity.get("deal"),
                account=activity.get("account"),
                contact=activity.get("contact"),
                day=activity.get("day"),
            ),
        )

    def _source_for(self, viewer: Viewer, channel: str, request: str) -> str:
        """The connected CRM; without one the refusal is audited and raised."""
        source = self.connected
        if source is None:
            error = InputError("no CRM connection is configured (see README, Live CRM)")
            self._record(viewer, channel, "change_propose", request, error=error)
            raise error
        return source

    def pending(self, viewer: Viewer) -> list[Change]:
        return changes_of(self.engine, viewer.user_id)

    def confirm(self, viewer: Viewer, change_id: int, *, channel: str) -> Change:
        """Write the viewer's own proposed change through the connector (refused when stale)."""

        subject: Change | None = None

        def run() -> Change:
            nonlocal subject
            subject = pending_change(self.engine, viewer.user_id, change_id)
            return confirm(
                self.engine,
                user_id=viewer.user_id,
                role=viewer.role,
                sharing=self.settings.sharing,
                change_id=change_id,
                crm=self._source(subject.source),
                stages=self.stages(),
            )

        request = f"confirm change {change_id}"
        return self._audited(viewer, channel, "change_confirm", request, run, subject=lambda: subject)

    def cancel(self, viewer: Viewer, change_id: int, *, channel: str) -> Change:
        return self._audited(
            viewer,
            channel,
            "change_cancel",
            f"cancel change {change_id}",
            lambda: cancel(self.engine, user_id=viewer.user_id, change_id=change_id),
        )

    def _audited(
        self,
        viewer: Viewer,
        channel: str,
        kind: str,
        request: str,
        run: Callable[[], Change],
        *,
        subject: Callable[[], Change | None] = lambda: None,
    ) -> Change:
        started = time.perf_counter()
        try:
            change = run()
        except SalesplanError as exc:
            self._record(viewer, channel, kind, request, change=subject(), error=exc, started=started)
            raise
        self._record(viewer, channel, kind, request, change=change, started=started)
        return change

    def _record(
        self,
        viewer: Viewer,
        channel: str,
        kind: str,
        request: str,
        *,
        change: Change | None = None,
        error: SalesplanError | None = None,
        started: float | None = None,
    ) -> None:
        outcome = "answered"
        if error is not None:
            outcome = "rejected" if error.kind is ErrorKind.RETRY or "not written" in str(error) else "error"
        parts = [change.describe() if change is not None else "", str(error) if error is not None else ""]
        detail = " — ".join(part for part in parts if part)
        records = _records(change)
        self.audit.record(
            viewer,
            channel=channel,
            kind=kind,
            question=request,
            outcome=outcome,
            latency_ms=0 if started is None else int((time.perf_counter() - started) * 1000),
            record_ids=records,
            detail=detail,
        )


def _records(change: Change | None) -> list[str]:
    """The records a change is about: its deal, or the account (and contact) an activity is on."""
    if change is None:
        return []
    if change.kind != "activity":
        return [f"opportunity:{change.record_id}"]
    details = change.details or {}
    kinds = (("deal_id", "opportunity"), ("account_id", "account"), ("contact_id", "contact"))
    return [f"{kind}:{details[key]}" for key, kind in kinds if details.get(key) is not None]
