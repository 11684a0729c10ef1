"""Block Kit's limits, as Slack documents them, checked on any message or view the app builds.

:func:`violations` lists every limit a payload breaks (empty when it fits); :func:`assert_fits`
fails a test with that list. :class:`~tests.fakes.FakeSlack` runs the check on every message it
receives (``chat.*``, ``views.*``, ``files.completeUploadExternal``, ``response_url`` posts) and
answers a breaking one as Slack does, ``invalid_blocks``, so every test that posts checks limits.

Limits (docs.slack.dev, Block Kit reference): 50 blocks in a message, 100 in a Home tab or modal;
a section's text at most 3,000 characters and at most 10 fields of at most 2,000; a header's
plain text at most 150; at most 10 context elements; at most 25 elements in an actions block; a
button's text at most 75 and value at most 2,000; an ``action_id`` and a ``block_id`` at most 255
and unique (a ``block_id`` in the message, an ``action_id`` in its block); a confirm dialog's title
100, text 300, buttons 30; an overflow menu 2 to 5 options, a select at most 100; an option's
text 75 and value 150; an image's URL 3,000 and alt text 2,000; a markdown block 12,000; any
text object at least one character; a message's fallback text at most 40,000.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

Surface = Literal["message", "home", "modal"]

MAX_BLOCKS: dict[str, int] = {"message": 50, "home": 100, "modal": 100}
SECTION_TEXT = 3_000
FIELDS = 10
FIELD_TEXT = 2_000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
URL = 3_000
ID = 255
MARKDOWN_BLOCK = 12_000
MESSAGE_TEXT = 40_000
CONFIRM = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
OPTION_TEXT = 75
OPTION_VALUE = 150
BLOCK_TYPES = {
    "section", "header", "context", "actions", "divider", "image", "rich_text", "input", "file",
    "markdown", "video", "table",
}  # fmt: skip


def _text(obj: Any, where: str, limit: int, kinds: Iterable[str] = ("plain_text", "mrkdwn")) -> list[str]:
    if not isinstance(obj, Mapping):
        return [f"{where}: not a text object"]
    found = []
    if obj.get("type") not in kinds:
        found.append(f"{where}: type {obj.get('type')!r}, expected one of {sorted(kinds)}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        found.append(f"{where}: empty text")
    elif len(text) > limit:
        found.append(f"{where}: {len(text)} characters, limit {limit}")
    return found


def _length(value: Any, where: str, limit: int) -> list[str]:
    if value is not None and len(str(value)) > limit:
        return [f"{where}: {len(str(value))} characters, limit {limit}"]
    return []


def _confirm(dialog: Any, where: str) -> list[str]:
    if dialog is None:
        return []
    found = []
    for key, limit in CONFIRM.items():
        kinds = ("plain_text", "mrkdwn") if key == "text" else ("plain_text",)
        found += _text(dialog.get(key), f"{where}.confirm.{key}", limit, kinds)
    return found


def _options(options: Any, where: str) -> list[str]:
    found = []
    for i, option in enumerate(options or []):
        found += _text(option.get("text"), f"{where}.options[{i}].text", OPTION_TEXT)
        found += _length(option.get("value"), f"{where}.options[{i}].value", OPTION_VALUE)
    return found


def element(item: Mapping[str, Any], where: str) -> list[str]:
    """The limits an interactive element (or image element) breaks."""
    kind = item.get("type")
    found = _length(item.get("action_id"), f"{where}.action_id", ID)
    found += _confirm(item.get("confirm"), where)
    if kind == "button":
        found += _text(item.get("text"), f"{where}.text", BUTTON_TEXT, ("plain_text",))
        found += _length(item.get("value"), f"{where}.value", BUTTON_VALUE)
        found += _length(item.get("url"), f"{where}.url", URL)
        if item.get("style") not in (None, "primary", "danger"):
            found.append(f"{where}.style: {item.get('style')!r}")
    elif kind == "overflow":
        count = len(item.get("options") or [])
        if not 2 <= count <= 5:
            found.append(f"{where}: {count} overflow options, 2 to 5 allowed")
        found += _options(item.get("options"), where)
    elif kind in ("static_select", "multi_static_select"):
        count = len(item.get("options") or []) + sum(
            len(g.get("options", [])) for g in item.get("option_groups") or []
        )
        if count > 100:
            found.append(f"{where}: {count} options, limit 100")
        found += _options(item.get("options"), where)
    elif kind == "image":
        found += _length(item.get("image_url"), f"{where}.image_url", URL)
        found += _length(item.get("alt_text"), f"{where}.alt_text", FIELD_TEXT)
    return found


def block(item: Mapping[str, Any], where: str) -> list[str]:
    """The limits one block breaks."""
    kind = item.get("type")
    if kind not in BLOCK_TYPES:
        return [f"{where}: unknown block type {kind!r}"]
    found = _length(item.get("block_id"), f"{where}.block_id", ID)
    if kind == "section":
        if "text" not in item and "fields" not in item:
            found.append(f"{where}: a section needs text or fields")
        if "text" in item:
            found += _text(item["text"], f"{where}.text", SECTION_TEXT)
        fields = item.get("fields")
        if fields is not None:
            if not 1 <= len(fields) <= FIELDS:
                found.append(f"{where}: {len(fields)} fields, 1 to {FIELDS} allowed")
            for i, field in enumerate(fields):
                found += _text(field, f"{where}.fields[{i}]", FIELD_TEXT)
        if item.get("accessory") is not None:
            found += element(item["accessory"], f"{where}.accessory")
    elif kind == "header":
        found += _text(item.get("text"), f"{where}.text", HEADER_TEXT, ("plain_text",))
    elif kind == "context":
        elements = item.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ELEMENTS:
            found.append(f"{where}: {len(elements)} context elements, 1 to {CONTEXT_ELEMENTS} allowed")
        for i, part in enumerate(elements):
            path = f"{where}.elements[{i}]"
            found += element(part, path) if part.get("type") == "image" else _text(part, path, SECTION_TEXT)
    elif kind == "actions":
        elements = item.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
            found.append(f"{where}: {len(elements)} elements, 1 to {ACTIONS_ELEMENTS} allowed")
        ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(ids) != len(set(ids)):
            found.append(f"{where}: repeated action_id in the block {ids}")
        for i, part in enumerate(elements):
            found += element(part, f"{where}.elements[{i}]")
    elif kind == "image":
        found += element(item, where)
    elif kind == "markdown":
        found += _length(item.get("text"), f"{where}.text", MARKDOWN_BLOCK)
    return found


def violations(blocks: Any, *, surface: Surface = "message", text: str | None = None) -> list[str]:
    """Every Block Kit limit ``blocks`` (a list, or its JSON) breaks on ``surface``; empty if none."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, Sequence):
        return ["blocks: not a list"]
    found = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        found.append(f"{len(blocks)} blocks, limit {limit} in a {surface}")
    ids = [b.get("block_id") for b in blocks if isinstance(b, Mapping) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        found.append(f"repeated block_id {sorted({i for i in ids if ids.count(i) > 1})}")
    for i, item in enumerate(blocks):
        found += block(item, f"blocks[{i}]") if isinstance(item, Mapping) else [f"blocks[{i}]: not a block"]
    if text is not None:
        found += _length(text, "text", MESSAGE_TEXT)
    return found


def view_violations(view: Any) -> list[str]:
    """The limits a Home tab or modal view (a dict, or its JSON) breaks."""
    if isinstance(view, str):
        view = json.loads(view)
    surface: Surface = "home" if view.get("type") == "home" else "modal"
    found = violations(view.get("blocks") or [], surface=surface)
    if surface == "modal":
        found += _text(view.get("title"), "view.title", 24, ("plain_text",))
    return found


def assert_fits(blocks: Any, *, surface: Surface = "message", text: str | None = None) -> None:
    """Fail with the list of broken limits, if any."""
    found = violations(blocks, surface=surface, text=text)
    assert not found, "Block Kit limits broken:\n" + "\n".join(found)
