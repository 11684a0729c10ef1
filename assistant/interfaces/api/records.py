"""Record ids in requests, read in one place: ``account/528`` or ``528``, ``opportunity/42`` or ``42``.

A route that takes a record id accepts it the way answers and tool results show it
(``<kind>/<number>``) or as the bare number. An id of another kind (``opportunity/5`` where an
account is expected), or one that is not an id at all, is refused as a validation error (422)
that says what the route takes. :data:`AccountId` and :data:`DealId` are the annotated types of
such a parameter (:data:`AccountIdField` of a JSON body field): each validates to the record's
number, and the OpenAPI document shows the accepted forms (a string matching
``^(kind/)?<number>$``; in a JSON body a plain integer as well). A path parameter holding an id is
declared ``{name:path}``, so the slash of ``account/528`` is part of it.

:func:`account_name` and :func:`deal_exists` look the number up in the caller's scope: a record
outside it is answered exactly like one that does not exist (404).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import HTTPException
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from tools.evidence import RECORD_KINDS
from tools.store.repository import Repository
from tools.store.schema import Account, Opportunity
from tools.viewer import Viewer

#: The largest id the integer columns hold.
MAX_ID = 2**31 - 1
RECORD = re.compile(r"(?:(?P<kind>[a-z_]+)/)?(?P<number>[1-9][0-9]{0,9})")
KNOWN_KINDS = frozenset(RECORD_KINDS.split("|"))
#: How a kind is named in messages.
ARTICLES = {"account": "an account", "opportunity": "an opportunity (deal)", "activity": "an activity"}


def _named(kind: str) -> str:
    return ARTICLES.get(kind, f"a {kind}")


def _refused(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is ``message`` as written (given no context, pydantic
    fills no placeholders: braces in what the caller typed stay as they are)."""
    return PydanticCustomError(kind, message)


def parse_record_id(value: object, kind: str) -> int:
    """The number of record id ``value`` (``kind/N``, ``N``, or an int N) of ``kind``.

    Raises a pydantic validation error (a 422 where FastAPI validates it) saying what is expected.
    """
    wanted = f"{_named(kind)} id ({kind}/<number> or <number>)"
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (found := RECORD.fullmatch(value)) is not None:
        given = found["kind"]
        if given is not None and given != kind:
            what = _named(given) if given in KNOWN_KINDS else f"a {given!r} record"
            raise _refused("record_kind", f"{value!r} is the id of {what}; {wanted} is expected")
        number = int(found["number"])
    else:
        raise _refused("record_id", f"{str(value)[:100]!r} is not {wanted}")
    if not 1 <= number <= MAX_ID:
        raise _refused("record_id", f"{number} is not a record number (1 to {MAX_ID})")
    return number


def _parsing(kind: str) -> BeforeValidator:
    return BeforeValidator(lambda value: parse_record_id(value, kind))


def _schema(kind: str, *, in_body: bool = False) -> WithJsonSchema:
    """How the OpenAPI document shows an id of ``kind``: a string ``kind/N`` or ``N`` (in a JSON body,
    an integer as well)."""
    text = {
        "type": "string",
        "pattern": rf"^({kind}/)?[1-9][0-9]{{0,9}}$",
        "examples": [f"{kind}/528", "528"],
    }
    integer = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return WithJsonSchema({"anyOf": [text, integer]} if in_body else text)


#: An account id in a path or query parameter.
AccountId = Annotated[int, _parsing("account"), _schema("account")]
#: An account id in a JSON body.
AccountIdField = Annotated[int, _parsing("account"), _schema("account", in_body=True)]
#: A deal (opportunity) id in a path or query parameter.
DealId = Annotated[int, _parsing("opportunity"), _schema("opportunity")]


def account_name(repository: Repository, viewer: Viewer, account_id: int) -> str:
    """The name of account ``account_id`` if ``viewer`` may see it, else a 404 (as for a missing one)."""
    with repository.connect() as connection:
        name = connection.execute(
            repository.accounts(viewer, Account.name).where(Account.id == account_id)
        ).scalar_one_or_none()
    if name is None:
        raise HTTPException(404, f"no account with id {account_id}")
    return str(name)


def namesakes(repository: Repository, viewer: Viewer, name: str) -> int:
    """How many accounts ``viewer`` may see are called exactly ``name``."""
    with repository.connect() as connection:
        return len(
            connection.execute(repository.accounts(viewer, Account.id).where(Account.name == name)).all()
        )


def deal_exists(repository: Repository, viewer: Viewer, deal_id: int) -> None:
    """Nothing if ``viewer`` may see deal ``deal_id``, else a 404 (as for a missing one)."""
    with repository.connect() as connection:
        found = connection.execute(
            repository.opportunities(viewer, Opportunity.id).where(Opportunity.id == deal_id)
        ).scalar_one_or_none()
    if found is None:
        raise HTTPException(404, f"no deal with id {deal_id}")
