"""A territory plan that proposes account moves is shared with its balance chart, and its summary
counts the moves (the Slack files of a plan, on the demo data)."""

from __future__ import annotations

from assistant.formatting import money
from assistant.interfaces.slack.plan_summary import plan_summary, territory_fields
from assistant.interfaces.slack.plans import plan_files
from assistant.interfaces.urls import Urls
from assistant.link_policy import LinkPolicy
from assistant.plans.models import TerritoryPlan
from tests.interfaces.block_kit import assert_fits
from tests.offline.conftest import World, pick_cast

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_plan_that_proposes_moves_carries_the_balance_chart(demo: World) -> None:
    cast = pick_cast(demo)
    draft = demo.service.plan_territory(cast.revops, cast.territory)
    assert isinstance(draft.plan, TerritoryPlan)
    proposal = draft.plan.facts.rebalance
    assert proposal is not None and proposal.move_count.value
    files = plan_files(draft, Urls(), LinkPolicy())
    name = draft.title.casefold().replace(": ", "-").replace(" ", "-")
    assert [f.filename for f in files] == [f"{name}.md", f"{name}-history.png", f"{name}-balance.png"]
    assert files[0].content.decode().startswith(f"# {draft.title}")
    assert all(f.content.startswith(PNG) and f.alt_txt for f in files[1:])
    moves = next(f for f in territory_fields(draft.plan.facts) if f.startswith("*Moves*"))
    moved = f"{int(proposal.move_count.value)} moves · {money(proposal.disruption.value)} of potential"
    assert moves == f"*Moves*\n{moved}"
    summary = plan_summary(draft, LinkPolicy(), Urls(), "Shared.")
    assert_fits(summary.blocks, text=summary.text)
