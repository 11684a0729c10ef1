"""Making text from the data or a model safe to post in Slack.

Whatever a record or a model says, a posted message can ping no one and link nowhere unexpected:

* ``&``, ``<`` and ``>`` are escaped, so ``<!channel>``, ``<!here>``, ``<!everyone>``,
  ``<!subteam^…>`` and ``<@U…>`` show as text instead of mentioning anyone;
* ``@channel``, ``@here`` and ``@everyone`` get an invisible word joiner after the ``@``, so they
  cannot be parsed as mentions in notification text either;
* links (Markdown ``[text](url)``, Slack ``<url|text>``, bare ``http(s)://`` and ``www.`` URLs)
  stay links only when their host is on the allow-list the HTTP API uses too
  (:mod:`assistant.link_policy`: ``SALESPLAN_LINK_HOSTS``, a host and its subdomains, and the CRM's
  record-link host); any other link becomes its text, and a bare one "(link to HOST removed)".

Every mrkdwn text object the app builds is also marked ``verbatim``, so Slack does not turn
names or URLs in the text into links or mentions on its own.
"""

from __future__ import annotations

import re

from assistant.link_policy import Link, LinkPolicy, Links
from tools.evidence import source_label

WORD_JOINER = "\u2060"
BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Slack's control characters as entities (``<!channel>`` then reads as text)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """``@channel`` / ``@here`` / ``@everyone`` that cannot notify anyone."""
    return BROADCAST.sub(lambda m: f"@{WORD_JOINER}{m.group(1)}", text)


def plain(text: str) -> str:
    """Data text for mrkdwn: escaped and neutralised (no links are made)."""
    return neutralise(escape(text))


def plain_label(text: str) -> str:
    """Data text for a ``plain_text`` object (a header, a button, a menu option): Slack does not
    unescape entities there, so instead ``@here`` and the like get a word joiner after the ``@``,
    and ``<`` one after it (``<!channel>`` stays text)."""
    return neutralise(text).replace("<", f"<{WORD_JOINER}")


class SlackLinks(Links):
    """Links set aside (see :class:`~assistant.link_policy.Links`), put back as Slack mrkdwn."""

    def mrkdwn(self, text: str) -> str:
        """Placeholders back as Slack links (allowed hosts) or as safe text."""

        def render(link: Link) -> str:
            label = plain(link.label) if link.label else None
            if link.allowed:
                target = link.url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
                return f"<{target}|{label}>" if label else f"<{target}>"
            return label or f"(link to {plain(link.host)} removed)"

        return self.restore(text, render)


def safe_inline(text: str, policy: LinkPolicy) -> tuple[str, SlackLinks]:
    """Text with its links set aside (as placeholders) and the rest escaped and neutralised;
    ``links.mrkdwn(result)`` puts the links back once the text is formatted."""
    links = SlackLinks(policy)
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
    links = Links(policy)
    return neutralise(links.markdown(links.extract(CONTROL.sub("", text))))
