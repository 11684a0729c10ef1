"""Qualification methodologies (MEDDPICC, BANT) as data: which CRM fields or contact roles evidence
each letter. One YAML file per methodology beside this module (``meddpicc.yaml``, ``bant.yaml``);
adding a file adds a methodology. A file is checked when loaded: each letter's evidence names
either contact roles or one field, never both.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from tools.errors import InputError, UsageError

HERE = Path(__file__).parent
DEFAULT = "meddpicc"


class Evidence(BaseModel):
    """What in the data shows a letter: contact roles engaged on the deal, or a field of the deal."""

    contact_roles: list[str] | None = None
    field: str | None = None
    #: The score a field holding a value earns (1: partly known, 2: confirmed).
    credit: int = Field(default=2, ge=1, le=2)
    #: A date field counts only when it is today or later.
    future: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Evidence:
        if (self.contact_roles is None) == (self.field is None):
            raise ValueError("evidence names either contact_roles or a field")
        return self


class Letter(BaseModel):
    key: str
    letter: str
    name: str
    playbook: str = Field(description="The playbook passage on this letter (citation id).")
    ask: str = Field(description="What to find out when the letter is not evidenced.")
    evidence: list[Evidence]


class Methodology(BaseModel):
    name: str
    description: str
    playbook: str
    letters: list[Letter]

    def find(self, text: str) -> Letter:
        """The letter named by its key, name or letter ("economic buyer", "EB", "E", "champion")."""
        wanted = " ".join(text.casefold().replace("_", " ").replace("-", " ").split())
        initials = {"eb": "economic_buyer", "dc": "decision_criteria", "dp": "decision_process"}
        for letter in self.letters:
            names = {letter.key.replace("_", " "), letter.name.casefold()}
            if wanted in names or initials.get(wanted) == letter.key:
                return letter
        single = [letter for letter in self.letters if letter.letter.casefold() == wanted]
        if len(single) == 1:
            return single[0]
        known = ", ".join(letter.name for letter in self.letters)
        raise InputError(f"{self.name} has no letter {text!r}; its letters are {known}")


def methodologies() -> list[str]:
    """The names of the packaged methodologies."""
    return sorted(path.stem for path in HERE.glob("*.yaml"))


@cache
def load_methodology(name: str = DEFAULT) -> Methodology:
    """The packaged methodology called ``name`` (its file's stem, any case)."""
    key = name.strip().casefold()
    path = HERE / f"{key}.yaml"
    if key not in methodologies():
        raise InputError(f"no qualification methodology {name!r}; use {' or '.join(methodologies())}")
    try:
        return Methodology.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise UsageError(f"the methodology file {path.name} is not valid: {exc}") from exc
