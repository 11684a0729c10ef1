"""Territory design in conversation: who should take a set of accounts ("who should take the new
Denver accounts?", "who should cover Lucas's accounts when he leaves?"), which territory a rep
should take, and saved scenarios set side by side ("compare my two scenarios").

Each is one tool call (``assign_accounts``, ``compare_scenarios``); the answer lists the tool's own
figures and reasons, so nothing in it is the planner's guess.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from assistant import formatting as fmt
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Rendering, phrasing
from assistant.offline.vocabulary import is_common, knows_word
from tools.lexicon import Lexicon
from tools.rebalance.assignment import Assignment
from tools.rebalance.scenarios import ScenarioList
from tools.territory.geo import is_city_name

#: "when Lucas leaves", "Lucas's accounts": the rep whose book is handed over.
LEAVING = re.compile(
    r"\b(?:leav\w*|left|quit\w*|depart\w*|goes|going)\b|\bentperson(?:'s)? (?:accounts|book)\b"
)
#: "which territory should the new hire take?": a seat for a person, not owners for accounts.
SEAT = re.compile(r"\b(?:which|what) (?:territory|patch|region|book)\b.{0,40}\b(?:take|get|cover|own)\b")
SHOWN = 8
#: Where accounts are, around a name: "the new Boston accounts", "accounts in Boston".
PLACED = (r"\b{name}(?:-based)?\s+(?:accounts?|customers?|clients?|companies)\b", r"\b{before}\s+{name}\b")
BEFORE_PLACE = r"(?:in|from|around|near|based in|located in|out of)"
#: The same written in lower case: "the new boston accounts", "accounts in salt lake city".
LOWER_PLACE = re.compile(
    r"\bthe\s+(?:new\s+)?([a-z][a-z.'-]+(?:\s+[a-z][a-z.'-]+){0,2}?)(?:-based)?\s+accounts?\b"
    rf"|\baccounts?\s+{BEFORE_PLACE}\s+([a-z][a-z.'-]+(?:\s+[a-z][a-z.'-]+){{0,2}})\s*[?.!]*$"
)


def _city(frame: Frame, lexicon: Lexicon) -> str | None:
    """The city the question asks about: a city of the asker's accounts (the ``city`` slot), or a
    place none of them is in, as written ("the new Boston accounts" from someone with no account in
    Boston; a city not in the data at all). The tool then says plainly that no account they may
    assign is there, rather than answering for other accounts."""
    slots = frame.slots
    if slots.city or slots.state:
        return slots.city
    known = {a.name.casefold() for a in lexicon.accounts}
    name = slots.account
    if name and name.casefold() not in known:
        patterns = [p.format(name=re.escape(name), before=BEFORE_PLACE) for p in PLACED]
        if any(re.search(p, frame.question, re.IGNORECASE) for p in patterns):
            return name
        return None
    if slots.industry or slots.segment or slots.tier:
        return None  # "the new energy accounts": an industry's
    match = LOWER_PLACE.search(frame.question.strip())
    words = (match[1] or match[2]).split() if match else []
    # in lower case a name is only a city when a city somewhere has it ("boston", not "strategic")
    if words and is_city_name(" ".join(words)) and not all(is_common(w) or knows_word(w) for w in words):
        return " ".join(w.capitalize() for w in words)
    return None


def _assign(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    slots, question = frame.slots, frame.question.lower()
    person = slots.owner
    if person and SEAT.search(question):
        return [Call("assign_accounts", {"rep": person})]
    leaving = person if person and LEAVING.search(question.replace(person.lower(), "entperson")) else None
    territory = slots.territory or slots.region
    city = _city(frame, lexicon)
    return [Call("assign_accounts", given(city=city, from_rep=leaving, territory=territory))]


def _compare(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("compare_scenarios", {})]


def _write_assignment(output: Assignment, answering: Answering) -> str:
    if output.territories:
        lines = [
            f"- **{t.territory}** (fit {t.score:.2f}): {'; '.join(t.reasons)}" for t in output.territories
        ]
        return "\n".join([f"**Where {answering.args.get('rep', 'they')} fits best**", *lines[:SHOWN]])
    if output.unmatched_city:
        # said plainly, with what can be asked instead; never an answer for other accounts
        return output.note or f"No account you may assign is in {output.unmatched_city}."
    if not output.accounts:
        return f"**No account matches** what was asked ({output.note or 'nothing to assign'})."
    head = f"**Proposed owners for {fmt.plural(output.account_count, 'account')}** ({output.method})"
    lines = [
        f"- {m.account} [{m.id}] ({m.city or m.territory}, potential {fmt.money(m.potential)}, now "
        f"{m.current_owner}): **{m.best.rep}** — {'; '.join(m.best.reasons)}"
        + (f" (next: {', '.join(a.rep for a in m.alternatives)})" if m.alternatives else "")
        for m in output.accounts[:SHOWN]
    ]
    more = (
        [f"_{len(output.accounts) - SHOWN} more are in the tool's result._"]
        if len(output.accounts) > SHOWN
        else []
    )
    note = [f"_{output.note}_"] if output.note else []
    return "\n".join([head, "", *lines, *more, *note])


def _write_scenarios(output: ScenarioList, answering: Answering) -> str:
    if not output.scenarios:
        return (
            output.note
            or "There is no saved scenario to compare yet (`salesplan territory scenario create`)."
        )
    head = f"**{fmt.plural(len(output.scenarios), 'scenario')}, side by side**"
    rows = [
        "| Scenario | Status | Moves | Customers moved | Potential moved | Worst deviation before → after |",
        "|---|---|---|---|---|---|",
        *(
            f"| {s.name} | {s.status} | {s.moves} | {s.customers_moved} | {fmt.money(s.potential_moved)} | "
            f"{s.worst_deviation_before:.0%} → {s.worst_deviation_after:.0%} |"
            for s in output.scenarios
        ),
    ]
    note = [f"_{output.note}_"] if output.note else []
    return "\n".join([head, "", *rows, *note])


ASSIGN = IntentSpec(
    Intent.ASSIGN,
    example="Who should take the new Denver accounts?",
    route=_assign,
    renders=(Rendering(Assignment, _write_assignment),),
    takes=frozenset({"person", "territory", "region"}),
    phrasings=(
        phrasing(
            9,
            r"\bwho should (?:take|get|cover|own|inherit|pick up|handle|work)\b.{0,40}\baccounts?\b",
            r"\bwho (?:gets|takes|inherits) (?:the )?(?:new |entperson(?:'s)? )?.{0,30}\baccounts?\b",
            r"\b(?:assign|hand out|distribute|split)\b.{0,30}\b(?:new |the )?accounts?\b.{0,20}"
            r"\b(?:to|between|among)\b",
            SEAT.pattern,
        ),
    ),
)

SCENARIOS = IntentSpec(
    Intent.SCENARIOS,
    example="Compare my two scenarios",
    route=_compare,
    renders=(Rendering(ScenarioList, _write_scenarios),),
    phrasings=(phrasing(10, r"\bscenarios?\b"),),
)

SPECS = (ASSIGN, SCENARIOS)
