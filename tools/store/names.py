"""Candidate account names for a name someone typed, read through a trigram index.

Resolving a name (:func:`tools.resolve.resolve_account`) needs the few accounts that could be
meant, not every account in scope. This module reads them, inside the viewer's scope (the scoped
select is the caller's), through the trigram index of migration 0006:

* SQLite: the FTS5 table ``accounts_name_fts`` (trigram tokenizer, case-insensitive), where a
  quoted word of three or more characters matches as a substring of a name;
* PostgreSQL: ``lower(name) LIKE '%word%'``, which the GIN trigram index ``ix_accounts_name_trgm``
  serves, and ``similarity()`` of ``pg_trgm`` for misspelt words;
* either without its index: the same ``LIKE`` queries, unindexed (correct, and slower on large
  books).

Three kinds of candidates, each a bounded query (best first, at most a couple of hundred names):

* :func:`containing_all`: names containing every word of the name typed, shortest first — where
  an exact match (up to case and punctuation) is, and names the typed one is part of;
* :func:`containing_any`: names containing any of its words, those matching most (and the rarest)
  words first;
* :func:`sharing_trigrams`: names sharing most three-letter pieces with the words that matched
  nothing (the misspelt ones).

Words shorter than three characters are not looked up (a trigram index cannot); a name made only
of such words is matched by its exact spelling and by its prefix through ``ix_accounts_name``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    and_,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
)

from tools.store.schema import Account

#: The search structures migration 0006 creates (not ORM models: schema comparisons skip them).
FTS_TABLE = "accounts_name_fts"
TRGM_INDEX = "ix_accounts_name_trgm"
SEARCH_OBJECTS = frozenset(
    {
        FTS_TABLE,
        TRGM_INDEX,
        *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config", "content")),
    }
)
#: Names read at most by a query for the words typed, best first (a very common word in a very
#: large book matches thousands).
MAX_CONTAINING = 200
#: Names read for misspelt words, best first.
MAX_SIMILAR = 100
MIN_WORD = 3


def modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook: schema comparisons leave the search structures alone."""
    return name not in SEARCH_OBJECTS


Index = Literal["fts5", "pg_trgm", "none"]
_found: weakref.WeakKeyDictionary[Engine, Index] = weakref.WeakKeyDictionary()


def name_index(connection: Connection) -> Index:
    """Which trigram index the database has (looked up once per engine)."""
    engine = connection.engine
    known = _found.get(engine)
    if known is not None:
        return known
    found: Index = "none"
    if connection.dialect.name == "sqlite":
        exists = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": FTS_TABLE}
        ).first()
        found = "fts5" if exists else "none"
    elif connection.dialect.name == "postgresql":
        exists = connection.execute(
            text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": TRGM_INDEX}
        ).first()
        found = "pg_trgm" if exists else "none"
    _found[engine] = found
    return found


def words_of(key: str) -> list[str]:
    """The words of a normalised name that a trigram index can look up (three characters or more)."""
    return list(dict.fromkeys(w for w in key.split() if len(w) >= MIN_WORD))


_FTS = table(FTS_TABLE, column("rowid"), column("rank"), column(FTS_TABLE))


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _fts_match(words: Sequence[str], joiner: str) -> ColumnElement[bool]:
    return _FTS.c[FTS_TABLE].op("MATCH")(f" {joiner} ".join(_phrase(w) for w in words))


def _containing(index: Index, words: Sequence[str], every: bool) -> ColumnElement[bool]:
    if index == "fts5":
        return Account.id.in_(select(_FTS.c.rowid).where(_fts_match(words, "AND" if every else "OR")))
    lowered = func.lower(Account.name)
    clauses = [lowered.contains(w, autoescape=True) for w in words]
    return and_(*clauses) if every else or_(*clauses)


def _rows(connection: Connection, query: Select[Any], limit: int) -> dict[int, str]:
    return {int(i): str(n) for i, n in connection.execute(query.limit(limit)).all()}


def containing_all(connection: Connection, scoped: Select[Any], words: Sequence[str]) -> dict[int, str]:
    """Names (in ``scoped``) containing every one of ``words``, case-insensitively; the shortest
    :data:`MAX_CONTAINING` (an exact match is as short as they come)."""
    if not words:
        return {}
    query = scoped.where(_containing(name_index(connection), words, every=True))
    return _rows(connection, query.order_by(func.length(Account.name), Account.id), MAX_CONTAINING)


def containing_any(
    connection: Connection, scoped: Select[Any], words: Sequence[str], typed: str
) -> dict[int, str]:
    """Names (in ``scoped``) containing at least one of ``words``, case-insensitively; the
    :data:`MAX_CONTAINING` that match ``typed`` best (most and rarest words, then shortest)."""
    if not words:
        return {}
    index = name_index(connection)
    if index == "fts5":
        match = _fts_match(words, "OR")
        query = scoped.join(_FTS, _FTS.c.rowid == Account.id).where(match).order_by(_FTS.c.rank, Account.id)
    else:
        query = scoped.where(_containing(index, words, every=False))
        if index == "pg_trgm":
            query = query.order_by(func.similarity(func.lower(Account.name), typed).desc(), Account.id)
        else:
            query = query.order_by(func.length(Account.name), Account.id)
    return _rows(connection, query, MAX_CONTAINING)


def sharing_trigrams(connection: Connection, scoped: Select[Any], words: Sequence[str]) -> dict[int, str]:
    """Names (in ``scoped``) sharing the most three-letter pieces with ``words`` (misspelt ones),
    at most :data:`MAX_SIMILAR`, best first; empty without a trigram index."""
    if not words:
        return {}
    index = name_index(connection)
    if index == "fts5":
        grams = sorted({w[i : i + 3] for w in words for i in range(len(w) - 2)})
        query = (
            scoped.join(_FTS, _FTS.c.rowid == Account.id).where(_fts_match(grams, "OR")).order_by(_FTS.c.rank)
        )
        return _rows(connection, query, MAX_SIMILAR)
    if index == "pg_trgm":
        typed = " ".join(words)
        lowered = func.lower(Account.name)
        close = or_(*(literal(w).op("<%")(lowered) for w in words))
        query = scoped.where(close).order_by(func.word_similarity(typed, lowered).desc(), Account.id)
        return _rows(connection, query, MAX_SIMILAR)
    return {}


def beginning_with(connection: Connection, scoped: Select[Any], spellings: Sequence[str]) -> dict[int, str]:
    """Names (in ``scoped``) spelt as one of ``spellings`` or beginning with one, through the
    name index ``ix_accounts_name`` (for names whose words are too short for the trigram index)."""
    ranges = [(Account.name >= s) & (Account.name < s + "\U0010ffff") for s in dict.fromkeys(spellings) if s]
    if not ranges:
        return {}
    return _rows(connection, scoped.where(or_(*ranges)).order_by(Account.name, Account.id), MAX_CONTAINING)
