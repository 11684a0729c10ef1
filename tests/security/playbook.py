"""A playbook searcher double: fixed passages instead of the Chroma index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passage:
    citation: str
    title: str
    heading_path: str
    text: str
    score: float


@dataclass
class Playbook:
    """A playbook searcher returning fixed passages (and recording the queries)."""

    passages: Sequence[Passage] = (
        Passage(
            "deal-closure-and-multithreading.md#our-multi-threading-standard",
            "Deal Closure and Multi-Threading",
            "Deal Closure and Multi-Threading > Our multi-threading standard",
            "Every large deal has at least three engaged contacts, including the economic buyer.",
            0.9,
        ),
    )
    queries: list[str] = field(default_factory=list)

    def search(self, query: str, k: int = 5, tags: Sequence[str] | None = None) -> list[Passage]:
        self.queries.append(query)
        return list(self.passages)[:k]
