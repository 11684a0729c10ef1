"""A row of the previous answer picked by its place: "the second one", "#3", "the last one"."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from assistant.offline.listed import pick, place_in, rows
from tests.offline.conftest import Cast, World
from tools.store.schema import Account, Opportunity

DEALS = """**Your 3 largest open deals**

- Evergreen - Core [opportunity/12]: $18,700, Proposal
- **Yellowstone - Shield** [opportunity/7]: $17,800, Prospecting
- Aurora - Support [opportunity/40]: $11,600, Proposal
"""


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("the second one", 1),
        ("2nd one pls", 1),
        ("what about #3", 2),
        ("number 2", 1),
        ("tell me more about the first deal", 0),
        ("why is the 3rd opp stuck?", 2),
        ("and the last one?", -1),
        ("the top one", 0),
        ("second", 1),
        ("the fourth account on the list", 3),
    ],
)
def test_a_place_in_a_list_is_read_in_its_usual_wordings(question: str, place: int) -> None:
    assert place_in(question) == place


@pytest.mark.parametrize(
    "question",
    [
        "what's my top deal?",
        "what was my last deal?",
        "first quarter bookings",
        "my deals closing this month",
    ],
)
def test_a_fresh_question_is_not_a_pick(question: str) -> None:
    assert place_in(question) is None


def test_the_rows_are_the_listed_records_in_order_not_the_labelled_facts() -> None:
    facts = "**Acme - Core [opportunity/3]**\n\n- Account: Acme [account/5]\n- Owner: Kim [user/2]\n"
    assert rows(facts) == []
    assert [(r.ref, r.name) for r in rows(DEALS)] == [
        ("opportunity/12", "Evergreen - Core"),
        ("opportunity/7", "Yellowstone - Shield"),
        ("opportunity/40", "Aurora - Support"),
    ]


def test_a_table_lists_its_first_column_and_a_line_its_named_records() -> None:
    table = "**Bookings by rep**\n\n| Rep | Bookings |\n|---|---|\n| Kim Lee | $5 |\n| Ana Ruiz | $3 |\n"
    assert [r.name for r in rows(table)] == ["Kim Lee", "Ana Ruiz"]
    inline = "- Proposal: 2 deals — largest: Evergreen - Core [opportunity/12], Oak - Support [opportunity/9]"
    assert [r.ref for r in rows(inline)] == ["opportunity/12", "opportunity/9"]


def test_a_pick_reads_the_last_answer_that_listed_something() -> None:
    details = "**Yellowstone - Shield [opportunity/7]** is open.\n\n- Account: Yellowstone [account/2]\n"
    picked = pick("what about #3", [DEALS, details])
    assert picked is not None and picked.ref == "opportunity/40"
    assert pick("the fifth one", [DEALS]) is None


def _listed_ids(answer: str) -> list[str]:
    """The source ids of the deals a rendered answer lists, in order."""
    return re.findall(r"^\s*[-•]\s+\**[^\n]*?\(#(\w+)\)", answer, re.M)


def _external(demo: World, record: str) -> str:
    with demo.engine.connect() as connection:
        found = connection.execute(
            select(Opportunity.external_id).where(Opportunity.id == int(record.split("/")[1]))
        ).scalar_one()
    return str(found)


def test_the_second_deal_then_the_third_then_an_account_plan_for_an_account_listed(
    demo: World, cast: Cast
) -> None:
    t = uuid.uuid4().hex[:10]
    listed = demo.ask(cast.rep, "show me my biggest open deals", t)
    shown = _listed_ids(listed.answer)
    assert len(shown) >= 3
    second = demo.ask(cast.rep, "the second one", t)
    [(name, args)] = [(c.name, c.args) for c in second.tool_calls]
    assert name == "deal_details" and _external(demo, str(args["deal"])) == shown[1]
    third = demo.ask(cast.rep, "what about #3", t)
    assert _external(demo, str(third.tool_calls[0].args["deal"])) == shown[2]

    accounts = demo.ask(cast.rep, "which of my accounts have the most potential?", t)
    names = re.findall(r"^\s*[-•]\s+\**([^\n(*]+?) \(#", accounts.answer, re.M)
    assert len(names) >= 2
    plan = demo.ask(cast.rep, "draft an account plan for the 2nd one", t)
    assert [(c.name, c.args) for c in plan.tool_calls] == [("account_plan", {"account": names[1]})]


def test_the_second_row_of_a_breakdown_is_that_member(demo: World, cast: Cast) -> None:
    t = uuid.uuid4().hex[:10]
    table = demo.ask(cast.manager, "bookings by rep this year", t)
    reps = re.findall(r"^\| ([^|]+?) \| \$", table.answer, re.M)
    assert len(reps) >= 2
    follow = demo.ask(cast.manager, "what about the second one", t)
    args = follow.tool_calls[0].args
    assert args["rep"] == reps[1] and "group_by" not in args and args["measure"] == "won_revenue"


def test_questions_about_the_company_of_the_thread_ask_about_that_company(demo: World, cast: Cast) -> None:
    """ "who's their parent?", "how many employees?", "who's the champion there?", "when did I last
    talk to them?" after a question about one company (or one of its deals) are about that company."""
    t = uuid.uuid4().hex[:10]
    demo.ask(cast.rep, f"tell me about {cast.account}", t)
    for question in ("who's their parent", "how many employees", "how many people work there"):
        answer = demo.ask(cast.rep, question, t)
        assert [(c.name, c.args) for c in answer.tool_calls] == [("account_facts", {"account": cast.account})]
    last = demo.ask(cast.rep, "when did I last talk to them", t)
    assert [c.name for c in last.tool_calls] == ["account_profile"]
    assert re.search(rf"(Last touch with {re.escape(cast.account)}|No activity with)", last.answer)

    t = uuid.uuid4().hex[:10]
    listed = demo.ask(cast.rep, "show me my biggest open deals", t)
    shown = _listed_ids(listed.answer)
    demo.ask(cast.rep, "the first one", t)
    champion = demo.ask(cast.rep, "who's the champion there", t)
    [(tool, args)] = [(c.name, c.args) for c in champion.tool_calls]
    with demo.engine.connect() as connection:
        account = connection.execute(
            select(Account.name)
            .join(Opportunity, Opportunity.account_id == Account.id)
            .where(Opportunity.external_id == shown[0])
        ).scalar_one()
    assert (tool, args) == ("account_profile", {"account": account})
    assert re.search(r"The champion at |No contact at .* is recorded as champion", champion.answer)


