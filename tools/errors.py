"""Errors a user can cause, each with a one-line message and a process exit code.

Interfaces show ``str(error)`` and exit with ``error.exit_code``; they never show a traceback
for these. Anything else escaping is a bug.
"""

from __future__ import annotations


class SalesplanError(Exception):
    """Base class of errors that are the user's to fix (bad input, data or configuration).

    ``public`` is the message for people other than the operator (a chat answer in Slack or the
    API) when the full one names server paths or addresses; it defaults to the full message.
    """

    exit_code = 2

    def __init__(self, message: str, *, public: str | None = None) -> None:
        super().__init__(message)
        self.public = public if public is not None else message


class InputError(SalesplanError):
    """A bad argument or option (exit code 1)."""

    exit_code = 1


class DataError(SalesplanError):
    """The data or configuration is wrong or unusable (exit code 2)."""

    exit_code = 2
