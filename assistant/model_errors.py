"""What a failing call to a configured chat model raises, and how an answer describes it.

The OpenAI client is imported only when an OpenAI model is configured (:mod:`assistant.models`),
so these checks never import it themselves: an exception can only be an ``openai`` (or ``httpx``)
error when that package is already loaded, and a process running the offline planner alone never
pays for loading it.
"""

from __future__ import annotations

import sys


def is_model_error(exc: BaseException) -> bool:
    """An error of the model's client or its transport (``openai.OpenAIError``, ``httpx.HTTPError``)."""
    if "openai" in sys.modules:
        import openai

        if isinstance(exc, openai.OpenAIError):
            return True
    if "httpx" in sys.modules:
        import httpx

        if isinstance(exc, httpx.HTTPError):
            return True
    return False


def is_retryable(exc: BaseException) -> bool:
    """Worth another try: 429, 5xx, a timeout or a connection error."""
    if "openai" in sys.modules:
        import openai

        retryable = (
            openai.RateLimitError,
            openai.InternalServerError,
            openai.APITimeoutError,
            openai.APIConnectionError,
        )
        if isinstance(exc, retryable):
            return True
    if "httpx" in sys.modules:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return True
    return False


def describe_model_error(exc: BaseException) -> str | None:
    """One line for the user about a client or transport error; None for anything else."""
    if "openai" in sys.modules:
        import openai

        if isinstance(exc, openai.RateLimitError):
            return "the model server is rate-limiting requests (429)"
        if isinstance(exc, openai.APIStatusError):
            return f"the model server returned an error ({exc.status_code})"
        if isinstance(exc, openai.APITimeoutError):
            return "the model call timed out"
        if isinstance(exc, openai.APIConnectionError):
            return "the model server could not be reached"
    if "httpx" in sys.modules:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return "the model call timed out"
        if isinstance(exc, httpx.HTTPError):
            return "the model server could not be reached"
    return None
