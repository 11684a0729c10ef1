"""OpenAPI links: how a response feeds the next request (an answer's thread into a follow-up
question, a deal's account into an account plan). Clients read them as documentation; the
contract tests follow them to build multi-step scenarios."""

from __future__ import annotations

from typing import Any


def link(description: str, method: str, path: str, body: dict[str, str]) -> dict[str, Any]:
    """A link to ``method path`` whose request body takes ``body``'s runtime expressions
    (``$response.body#/…``) merged into an otherwise ordinary request."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "requestBody": body, "description": description}


def account_plan_links(name: str) -> dict[str, Any]:
    """Links from a response holding an account's name (at JSON pointer ``name``) to its plan."""
    expression = f"$response.body#{name}"
    return {
        "AccountPlan": link("Draft the account's plan.", "post", "/v1/plans/account", {"name": expression}),
        "AccountPlanChart": link(
            "The account plan's history chart.", "post", "/v1/plans/account/chart", {"name": expression}
        ),
    }
