"""Playbook files: finding them and reading one into its front matter and Markdown body.

A playbook file is UTF-8 Markdown that starts with YAML front matter holding a ``title`` (and
optionally ``tags``, a list or a comma-separated string), followed by a body with at least one
heading. Anything else is malformed: :func:`read_document` raises :class:`MalformedDocument` with a
short reason, and ingestion skips the file with a warning instead of failing the whole run.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

#: The playbook shipped with the package (``knowledge/playbook/*.md``).
PLAYBOOK_DIR = Path(__file__).resolve().parent / "playbook"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)


class MalformedDocument(ValueError):
    """A playbook file that cannot be ingested; ``str()`` is the reason, without the path."""


class PlaybookDocument(BaseModel):
    """One playbook file: where it lives, its front matter and its Markdown body."""

    path: str = Field(description="Path relative to the playbook root, with forward slashes.")
    title: str
    tags: list[str] = Field(default_factory=list, description="Lower-case tags from the front matter.")
    body: str = Field(description="The Markdown after the front matter.")


def find_documents(root: Path) -> list[Path]:
    """Every ``*.md`` file under ``root`` (recursively; hidden directories skipped), sorted.

    ``root`` may also be a single Markdown file.
    """
    if root.is_file():
        return [root]
    return sorted(
        path
        for path in root.rglob("*.md")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def read_document(path: Path, root: Path) -> PlaybookDocument:
    """Read and validate one playbook file; ``root`` is the directory citation paths start from."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MalformedDocument(f"cannot be read ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedDocument("is not UTF-8 text") from None
    if not text.strip():
        raise MalformedDocument("is empty")
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise MalformedDocument("has no front matter (a '---' block with a title)")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        raise MalformedDocument("has front matter that is not valid YAML") from None
    if not isinstance(meta, dict):
        raise MalformedDocument("has front matter that is not a mapping")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise MalformedDocument("has no title in its front matter")
    body = text[match.end() :]
    if not _HEADING.search(body):
        raise MalformedDocument("has no Markdown headings")
    relative = path.relative_to(root).as_posix()
    return PlaybookDocument(path=relative, title=title.strip(), tags=_tags(meta.get("tags")), body=body)


def _tags(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list):
        items = list(value)
    else:
        raise MalformedDocument("has tags that are neither a list nor a comma-separated string")
    tags: list[str] = []
    for item in items:
        tag = str(item).strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags
