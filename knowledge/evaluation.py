"""Retrieval evaluation: recall@k and MRR of dense-only, BM25-only and hybrid search in one run.

The question set is a YAML file of questions, each with the citation ids that answer it (several
ids are alternatives: any of them answers the question). For every question and mode the
evaluator retrieves passages, reduces them to distinct citations in rank order, and records the
rank of the first labelled citation (results first, aggregates second):

* **recall@k**: the share of questions with a labelled citation among the first ``k`` citations
  (``k`` = 3 by default: what an answer can reasonably cite).
* **MRR**: the mean of ``1 / rank`` of the first labelled citation within the first
  :data:`DEPTH` citations (0 when none is there).

A labelled citation that is not in the index is an error in the question set, reported as such
rather than silently scored as a miss.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from knowledge.base import KnowledgeBase
from knowledge.passages import SearchMode
from tools.errors import DataError

#: How many distinct citations MRR looks at.
DEPTH = 10


class LabelledQuestion(BaseModel):
    """A question and the citation ids that answer it."""

    question: str = Field(min_length=1)
    answers: list[str] = Field(min_length=1, description="Citation ids; any one of them answers it.")


class QuestionSet(BaseModel):
    questions: list[LabelledQuestion] = Field(min_length=1)


class QuestionResult(BaseModel):
    """How one mode did on one question."""

    mode: SearchMode
    question: str
    answers: list[str]
    retrieved: list[str] = Field(description="Distinct citations retrieved, best first.")
    rank: int | None = Field(description="1-based rank of the first labelled citation, if retrieved.")


class ModeScore(BaseModel):
    """The aggregate for one search mode."""

    mode: SearchMode
    recall_at_k: float
    mrr: float
    questions: int
    misses: list[str] = Field(description="Questions with no labelled citation in the top k.")


class RetrievalEvaluation(BaseModel):
    """Every result and the aggregate per mode."""

    k: int
    depth: int
    questions: int
    scores: list[ModeScore]
    results: list[QuestionResult]

    def score(self, mode: SearchMode) -> ModeScore:
        return next(score for score in self.scores if score.mode is mode)


def load_questions(path: Path) -> list[LabelledQuestion]:
    """Read a question set; a missing or invalid file is a :class:`DataError`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"cannot read the question set {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DataError(f"the question set {path} is not valid YAML: {exc}") from exc
    try:
        return QuestionSet.model_validate(raw).questions
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DataError(f"the question set {path} is invalid at {where}: {first['msg']}") from exc


def evaluate(
    kb: KnowledgeBase,
    questions: list[LabelledQuestion],
    k: int = 3,
    modes: tuple[SearchMode, ...] = (SearchMode.DENSE, SearchMode.BM25, SearchMode.HYBRID),
) -> RetrievalEvaluation:
    """Run every question through every mode and score the results."""
    known = {chunk.citation for chunk in kb.retriever().bm25.chunks}
    unknown = sorted({answer for q in questions for answer in q.answers if answer not in known})
    if unknown:
        raise DataError(f"the question set cites sections that are not in the index: {', '.join(unknown)}")
    results: list[QuestionResult] = []
    for mode in modes:
        for item in questions:
            retrieved: list[str] = []
            # Split sections give several passages per citation; over-fetch so DEPTH stay distinct.
            for passage in kb.search(item.question, k=DEPTH * 2, mode=mode):
                if passage.citation not in retrieved:
                    retrieved.append(passage.citation)
            retrieved = retrieved[:DEPTH]
            rank = next((i for i, cite in enumerate(retrieved, start=1) if cite in item.answers), None)
            results.append(
                QuestionResult(
                    mode=mode, question=item.question, answers=item.answers, retrieved=retrieved, rank=rank
                )
            )
    scores = [_aggregate(mode, [r for r in results if r.mode is mode], k) for mode in modes]
    return RetrievalEvaluation(k=k, depth=DEPTH, questions=len(questions), scores=scores, results=results)


def _aggregate(mode: SearchMode, results: list[QuestionResult], k: int) -> ModeScore:
    hits = [r for r in results if r.rank is not None and r.rank <= k]
    reciprocal = [1.0 / r.rank if r.rank is not None else 0.0 for r in results]
    return ModeScore(
        mode=mode,
        recall_at_k=len(hits) / len(results),
        mrr=sum(reciprocal) / len(results),
        questions=len(results),
        misses=[r.question for r in results if r.rank is None or r.rank > k],
    )
