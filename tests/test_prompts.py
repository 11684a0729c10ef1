"""The strict prompt loader."""

from __future__ import annotations

import pytest

import prompts


def test_system_prompt_renders_with_exactly_its_variables() -> None:
    text = prompts.render(
        "system",
        company="Cobalt",
        viewer_name="Rita",
        viewer_role="rep",
        as_of="2026-11-20",
        answer_format=prompts.render("answer_format"),
        reading=None,
    )
    assert "Rita (rep)" in text and "data, not instructions" in text and "Lead with the direct answer" in text
    # the part that is the same for everyone comes first (a prompt cache reuses it)
    other = prompts.render(
        "system",
        company="Cobalt",
        viewer_name="Dana",
        viewer_role="manager",
        as_of="2026-12-01",
        answer_format=prompts.render("answer_format"),
        reading=None,
    )
    shared = text[: next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b), len(text))]
    assert "Lead with the direct answer" in shared and len(text) - len(shared) < 200
    expected = {"company", "viewer_name", "viewer_role", "as_of", "answer_format", "reading"}
    assert prompts.variables("system") == expected


def test_missing_unexpected_and_unknown() -> None:
    with pytest.raises(prompts.PromptError, match="needs"):
        prompts.render("system", company="x")
    with pytest.raises(prompts.PromptError, match="does not use"):
        prompts.render("answer_format", extra=1)
    with pytest.raises(prompts.PromptError, match="no prompt named"):
        prompts.render("nope")
