"""The errors the code raises, in three kinds that say what whoever called must do.

* ``ErrorKind.RETRY`` — :class:`InputError` and its subclasses (``tools.resolve.UnknownName``,
  ``AmbiguousName``): the caller should fix the call (a bad argument, an unknown or ambiguous name,
  a bad period). The model may correct its call or ask the user. Exit code 1.
* ``ErrorKind.FAILED`` — :class:`DataError` and its subclasses (:class:`NotPermitted`, a store's
  own errors): this failed and asking again will not help (data unavailable, not permitted, a
  store down, the playbook not indexed). Tell the user. Exit code 2.
* ``ErrorKind.BUG`` — :class:`UsageError`: programmer misuse (wrong wiring, a tool called without
  its context). Fix the code.

The first two are :class:`SalesplanError` subclasses: interfaces show ``str(error)`` (or
``public``) as one line and exit with ``error.exit_code``, never with a traceback.
:class:`UsageError` is not one, so every interface treats it like any other bug (a traceback, a
500, an apology with the details in the log). A tool result tells the model which kind it got.
The split follows pydantic-ai's ``ModelRetry``, a terminal failure, and ``UserError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    """What an error asks of whoever called."""

    RETRY = "retry"
    """Fix the call and retry, or ask the user."""
    FAILED = "failed"
    """Tell the user; retrying will not help."""
    BUG = "bug"
    """Programmer misuse: fix the code."""


class SalesplanError(Exception):
    """Base class of errors a user can cause or must be told about (input, data or configuration).

    ``public`` is the message for people other than the operator (a chat answer in Slack or the
    API) when the full one names server paths or addresses; it defaults to the full message.
    ``details`` are further lines a terminal shows before the message (every error an import
    found, say).
    """

    exit_code = 2
    kind: ClassVar[ErrorKind] = ErrorKind.FAILED

    def __init__(self, message: str, *, public: str | None = None, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.public = public if public is not None else message
        self.details = tuple(details)


class InputError(SalesplanError):
    """The caller should fix the call: a bad argument or option, an unknown or ambiguous name, a bad
    period (exit code 1)."""

    exit_code = 1
    kind = ErrorKind.RETRY


class DataError(SalesplanError):
    """This failed and asking again will not help: the data or configuration is wrong or
    unusable, a store is down, the playbook is not indexed (exit code 2)."""

    exit_code = 2
    kind = ErrorKind.FAILED


class NotPermitted(DataError):
    """The viewer may not ask for this at all (a rep asking for a rebalance), whatever the arguments."""


class NotFound(InputError):
    """No such thing among the caller's own (a proposed change of someone else's reads the same)."""


class Conflict(DataError):
    """Refused because the data changed since the request was made (a stale proposed change)."""


class UsageError(RuntimeError):
    """Programmer misuse: the code is wired wrong (a tool run without its context, an unknown tool
    name, an object used before it is opened). Not a :class:`SalesplanError`: never a user message."""

    kind: ClassVar[ErrorKind] = ErrorKind.BUG


def kind_of(error: BaseException) -> ErrorKind:
    """The kind of any exception: its own for ours, :attr:`ErrorKind.BUG` for anything else."""
    kind = getattr(error, "kind", None)
    return kind if isinstance(kind, ErrorKind) else ErrorKind.BUG