def test_fragments_reshape_the_previous_measure(demo: World, cast: Cast) -> None:
    """ "which products?", "percentage", "median instead", "compare her to X" after a measure."""
    t = uuid.uuid4().hex[:10]
    demo.ask(cast.revops, "how many deals did we lose last quarter", t)
    by_product = demo.ask(cast.revops, "which products", t)
    assert by_product.tool_calls[0].args == {
        "measure": "lost_deals",
        "group_by": "product",
        "period": "last quarter",
    }
    shares = demo.ask(cast.revops, "percentage", t)
    assert shares.tool_calls[0].args["share_of_total"] is True
    assert shares.tool_calls[0].args["group_by"] == "product"

    t = uuid.uuid4().hex[:10]
    demo.ask(cast.revops, "avg deal size by segment last year", t)
    median = demo.ask(cast.revops, "median instead", t)
    assert median.tool_calls[0].args == {
        "measure": "median_deal_size",
        "group_by": "segment",
        "period": "last year",
    }

    t = uuid.uuid4().hex[:10]
    demo.ask(cast.manager, "who on my team has the lowest win rate this year", t)
    demo.ask(cast.manager, f"{cast.rep_short}?", t)
    other = next(
        r
        for r in re.findall(r"\| ([^|]+?) \| \d", demo.ask(cast.manager, "win rate by rep this year").answer)
        if r != cast.rep.name
    )
    both = demo.ask(cast.manager, f"compare them to {other}", t)
    rows = re.findall(r"^\| ([^|]+?) \| \d+%", both.answer, re.M)
    assert sorted(rows) == sorted([cast.rep.name, other]), both.answer
