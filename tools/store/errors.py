"""Errors a user can cause, each with a one-line message and a process exit code.

Interfaces show ``str(error)`` and exit with ``error.exit_code``; they never show a traceback
for these. Anything else escaping is a bug.
"""

from __future__ import annotations


class SalesplanError(Exception):
    """Base class of errors that are the user's to fix (bad input, data or configuration)."""

    exit_code = 2


class InputError(SalesplanError):
    """A bad argument or option (exit code 1)."""

    exit_code = 1


class DataError(SalesplanError):
    """The data or configuration is wrong or unusable (exit code 2)."""

    exit_code = 2
