"""Search the team's sales playbook; every passage carries its citation id ``path#heading-slug``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from tools.errors import DataError


class PassageLike(Protocol):
    @property
    def citation(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def heading_path(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...


class PlaybookSearcher(Protocol):
    """What the playbook tool needs of the knowledge base (``knowledge.base.KnowledgeBase``)."""

    def search(self, query: str, k: int = 5, tags: Sequence[str] | None = None) -> Sequence[PassageLike]: ...


class PlaybookQuery(BaseModel):
    query: str = Field(min_length=2, description="What to look up, in the user's words.")
    k: int = Field(default=4, ge=1, le=10, description="How many passages to return.")
    tags: list[str] | None = Field(default=None, description="Only pages with one of these tags.")


class PlaybookPassage(BaseModel):
    citation: str
    title: str
    heading: str
    text: str
    score: float


class PlaybookResults(BaseModel):
    query: str
    passages: list[PlaybookPassage]
    available: bool = True
    note: str | None = None


def search_playbook(searcher: PlaybookSearcher | None, params: PlaybookQuery) -> PlaybookResults:
    """Search the sales playbook for advice; returns passages with citation ids to cite.

    Args:
        query: What to look up, in the user's words.
        k: How many passages to return.
        tags: Only pages with one of these tags.
    """
    if searcher is None:
        return PlaybookResults(
            query=params.query, passages=[], available=False, note="the playbook is not available here"
        )
    try:
        hits = searcher.search(params.query, params.k, params.tags)
    except DataError as exc:  # told to whoever asked: without server paths or addresses
        note = f"the playbook is unavailable: {exc.public}"
        return PlaybookResults(query=params.query, passages=[], available=False, note=note)
    return PlaybookResults(
        query=params.query,
        passages=[
            PlaybookPassage(
                citation=h.citation,
                title=h.title,
                heading=h.heading_path,
                text=h.text,
                score=round(h.score, 4),
            )
            for h in hits
        ],
    )
