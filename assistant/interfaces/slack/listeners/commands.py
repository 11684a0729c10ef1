"""``/salesplan``: ``ask …``, ``stalled``, ``plan account NAME``, ``plan territory [NAME]``, ``help``.

The command is acknowledged at once with an ephemeral "Working on it…" (or the help), and
answered by a lazy listener through the command's ``response_url``, replacing that message.
Answers are ephemeral — only the person who typed the command sees them, since they show that
person's data — unless the text says to share (:mod:`..privacy`: ``/salesplan share: how is my
pipeline?``): the share words are taken out and the answer is posted for the channel
(``in_channel``), the "Working on it…" message deleted; a plan's summary stays ephemeral even
then, the plan being shared from its files in the person's direct messages. ``stalled`` carries
the *Snooze 7 days…* / *Mark reviewed…* menus and, past ten deals, *Show more* (:mod:`..actions`).
Text that is not a subcommand is asked as a question.
``ask`` continues one conversation per person and channel (thread ``slack:<channel>:command``);
``plan territory`` without a name plans the person's own territory or team. A plan is shared as
files — the Markdown and its charts, in a direct message to the person — and answered with its
summary (:mod:`..plans`). An answer too long for a message is sent to the person as a Markdown
file in a direct message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from assistant.interfaces.slack.actions import with_actions
from assistant.interfaces.slack.blocks import SlackMessage, section
from assistant.interfaces.slack.help import help_message
from assistant.interfaces.slack.identity import Unmapped
from assistant.interfaces.slack.pages import stalled_actions, stalled_page
from assistant.interfaces.slack.plans import share_plan
from assistant.interfaces.slack.privacy import COMMAND_NOTE, PLAN_NOTE, read_share, shared_note
from assistant.interfaces.slack.replies import with_note
from assistant.interfaces.slack.runtime import SlackRuntime, answer_message, upload
from assistant.interfaces.slack.safety import plain
from assistant.interfaces.slack.stalled import LISTED, stalled_message
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.errors import SalesplanError
from tools.viewer import Viewer

log = logging.getLogger("salesplan.slack")
COMMAND = "/salesplan"
Action = Literal["ask", "stalled", "plan account", "plan territory", "help", "usage"]
USAGE = (
    "Try `/salesplan ask which of my deals are stalled?`, `/salesplan stalled` or "
    "`/salesplan plan account NAME`."
)


@dataclass(frozen=True)
class Command:
    action: Action
    argument: str = ""


def share_words(text: str) -> tuple[str, bool]:
    """The command's text without share words (around it, or around the question of ``ask``), and
    whether it said to share."""
    words, shared = read_share(text)
    head, _, rest = words.partition(" ")
    if head.casefold() == "ask" and rest:
        rest, shared_question = read_share(rest)
        return f"{head} {rest}", shared or shared_question
    return words, shared


def parse_command(text: str) -> Command:
    words = share_words(text)[0]
    head, _, rest = words.partition(" ")
    match head.casefold():
        case "" | "help":
            return Command("help")
        case "ask":
            return (
                Command("ask", rest)
                if rest
                else Command("usage", "Ask what? e.g. `/salesplan ask how is my pipeline?`")
            )
        case "stalled":
            return Command("stalled")
        case "plan":
            kind, _, name = rest.partition(" ")
            if kind.casefold() == "account" and name.strip():
                return Command("plan account", name.strip())
            if kind.casefold() == "territory":
                return Command("plan territory", name.strip())
            return Command(
                "usage", "Plan what? `/salesplan plan account NAME` or `/salesplan plan territory NAME`."
            )
    return Command("ask", words)


def _text(text: str) -> SlackMessage:
    safe = plain(text)
    return SlackMessage(text=safe, blocks=[section(safe)])


async def _run(
    runtime: SlackRuntime, client: AsyncWebClient, command: Command, viewer: Viewer, body: dict[str, Any]
) -> tuple[SlackMessage, str | None, str]:
    """The reply: the message, the Markdown it came from (for a file), and a title."""
    if command.action == "ask":
        thread = f"slack:{body.get('channel_id', 'command')}:command"
        result = await runtime.context.assistant.aask(viewer, command.argument, thread, channel="slack")
        footer = f"{result.model} · {result.latency_ms:,} ms"
        return (
            answer_message(result.answer, runtime, result.citations, footer, title=command.argument),
            result.answer,
            "Salesplan answer",
        )
    if command.action == "stalled":
        deals = await runtime.context.reads.arun_tool(
            viewer, "stalled_deals", StalledQuery(limit=25), returns=StalledDeals, channel="slack"
        )
        shown = deals.deals[:LISTED]
        actions = stalled_actions(deals, shown, stalled_page({}, deals, len(shown)))
        return with_actions(stalled_message(deals, urls=runtime.urls), actions), None, "Stalled deals"
    kind = "account" if command.action == "plan account" else "territory"
    summary = await share_plan(runtime, client, viewer, str(body["user_id"]), kind, command.argument)
    return summary, None, ""


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: Any, command: dict[str, Any]) -> None:
        parsed = parse_command(command.get("text", ""))
        if parsed.action == "help":
            message = help_message()
            await ack(response_type="ephemeral", text=message.text, blocks=message.blocks)
        elif parsed.action == "usage":
            await ack(response_type="ephemeral", text=plain(f"{parsed.argument} {USAGE}"))
        else:
            await ack(response_type="ephemeral", text=":hourglass_flowing_sand: Working on it…")

    async def answer(command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        runtime.track()
        parsed = parse_command(command.get("text", ""))
        if parsed.action in ("help", "usage"):
            return
        shared = share_words(command.get("text", ""))[1]
        who = await runtime.identity.resolve(client, command["user_id"])
        if isinstance(who, Unmapped):
            reply = _text(await runtime.identity.unmapped_message(who))
            await respond(
                text=reply.text, blocks=reply.blocks, response_type="ephemeral", replace_original=True
            )
            return
        answered = False
        try:
            async with runtime.turns:
                message, markdown, title = await _run(runtime, client, parsed, who, command)
            answered = True
        except SalesplanError as exc:
            message, markdown, title = _text(f"Sorry, I couldn't do that: {exc}"), None, ""
        except Exception:  # the user gets a short apology; the details go to the log
            log.exception("a /salesplan command failed")
            message, markdown, title = (
                _text("Sorry, something went wrong. Please try again in a moment."),
                None,
                "",
            )
        in_channel = not str(command.get("channel_id", "")).startswith("D")
        if not message.fits() and markdown is not None:
            opened = await client.conversations_open(users=command["user_id"])
            await upload(client, runtime, opened["channel"]["id"], markdown, title=title)
            message = _text(f"{title} is long, so I sent it to you as a Markdown file in a direct message.")
        elif answered and in_channel and parsed.action.startswith("plan"):
            # the plan's files are in the asker's direct messages, shared from there: never posted here
            message = with_note(message, PLAN_NOTE)
        elif answered and shared and in_channel:
            await respond(delete_original=True)
            await respond(
                text=message.text,
                blocks=with_note(message, shared_note(who.name)).blocks,
                response_type="in_channel",
                unfurl_links=False,
                unfurl_media=False,
            )
            return
        elif answered and in_channel:
            message = with_note(message, COMMAND_NOTE)
        await respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=True,
            unfurl_links=False,
            unfurl_media=False,
        )

    app.command(COMMAND)(ack=acknowledge, lazy=[answer])
