"""What the app says when asked for help (a mention with no question, or ``/salesplan help``)."""

from __future__ import annotations

from assistant.interfaces.slack.blocks import SlackMessage, context, section
from assistant.interfaces.slack.safety import plain

COMMANDS = (
    ("/salesplan ask QUESTION", "ask anything about your deals, accounts, territories or the playbook"),
    ("/salesplan stalled", "your stalled and at-risk deals, with the next step for each"),
    ("/salesplan plan account NAME", "draft an account plan"),
    ("/salesplan plan territory [NAME]", "draft a territory plan (yours, without a name)"),
    ("/salesplan help", "this message"),
)
EXAMPLES = ("Which of my deals are stalled?", "Tell me about Acme before my call", "How is my team doing?")


def help_message(name: str | None = None) -> SlackMessage:
    greeting = f"Hi {plain(name.split()[0])}! " if name else ""
    intro = (
        f"{greeting}I answer questions about your deals, accounts, territories and the sales playbook, "
        "from the data you are allowed to see. Write to me directly, or mention me in a channel: "
        "there, answers that show your data are visible only to you (say *share* to post one for "
        "the channel), and a mention in the thread continues the conversation."
    )
    commands = "\n".join(f"• `{command}` — {what}" for command, what in COMMANDS)
    examples = " · ".join(f"_{e}_" for e in EXAMPLES)
    return SlackMessage(
        text=intro,
        blocks=[section(intro), section(f"*Commands*\n{commands}"), context([f"Try: {examples}"])],
    )
