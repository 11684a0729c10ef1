"""Reference SQL facts: evaluated read-only with named parameters; a bad query names its case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from evals.facts import resolve, sql_parameters
from evals.schema import Case, CaseError
from tests.tools import crm
from tools.store.repository import Repository
from tools.store.schema import User


def _case(*facts: dict[str, object]) -> Case:
    return Case.model_validate(
        {
            "id": "c",
            "tags": ["t"],
            "user": "u",
            "source": "x.yaml",
            "turns": [{"ask": "q", "expect": {"facts": facts}}],
        }
    )


def test_parameters_follow_the_fiscal_calendar() -> None:
    values = sql_parameters(crm.AS_OF, 1, 4)
    assert values["user_id"] == 4 and values["as_of"] == "2026-11-20"
    assert (values["this_quarter"], values["this_quarter_start"], values["this_quarter_end"]) == (
        "2026-Q4",
        "2026-10-01",
        "2027-01-01",
    )
    assert values["next_quarter"] == "2027-Q1" and values["last_year_start"] == "2025-01-01"
    assert sql_parameters(dt.date(2026, 11, 20), 2, 4)["this_quarter"] == "2027-Q4"


def test_sql_facts_resolve_every_row(repo: Repository) -> None:
    case = _case(
        {
            "sql": "SELECT SUM(amount) FROM opportunities WHERE owner_id = :user_id AND NOT is_closed",
            "unit": "money",
        },
        {"sql": "SELECT name FROM users WHERE manager_id = 2 ORDER BY id"},
        {"sql": "SELECT SUM(amount) FROM opportunities WHERE owner_id = 99"},
        {"text": "Acme"},
        {"number": 3, "unit": "count"},
    )
    found = resolve(repo.engine, case, case.turns[0].expect.facts, sql_parameters(crm.AS_OF, 1, 4))
    assert [f.value for f in found if f.value is not None] == [Decimal(150000), Decimal(0), Decimal(3)]
    assert [f.text for f in found if f.text is not None] == ["Rita Ruiz", "Ravi Rao", "Acme"]
    assert found[0].describe().startswith("$150,000 (sql: SELECT SUM(amount)")


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT nope FROM users", "no such column: nope"),
        ("SELECT id FROM users WHERE id = :someone", "unknown parameter :someone"),
        ("SELECT id FROM users WHERE id > 100", "the query returns no rows"),
        ("SELECT a.id FROM opportunities a, opportunities b", "more than 20 rows"),
        ("WITH gone AS (SELECT 1) DELETE FROM users", "attempt to write a readonly database"),
    ],
)
def test_a_failing_query_names_the_case(repo: Repository, sql: str, reason: str) -> None:
    case = _case({"sql": sql})
    with pytest.raises(CaseError, match=reason) as raised:
        resolve(repo.engine, case, case.turns[0].expect.facts, sql_parameters(crm.AS_OF, 1, 4))
    assert str(raised.value).startswith("x.yaml: case 'c': sql fact ")
    with repo.engine.connect() as connection:  # nothing was written, and writes work again afterwards
        assert connection.execute(select(func.count()).select_from(User)).scalar() == len(crm.USERS)
