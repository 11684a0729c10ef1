"""Record references as people read them: the source CRM's id beside the name, a link when a record
URL is configured, never a bare internal id — and only for records the viewer may see."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from assistant.bootstrap import AppContext
from assistant.references import references_in, render_references
from assistant.settings import Settings
from tests.tools import crm
from tools.deals.stalled import StalledDeals, StalledQuery, stalled_deals
from tools.evidence import RecordSource, attach_sources, describe_records, record_url, template_fields
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.stages import load_stages
from tools.viewer import Viewer

RITA = Viewer(user_id=4, role=Role.REP, name="Rita Ruiz", territory_id=1)
MAX = Viewer(user_id=2, role=Role.MANAGER, name="Max Stone")
TEMPLATE = "https://acme.my.salesforce.com/{external_id}"

SOURCES = {
    "opportunity/42": RecordSource(id="opportunity/42", name="Acme - Core", external_id="006A1"),
    "account/3": RecordSource(
        id="account/3", name="Isdom", external_id="Isdom", url="https://crm.example/Isdom"
    ),
    "opportunity/43": RecordSource(
        id="opportunity/43", name="Acme | X", external_id="006B", url="https://crm.example/006B"
    ),
}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # the name before the reference gets the source id (and becomes the link when there is one)
        ("**Acme - Core [opportunity/42]** is stalled", "**Acme - Core (#006A1)** is stalled"),
        ("- Isdom [account/3]: big", "- [Isdom](https://crm.example/Isdom): big"),  # id is the name
        ("| Acme \\| X [opportunity/43] |", "| [Acme \\| X (#006B)](https://crm.example/006B) |"),
        # a reference standing alone becomes the record's name and id
        (
            "records: [opportunity/42], [opportunity/43]",
            "records: Acme - Core (#006A1), [Acme | X (#006B)](https://crm.example/006B)",
        ),
        # text that is not the name stays; the id follows it
        ("the Acme deal [opportunity/42]", "the Acme deal (#006A1)"),
        ("the X deal [opportunity/43]", "the X deal ([#006B](https://crm.example/006B))"),
        # a record the viewer cannot see (or with no source id) leaves no internal id behind
        ("gone [opportunity/99] here", "gone here"),
        ("a quota [quota/3]", "a quota"),
        ("no references, [brackets] and stalled-deal-recovery.md#x", None),
    ],
)
def test_references_are_rewritten_for_people(text: str, shown: str | None) -> None:
    assert render_references(text, SOURCES) == (shown if shown is not None else text)


def test_references_in_lists_each_once_in_order() -> None:
    text = "A [opportunity/2], B [account/1] and A again [opportunity/2]; see x.md#y"
    assert references_in(text) == ["opportunity/2", "account/1"]


def test_record_url_fills_the_template_and_quotes_the_id() -> None:
    assert record_url(TEMPLATE, "opportunity/7", "006Q0000") == "https://acme.my.salesforce.com/006Q0000"
    assert (
        record_url("https://crm.example/{kind}/{id}", "account/12", None) == "https://crm.example/account/12"
    )
    assert record_url("https://crm.example/r/{external_id}", "user/1", "Melvin Marxen") == (
        "https://crm.example/r/Melvin%20Marxen"
    )
    assert record_url(TEMPLATE, "activity/3", None) is None  # no source id to link to
    assert record_url(None, "opportunity/7", "006Q0000") is None
    with pytest.raises(ValueError, match=r"not \{name\}"):
        template_fields("https://crm.example/{name}")


@pytest.fixture
def repo(sqlite_engine: Engine) -> Repository:
    crm.load(sqlite_engine)
    return Repository(sqlite_engine, load_stages(), crm.AS_OF, record_url=TEMPLATE)


def test_records_are_described_only_in_the_viewers_scope(repo: Repository) -> None:
    found = describe_records(repo, RITA, ["opportunity/1", "opportunity/3", "account/1", "quota/1", "x/y"])
    assert found == {
        "opportunity/1": RecordSource(
            id="opportunity/1",
            name="Acme - Core",
            external_id="O1",
            url="https://acme.my.salesforce.com/O1",
        ),
        # the account has no source id, so no link either
        "account/1": RecordSource(id="account/1", name="Acme Corporation", external_id=None, url=None),
    }  # opportunity/3 is Ravi's: Rita cannot see it
    assert set(describe_records(repo, MAX, ["opportunity/3"])) == {"opportunity/3"}


def test_a_tool_result_carries_each_records_source_id_and_link(repo: Repository) -> None:
    result = attach_sources(repo, MAX, stalled_deals(repo, MAX, StalledQuery()))
    assert isinstance(result, StalledDeals) and result.deals
    for deal in result.deals:
        number = deal.id.split("/")[1]
        assert (deal.external_id, deal.url) == (f"O{number}", f"https://acme.my.salesforce.com/O{number}")
    dumped = result.model_dump(mode="json")["deals"][0]
    assert list(dumped)[:3] == ["id", "external_id", "url"]


def _context(home: Path, **settings: object) -> AppContext:
    context = AppContext(Settings(home=home, model="offline", **settings))  # type: ignore[arg-type]
    crm.load(context.engine)
    return context


def test_an_answer_shows_source_ids_and_links_and_lists_its_records(tmp_path: Path) -> None:
    """Through the composition root: SALESPLAN_CRM_RECORD_URL reaches every reference."""
    answer = _context(tmp_path / "a", crm_record_url=TEMPLATE).assistant.ask(
        RITA, "which of my deals are stalled?"
    )
    assert "[Acme - Analytics (#O2)](https://acme.my.salesforce.com/O2)" in answer.answer
    assert "opportunity/2" not in answer.answer and "opportunity/2" in answer.citations
    assert (
        RecordSource(
            id="opportunity/2",
            name="Acme - Analytics",
            external_id="O2",
            url="https://acme.my.salesforce.com/O2",
        )
        in answer.records
    )
    plain = _context(tmp_path / "b").assistant.ask(RITA, "which of my deals are stalled?")
    assert "Acme - Analytics (#O2)" in plain.answer and "](http" not in plain.answer
