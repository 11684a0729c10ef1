"""Reading playbook files: front matter, tags, and the ways a file can be unusable."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import MalformedDocument, find_documents, read_document


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_front_matter_title_tags_and_body(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sub" / "a.md",
        "---\ntitle: Deal Desk\ntags: [Pricing, deal desk, pricing]\n---\n# Deal Desk\n",
    )
    document = read_document(path, tmp_path)
    assert document.path == "sub/a.md"
    assert document.title == "Deal Desk"
    assert document.tags == ["pricing", "deal desk"]  # lower case, de-duplicated, in order
    assert document.body.startswith("# Deal Desk")


def test_tags_may_be_a_comma_separated_string_or_absent(tmp_path: Path) -> None:
    listed = write(tmp_path / "a.md", "---\ntitle: A\ntags: renewals, Churn\n---\n## A\n")
    bare = write(tmp_path / "b.md", "\ufeff---\r\ntitle: B\r\n---\r\n## B\r\ntext\r\n")
    assert read_document(listed, tmp_path).tags == ["renewals", "churn"]
    assert read_document(bare, tmp_path).tags == []  # a BOM and CRLF line ends are fine


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "is empty"),
        ("  \n\n", "is empty"),
        ("# Title\n\n## Section\n\ntext\n", "has no front matter"),
        ("---\ntitle: [unclosed\n---\n## A\n", "not valid YAML"),
        ("---\n- a list\n---\n## A\n", "not a mapping"),
        ("---\ntags: [a]\n---\n## A\n", "has no title"),
        ("---\ntitle: A\ntags: 3\n---\n## A\n", "tags that are neither"),
        ("---\ntitle: A\n---\nJust prose, no headings.\n", "has no Markdown headings"),
        ("---\ntitle: Caf\xe9\n---\n## A\n".encode("latin-1"), "is not UTF-8 text"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(tmp_path: Path, content: str | bytes, reason: str) -> None:
    path = write(tmp_path / "bad.md", content)
    with pytest.raises(MalformedDocument, match=reason):
        read_document(path, tmp_path)


def test_find_documents_recurses_skips_hidden_and_accepts_a_file(tmp_path: Path) -> None:
    for name in ("b.md", "a.md", "deep/c.md", ".drafts/d.md", "notes.txt"):
        write(tmp_path / name, "x")
    assert [p.relative_to(tmp_path).as_posix() for p in find_documents(tmp_path)] == [
        "a.md",
        "b.md",
        "deep/c.md",
    ]
    assert find_documents(tmp_path / "a.md") == [tmp_path / "a.md"]
