"""What a list adds up to, asked after the list was narrowed or one of its records was opened:
"which of them are tier A?" after the top accounts by bookings keeps those of them in that tier
with their bookings, "sum of those" is their total; "how much is all that in total" after one deal
of a list was opened is the list's amount; and "what's the next step?" after one deal is that
deal's, not every deal's."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from tests.offline.conftest import Cast, World
from tools.store.schema import Account, Opportunity


def test_a_trait_named_of_the_accounts_listed_keeps_them_with_their_figure(demo: World, cast: Cast) -> None:
    top = demo.ask(cast.revops, "top 10 accts by won rev this yr")
    listed = re.findall(r"^\| ([^|]+?) \| \$", top.answer, re.M)
    assert len(listed) == 10
    tiered = demo.ask(cast.revops, "which of them are tier A", top.thread_id)
    ((call,),) = [tiered.tool_calls]
    assert call.name == "query_metrics" and call.args["tier"] == "A"
    assert call.args["measure"] == "won_revenue" and set(call.args["any_of"]["account"]) == set(listed)
    with demo.engine.connect() as connection:
        tier_a = set(
            connection.execute(
                select(Account.name).where(Account.name.in_(listed), func.upper(Account.tier) == "A")
            ).scalars()
        )
    shown = set(re.findall(r"^\| ([^|]+?) \| \$", tiered.answer, re.M))
    assert tier_a and shown == tier_a
    total = demo.ask(cast.revops, "sum of those", tiered.thread_id)
    said = re.findall(r"In all: bookings \(closed won\) (\$[\d,.]+[MK]?)", total.answer)
    assert said and said == re.findall(r"In all: bookings \(closed won\) (\$[\d,.]+[MK]?)", tiered.answer)


def test_the_total_of_a_list_asked_after_one_of_its_deals_was_opened(demo: World, cast: Cast) -> None:
    first = demo.ask(cast.rep, "whats in proposal or negotiation for me right now")
    ranked = demo.ask(cast.rep, "sort those by amount, biggest first", first.thread_id)
    opened = demo.ask(cast.rep, "the second one - what's the next step", ranked.thread_id)
    assert [c.name for c in opened.tool_calls] == ["deal_details"]  # that deal's, not every deal's
    total = demo.ask(cast.rep, "how much is all that in total", opened.thread_id)
    with demo.engine.connect() as connection:
        amount = connection.execute(
            select(func.sum(Opportunity.amount)).where(
                ~Opportunity.is_closed,
                Opportunity.owner_id == cast.rep.user_id,
                Opportunity.stage.in_(["Proposal", "Negotiation"]),
            )
        ).scalar_one()
    assert f"${Decimal(amount):,.0f}" in total.answer.split("\n")[0]
