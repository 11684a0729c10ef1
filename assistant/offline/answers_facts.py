"""Answers about one company: the facts the data holds, and what it has bought.

Every line says where the figure comes from (the account's record); a fact the data does not hold
is named once as missing, never printed as "n/a".
"""

from __future__ import annotations

import re

from assistant import formatting as fmt
from tools.accounts.facts import AccountFacts, AccountPurchases

#: How the missing facts are named in the answer.
FACT_NAMES = {
    "industry": "industry",
    "segment": "segment",
    "employees": "employees",
    "annual_revenue": "annual revenue",
    "country": "country",
    "city": "city",
    "year_established": "year established",
    "parent_account": "parent company",
    "owner": "owner",
    "territory": "territory",
}
#: Subsidiaries listed by name (all are counted).
MAX_SUBSIDIARIES = 12


#: The fact a question asks for, and how it is read in the question.
ASKED = (
    ("parent", re.compile(r"\bparent|\bowned by\b|\bowns\b|\bbelongs? to\b|\bpart of\b|\bacquired\b", re.I)),
    ("subsidiaries", re.compile(r"\bsubsidiar(?:y|ies)\b|\bchild(?:ren)? (?:companies|accounts)\b", re.I)),
    (
        "employees",
        re.compile(r"\bemployees?\b|\bheadcount\b|\bstaff\b|\bpeople work|\bhow (?:big|large)\b", re.I),
    ),
    ("revenue", re.compile(r"\brevenue\b|\bturnover\b", re.I)),
    ("industry", re.compile(r"\bindustry\b|\bsector\b|\bvertical\b", re.I)),
    ("location", re.compile(r"\bwhere\b|\bbased\b|\blocated\b|\bhq\b|\bheadquarter", re.I)),
    ("established", re.compile(r"\bfounded\b|\bestablished\b|\bhow old\b", re.I)),
)


def _asked(result: AccountFacts, question: str) -> str | None:
    """The one fact the question asks for, as a sentence (also when the data does not hold it)."""
    f, name = result.firmographics, result.firmographics.name
    key = next((k for k, pattern in ASKED if pattern.search(question)), None)
    place = ", ".join(p for p in (f.city, f.state, f.country) if p)
    told = {
        "parent": f.parent_account
        and f"{name}'s parent company is {fmt.record(f.parent_account, result.parent_account_id)}",
        "subsidiaries": result.subsidiaries
        and f"{name} has {fmt.plural(len(result.subsidiaries), 'subsidiary')}",
        "employees": f.employees.value is not None and f"{name} has {fmt.figure(f.employees)} employees",
        "revenue": f.annual_revenue.value is not None
        and f"{name}'s annual revenue is {fmt.figure(f.annual_revenue)}",
        "industry": f.industry and f"{name} is in {f.industry}",
        "location": place and f"{name} is based in {place}",
        "established": f.year_established and f"{name} was established in {f.year_established}",
    }
    if key is None:
        return None
    if key == "parent" and result.parent_out_of_view:
        return f"{name}'s parent company is outside your view"
    missing = {"parent": "parent company", "subsidiaries": "subsidiaries", "revenue": "annual revenue"}
    return str(told[key]) if told[key] else f"The data records no {missing.get(key, key)} for {name}"


def facts(result: AccountFacts, question: str = "") -> str:
    """What the data says about one company, its parent and its subsidiaries; the fact the question
    asks for first ("parent co of Horizon?": its parent company)."""
    f = result.firmographics
    lead = _asked(result, question)
    headline = f"**{lead}.** What the data holds about {fmt.record(f.name, f.id)}:" if lead else None
    lines = [headline or f"**{fmt.record(f.name, f.id)}**: what the data holds about it."]
    if f.industry or f.segment:
        lines.append(
            f"- Industry: {f.industry or 'not recorded'}" + (f"; segment {f.segment}" if f.segment else "")
        )
    if f.employees.value is not None:
        lines.append(f"- Employees: {fmt.figure(f.employees)}")
    if f.annual_revenue.value is not None:
        lines.append(f"- Annual revenue: {fmt.figure(f.annual_revenue)}")
    place = ", ".join(p for p in (f.city, f.state, f.country) if p)
    if place:
        lines.append(f"- Location: {place}")
    if f.year_established:
        lines.append(f"- Established: {f.year_established}")
    if f.parent_account:
        lines.append(f"- Parent company: {fmt.record(f.parent_account, result.parent_account_id)}")
    elif result.parent_out_of_view:
        lines.append("- Parent company: not in your view")
    if result.subsidiaries:
        shown = [fmt.record(s.name, s.id) for s in result.subsidiaries[:MAX_SUBSIDIARIES]]
        more = len(result.subsidiaries) - len(shown)
        tail = f" and {more} more" if more > 0 else ""
        lines.append(f"- Subsidiaries ({len(result.subsidiaries)}): {', '.join(shown)}{tail}")
        revenues = [s.annual_revenue for s in result.subsidiaries if s.annual_revenue is not None]
        if revenues:
            known = "" if len(revenues) == len(result.subsidiaries) else f" ({len(revenues)} with a figure)"
            lines.append(f"- Subsidiaries' combined annual revenue: {fmt.money(sum(revenues))}{known}")
    if f.owner or f.territory:
        lines.append(
            f"- Owner: {f.owner or 'not in your view'}; territory: {f.territory or 'not in your view'}"
        )
    missing = [
        FACT_NAMES.get(m, m) for m in result.missing if m not in ("owner", "territory", "parent_account")
    ]
    if missing:
        lines.append(f"\n_The data has no {fmt.or_list(missing, 'or')} for {f.name}._")
    return "\n".join(lines)


def purchases(result: AccountPurchases) -> str:
    """What one company has bought: products won there (and owned, when the data says), with dates."""
    name = fmt.record(result.account.name, result.account.id)
    if not result.products and not result.owned:
        return f"**{name} has bought nothing from us that the data records**: {result.basis}, none."
    lines = [f"**{name} has bought {fmt.figure(result.total_won)} from us**: {result.basis}."]
    if result.products:
        lines.append("\n**Won, by product**")
        for p in result.products:
            when = f", {fmt.date(p.first_won)} to {fmt.date(p.last_won)}" if p.first_won else ""
            deals = fmt.plural(p.deals_won, "deal")
            lines.append(f"- {p.product}: {fmt.figure(p.amount)} in {deals}{when}")
    if result.owned:
        lines.append("\n**Owns**")
        for o in result.owned:
            lines.append(f"- {o.product} ({o.status}, {fmt.figure(o.arr)} ARR)")
    return "\n".join(lines)
