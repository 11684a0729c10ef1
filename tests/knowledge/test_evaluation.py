"""The retrieval evaluation: the labelled questions and the recall gate hybrid search must pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.retrieval import QUESTIONS_FILE
from knowledge.base import KnowledgeBase
from knowledge.evaluation import evaluate, load_questions
from knowledge.passages import SearchMode
from tools.errors import DataError


def test_hybrid_recall_at_3_is_at_least_0_9(playbook_kb: KnowledgeBase) -> None:
    result = evaluate(playbook_kb, load_questions(QUESTIONS_FILE))
    hybrid, dense, bm25 = (result.score(m) for m in (SearchMode.HYBRID, SearchMode.DENSE, SearchMode.BM25))
    assert result.k == 3 and result.questions >= 50
    assert len(result.results) == 3 * result.questions
    assert hybrid.recall_at_k >= 0.9, f"hybrid recall@3 {hybrid.recall_at_k:.3f}; missed: {hybrid.misses}"
    assert hybrid.recall_at_k >= max(dense.recall_at_k, bm25.recall_at_k)
    assert 0 < hybrid.mrr <= 1 and hybrid.mrr >= bm25.mrr


def test_questions_are_not_copied_from_headings() -> None:
    questions = load_questions(QUESTIONS_FILE)
    assert len(questions) >= 50
    assert len({q.question for q in questions}) == len(questions)
    for item in questions:
        for citation in item.answers:
            slug = citation.split("#", 1)[1]
            assert slug.replace("-", " ") not in item.question.lower() or len(slug.split("-")) <= 2, (
                item.question
            )


def test_scores_are_computed_from_ranks(tmp_path: Path, playbook_kb: KnowledgeBase) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "questions:\n"
        "  - question: who approves a discount above 25 percent\n"
        "    answers: [deal-closure-and-multithreading.md#negotiation-and-concessions]\n"
        "  - question: zzzz qqqq\n"
        "    answers: [kpis.md#win-rate]\n"
    )
    result = evaluate(playbook_kb, load_questions(path), modes=(SearchMode.BM25,))
    (score,) = result.scores
    assert [r.rank for r in result.results] == [1, None]
    assert (score.recall_at_k, score.mrr, score.misses) == (0.5, 0.5, ["zzzz qqqq"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("questions: [", "not valid YAML"),
        ("questions: []", "invalid at questions"),
        ("questions:\n  - question: hi\n    answers: []\n", "invalid at questions.0.answers"),
    ],
)
def test_bad_question_sets_are_data_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        load_questions(path)
    with pytest.raises(DataError, match="cannot read"):
        load_questions(tmp_path / "missing.yaml")


def test_unknown_citations_in_the_question_set_are_reported(
    tmp_path: Path, playbook_kb: KnowledgeBase
) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("questions:\n  - question: anything\n    answers: [kpis.md#no-such-section]\n")
    with pytest.raises(DataError, match=r"not in the index: kpis.md#no-such-section"):
        evaluate(playbook_kb, load_questions(path))
