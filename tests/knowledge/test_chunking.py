"""Heading-aware chunking: sections, citation ids and slugs, heading paths, tags, long sections."""

from __future__ import annotations

import re

import pytest

from knowledge.chunking import MAX_WORDS, Chunk, chunk_document, split_paragraphs
from knowledge.documents import PLAYBOOK_DIR, PlaybookDocument, find_documents, read_document
from knowledge.markdown import Slugger, heading_slug, plain_text, sentences
from tools.deals.stalled_rules import RULES


def doc(
    body: str, path: str = "guide.md", title: str = "Guide", tags: list[str] | None = None
) -> PlaybookDocument:
    return PlaybookDocument(path=path, title=title, tags=tags or ["pipeline"], body=body)


def test_one_chunk_per_section_with_heading_path_tags_and_citation() -> None:
    body = (
        "# Guide\n\nThis page covers stages.\n\n"
        "## Stage Exit Criteria\n\nMove a deal only when its criteria are met.\n\n"
        "### Discovery\n\nPain confirmed in the buyer's words.\n\n"
        "## Closing\n\nAgree the signing logistics early.\n"
    )
    chunks = chunk_document(doc(body, path="sales/guide.md", tags=["pipeline", "stages"]))
    assert [c.id for c in chunks] == [
        "sales/guide.md#stage-exit-criteria",
        "sales/guide.md#discovery",
        "sales/guide.md#closing",
    ]
    discovery = chunks[1]
    assert discovery.headings == ["Guide", "Stage Exit Criteria", "Discovery"]
    assert discovery.heading_path == "Guide > Stage Exit Criteria > Discovery"
    assert discovery.text == "Pain confirmed in the buyer's words."
    assert discovery.tags == ["pipeline", "stages"] and discovery.title == "Guide"
    assert discovery.path == "sales/guide.md" and discovery.citation == discovery.id
    assert discovery.indexed_text.startswith("Guide > Stage Exit Criteria > Discovery.\n")
    assert chunks[2].headings == ["Guide", "Closing"]  # the ### does not leak into the next ##


def test_page_introduction_and_empty_sections_give_no_chunk() -> None:
    body = (
        "# Guide\n\nIntro text.\n\n## BANT\n\n### Budget\n\nMoney is there.\n\n## Empty\n\n## Last\n\nEnd.\n"
    )
    assert [c.id for c in chunk_document(doc(body))] == ["guide.md#budget", "guide.md#last"]


def test_github_style_slugs() -> None:
    assert heading_slug("Play 7: Aged Deal Past 1.5 Times the Median Cycle") == (
        "play-7-aged-deal-past-15-times-the-median-cycle"
    )
    assert (
        heading_slug("Cross-Sell, Upsell and Whitespace Analysis")
        == "cross-sell-upsell-and-whitespace-analysis"
    )
    assert heading_slug("Days-in-Stage Thresholds") == "days-in-stage-thresholds"
    assert heading_slug("**Bold** `code` and [a link](https://example.com)") == "bold-code-and-a-link"
    assert heading_slug("What's Next?") == "whats-next"
    assert heading_slug("Über Große Kunden") == "über-große-kunden"


def test_repeated_headings_in_different_sections_get_numbered_slugs() -> None:
    body = (
        "# Guide\n\n## No Activity\n\nText.\n\n### Steps\n\nCall.\n\n"
        "## Past Close Date\n\nText.\n\n### Steps\n\nReset.\n\n#### Steps\n\nDeeper, counted by GitHub.\n\n"
        "## Wrap-up\n\n### Steps\n\nDone.\n"
    )
    chunks = chunk_document(doc(body))
    steps = [c for c in chunks if c.headings[-1] == "Steps"]
    assert [c.citation for c in steps] == ["guide.md#steps", "guide.md#steps-1", "guide.md#steps-3"]
    assert [c.headings[1] for c in steps] == ["No Activity", "Past Close Date", "Wrap-up"]
    assert "#### Steps" in steps[1].text  # level 4 stays in its section's text
    slugger = Slugger()
    assert [slugger.slug(h) for h in ("A", "A", "A-1", "A")] == ["a", "a-1", "a-1-1", "a-2"]


def test_headings_inside_fenced_code_are_text() -> None:
    body = "# Guide\n\n## Template\n\n```\n# not a heading\n## nor this\n```\n\nAfter.\n"
    (chunk,) = chunk_document(doc(body))
    assert chunk.id == "guide.md#template" and "## nor this" in chunk.text and "After." in chunk.text


