"""Answers as Block Kit: a header, the direct answer, figures as fields, records as a compact
list, citations in a context block — within Slack's limits, and safe (:mod:`.safety`).

The Markdown of an answer is read paragraph by paragraph:

* a header block names the answer: the Markdown's own ``# Title`` when it starts with one, else
  the title the caller gives (the question as asked), cut to Slack's 150 characters;
* the first paragraph is the direct answer (its own section);
* a list that opens with ``Label: value`` items with a number in the value (``- Potential:
  $239,800``) shows them as section *fields* (at most 10 to a section), the rest as text;
* anything else — records with their ids, advice, tables — is mrkdwn text: ``**bold**`` becomes
  ``*bold*``, headings bold lines, bullets ``•``/``◦``, and tables a preformatted block;
* a playbook citation (``[kpis.md#pipeline-coverage]``) reads as its section's heading, a link to
  the playbook page with ``SALESPLAN_PUBLIC_URL`` and plain text without; a record reference left
  in the text links to the CRM with ``SALESPLAN_CRM_RECORD_URL`` (:mod:`assistant.interfaces.urls`).
  Neither is ever a code span;
* the buttons and menus the caller passes (:mod:`.actions`) come after the text;
* the playbook citations close the message in a context block, with the internals the caller
  passes (the model, the time taken, the records cited: shown with ``SALESPLAN_DEBUG`` only).

Sections hold at most 3,000 characters (split at line, then word boundaries) and a message at
most 50 blocks, the header, actions and context block included (past 50, neighbouring text
sections are merged). A text too long for that, or
longer than ``MAX_INLINE_CHARS`` (20,000, about six screens, past which a file reads better),
does not fit: the caller uploads it as a Markdown file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.interfaces.slack.safety import plain, plain_label, safe_inline
from assistant.interfaces.urls import CITED, NO_URLS, Urls
from assistant.link_policy import LinkPolicy

SECTION_LIMIT = 3_000
FIELD_LIMIT = 2_000
MAX_FIELDS = 10
MAX_BLOCKS = 50
HEADER_LIMIT = 150
CONTEXT_ELEMENT_LIMIT = 2_000
MAX_INLINE_CHARS = 20_000
FALLBACK_CHARS = 300

Block = dict[str, Any]

FIGURE_ITEM = re.compile(r"^[-*+]\s+(?:\*\*)?(?P<label>[^:\[\]\n*]{1,60}?)(?:\*\*)?:\s+(?P<value>.{1,300})$")
REFERENCE = re.compile(r"\[([a-z_]+/[\w:.\-]+|[\w\-/]+\.md#[\w\-~]+)\]")
RECORD_REFERENCE = re.compile(r"\[(?P<ref>[a-z_]+/[\w:.\-]+)\]")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def mrkdwn(text: str, *, verbatim: bool = True) -> Block:
    return {"type": "mrkdwn", "text": text, "verbatim": verbatim}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def header(text: str) -> Block:
    """A header block: plain text (nothing in it can link or mention), at most 150 characters."""
    text = plain_label(" ".join(text.split()))
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def fields_section(fields: Sequence[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f[:FIELD_LIMIT]) for f in fields[:MAX_FIELDS]]}


def context(elements: Sequence[str]) -> Block:
    return {"type": "context", "elements": [mrkdwn(e[:CONTEXT_ELEMENT_LIMIT]) for e in elements[:10]]}


@dataclass
class SlackMessage:
    """A message ready for ``chat.postMessage``: fallback ``text`` (notifications) and ``blocks``."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def fits(self) -> bool:
        chars = sum(len(b.get("text", {}).get("text", "")) for b in self.blocks)
        return len(self.blocks) <= MAX_BLOCKS and chars <= MAX_INLINE_CHARS


def markdown_link(label: str, url: str | None) -> str:
    """``[label](url)``, or the label alone without a URL."""
    return f"[{label.replace('[', '(').replace(']', ')')}]({url})" if url else label


