"""The floor plan holds: small modules, one room per family, and every arrow pointing down.

The import graph is read from the source: every ``import`` statement, inside functions and under
``if TYPE_CHECKING:`` too.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "tools", "knowledge", "evals", "prompts")
MAX_TOOLS_MODULE_LINES = 350
MAX_TOOLS_TOP_MODULES = 12
#: Interface modules that own tables (API tokens, Slack deliveries, digests and snoozes) may use
#: SQLAlchemy.
OWNS_TABLES = {
    "assistant/interfaces/api/tokens.py",
    "assistant/interfaces/slack/deliveries.py",
    "assistant/interfaces/slack/digest.py",
    "assistant/interfaces/slack/snoozes.py",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module (or module.name), dotted


def _source_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[Import]:
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.extend(Import(module, target) for target in targets)
    return found


def all_imports() -> list[Import]:
    return [found for path in _source_files() for found in imports_of(path)]


def family(module: str) -> str | None:
    """The room a module lives in: a subpackage of tools/ or assistant/ (the importer and the demo
    generator are rooms of their own inside the store), one of their top-level modules, or a
    top-level package (knowledge, evals, prompts)."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] not in ("tools", "assistant") or len(parts) == 1:
        return parts[0]
    if parts[1] == "store" and len(parts) > 2 and (ROOT / "tools" / "store" / parts[2]).is_dir():
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def family_graph() -> dict[str, dict[str, int]]:
    """Import counts between families (``graph[a][b]``: imports in ``a`` of modules in ``b``)."""
    graph: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for found in all_imports():
        source, target = family(found.module), family(found.target)
        if source and target and source != target:
            graph[source][target] += 1
    return graph


def _cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for successor in graph.get(node, {}):
            if state.get(successor) == 1:
                return [*stack[stack.index(successor) :], successor]
            if successor not in state and (found := visit(successor)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in list(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_under_tools_is_longer_than_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "tools").rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_TOOLS_MODULE_LINES
    }
    assert long == {}


def test_tools_keeps_few_top_level_modules_and_groups_the_rest_in_families() -> None:
    top = sorted(p.name for p in (ROOT / "tools").glob("*.py"))
    assert len(top) <= MAX_TOOLS_TOP_MODULES, top
    families = {p.name for p in (ROOT / "tools").iterdir() if (p / "__init__.py").exists()}
    assert {"accounts", "territory", "deals", "rebalance", "plans", "store"} <= families
    for name in families - {"store"}:
        exported = ast.parse((ROOT / "tools" / name / "__init__.py").read_text(encoding="utf-8"))
        assert any(isinstance(node, ast.Assign) for node in exported.body), f"tools/{name} exports nothing"


def test_the_assistant_imports_nothing_from_evals() -> None:
    upward = [f for f in all_imports() if f.module.startswith("assistant") and f.target.startswith("evals")]
    assert upward == []


def test_the_offline_planner_and_interfaces_read_data_only_through_tools() -> None:
    offenders = []
    for path in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        if (
            not relative.startswith(("assistant/offline/", "assistant/interfaces/"))
            or relative in OWNS_TABLES
        ):
            continue
        offenders += [(relative, f.target) for f in imports_of(path) if f.target.startswith("sqlalchemy")]
    assert offenders == []


def test_there_is_no_import_cycle_between_families() -> None:
    assert _cycle(family_graph()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": 1}, "b": {"c": 1}}) is None


def test_lower_layers_never_import_higher_ones() -> None:
    # interface → assistant → tools → store; knowledge sits beside tools, evals above everything.
    rank = {"evals": 4, "assistant.interfaces": 3, "assistant": 2, "knowledge": 1, "tools": 1, "prompts": 0}

    def layer(name: str) -> int:
        for prefix, value in rank.items():
            if name == prefix or name.startswith(prefix + "."):
                return value
        return -1

    upward = [
        (f.module, f.target)
        for f in all_imports()
        if layer(f.target) > layer(f.module) >= 0 and not f.module.startswith("tests")
    ]
    assert upward == []