def test_long_sections_split_on_paragraphs_with_suffixed_ids() -> None:
    paragraphs = [" ".join(f"word{p}_{i}" for i in range(40)) for p in range(7)]  # 280 words
    body = "# Guide\n\n## Long Section\n\n" + "\n\n".join(paragraphs) + "\n\n## Short\n\nTiny.\n"
    chunks = chunk_document(doc(body), max_words=130)
    long = [c for c in chunks if c.citation == "guide.md#long-section"]
    assert [c.id for c in long] == [
        "guide.md#long-section",
        "guide.md#long-section~2",
        "guide.md#long-section~3",
    ]
    assert [(c.part, c.parts) for c in long] == [(1, 3), (2, 3), (3, 3)]
    assert [len(c.text.split()) for c in long] == [80, 120, 80]
    assert "\n\n".join(c.text for c in long) == "\n\n".join(paragraphs)  # nothing lost, order kept
    assert all(c.headings == ["Guide", "Long Section"] for c in long)
    assert chunks[-1].id == "guide.md#short"


def test_a_single_long_paragraph_is_never_cut() -> None:
    text = " ".join(["word"] * 500)
    assert split_paragraphs(text, 100) == [text]
    assert split_paragraphs("short\n\ntext", 100) == ["short\n\ntext"]


def test_windows_cover_every_sentence_and_carry_the_heading_path() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(1, 11))
    chunk = Chunk(id="g.md#s", citation="g.md#s", path="g.md", title="G", headings=["G", "S"], text=text)
    windows = chunk.windows()
    assert all(w.startswith("G > S.\n") for w in windows)
    assert len(windows) == 3
    covered = " ".join(windows)
    assert all(f"number {i} is" in covered for i in range(1, 11))


def test_plain_text_drops_markup_but_keeps_words() -> None:
    markdown = (
        "**Steps**:\n\n1. Compare the *exit criteria*.\n- [ ] Every contact\n> Subject: hi `x` [here](http://a)\n\n"
        "| Rule | Trigger |\n|---|---|\n| Stuck | 30 days |"
    )
    assert plain_text(markdown) == (
        "Steps:\nCompare the exit criteria.\nEvery contact\nSubject: hi x here\n"
        "Rule ; Trigger\nStuck ; 30 days"
    )
    assert sentences("One. Two? Three!\n- Item: detail") == ["One.", "Two?", "Three!", "Item:", "detail"]


def test_content_hash_changes_with_text_and_tags_only() -> None:
    base = Chunk(
        id="g.md#s", citation="g.md#s", path="g.md", title="G", headings=["G", "S"], text="A.", tags=["x"]
    )
    assert base.content_hash == base.model_copy().content_hash
    assert base.content_hash != base.model_copy(update={"text": "B."}).content_hash
    assert base.content_hash != base.model_copy(update={"tags": ["y"]}).content_hash


@pytest.fixture(scope="module")
def playbook_chunks() -> list[Chunk]:
    return [c for p in find_documents(PLAYBOOK_DIR) for c in chunk_document(read_document(p, PLAYBOOK_DIR))]


def test_the_packaged_playbook_chunks_every_section(playbook_chunks: list[Chunk]) -> None:
    files = find_documents(PLAYBOOK_DIR)
    assert len(files) == 17
    headings = [
        (p.name, line) for p in files for line in p.read_text().splitlines() if re.match(r"^#{2,3} ", line)
    ]
    assert len(headings) == 171
    citations = {c.citation for c in playbook_chunks}
    assert len(citations) >= 165  # every ##/### section with text of its own
    ids = [c.id for c in playbook_chunks]
    assert len(ids) == len(set(ids))
    oversized = [c for c in playbook_chunks if c.parts > 1 and len(c.text.split()) > MAX_WORDS]
    assert all("\n\n" not in c.text for c in oversized)  # only a single long paragraph may exceed
    assert "stalled-deal-recovery.md#play-2-no-activity-for-21-days" in citations


def test_stalled_deal_rules_cite_sections_that_exist(playbook_chunks: list[Chunk]) -> None:
    citations = {c.citation for c in playbook_chunks}
    assert {passage for _, _, passage in RULES.values()} <= citations
