"""Answers about one company: the facts the data holds, and what it has bought.

Every line says where the figure comes from (the account's record); a fact the data does not hold
is named once as missing, never printed as "n/a".
"""

from __future__ import annotations

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


def facts(result: AccountFacts) -> str:
    """What the data says about one company, its parent and its subsidiaries."""
    f = result.firmographics
    lines = [f"**{fmt.record(f.name, f.id)}**: what the data holds about it."]
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
