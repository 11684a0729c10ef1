"""The HTTP API's route table in README.md, rendered from the application's OpenAPI document.

::

    python -m assistant.interfaces.api.reference                    # print the table (Markdown)
    python -m assistant.interfaces.api.reference --write README.md  # replace README's table
    python -m assistant.interfaces.api.reference --check README.md  # exit 1 when README's is stale

The table sits between :data:`START` and :data:`END` in the README; one row per operation: the
method, the path, the summary, the parameters (path and query parameters by name, a JSON body by
its fields; ``?`` marks an optional body field, ``*`` a required query parameter) and the error
statuses the operation documents.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

COMMAND = "python -m assistant.interfaces.api.reference --write README.md"
START = f"<!-- api-reference:start (generated: {COMMAND}) -->"
END = "<!-- api-reference:end -->"
METHODS = ("get", "post", "put", "patch", "delete")
#: A body with more fields shows its required ones and a count of the others.
MAX_BODY_FIELDS = 6


def document() -> dict[str, Any]:
    """The OpenAPI document of the application (building it opens no database)."""
    from assistant.bootstrap import AppContext
    from assistant.interfaces.api.app import create_app
    from assistant.settings import Settings

    with tempfile.TemporaryDirectory() as home:
        app = create_app(context=AppContext(Settings(home=Path(home), model="offline")))
        return app.openapi()


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if isinstance(reference, str):
        found: dict[str, Any] = spec["components"]["schemas"][reference.rsplit("/", 1)[-1]]
        return found
    return schema


def _parameters(spec: dict[str, Any], operation: dict[str, Any]) -> str:
    shown = []
    for parameter in operation.get("parameters", []):
        name = f"`{parameter['name']}`"
        if parameter["in"] == "path":
            shown.append(f"{name} (path)")
        elif parameter["in"] == "query":
            shown.append(f"{name}*" if parameter.get("required") else name)
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content:
        body = _schema(spec, content["schema"])
        required = set(body.get("required", []))
        names = list(body.get("properties", {}))
        if len(names) <= MAX_BODY_FIELDS:
            fields = ", ".join(f'"{name}"' + ("" if name in required else "?") for name in names)
        else:  # a long body: its required fields and how many optional ones
            optional = len([name for name in names if name not in required])
            fields = ", ".join(
                [*(f'"{name}"' for name in names if name in required), f"…{optional} optional"]
            )
        shown.append(f"body `{{{fields}}}`")
    return ", ".join(shown) or "—"


def render(spec: dict[str, Any]) -> str:
    """The route table of OpenAPI document ``spec`` as Markdown."""
    rows = ["| Method | Path | Summary | Parameters | Errors |", "| --- | --- | --- | --- | --- |"]
    for path, item in spec["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                summary = operation.get("summary", "").replace("|", "\\|")
                errors = " ".join(code for code in operation.get("responses", {}) if code[0] in "45") or "—"
                parameters = _parameters(spec, operation)
                rows.append(f"| `{method.upper()}` | `{path}` | {summary} | {parameters} | {errors} |")
    return "\n".join(rows) + "\n"


def replaced(readme: str, table: str) -> str:
    """``readme`` with the text between the markers replaced by ``table``."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the README has no {START!r} … {END!r} markers")
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The HTTP API's route table, from its OpenAPI document.")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", metavar="README", type=Path, help="replace the table in this file")
    action.add_argument(
        "--check", metavar="README", type=Path, help="exit 1 if the table in this file is stale"
    )
    args = parser.parse_args(argv)
    table = render(document())
    target: Path | None = args.write or args.check
    if target is None:
        sys.stdout.write(table)
        return 0
    try:
        text = target.read_text(encoding="utf-8")
        updated = replaced(text, table)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.check:
        if updated != text:
            sys.stderr.write(f"{target}: the HTTP API table is stale; run {COMMAND}\n")
            return 1
        return 0
    target.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
