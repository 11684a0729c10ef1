"""Finding and loading import mappings: a packaged mapping by name, or a YAML file by path.

A mapping that cannot be found, read or validated is a :class:`MappingError` with a one-line
reason that says where (``entities.1(users from sales_teams.csv).fields.name: ...``). The
mapping language is in :mod:`tools.store.importer.mapping`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tools.errors import DataError
from tools.store.importer.mapping import Mapping

PACKAGED_MAPPINGS = Path(__file__).with_name("mappings")


class MappingError(DataError):
    """A mapping cannot be found, read or validated; the message is one line."""


def packaged_mappings() -> list[str]:
    """Names of the mappings shipped with Salesplan."""
    return sorted(p.stem for p in PACKAGED_MAPPINGS.glob("*.yaml"))


def _mapping_path(name_or_path: str | Path) -> Path:
    """A path when it looks like one (a separator or a suffix), else a packaged name, else a file."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or any(c in text for c in "/\\.")
    if looks_like_path:
        return Path(name_or_path)
    packaged = PACKAGED_MAPPINGS / f"{text}.yaml"
    if not packaged.is_file() and Path(text).is_file():
        return Path(text)
    if not packaged.is_file():
        names = ", ".join(packaged_mappings()) or "none"
        raise MappingError(
            f"unknown mapping {text!r}: give a packaged mapping name ({names}) or a path to a YAML file"
        )
    return packaged


def _error_location(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    parts = [str(p) for p in loc]
    entities = raw.get("entities")
    if len(loc) >= 2 and loc[0] == "entities" and isinstance(loc[1], int) and isinstance(entities, list):
        entity = entities[loc[1]] if loc[1] < len(entities) else None
        if isinstance(entity, dict):
            parts[1] = f"{loc[1]}({entity.get('table')} from {entity.get('file')})"
    return ".".join(parts) or "(top level)"


def load_mapping(name_or_path: str | Path) -> Mapping:
    """Load a packaged mapping by name (``maven``) or a mapping file by path.

    Raises:
        MappingError: the mapping is unknown, unreadable or invalid (one-line reason).
    """
    path = _mapping_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read mapping {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise MappingError(f"mapping {path} is not valid YAML: {reason}") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"mapping {path} must be a YAML mapping with an 'entities' list")
    raw.setdefault("name", path.stem)
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        where = _error_location(tuple(first["loc"]), raw)
        raise MappingError(f"mapping {path.name}: {where}: {message}") from exc
