"""Record references as people read them: the name, the source CRM's id, and a link into that CRM.

Answers and plans are written with internal references after the names, ``Acme - Core
[opportunity/42]`` (the offline templates through :func:`assistant.formatting.record`, a model as
``prompts/answer_format.md`` asks), so every figure can be traced. Before an answer or a plan
leaves the service, :func:`render_references` rewrites each reference for people:

* ``Acme - Core (#006Q000001AbCdE)``: the name, then the record's id in the source CRM
  (``external_id``) after ``#``; the id is left out when the name holds it already (the Maven
  export keys accounts and people by name) or the record has none;
* with ``SALESPLAN_CRM_RECORD_URL`` set, ``[Acme - Core (#006Q000001AbCdE)](https://…/006Q000001AbCdE)``:
  the same text as a Markdown link to the record (the CLI shows it as a terminal hyperlink, Slack
  as ``<url|text>``);
* when the text before a reference is not the record's name (a model wrote "the Acme deal
  [opportunity/42]"), the name is left as written and the source id follows in parentheses,
  linked when there is a link: ``the Acme deal ([#006Q…](https://…))``; a reference standing
  alone (``records: [opportunity/42], [opportunity/43]``) becomes the record's name and id;
* a reference the viewer cannot see, or of a kind with no source id (account products, quotas),
  is removed: an answer never shows a bare internal id.

The citations of an answer (``ask --json``, the audit log) keep the internal ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tools.evidence import RECORD_KINDS, RecordSource

MARKER = re.compile(rf"(?P<space>[ \t]?)\[(?P<ref>(?:{RECORD_KINDS})/[\w:.-]+)\]")
#: Text ending like this before a reference is not a name: the reference stands alone.
STANDALONE = re.compile(r"(?:^|[\n:,;(\[|*+•-])\s*$")


def references_in(text: str) -> list[str]:
    """The internal record references in ``text``, in order, once each."""
    return list(dict.fromkeys(match["ref"] for match in MARKER.finditer(text)))


def _link(label: str, url: str | None) -> str:
    if not url:
        return label
    escaped = label.replace("[", "\\[").replace("]", "\\]")
    return f"[{escaped}]({url})"


def _names(name: str | None) -> list[str]:
    """The record's name as it may stand in the text (in a table cell ``|`` is escaped)."""
    if not name:
        return []
    return list(dict.fromkeys([name, name.replace("|", "\\|")]))


def _rewrite(before: str, space: str, source: RecordSource | None) -> tuple[str, str]:
    """The text before a reference and what replaces the reference (and the space before it)."""
    if source is None:
        return before, ""
    for name in _names(source.name):
        if before.endswith(name):
            label = source.label if name == source.name else source.label.replace("|", "\\|")
            return before[: -len(name)] + _link(label, source.url), ""
    if STANDALONE.search(before):
        return before, space + _link(source.label, source.url)
    name = source.name or ""
    if source.external_id and source.external_id not in name:
        return before, f" ({_link('#' + source.external_id, source.url)})"
    return before, f" ({_link(name or 'record', source.url)})" if source.url else ""


def render_references(text: str, sources: Mapping[str, RecordSource]) -> str:
    """``text`` with every ``[kind/id]`` reference rewritten for people (see the module docstring)."""
    if "[" not in text:
        return text
    out: list[str] = []
    position = 0
    for match in MARKER.finditer(text):
        before, shown = _rewrite(text[position : match.start()], match["space"], sources.get(match["ref"]))
        out += [before, shown]
        position = match.end()
    out.append(text[position:])
    return "".join(out)