def link_references(line: str, urls: Urls) -> str:
    """Playbook citations and record references in ``line`` as Markdown links (or plain text)."""
    line = CITED.sub(
        lambda m: markdown_link(
            urls.playbook_label(m["bracketed"] or m["bare"]), urls.playbook(m["bracketed"] or m["bare"])
        ),
        line,
    )
    return RECORD_REFERENCE.sub(lambda m: markdown_link(m["ref"], urls.record(m["ref"], None)), line)


def format_line(line: str, policy: LinkPolicy, urls: Urls = NO_URLS) -> str:
    """One Markdown line as safe mrkdwn."""
    heading = HEADING.match(line)
    if heading:
        line = f"**{heading.group(1)}**"
    bullet = BULLET.match(line)
    prefix = ""
    if bullet:
        prefix = "• " if len(bullet.group(1).expandtabs(4)) < 2 else "    ◦ "
        line = bullet.group(2)
    body, links = safe_inline(link_references(line, urls), policy)
    body = BOLD.sub(lambda m: f"\x01{m.group(1) or m.group(2)}\x01", body)
    body = ITALIC.sub(lambda m: f"_{m.group(1)}_", body)
    return prefix + links.mrkdwn(body.replace("\x01", "*"))


def format_block(lines: Sequence[str], policy: LinkPolicy, urls: Urls = NO_URLS) -> str:
    """Markdown lines as mrkdwn; tables and fenced code become preformatted text."""
    out: list[str] = []
    table: list[str] = []
    fence: list[str] | None = None

    def flush_table() -> None:
        if table:
            out.append("```" + "\n".join(plain(r) for r in table if not TABLE_RULE.match(r.strip())) + "```")
            table.clear()

    for line in lines:
        if fence is not None:
            if line.strip().startswith("```"):
                out.append("```" + "\n".join(plain(r) for r in fence) + "```")
                fence = None
            else:
                fence.append(line)
            continue
        if line.strip().startswith("```"):
            flush_table()
            fence = []
            continue
        if line.strip().startswith("|"):
            table.append(line.strip())
            continue
        flush_table()
        out.append(format_line(line, policy, urls))
    flush_table()
    if fence is not None:
        out.append("```" + "\n".join(plain(r) for r in fence) + "```")
    return "\n".join(out)


def paragraphs(markdown: str) -> list[list[str]]:
    """Blank-line separated paragraphs (a fenced code block stays whole)."""
    result: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in markdown.replace("\r\n", "\n").split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                result.append(current)
                current = []
            continue
        current.append(line.rstrip())
    if current:
        result.append(current)
    return result


def _figures(lines: Sequence[str], policy: LinkPolicy, urls: Urls) -> tuple[list[str], list[str]]:
    """The leading ``Label: value`` items of a list as fields (at least two, each with a number in
    its value and no sub-items), and the lines after them."""
    found: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        match = FIGURE_ITEM.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if (
            match is None
            or REFERENCE.search(line)
            or not re.search(r"\d", match.group("value"))
            or following.startswith((" ", "\t"))
        ):
            break
        label = plain(match.group("label").strip())
        value = format_line(match.group("value"), policy, urls)
        found.append(f"*{label[:1].upper()}{label[1:]}*\n{value}")
    if len(found) < 2:
        return [], list(lines)
    return found, list(lines[len(found) :])


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line breaks, else at spaces, else anywhere."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [text[:limit]]


def markdown_blocks(markdown: str, policy: LinkPolicy, urls: Urls = NO_URLS) -> list[Block]:
    """The Markdown as section blocks: the direct answer, then fields and text sections."""
    blocks: list[Block] = []
    pending_heading: str | None = None
    for index, lines in enumerate(paragraphs(markdown)):
        figures, lines = _figures(lines, policy, urls) if index > 0 else ([], lines)
        if figures:
            if pending_heading:
                blocks.append(section(pending_heading))
                pending_heading = None
            blocks.extend(
                fields_section(figures[i : i + MAX_FIELDS]) for i in range(0, len(figures), MAX_FIELDS)
            )
            if not lines:
                continue
        text = format_block(lines, policy, urls)
        if (
            index > 0
            and len(lines) == 1
            and (HEADING.match(lines[0]) or re.fullmatch(r"\*\*[^*]+\*\*:?", lines[0]))
        ):
            pending_heading = f"{pending_heading}\n{text}" if pending_heading else text
            continue
        if pending_heading:
            text = f"{pending_heading}\n{text}"
            pending_heading = None
        blocks.extend(section(piece) for piece in split_text(text))
    if pending_heading:
        blocks.append(section(pending_heading))
    return blocks


