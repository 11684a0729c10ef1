"""Case files: the format, its shorthands, and one-line errors naming the file, the case and the field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from evals.schema import CaseError, Unit, load_cases
from evals.suites import CASES_DIR
from tests.evals.conftest import write

GOOD = """
cases:
  - id: pipeline-rep
    tags: [pipeline, rep]
    user: rita@cobalt.example
    must_not_contain: [CANARY-Sam]
    turns:
      - ask: What's my pipeline?
        expect:
          tools: [pipeline_summary, {name: forecast, args: {period: this quarter}}]
          facts:
            - open pipeline
            - {number: 150000, unit: money, tolerance: 0.01}
            - sql: SELECT SUM(amount) FROM opportunities WHERE owner_id = :user_id
              unit: money
          citations: [kpis.md, [kpis.md#win-rate, kpis.md#pipeline-coverage]]
      - why?
  - id: revops-any
    tags: [help]
    role: revops
    turns: [help]
"""


def test_a_case_file_with_every_shorthand(tmp_path: Path) -> None:
    first, second = load_cases(write(tmp_path / "cases.yaml", GOOD))
    assert first.id == "pipeline-rep" and first.user == "rita@cobalt.example"
    assert [t.name for t in first.turns[0].expect.tools or []] == ["pipeline_summary", "forecast"]
    facts = first.turns[0].expect.facts
    assert facts[0].text == "open pipeline" and facts[1].number == Decimal(150000)
    assert facts[1].unit is Unit.MONEY and facts[2].sql is not None
    assert first.turns[1].ask == "why?" and first.turns[1].expect.refusal is False
    assert second.role is not None and second.who == "any revops"
    assert first.source.endswith("cases.yaml")


def _one(case_id: str, expect: str) -> str:
    return f"- {{id: {case_id}, tags: [x], user: u, turns: [{{ask: hi, expect: {expect}}}]}}"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "- {id: bad-extra, tags: [x], user: u, turns: [hi], colour: red}",
            "case 'bad-extra': field colour: Extra inputs are not permitted",
        ),
        (
            "- {id: no-user, tags: [x], turns: [hi]}",
            "case 'no-user': field case: give exactly one of user or role",
        ),
        (
            "- {id: no-turns, tags: [x], user: u, turns: []}",
            "case 'no-turns': field turns: List should have at least 1",
        ),
        ("- {tags: [x], user: u, turns: [hi]}", "case #1: field id: Field required"),
        (
            "- {id: Bad Id, tags: [x], user: u, turns: [hi]}",
            "case 'Bad Id': field id: use lower-case letters",
        ),
        (
            _one("two-sources", "{facts: [{text: a, number: 1}]}"),
            "case 'two-sources': field turns.0.expect.facts.0: give exactly one of text, number or sql",
        ),
        (
            _one("write-sql", "{facts: [{sql: DELETE FROM users}]}"),
            "case 'write-sql': field turns.0.expect.facts.0: sql must be one SELECT",
        ),
        (
            _one("both", "{refusal: true, clarification: true}"),
            "case 'both': field turns.0.expect: expect a refusal or a clarification, not both",
        ),
        (
            _one("cite", "{citations: [opportunity/4]}"),
            "case 'cite': field turns.0.expect.citations: 'opportunity/4' is not a playbook citation",
        ),
        (
            _one("unit", "{facts: [{number: 3, unit: euros}]}"),
            "case 'unit': field turns.0.expect.facts.0.unit: Input should be",
        ),
    ],
)
def test_schema_errors_name_the_file_the_case_and_the_field(tmp_path: Path, case: str, message: str) -> None:
    path = write(tmp_path / "demo" / "bad.yaml", f"cases:\n{case}\n")
    with pytest.raises(CaseError) as raised:
        load_cases(path)
    text = str(raised.value)
    assert text.startswith("demo/bad.yaml: case "), text  # relative to the working directory
    assert message in text, text
    assert "\n" not in text


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match=r"a.yaml: not valid YAML \(line 3\)"):
        load_cases(write(tmp_path / "a.yaml", "cases:\n  - id: [unclosed\n"))
    with pytest.raises(CaseError, match="one key, 'cases'"):
        load_cases(write(tmp_path / "b.yaml", "- id: x\n"))
    with pytest.raises(CaseError, match="no such case file"):
        load_cases(tmp_path / "missing")


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    case = "cases:\n  - {id: same, tags: [x], user: u, turns: [hi]}\n"
    write(tmp_path / "one.yaml", case)
    write(tmp_path / "two.yaml", case)
    with pytest.raises(CaseError, match=r"case 'same': duplicate id \(also in .*one.yaml\)"):
        load_cases(tmp_path)


def test_the_shipped_suites_load_and_are_large_enough() -> None:
    demo = load_cases(CASES_DIR / "demo")
    maven = load_cases(CASES_DIR / "maven")
    assert len(demo) >= 150 and len(maven) >= 25
    tags = {tag for case in demo for tag in case.tags}
    assert {"rep", "manager", "vp", "revops"} <= tags
    intents = {"pipeline", "forecast", "stalled", "deal", "top-deals", "account", "whitespace", "accounts"}
    intents |= {"territories", "territory", "balance", "performance", "definitions", "playbook", "help"}
    intents |= {"small-talk", "out-of-scope", "clarification", "access", "multi-turn", "explain", "plan"}
    assert intents <= tags, intents - tags
    assert sum(len(c.turns) > 1 for c in demo) >= 15
    assert sum("access" in c.tags for c in demo) >= 15
    assert sum("plan" in c.tags for c in demo) >= 10
