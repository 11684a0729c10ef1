"""The output model of every tool, so a tool result is read back into the tool's own types.

Taken from the return annotation of each function the toolkit registers: a tool added to
:data:`assistant.toolkit.TOOLS` (the account and territory plans, for example) is readable here
with no change.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel

from assistant.toolkit import TOOLS


def _outputs() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for spec in TOOLS:
        returned = typing.get_type_hints(spec.function).get("return")
        if isinstance(returned, type) and issubclass(returned, BaseModel):
            found[spec.name] = returned
    return found


OUTPUTS: dict[str, type[BaseModel]] = _outputs()
