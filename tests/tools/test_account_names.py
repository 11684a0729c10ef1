"""Account names are resolved through the account-name index, never by reading every name in scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, text, update

from tests.tools.conftest import OLGA, RITA, SAM
from tools.resolve import AmbiguousName, UnknownName, resolve_account
from tools.store.names import name_index
from tools.store.repository import Repository
from tools.store.schema import Account

#: Accounts added to the hand-built CRM, all in RevOps' view, none Rita's.
FILLERS = 3_000


@pytest.fixture
def big(territory_repo: Repository) -> Repository:
    """The hand-built CRM and a few thousand more accounts (owned by nobody in Rita's team), under
    territory sharing, so a rep's scope holds names of their territory they do not own."""
    repo = territory_repo
    with repo.engine.begin() as connection:
        connection.execute(
            insert(Account),
            [
                {"id": 1000 + i, "name": f"Filler {word} {i:04d}", "territory_id": 2, "owner_id": 6}
                for i, word in enumerate(["Holdings", "Logistics", "Health Partners"] * (FILLERS // 3))
            ],
        )
    return repo


@contextmanager
def rows_read(engine: Engine) -> Iterator[list[int]]:
    """How many rows each statement touching ``accounts`` returned while the block ran."""
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "accounts" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    counts: list[int] = []
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", record)
        with engine.connect() as connection:
            for statement, parameters in statements:
                counts.append(len(connection.exec_driver_sql(statement, parameters).all()))


def test_the_database_has_a_name_index(big: Repository) -> None:
    with big.engine.connect() as connection:
        found = name_index(connection)
        if connection.dialect.name == "sqlite":
            assert found == "fts5"
        else:
            trgm = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
            assert found == ("pg_trgm" if trgm else "none")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Acme Corporation", "Acme Corporation"),  # exact
        ("acme corporation", "Acme Corporation"),  # case
        ("ACME  Corporation!", "Acme Corporation"),  # punctuation and spaces
        ("Acme Corporation's", "Acme Corporation"),  # possessive
        ("Acme Corporaton", "Acme Corporation"),  # a typo in one word
        ("Acme", "Acme Corporation"),  # a part of the name
        ("Umbrela Health", "Umbrella Health"),
    ],
)
def test_names_resolve_as_typed_without_reading_every_name(
    big: Repository, typed: str, expected: str
) -> None:
    with rows_read(big.engine) as counts:
        found = resolve_account(big, OLGA, typed)
    assert found.name == expected
    assert sum(counts) <= 300, counts  # of the 3,000 and more names RevOps sees


def test_ambiguity_misspelling_and_scope_are_as_before(big: Repository) -> None:
    with pytest.raises(
        AmbiguousName, match=r"^'Health' matches several accounts: Apex Health or Umbrella Health$"
    ):
        resolve_account(big, RITA, "Health")
    with pytest.raises(UnknownName, match=r"^no account named 'Acmee' — did you mean Acme Corporation\?$"):
        resolve_account(big, RITA, "Acmee")
    # outside the viewer's scope: exactly like a name that does not exist, no suggestion from it
    with pytest.raises(UnknownName) as outside:
        resolve_account(big, SAM, "Acme Corporation")
    assert "Acme" not in str(outside.value).partition("did you mean")[2]
    assert resolve_account(big, SAM, "Filler Holdings 0000").name == "Filler Holdings 0000"
    with pytest.raises(UnknownName, match=r"^no account named 'Zzyzx Qqq'$"):
        resolve_account(big, OLGA, "Zzyzx Qqq")


def test_the_index_follows_inserts_renames_and_deletes(big: Repository) -> None:
    with big.engine.begin() as connection:
        connection.execute(
            update(Account).where(Account.name == "Acme Corporation").values(name="Acme Holdings")
        )
        connection.execute(
            insert(Account).values(id=9001, name="Wayne Enterprises", territory_id=2, owner_id=6)
        )
    assert resolve_account(big, OLGA, "acme holdings").name == "Acme Holdings"
    assert resolve_account(big, OLGA, "Wayne Enterprise").name == "Wayne Enterprises"
    with pytest.raises(UnknownName, match="no account named 'Acme Corporation'"):
        resolve_account(big, OLGA, "Acme Corporation")
    with big.engine.begin() as connection:
        connection.execute(Account.__table__.delete().where(Account.id == 9001))
    with pytest.raises(UnknownName, match=r"^no account named 'Wayne Enterprises'$"):
        resolve_account(big, OLGA, "Wayne Enterprises")


def test_names_too_short_for_the_trigram_index_match_by_spelling(big: Repository) -> None:
    with big.engine.begin() as connection:
        connection.execute(insert(Account).values(id=9002, name="HP", territory_id=2, owner_id=6))
    assert resolve_account(big, OLGA, "hp").name == "HP"
    assert resolve_account(big, OLGA, "HP").name == "HP"
