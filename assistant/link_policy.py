"""Which hosts an answer may link to: the one allow-list the HTTP API and Slack share.

Answers quote CRM data, and CRM data can hold any URL: a website field, a link in a next step or
an activity subject, planted by whoever could edit the record. :func:`assistant.safety.strip_foreign_links`
already keeps only links whose URL appears in the turn's own data; this is the stricter rule for
what a client renders as a clickable link. A link (Markdown ``[text](url)``, ``<url>`` or
``<url|text>``, a bare ``http(s)://`` or ``www.`` URL) stays a link only when it is ``http(s)``
and its host is on the allow-list — ``SALESPLAN_LINK_HOSTS``, each host with its subdomains, plus
the host of ``SALESPLAN_CRM_RECORD_URL`` (the operator's own CRM); any other becomes its text, or
"(link to HOST removed)" when it had none.

:class:`Links` sets the links of a text aside as placeholders so an interface can escape and
format the rest, then puts each back its own way (Markdown here, Slack mrkdwn in
:mod:`assistant.interfaces.slack.safety`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,500})\]\(\s*<?([^)\s>]{1,2000})>?\s*\)")
ANGLE_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]{1,2000})(?:\|([^>\n]{0,500}))?>", re.IGNORECASE)
BARE_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]{}|`\"']+", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
#: A link target that leaves the page: with a scheme, protocol-relative, or ``www.``.
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|www\.)", re.IGNORECASE)


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


@dataclass(frozen=True)
class Link:
    url: str
    label: str | None
    allowed: bool
    host: str

    def as_text(self) -> str:
        """What a link off the allow-list becomes: its label, or a note naming its host."""
        return self.label or f"(link to {self.host} removed)"


class Links:
    """Sets links aside as placeholders, so the rest of the text can be escaped and formatted."""

    def __init__(self, policy: LinkPolicy, *, keep_relative: bool = False) -> None:
        self.policy = policy
        self.keep_relative = keep_relative
        self.links: list[Link] = []

    def _take(self, url: str, label: str | None) -> str:
        label = label.strip() if label and label.strip() else None
        host = self.policy.host(url) or "another site"
        self.links.append(Link(url, label, self.policy.allows(url), host))
        return f"\x00{len(self.links) - 1}\x00"

    def extract(self, text: str) -> str:
        """``text`` with each link replaced by a placeholder (NUL characters in it are dropped)."""

        def markdown(m: re.Match[str]) -> str:
            if self.keep_relative and not ABSOLUTE.match(m.group(2)):
                return m.group(0)
            return self._take(m.group(2), m.group(1))

        text = MARKDOWN_LINK.sub(markdown, text.replace("\x00", ""))
        text = ANGLE_LINK.sub(lambda m: self._take(m.group(1), m.group(2)), text)
        return BARE_URL.sub(lambda m: self._take(m.group(0), None), text)

    def restore(self, text: str, render: Callable[[Link], str]) -> str:
        """Placeholders back, each as ``render`` writes its link."""
        return PLACEHOLDER.sub(lambda m: render(self.links[int(m.group(1))]), text)

    def markdown(self, text: str) -> str:
        """Placeholders back as Markdown links (allowed hosts) or as their text."""

        def render(link: Link) -> str:
            if link.allowed:
                return f"[{link.label}]({link.url})" if link.label else link.url
            return link.as_text()

        return self.restore(text, render)


def allowed_links_only(text: str, policy: LinkPolicy) -> str:
    """Markdown ``text`` with every link whose host is off the allow-list reduced to its text. A
    relative Markdown link (``[x](y)``, as a record's name may read) leads nowhere off the page
    and is left as written."""
    if "://" not in text and "www." not in text.lower() and "](" not in text:
        return text
    links = Links(policy, keep_relative=True)
    return links.markdown(links.extract(text))
