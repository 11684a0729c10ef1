"""OpenAPI links: how a response feeds the next request (an answer's thread into a follow-up
question or the thread's history, a listed deal into its details, a deal's account into an
account plan). Clients read them as documentation; the
contract tests follow them to build multi-step scenarios."""

from __future__ import annotations

from typing import Any


def link(description: str, method: str, path: str, body: dict[str, str]) -> dict[str, Any]:
    """A link to ``method path`` whose request body takes ``body``'s runtime expressions
    (``$response.body#/…``) merged into an otherwise ordinary request."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "requestBody": body, "description": description}


def parameter_link(description: str, method: str, path: str, parameters: dict[str, str]) -> dict[str, Any]:
    """A link to ``method path`` whose parameters take ``parameters``' runtime expressions."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method}",
        "parameters": parameters,
        "description": description,
    }


def deal_links(deal_id: str) -> dict[str, Any]:
    """Links from a response holding a deal's id (at JSON pointer ``deal_id``) to its details."""
    return {
        "Deal": parameter_link(
            "The deal's details.", "get", "/v1/deals/{deal_id}", {"deal_id": f"$response.body#{deal_id}"}
        )
    }


def account_plan_links(name: str) -> dict[str, Any]:
    """Links from a response holding an account's name (at JSON pointer ``name``) to its plan."""
    expression = f"$response.body#{name}"
    return {
        "AccountPlan": link("Draft the account's plan.", "post", "/v1/plans/account", {"name": expression}),
        "AccountPlanChart": link(
            "The account plan's history chart.", "post", "/v1/plans/account/chart", {"name": expression}
        ),
    }
