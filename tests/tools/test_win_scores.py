"""The win score on the hand-built CRM: too few closed deals to learn from."""

from __future__ import annotations

from tests.tools.conftest import OLGA
from tools.deals.win_scores import WinScoreQuery, win_scores
from tools.store.repository import Repository


def test_too_few_closed_deals_fall_back_to_the_stage_probability_and_say_so(repo: Repository) -> None:
    result = win_scores(repo, OLGA, WinScoreQuery())
    assert result.used == "stage_probability"
    assert "closed deals to learn from (need 200)" in result.reason
    assert result.deals and all(d.probability == d.stage_probability for d in result.deals)
    assert all(d.factors == [] for d in result.deals)