def pack(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """``blocks`` with neighbouring text sections merged (up to 3,000 characters each) when there
    are more than ``limit``: many short paragraphs still make one message."""
    if len(blocks) <= limit:
        return blocks
    packed: list[Block] = []
    for block in blocks:
        last = packed[-1] if packed else None
        if (
            last is not None
            and set(last) == set(block) == {"type", "text"}
            and last["type"] == block["type"] == "section"
            and len(last["text"]["text"]) + len(block["text"]["text"]) + 2 <= SECTION_LIMIT
        ):
            packed[-1] = section(f"{last['text']['text']}\n\n{block['text']['text']}")
        else:
            packed.append(block)
    return packed


def fallback_text(markdown: str, policy: LinkPolicy, urls: Urls = NO_URLS) -> str:
    """The first paragraph, for notifications and clients without blocks."""
    first = paragraphs(markdown)[:1]
    text = format_block(first[0], policy, urls) if first else ""
    return text if len(text) <= FALLBACK_CHARS else text[: FALLBACK_CHARS - 1].rsplit(" ", 1)[0] + "…"


def citation_links(citations: Sequence[str], urls: Urls, limit: int = 8) -> str:
    """Playbook citations as their headings, linked to their pages when there are pages."""
    shown = []
    for citation in citations[:limit]:
        label = plain(urls.playbook_label(citation))
        url = urls.playbook(citation)
        shown.append(f"<{url}|{label}>" if url else label)
    more = f" and {len(citations) - limit} more" if len(citations) > limit else ""
    return " · ".join(shown) + more


def sources_context(
    citations: Sequence[str], urls: Urls = NO_URLS, internals: Sequence[str] = ()
) -> Block | None:
    """The playbook citations of an answer, and the internals the caller shows, in one context block."""
    playbook = [c for c in citations if ".md#" in c]
    elements = [f"Playbook: {citation_links(playbook, urls)}"] if playbook else []
    elements += [plain(line) for line in internals if line]
    return context(elements) if elements else None


def title_of(markdown: str) -> tuple[str | None, str]:
    """The Markdown's own title (a leading ``# Title`` line) and the Markdown without it."""
    lines = markdown.lstrip("\n").split("\n", 1)
    match = re.fullmatch(r"#\s+(.+?)\s*#*", lines[0].strip())
    if match is None:
        return None, markdown
    return match.group(1).replace("**", ""), lines[1] if len(lines) > 1 else ""


def markdown_message(
    markdown: str,
    policy: LinkPolicy,
    citations: Sequence[str] = (),
    *,
    internals: Sequence[str] = (),
    urls: Urls = NO_URLS,
    title: str | None = None,
    actions: Sequence[Block] = (),
) -> SlackMessage:
    """An answer as a message: header, the Markdown's blocks, the ``actions`` blocks (buttons and
    menus, :mod:`.actions`) and the closing context block. The Markdown's blocks are packed to
    leave room for the others within 50."""
    own_title, body = title_of(markdown)
    heading = own_title or title
    blocks = [header(heading)] if heading and heading.strip() else []
    sources = sources_context(citations, urls, internals)
    room = MAX_BLOCKS - len(blocks) - len(actions) - bool(sources)
    blocks += pack(markdown_blocks(body, policy, urls), room)
    blocks += actions
    if sources:
        blocks.append(sources)
    text = fallback_text(body, policy, urls) or plain(heading or "") or "(no answer)"
    return SlackMessage(text=text, blocks=blocks)
