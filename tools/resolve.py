"""Find accounts, people, territories and products by the names people use for them.

Matching is fuzzy (rapidfuzz ``WRatio`` on case- and punctuation-folded names) and always inside
the viewer's scope, so a name outside it resolves exactly like a name that does not exist:

* one clear best match (score >= 86 and at least 6 points ahead of the next) is the answer;
* several close matches raise :class:`AmbiguousName` listing the candidates;
* nothing close raises :class:`UnknownName`: "no account named X — did you mean …".

Accounts are many (hundreds of thousands in a large book), so an account name is matched against
candidates read through the account-name index (:mod:`tools.store.names`), never against every
name in scope: the names containing all the words typed (an exact match is among them), then, when
none is exact, the names containing any of them and the names closest to the misspelt ones.
The other kinds (people, territories, products) are few and read whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils
from sqlalchemy import Select

from tools.errors import InputError
from tools.store import names
from tools.store.repository import Repository, ViewerLike
from tools.store.schema import Account, Product, Role, Territory, User

ACCEPT = 86
LEAD = 6
SUGGEST = 60
#: Word-level similarity a close territory match needs for each word (see resolve_territory).
WORD_TYPO = 80
MAX_CANDIDATES = 5


class Candidate(BaseModel):
    kind: str
    id: int
    name: str
    score: float


class UnknownName(InputError):
    """Nothing in scope is called that."""

    def __init__(self, kind: str, query: str, suggestions: Sequence[Candidate]) -> None:
        hint = f" — did you mean {_or_list([c.name for c in suggestions])}?" if suggestions else ""
        super().__init__(f"no {kind} named {query!r}{hint}")
        # ``entity``, not ``kind``: ``kind`` is the error's kind (tools.errors.ErrorKind)
        self.entity, self.query, self.suggestions = kind, query, list(suggestions)


class AmbiguousName(InputError):
    """Several things in scope match the name about equally well."""

    def __init__(self, kind: str, query: str, candidates: Sequence[Candidate]) -> None:
        super().__init__(f"{query!r} matches several {kind}s: {_or_list([c.name for c in candidates])}")
        self.entity, self.query, self.candidates = kind, query, list(candidates)


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _normalise(name: str) -> str:
    text = name.casefold().replace("’", "'")
    text = text.removesuffix("'s").removesuffix("'")
    return str(utils.default_process(text))


def best_match(kind: str, query: str, names: dict[int, str]) -> Candidate:
    """Pick the one ``names`` entry ``query`` means, or raise Unknown/Ambiguous."""
    key = _normalise(query)
    if not key:
        raise UnknownName(kind, query, [])
    exact = [i for i, n in names.items() if _normalise(n) == key]
    if len(exact) == 1:
        return Candidate(kind=kind, id=exact[0], name=names[exact[0]], score=100.0)
    if len(exact) > 1:
        raise AmbiguousName(
            kind, query, [Candidate(kind=kind, id=i, name=names[i], score=100.0) for i in exact]
        )
    scored = process.extract(
        key, {i: _normalise(n) for i, n in names.items()}, scorer=fuzz.WRatio, limit=MAX_CANDIDATES * 2
    )
    ranked = [Candidate(kind=kind, id=int(i), name=names[int(i)], score=round(s, 1)) for _, s, i in scored]
    if not ranked or ranked[0].score < ACCEPT:
        raise UnknownName(kind, query, [c for c in ranked if c.score >= SUGGEST][:3])
    close = [c for c in ranked if c.score >= ranked[0].score - LEAD and c.score >= ACCEPT]
    if len(close) > 1:
        raise AmbiguousName(kind, query, close[:MAX_CANDIDATES])
    return ranked[0]


def _names(repo: Repository, query: Select[Any]) -> dict[int, str]:
    with repo.connect() as connection:
        return {int(i): str(n) for i, n in connection.execute(query).all()}


def resolve_account(repo: Repository, viewer: ViewerLike, name: str) -> Candidate:
    key = _normalise(name)
    if not key:
        raise UnknownName("account", name, [])
    scoped = repo.accounts(viewer, Account.id, Account.name)
    words = names.words_of(key)
    with repo.connect() as connection:
        if not words:  # too short for the trigram index: by spelling, through the name index
            typed = name.strip()
            spellings = [typed, typed.upper(), typed.lower(), typed.title(), typed[:1].upper() + typed[1:]]
            return best_match("account", name, names.beginning_with(connection, scoped, spellings))
        candidates = names.containing_all(connection, scoped, words)
        if any(_normalise(n) == key for n in candidates.values()):
            return best_match("account", name, candidates)
        candidates |= names.containing_any(connection, scoped, words, key)
        found = {w for w in words if any(w in _normalise(n) for n in candidates.values())}
        candidates |= names.sharing_trigrams(connection, scoped, [w for w in words if w not in found])
    return best_match("account", name, candidates)


def resolve_user(repo: Repository, viewer: ViewerLike, name: str, role: Role | None = None) -> Candidate:
    query = repo.users(viewer, User.id, User.name)
    if role is not None:
        query = query.where(User.role == role.value)
    kind = "rep" if role is Role.REP else "manager" if role is Role.MANAGER else "person"
    return best_match(kind, name, _names(repo, query))


def _word_for_word(query: str, name: str) -> bool:
    """Every word of ``query`` is a word of ``name``, or a typo or abbreviation of one."""
    words = _normalise(name).split()
    return all(
        any(fuzz.ratio(q, w) >= WORD_TYPO or w.startswith(q) for w in words)
        for q in _normalise(query).split()
    )


def resolve_territory(repo: Repository, viewer: ViewerLike, name: str) -> Candidate:
    """A territory by name. Territory names share words ("West Enterprise", "East Enterprise"), so a
    close match must also match word for word: one region is never read as another."""
    names = _names(repo, repo.territories(viewer, Territory.id, Territory.name))
    found = best_match("territory", name, names)
    if found.score < 100 and not _word_for_word(name, found.name):
        raise UnknownName("territory", name, [])
    return found


def resolve_product(repo: Repository, name: str) -> Candidate:
    return best_match("product", name, _names(repo, repo.products(Product.id, Product.name)))


#: US states (and D.C.) by postal code: exports store either form, people write either.
US_STATES: dict[str, str] = dict(
    (pair[:2], pair[3:])
    for pair in [
        "AL Alabama",
        "AK Alaska",
        "AZ Arizona",
        "AR Arkansas",
        "CA California",
        "CO Colorado",
        "CT Connecticut",
        "DE Delaware",
        "DC District of Columbia",
        "FL Florida",
        "GA Georgia",
        "HI Hawaii",
        "ID Idaho",
        "IL Illinois",
        "IN Indiana",
        "IA Iowa",
        "KS Kansas",
        "KY Kentucky",
        "LA Louisiana",
        "ME Maine",
        "MD Maryland",
        "MA Massachusetts",
        "MI Michigan",
        "MN Minnesota",
        "MS Mississippi",
        "MO Missouri",
        "MT Montana",
        "NE Nebraska",
        "NV Nevada",
        "NH New Hampshire",
        "NJ New Jersey",
        "NM New Mexico",
        "NY New York",
        "NC North Carolina",
        "ND North Dakota",
        "OH Ohio",
        "OK Oklahoma",
        "OR Oregon",
        "PA Pennsylvania",
        "RI Rhode Island",
        "SC South Carolina",
        "SD South Dakota",
        "TN Tennessee",
        "TX Texas",
        "UT Utah",
        "VT Vermont",
        "VA Virginia",
        "WA Washington",
        "WV West Virginia",
        "WI Wisconsin",
        "WY Wyoming",
    ]
)


def resolve_state(written: str, stored: Sequence[str]) -> str:
    """The state value, as the data stores it (a postal code or a name), that ``written`` names:
    "Texas", "tx" and "TX" all find "TX" in one export and "Texas" in another; anything else is
    matched forgivingly against the stored values."""
    key = written.strip().casefold().removesuffix(" state").replace(".", "")
    code = next((c for c, n in US_STATES.items() if key in (c.casefold(), n.casefold())), None)
    if key in ("dc", "washington dc", "washington d c"):
        code = "DC"
    if code is not None:
        forms = {code.casefold(), US_STATES[code].casefold()}
        found = [s for s in stored if s.casefold() in forms]
        if found:
            return found[0]
    if not stored:
        raise InputError(f"no state is recorded for the accounts in scope, so none can be found in {written}")
    return best_match("state", written, dict(enumerate(sorted(set(stored))))).name
