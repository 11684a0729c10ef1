"""Evaluation cases: YAML files under ``evals/cases/<suite>/``, validated strictly.

A case file holds ``cases:``, a list of cases. A case names who asks (``user``: an email or a
full name, or ``role``: the first user with that role), one or more turns asked in one thread,
and what a correct answer to each turn must show::

    cases:
      - id: pipeline-rep-total
        tags: [pipeline, rep]
        user: lucas.jensen@cobalt.example
        turns:
          - ask: What's my pipeline?
            expect:
              tools: [pipeline_summary]
              facts:
                - sql: SELECT SUM(amount) FROM opportunities WHERE owner_id = :user_id AND NOT is_closed
                  unit: money

Expectations (all optional; an empty ``expect`` still checks for leaks and refusals):

* ``tools``: calls the answer must make, by name or ``{name, args}`` where ``args`` is a subset of
  the call's arguments (``null`` means "absent"); ``tools: []`` means no tool may be called;
  ``strict_tools: true`` fails calls to tools not listed.
* ``facts``: ``text`` the answer must contain (case-insensitive), a ``number``, or a ``sql`` query
  evaluated read-only on the loaded data (every row's first column must appear: numbers in any
  form the answer renders them, text as written). ``unit`` says how a number is shown (``money``,
  ``percent`` — given as a ratio, 0.38 for 38% —, ``multiple``, ``days``, ``count`` or ``any``);
  ``tolerance`` is a relative slack on top of the rounding the answer shows.
* ``must_not_contain``: strings that must not appear (on the case: in every turn).
* ``citations``: playbook ids the answer must cite; a page (``kpis.md``) matches any of its
  sections, a list inside the list means "any one of these".
* ``refusal`` / ``clarification``: ``true``: the answer must decline (or report the record
  unknown), or ask which one is meant; ``false`` (the default): it must not; ``null``: either is
  fine (an access attack may be refused or answered within the user's own scope).
* ``plan_sections``: section headings a drafted plan must have.
* ``max_latency_ms``; ``rubric``: what the optional LLM judge grades the narrative against.

Errors name the file, the case and the field: ``evals/cases/demo/x.yaml: case 'x': field
turns.0.expect.facts.0: give exactly one of text, number or sql``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from tools.errors import DataError
from tools.store.schema import Role

ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _spelled_out(value: Any, key: str) -> Any:
    """A list item written as a plain string stands for ``{key: string}`` (``- stalled_deals``)."""
    if isinstance(value, list):
        return [{key: item} if isinstance(item, str) else item for item in value]
    return value


SQL_START = re.compile(r"^\s*(?:select|with)\b", re.IGNORECASE)
Scalar = str | int | float | bool | None


class CaseError(DataError):
    """A case file cannot be used; the message names the file, the case and the field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(StrEnum):
    """How a number is rendered in an answer."""

    MONEY = "money"
    PERCENT = "percent"
    MULTIPLE = "multiple"
    DAYS = "days"
    COUNT = "count"
    ANY = "any"


class ToolExpectation(Strict):
    name: str = Field(min_length=1)
    args: dict[str, Scalar] = Field(default_factory=dict)


