"""Prompt templates are files in this package, loaded by name with a strict loader.

``render("system", viewer_name=…)`` renders ``system.md.j2`` with Jinja2 ``StrictUndefined``: a
variable the template uses but the caller did not pass is an error, and so is a variable passed
that the template never uses (it usually means a typo on one side). Plain ``.md`` files have no
variables. Each template is read and compiled once per process; a render only fills it in.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined, Template, TemplateNotFound, meta

_ENV = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)


class PromptError(LookupError):
    """A prompt file is missing, or rendered with missing or unexpected variables."""


@cache
def _source(name: str) -> tuple[str, frozenset[str]]:
    package = resources.files(__name__)
    for candidate in (f"{name}.md.j2", f"{name}.md"):
        path = package / candidate
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            variables = frozenset(meta.find_undeclared_variables(_ENV.parse(text)))
            return text, variables
    raise PromptError(f"no prompt named {name!r} in the prompts package")


@cache
def _template(name: str) -> Template:
    text, _ = _source(name)
    return _ENV.from_string(text)


def variables(name: str) -> frozenset[str]:
    """The variables prompt ``name`` needs."""
    return _source(name)[1]


def render(name: str, **values: Any) -> str:
    """Render prompt ``name`` with exactly the variables it uses."""
    _, needed = _source(name)
    missing, unexpected = needed - values.keys(), values.keys() - needed
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(sorted(missing))}")
    if unexpected:
        raise PromptError(f"prompt {name!r} does not use {', '.join(sorted(unexpected))}")
    try:
        return _template(name).render(**values)
    except TemplateNotFound as exc:  # an include of a file that does not exist
        raise PromptError(f"prompt {name!r} includes a missing file: {exc}") from exc
