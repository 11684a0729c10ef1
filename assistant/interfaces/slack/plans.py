"""Plans in Slack, made to be shared: a short summary, the plan as a Markdown file, its charts.

``/salesplan plan account NAME`` and ``/salesplan plan territory [NAME]`` draft the plan, then:

* upload it to the person's direct messages with the app, in one message: the plan as a Markdown
  file (``territory-plan-west-enterprise.md``), the history chart (bookings, pipeline created and
  win rate by quarter) and, when a territory plan proposes moves, the balance chart (each rep's
  potential and workload against the mean, before and after) — as PNG images — with a one-line
  summary as the comment. A plan shows the asker's own data, so it goes to them first, as every
  slash-command answer does; from there Slack's *Share* passes it to a channel or a colleague;
* answer the command (ephemeral, in the channel) with the summary message: header, opening,
  headline figures as fields (:mod:`.plan_summary`), and where the files are.

The files travel through Slack's external upload flow — ``files.getUploadURLExternal`` for each
file (an upload URL and a file id), a POST of the bytes to that URL, then one
``files.completeUploadExternal`` sharing them all in the channel — as slack_sdk's
``files_upload_v2`` does it. In the Markdown file playbook citations link to the playbook pages
(``SALESPLAN_PUBLIC_URL``), and mentions and links off the allow-list are neutralised as in
messages (:func:`~assistant.interfaces.slack.safety.safe_markdown`).
"""

from __future__ import annotations

import asyncio
import io
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.blocks import SlackMessage
from assistant.interfaces.slack.plan_summary import plan_summary, summary_comment
from assistant.interfaces.slack.runtime import SlackRuntime, slug
from assistant.interfaces.slack.safety import safe_markdown
from assistant.interfaces.urls import Urls
from assistant.link_policy import LinkPolicy
from assistant.plans.models import PlanDraft, TerritoryPlan
from tools.viewer import Viewer

log = logging.getLogger("salesplan.slack")


@dataclass(frozen=True)
class PlanFile:
    """One file of a shared plan, as ``files_upload_v2`` takes it."""

    filename: str
    title: str
    content: bytes
    alt_txt: str | None = None

    def upload(self) -> dict[str, object]:
        item: dict[str, object] = {"filename": self.filename, "title": self.title, "content": self.content}
        if self.alt_txt:
            item["alt_txt"] = self.alt_txt
        return item


async def draft_plan(runtime: SlackRuntime, viewer: Viewer, kind: str, name: str) -> PlanDraft:
    service = runtime.context.assistant
    if kind == "account":
        return await service.aplan_account(viewer, name, channel="slack")
    return await service.aplan_territory(viewer, name or None, channel="slack")


def _history_png(draft: PlanDraft) -> bytes:
    from assistant.plans.chart import draw_plan_history

    buffer = io.BytesIO()
    draw_plan_history(draft.plan, buffer)
    return buffer.getvalue()


def _balance_png(plan: TerritoryPlan) -> bytes | None:
    proposal = plan.facts.rebalance
    if proposal is None or not proposal.reps or not proposal.move_count.value:
        return None
    from tools.rebalance.charts import CHART, draw_balance

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / CHART
        draw_balance(proposal, path)
        return path.read_bytes()


def plan_files(draft: PlanDraft, urls: Urls, policy: LinkPolicy) -> list[PlanFile]:
    """The plan as Markdown, and its charts as PNG images (drawn here: call it off the event loop)."""
    name = slug(draft.title)
    markdown = safe_markdown(urls.link_citations(draft.markdown), policy)
    files = [PlanFile(f"{name}.md", draft.title, markdown.encode("utf-8"))]
    files.append(
        PlanFile(
            f"{name}-history.png",
            f"{draft.title}: history",
            _history_png(draft),
            "Bookings and pipeline created by quarter and year to date, with the win rate",
        )
    )
    if isinstance(draft.plan, TerritoryPlan) and (balance := _balance_png(draft.plan)) is not None:
        files.append(
            PlanFile(
                f"{name}-balance.png",
                f"{draft.title}: balance before and after the moves",
                balance,
                "Each rep's potential and workload against the mean, before and after the proposed moves",
            )
        )
    return files


async def share_plan(
    runtime: SlackRuntime, client: AsyncWebClient, viewer: Viewer, slack_user: str, kind: str, name: str
) -> SlackMessage:
    """Draft the plan, upload it to ``slack_user``'s direct messages, and return the summary message."""
    draft = await draft_plan(runtime, viewer, kind, name)
    files = await asyncio.to_thread(plan_files, draft, runtime.urls, runtime.policy)
    internals = (
        [f"Draft written by {draft.model} · {draft.latency_ms:,} ms"]
        if runtime.context.settings.debug
        else []
    )
    try:
        opened = await client.conversations_open(users=slack_user)
        await client.files_upload_v2(
            file_uploads=[f.upload() for f in files],
            channel=str(opened["channel"]["id"]),
            initial_comment=summary_comment(draft),
        )
    except SlackClientError as exc:  # refused by the Web API, or the bytes not taken at the upload URL
        error = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else "the upload failed"
        log.warning("uploading a plan failed: %s", exc)
        where = f"I couldn't upload the plan and its charts ({error}); ask again in a moment."
        return plan_summary(draft, runtime.policy, runtime.urls, where, internals)
    where = (
        "The plan (Markdown) and its charts are in your direct messages with Salesplan: "
        "share them from there."
    )
    return plan_summary(draft, runtime.policy, runtime.urls, where, internals)
