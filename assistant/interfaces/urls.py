"""Where an answer links to: a record in the source CRM, a section of the playbook.

* A record: ``SALESPLAN_CRM_RECORD_URL`` with ``{external_id}``, ``{kind}`` and ``{id}`` filled in
  (:func:`tools.evidence.record_url`; results and answers already carry it as ``url``).
* A playbook citation ``doc.md#section``: the page the HTTP API serves for it,
  ``SALESPLAN_PUBLIC_URL/playbook/doc.md#section`` (:mod:`knowledge.pages`), for the documents of
  the packaged playbook; a citation of another document has no page.

Either is ``None`` when its setting is unset: the interface shows plain text. Its label is the
section's heading (``Stuck in Stage: Diagnosis and Steps``), or the citation id when the playbook
does not hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from knowledge.pages import PlaybookPages, packaged_pages
from tools.evidence import record_url

if TYPE_CHECKING:
    from assistant.settings import Settings

#: A playbook citation id (a chunk id's ``~N`` part suffix is allowed and dropped).
CITATION = r"[\w-]+(?:/[\w-]+)*\.md#[\w-]+(?:~\d+)?"
#: A citation in brackets (``[kpis.md#x]``) or standing alone (``(see kpis.md#x)``), not inside a URL.
CITED = re.compile(rf"\[(?P<bracketed>{CITATION})\]|(?<![\w/.#-])(?P<bare>{CITATION})(?![\w-])")


@dataclass(frozen=True)
class Urls:
    """The two settings links are built from; with neither set, nothing is a link."""

    record_template: str | None = None
    public_url: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> Urls:
        """From ``SALESPLAN_CRM_RECORD_URL`` and ``SALESPLAN_PUBLIC_URL``."""
        return cls(settings.crm_record_url, settings.public_url)

    def record(self, reference: str, external_id: str | None) -> str | None:
        """The record ``reference`` (``opportunity/42``) in the source CRM."""
        return record_url(self.record_template, reference, external_id)

    def playbook(self, citation: str, pages: PlaybookPages | None = None) -> str | None:
        """The page and anchor of a playbook citation, when a public URL is set and the playbook
        holds the document."""
        if not self.public_url or not re.fullmatch(CITATION, citation):
            return None
        doc, _, section = citation.partition("~")[0].partition("#")
        if (pages or packaged_pages()).document(doc) is None:
            return None
        return f"{self.public_url.rstrip('/')}/playbook/{quote(doc)}#{quote(section)}"

    def link_citations(self, markdown: str, pages: PlaybookPages | None = None) -> str:
        """Markdown with each playbook citation (``[doc.md#x]`` or standing alone) linked to its page,
        the id kept as the link's text; unchanged without a public URL."""
        if not self.public_url:
            return markdown

        def link(match: re.Match[str]) -> str:
            citation = match["bracketed"] or match["bare"]
            url = self.playbook(citation, pages)
            return f"[{citation}]({url})" if url else match.group(0)

        return CITED.sub(link, markdown)

    @staticmethod
    def playbook_label(citation: str, pages: PlaybookPages | None = None) -> str:
        """What people read for a citation: its section's heading, else the id itself."""
        return (pages or packaged_pages()).heading(citation) or citation


#: No links at all (neither setting).
NO_URLS = Urls()
