"""Sales acronyms and what they stand for, so a search for one also finds the other.

The playbook (like any sales team) writes "CSM" in one paragraph and "customer success manager" in
the next, and people ask both ways. BM25 matches words, not meanings, so both the indexed text and
the query get the long form's words added after an acronym (see :func:`knowledge.bm25.tokenize`).
Only acronyms that mean one thing in sales are listed; those that are also ordinary words ("map",
"sam") count only when written in capitals.
"""

from __future__ import annotations

ACRONYMS: dict[str, str] = {
    "acv": "annual contract value",
    "ae": "account executive",
    "arr": "annual recurring revenue",
    "cs": "customer success",
    "csm": "customer success manager",
    "cv": "coefficient of variation",
    "eb": "economic buyer",
    "grr": "gross revenue retention",
    "icp": "ideal customer profile",
    "kpi": "key performance indicator",
    "map": "mutual action plan",
    "mql": "marketing qualified lead",
    "nrr": "net revenue retention",
    "qbr": "quarterly business review",
    "roi": "return on investment",
    "rfp": "request for proposal",
    "sal": "sales accepted lead",
    "sam": "strategic account manager",
    "sdr": "sales development representative",
    "sla": "service level agreement",
    "smb": "small business",
    "sql": "sales qualified lead",
}

#: Acronyms that are also words: expanded only when written in capitals.
AMBIGUOUS_ACRONYMS = frozenset({"ae", "cs", "map", "sal", "sam"})


#: Everyday words for a situation the playbook names otherwise: a query using one also searches for
#: the playbook's words ("they say we're too expensive" → price). Query side only (the index is not
#: rewritten), and only words whose sales meaning is unambiguous.
EVERYDAY_TERMS: dict[str, str] = {
    "expensive": "price discount",
    "pricey": "price discount",
    "cheaper": "price discount competitor",
    "overpriced": "price discount",
    "costly": "price",
    "ghosted": "no response",
    "ghosting": "no response",
    "unresponsive": "no response",
    "haggling": "negotiation discount",
    "haggle": "negotiation discount",
    "pushback": "objection",
    "stakeholders": "buying group",
    "decision-maker": "economic buyer",
    "decision-makers": "economic buyer",
    "quota": "target",
}
