"""The README's charts: every image it links is a PNG committed under docs/images/, small enough to
keep in the repository, and every image there is linked (none left behind when the text moves on)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
MAX_BYTES = 300_000


def test_the_readme_links_committed_pngs_and_nothing_else_is_there() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[([^\]]+)\]\(([^)\s]+)\)", readme)
    assert links, "the README's walk-through shows its charts"
    for alt, target in links:
        path = ROOT / target
        assert path.parent == IMAGES, target
        assert path.is_file(), target
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", target
        assert path.stat().st_size <= MAX_BYTES, f"{target} is {path.stat().st_size:,} bytes"
        assert len(alt) > 20, f"{target}: say what the chart shows"
    assert {p.name for p in IMAGES.iterdir()} == {Path(t).name for _, t in links}
