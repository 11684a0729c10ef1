"""The three kinds of error: what each class asks of its caller, and which ones are user messages."""

from __future__ import annotations

import pytest

from tools.errors import (
    DataError,
    ErrorKind,
    InputError,
    NotPermitted,
    SalesplanError,
    UsageError,
    kind_of,
)
from tools.resolve import AmbiguousName, Candidate, UnknownName


@pytest.mark.parametrize(
    ("error", "kind", "exit_code"),
    [
        (InputError("bad period"), ErrorKind.RETRY, 1),
        (UnknownName("account", "Acmee", []), ErrorKind.RETRY, 1),
        (
            AmbiguousName("account", "Health", [Candidate(kind="account", id=1, name="A", score=90)]),
            ErrorKind.RETRY,
            1,
        ),
        (DataError("the index is empty"), ErrorKind.FAILED, 2),
        (NotPermitted("only managers can"), ErrorKind.FAILED, 2),
    ],
)
def test_user_errors_say_their_kind_and_exit_code(
    error: SalesplanError, kind: ErrorKind, exit_code: int
) -> None:
    assert (kind_of(error), error.kind, error.exit_code) == (kind, kind, exit_code)


def test_a_usage_error_is_a_bug_and_never_a_user_message() -> None:
    error = UsageError("the tool needs its context")
    assert not isinstance(error, SalesplanError) and kind_of(error) is ErrorKind.BUG
    assert kind_of(KeyError("x")) is ErrorKind.BUG


def test_a_name_error_keeps_the_kind_of_thing_it_named_apart_from_its_error_kind() -> None:
    error = UnknownName("territory", "East", [])
    assert (error.entity, error.kind) == ("territory", ErrorKind.RETRY)
