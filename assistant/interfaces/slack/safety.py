"""Making text from the data or a model safe to post in Slack.

Whatever a record or a model says, a posted message can ping no one and link nowhere unexpected:

* ``&``, ``<`` and ``>`` are escaped, so ``<!channel>``, ``<!here>``, ``<!everyone>``,
  ``<!subteam^…>`` and ``<@U…>`` show as text instead of mentioning anyone;
* ``@channel``, ``@here`` and ``@everyone`` get an invisible word joiner after the ``@``, so they
  cannot be parsed as mentions in notification text either;
* links (Markdown ``[text](url)``, Slack ``<url|text>``, bare ``http(s)://`` and ``www.`` URLs)
  stay links only when their host is on the allow-list (``SALESPLAN_SLACK_LINK_HOSTS``, a host
  and its subdomains); any other link becomes its text, and a bare one "(link to HOST removed)".

Every mrkdwn text object the app builds is also marked ``verbatim``, so Slack does not turn
names or URLs in the text into links or mentions on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from tools.evidence import source_label

WORD_JOINER = "\u2060"
BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,500})\]\(\s*<?([^)\s>]{1,2000})>?\s*\)")
SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]{1,2000})(?:\|([^>\n]{0,500}))?>", re.IGNORECASE)
BARE_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]{}|`\"']+", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")


@dataclass(frozen=True)
class LinkPolicy:
    """Hosts answers may link to (each also allows its subdomains)."""

    hosts: tuple[str, ...] = ()

    @classmethod
    def of(cls, hosts: Iterable[str]) -> LinkPolicy:
        return cls(tuple(h.strip().lower().strip(".") for h in hosts if h.strip()))

    def host(self, url: str) -> str | None:
        target = url if "://" in url else f"http://{url}"
        try:
            host = urlsplit(target).hostname
        except ValueError:
            return None
        return host.lower() if host else None

    def allows(self, url: str) -> bool:
        if not url.lower().startswith(("http://", "https://")):
            return False
        host = self.host(url)
        return host is not None and any(host == h or host.endswith(f".{h}") for h in self.hosts)


def escape(text: str) -> str:
    """Slack's control characters as entities (``<!channel>`` then reads as text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """``@channel`` / ``@here`` / ``@everyone`` that cannot notify anyone."""
    return BROADCAST.sub(lambda m: f"@{WORD_JOINER}{m.group(1)}", text)


def plain(text: str) -> str:
    """Data text for mrkdwn: escaped and neutralised (no links are made)."""
    return neutralise(escape(text))


@dataclass(frozen=True)
class _Link:
    url: str
    label: str | None
    allowed: bool
    host: str


class _Links:
    """Sets links aside as placeholders, so the rest of the text can be escaped and formatted."""

    def __init__(self, policy: LinkPolicy) -> None:
        self.policy = policy
        self.links: list[_Link] = []

    def _take(self, url: str, label: str | None) -> str:
        label = label.strip() if label and label.strip() else None
        host = self.policy.host(url) or "another site"
        self.links.append(_Link(url, label, self.policy.allows(url), host))
        return f"\x00{len(self.links) - 1}\x00"

    def extract(self, text: str) -> str:
        text = MARKDOWN_LINK.sub(lambda m: self._take(m.group(2), m.group(1)), text)
        text = SLACK_LINK.sub(lambda m: self._take(m.group(1), m.group(2)), text)
        return BARE_URL.sub(lambda m: self._take(m.group(0), None), text)

    def mrkdwn(self, text: str) -> str:
        """Placeholders back as Slack links (allowed hosts) or as safe text."""

        def render(link: _Link) -> str:
            label = plain(link.label) if link.label else None
            if link.allowed:
                target = link.url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
                return f"<{target}|{label}>" if label else f"<{target}>"
            return label or f"(link to {plain(link.host)} removed)"

        return PLACEHOLDER.sub(lambda m: render(self.links[int(m.group(1))]), text)

    def markdown(self, text: str) -> str:
        """Placeholders back as Markdown links (allowed hosts) or as their text."""

        def render(link: _Link) -> str:
            if link.allowed:
                return f"[{link.label}]({link.url})" if link.label else link.url
            return link.label or f"(link to {link.host} removed)"

        return PLACEHOLDER.sub(lambda m: render(self.links[int(m.group(1))]), text)


def safe_inline(text: str, policy: LinkPolicy) -> tuple[str, _Links]:
    """Text with its links set aside (as placeholders) and the rest escaped and neutralised;
    ``links.mrkdwn(result)`` puts the links back once the text is formatted."""
    links = _Links(policy)
    return plain(links.extract(CONTROL.sub("", text))), links


def record_link(name: str, external_id: str | None, url: str | None) -> str:
    """A record as mrkdwn: its name and source CRM id, as a link to the record when ``url`` is given.

    The URL is built from the operator's own ``SALESPLAN_CRM_RECORD_URL`` (a fixed host, the id
    URL-quoted), so it is linked without the allow-list; the text is data and is made safe.
    """
    label = plain(source_label(name, external_id))
    if not url:
        return label
    target = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{target}|{label}>"


def safe_mrkdwn(text: str, policy: LinkPolicy) -> str:
    """One piece of data or model text as safe mrkdwn (no other formatting)."""
    body, links = safe_inline(text, policy)
    return links.mrkdwn(body)


def safe_markdown(text: str, policy: LinkPolicy) -> str:
    """Markdown for a file upload: mentions neutralised, links off the allow-list reduced to text."""
    links = _Links(policy)
    return neutralise(links.markdown(links.extract(CONTROL.sub("", text))))
