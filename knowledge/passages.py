"""What a playbook search returns: passages with their citation, and the search modes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Retriever(StrEnum):
    """One of the two retrievers a hybrid search fuses."""

    DENSE = "dense"
    BM25 = "bm25"


class SearchMode(StrEnum):
    """Which retrievers a search uses: both, fused (the default), or one alone (for evaluation)."""

    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"

    @property
    def retrievers(self) -> tuple[Retriever, ...]:
        if self is SearchMode.HYBRID:
            return (Retriever.DENSE, Retriever.BM25)
        return (Retriever(self.value),)


class Passage(BaseModel):
    """One retrieved section of the playbook, citable as ``citation``.

    A long section is indexed as several chunks; the passage is always the whole section, and
    ``chunks`` lists the ids of the chunks that matched, best first.
    """

    citation: str = Field(description="Stable citation id `path#heading-slug`, a link to the section.")
    title: str = Field(description="Title of the playbook page.")
    heading_path: str = Field(description="`Title > Section > Subsection`.")
    text: str = Field(description="The section's Markdown text (all of it, also when it was split).")
    tags: list[str] = Field(default_factory=list, description="Tags of the playbook page.")
    score: float = Field(
        description="Ranking score: the reciprocal-rank-fusion score in hybrid mode, the cosine "
        "similarity in dense mode, the BM25 score in BM25 mode."
    )
    retrievers: list[Retriever] = Field(description="The retrievers that returned this passage.")
    dense_rank: int | None = Field(default=None, description="1-based rank from the dense retriever.")
    bm25_rank: int | None = Field(default=None, description="1-based rank from the BM25 retriever.")
    chunks: list[str] = Field(description="Ids of the matching chunks (`citation` or `citation~N`).")
