"""Markdown helpers for the playbook: GitHub-style heading anchors, plain text and sentences."""

from __future__ import annotations

import re

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)
_TABLE_RULE = re.compile(r"^\|?[\s:|-]*-[\s:|-]*\|?$")
_LINE_MARK = re.compile(r"^(?:>\s?)*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)?")
_INLINE_MARK = re.compile(r"\*\*|__|`|(?<![\w*])\*(?!\s)|(?<=\S)\*(?![\w*])")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+(?=\S)")


class Slugger:
    """GitHub-style heading anchors for one document, numbering repeats ``-1``, ``-2`` …."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, heading: str) -> str:
        base = heading_slug(heading)
        slug = base
        while slug in self._seen:
            self._seen[base] += 1
            slug = f"{base}-{self._seen[base]}"
        self._seen[slug] = 0
        return slug


def heading_slug(heading: str) -> str:
    """The anchor GitHub renders for a heading (before de-duplication): lower case, punctuation
    dropped, each space a hyphen."""
    return _SLUG_DROP.sub("", plain_heading(heading).lower()).replace(" ", "-")


def plain_heading(heading: str) -> str:
    """A heading's text without inline Markdown: links become their text, emphasis and code marks go."""
    text = _LINK.sub(r"\1", heading)
    return re.sub(r"[*`]|(?<!\w)_|_(?!\w)", "", text).strip()


def plain_text(markdown: str) -> str:
    """Markdown reduced to its words, one line per paragraph, list item or table row.

    Emphasis, table rules, link targets and list marks go: the embedding model reads a fixed
    number of tokens, and markup would crowd out words.
    """
    lines: list[str] = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if _TABLE_RULE.match(line):
            continue
        line = _LINK.sub(r"\1", line)
        line = _LINE_MARK.sub("", line)
        line = line.strip("|").replace("|", ";")
        line = _INLINE_MARK.sub("", line)
        line = " ".join(line.split())
        if line:
            lines.append(line)
    return "\n".join(lines)


def sentences(markdown: str) -> list[str]:
    """The sentences of ``markdown``'s plain text; a list item or table row counts as one or more."""
    found: list[str] = []
    for line in plain_text(markdown).splitlines():
        found.extend(part for part in _SENTENCE_END.split(line) if part)
    return found