class Fact(Strict):
    """One thing the answer must state: a text, a number, or numbers/texts from a SQL query."""

    text: str | None = None
    number: Decimal | None = None
    sql: str | None = None
    unit: Unit = Unit.ANY
    tolerance: Annotated[float, Field(ge=0, le=1)] = 0.0
    label: str | None = Field(default=None, description="What the fact is, for failure messages.")

    @model_validator(mode="after")
    def _one_source(self) -> Fact:
        given = [name for name in ("text", "number", "sql") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of text, number or sql")
        if self.sql is not None:
            statement = self.sql.strip().rstrip(";")
            if not SQL_START.match(statement) or ";" in statement:
                raise ValueError("sql must be one SELECT (or WITH … SELECT) statement")
        if self.text is not None and not self.text.strip():
            raise ValueError("text is empty")
        return self


CitationSpec = str | list[str]


class Expect(Strict):
    tools: list[ToolExpectation] | None = None
    strict_tools: bool = False
    facts: list[Fact] = Field(default_factory=list)
    must_not_contain: list[str] = Field(default_factory=list)
    citations: list[CitationSpec] = Field(default_factory=list)
    refusal: bool | None = False
    clarification: bool | None = False
    plan_sections: list[str] = Field(default_factory=list)
    max_latency_ms: Annotated[int, Field(gt=0)] | None = None
    rubric: str | None = None

    @field_validator("tools", mode="before")
    @classmethod
    def _tool_names(cls, value: Any) -> Any:
        return _spelled_out(value, "name")

    @field_validator("facts", mode="before")
    @classmethod
    def _text_facts(cls, value: Any) -> Any:
        return _spelled_out(value, "text")

    @field_validator("citations")
    @classmethod
    def _citation_ids(cls, value: list[CitationSpec]) -> list[CitationSpec]:
        for spec in value:
            for item in [spec] if isinstance(spec, str) else spec:
                if ".md" not in item:
                    raise ValueError(f"{item!r} is not a playbook citation (page.md or page.md#section)")
            if isinstance(spec, list) and not spec:
                raise ValueError("an any-of citation list is empty")
        return value

    @model_validator(mode="after")
    def _one_outcome(self) -> Expect:
        if self.refusal and self.clarification:
            raise ValueError("expect a refusal or a clarification, not both")
        return self


class Turn(Strict):
    ask: str = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)


class Case(Strict):
    id: str
    tags: list[str] = Field(min_length=1)
    user: str | None = Field(default=None, description="Email or full name of who asks.")
    role: Role | None = Field(default=None, description="Or: the first user with this role.")
    description: str | None = None
    must_not_contain: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(min_length=1)
    #: Where the case was read from (set by the loader).
    source: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID.match(value):
            raise ValueError("use lower-case letters, digits, '.', '_' and '-'")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not ID.match(tag):
                raise ValueError(f"tag {tag!r}: use lower-case letters, digits, '.', '_' and '-'")
        return value

    @field_validator("turns", mode="before")
    @classmethod
    def _plain_turns(cls, value: Any) -> Any:
        return _spelled_out(value, "ask")

    @model_validator(mode="after")
    def _who(self) -> Case:
        if (self.user is None) == (self.role is None):
            raise ValueError("give exactly one of user or role")
        return self

    @property
    def who(self) -> str:
        return self.user or f"any {self.role.value if self.role else 'user'}"

    @property
    def questions(self) -> list[str]:
        return [turn.ask for turn in self.turns]


def _where(error: ErrorDetails) -> str:
    location = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-"))
    return location or "case"


def _message(error: ErrorDetails) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def parse_case(raw: Any, source: str, index: int) -> Case:
    """One case from its YAML mapping; a :class:`CaseError` naming the case and the field."""
    name = (
        f"case {raw['id']!r}"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str)
        else (f"case #{index + 1}")
    )
    if not isinstance(raw, dict):
        raise CaseError(f"{source}: {name}: a case is a mapping with id, tags, user and turns")
    try:
        return Case.model_validate({**raw, "source": source})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CaseError(f"{source}: {name}: field {_where(first)}: {_message(first)}") from None


def load_file(path: Path) -> list[Case]:
    source = _display(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f"{source}: cannot read the file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CaseError(f"{source}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or set(data) != {"cases"} or not isinstance(data["cases"], list):
        raise CaseError(f"{source}: a case file holds one key, 'cases', with a list of cases")
    return [parse_case(raw, source, i) for i, raw in enumerate(data["cases"])]


def load_cases(location: Path) -> list[Case]:
    """Every case in ``location`` (a YAML file, or a directory searched for ``*.yaml``), ids unique."""
    if not location.exists():
        raise CaseError(f"{_display(location)}: no such case file or directory")
    files = (
        sorted(location.rglob("*.yaml")) + sorted(location.rglob("*.yml"))
        if location.is_dir()
        else [location]
    )
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for file in files:
        for case in load_file(file):
            if case.id in seen:
                raise CaseError(f"{case.source}: case {case.id!r}: duplicate id (also in {seen[case.id]})")
            seen[case.id] = case.source
            cases.append(case)
    if not cases:
        raise CaseError(f"{_display(location)}: no cases found")
    return cases
