"""A row of the previous answer picked by its place in the list: "the second one", "#3", "tell me
more about the first deal", "what about the last one?".

The planner keeps no state between turns, so the list is read back from the answer the thread
shows: its bullet or numbered items, in order, each ending its name with the record's reference
(``- Acme - Core [opportunity/42]: …``, see :func:`assistant.formatting.record`). The picked record
goes into the slot of its kind; a question that asks nothing else about it gets the record's own
answer (a deal's details, an account's profile), and one that asks something the record fits
("draft an account plan for the second one") keeps its intent.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.registry import ENTITY_INTENT, spec_for
from assistant.offline.members import MEMBER_SLOTS
from tools.lexicon import EntityKind

#: A list item that names a record: ``- Name [opportunity/42]…`` or ``2. **Name** [account/7]…``.
ITEM = re.compile(
    r"^[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]+(?:\*\*)?(?P<name>[^\[\n]*?)(?:\*\*)?[ \t]*"
    r"\[(?P<kind>opportunity|account|user|territory)/(?P<id>[\w:.-]+)\]",
    re.M,
)
#: A record named within a line ("— largest: Acme - Core [opportunity/42], Globex - Core [opportunity/7]").
INLINE = re.compile(
    r"(?P<name>[^,:;\[\]\n*]+?)[ \t]*\[(?P<kind>opportunity|account|user|territory)/(?P<id>[\w:.-]+)\]"
)
#: A table row (the breakdown of a measure): its first cell names a member of the dimension.
TABLE_ROW = re.compile(r"^[ \t]*\|[ \t]*(?P<name>[^|\n]*?)[ \t]*\|(?P<rest>.*)\|[ \t]*$", re.M)
SEPARATOR = re.compile(r"^[\s|:-]+$")
#: The slot each kind of listed record goes into.
SLOT_OF: dict[str, tuple[str, EntityKind]] = {
    "opportunity": ("deal", "deal"),
    "account": ("account", "account"),
    "user": ("owner", "person"),
    "territory": ("territory", "territory"),
}
ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "sixth": 5,
    "6th": 5,
    "seventh": 6,
    "7th": 6,
    "eighth": 7,
    "8th": 7,
    "ninth": 8,
    "9th": 8,
    "tenth": 9,
    "10th": 9,
}
#: "number one", "number two": a place in the list, in words.
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
#: Ends of a list, only with a word that cannot be a fresh question ("my top deal", "my last deal").
EDGES = {"top": 0, "last": -1, "bottom": -1}
#: "the big one", "the biggest deal": a list is shown largest first, so its first row; "the lowest
#: one", "the worst one" its last.
LARGEST = {"big": 0, "biggest": 0, "largest": 0}
LOWEST = {"lowest": -1, "worst": -1, "weakest": -1, "smallest": -1, "highest": 0, "best": 0, "strongest": 0}
#: "the oldest one" after deals by days in stage: the list's first row (only in a list of ages).
AGES = {"oldest": 0, "longest": 0, "newest": -1, "youngest": -1}
PLACES = ORDINALS | EDGES
#: A table of ages ("| Deal | Average days in stage |" … "| 403 days |"): ranked oldest first.
AGED_LIST = re.compile(r"^\|[^\n]*\| [\d,]+ days? \|$", re.M)
#: An answer showing part of a longer list ("Showing 10 of 262 accounts", "and 12 more"): its rows
#: are not the set unless the asker cut the list to them.
CUT = re.compile(
    r"\bShowing (?:the \w+ )?\d+ of [\d,]+|\band [\d,]+ more\b|\bThe first [\d,]+\b"
    # "Your 5 largest open deals …, out of 8 open deals"
    r"|\b(?:\d+|\w+) (?:largest|biggest)\b[^\n]*\bout of [\d,]+ ",
    re.I,
)
#: What a listed row is called after its place ("the second one", "the 3rd deal").
ROW = r"(?:one|deal|opp|opportunity|account|company|customer|rep|person|guy|territory|item|row|entry|line)"
ON_THE_LIST = r"\s+(?:on|in|of)\s+(?:the|that|this|your)\s+list"
PLACE = re.compile(
    rf"\b(?P<word>{'|'.join(ORDINALS)})\s+{ROW}\b"
    rf"|\b(?P<edge>{'|'.join(EDGES)})\s+(?:one|item|row|entry|line)\b"
    # "break the top guy down by product": a person shown first (not "my top rep", a fresh question)
    rf"|\bthe\s+(?P<person>{'|'.join(EDGES)})\s+(?:guy|gal|person|seller)\b"
    # "the one at the bottom", "the rep at the top of the list"
    rf"|\bthe\s+{ROW}\s+at\s+the\s+(?P<at>top|bottom)\b"
    rf"|\b(?P<listed>{'|'.join(PLACES)})\s+{ROW}{ON_THE_LIST}"
    rf"|\bthe\s+(?P<largest>{'|'.join(LARGEST)})\s+(?:one|deal|opp|loss|win|account|customer)\b"
    rf"|\bthe\s+(?P<end>{'|'.join(LOWEST)})\s+one\b"
    rf"|\bthe\s+(?P<age>{'|'.join(AGES)})\s+(?:one|deal|opp)\b"
    r"|(?:^|\s)#\s?(?P<hash>\d{1,2})\b"
    r"|\b(?:number|no\.)\s?(?P<number>\d{1,2}|one|two|three|four|five)\b(?! of\b)"
    rf"|^\W*(?:and\s+|ok\s+|what\s+about\s+)?(?:the\s+)?(?P<alone>{'|'.join(PLACES)})\W*$"
    # "what about the lowest?", "and the worst?": the other end of the list just ranked
    rf"|^\W*(?:and\s+|ok\s+|so\s+|what\s+about\s+|how\s+about\s+)?the\s+(?P<bare>{'|'.join(LOWEST)})\W*$",
    re.I,
)


@dataclass(frozen=True)
class Listed:
    """One row of an answer's list: the record's kind, its reference and its name as shown."""

    kind: str
    ref: str
    name: str


def _table_rows(answer: str) -> list[Listed]:
    """The members a table's rows name (its header and separator rows left out)."""
    found = list(TABLE_ROW.finditer(answer))
    # a row followed by a separator is a table's header (an answer of two asks has two tables)
    headers = {i for i in range(len(found) - 1) if SEPARATOR.match(found[i + 1][0])}
    lines = [m for i, m in enumerate(found) if i not in headers and not SEPARATOR.match(m[0])]
    return [Listed(kind="row", ref=m["name"], name=m["name"]) for m in lines if m["name"]]


def rows(answer: str) -> list[Listed]:
    """The records an answer listed, in the order shown, once each: a list of at least two rows
    that start with the record's name (not a labelled fact such as "- Account: Acme [account/5]"),
    or else the rows of its table."""
    shown = _listed(answer) or _table_rows(answer) or _named_inline(answer)
    return shown if len(shown) > 1 else []


def shown_rows(answer: str) -> list[Listed]:
    """The rows an answer showed, however few (one row of a table counts)."""
    return _listed(answer) or _table_rows(answer)


def _listed(answer: str) -> list[Listed]:
    """The records an answer listed as rows starting with the record's name, however few."""
    found: dict[str, Listed] = {}
    for match in ITEM.finditer(answer):
        name = match["name"].strip(" *")
        if name and ": " not in name:
            ref = f"{match['kind']}/{match['id']}"
            found.setdefault(ref, Listed(kind=match["kind"], ref=ref, name=name))
    return list(found.values())


def _named_inline(answer: str) -> list[Listed]:
    """The records of one kind named within the answer's lines, in order (the deals a pipeline
    summary names as each stage's largest): a list only when every record is of one kind."""
    found = {
        f"{m['kind']}/{m['id']}": Listed(kind=m["kind"], ref=f"{m['kind']}/{m['id']}", name=m["name"].strip())
        for m in INLINE.finditer(answer)
    }
    return list(found.values()) if len({row.kind for row in found.values()}) == 1 else []


def place_in(question: str) -> int | None:
    """The position a question picks from a list (0-based, -1 for the last), if it picks one."""
    match = PLACE.search(question)
    if match is None:
        return None
    if match["hash"] or match["number"]:
        number = match["hash"] or match["number"]
        return (int(number) if number.isdigit() else NUMBER_WORDS[number.casefold()]) - 1
    if match["largest"]:
        return LARGEST[match["largest"].lower()]
    if match["end"] or match["bare"]:
        return LOWEST[(match["end"] or match["bare"]).lower()]
    if match["age"]:
        return AGES[match["age"].lower()]
    word = match["word"] or match["edge"] or match["person"] or match["at"]
    word = word or match["listed"] or match["alone"]
    return PLACES[word.lower()]


def pick(question: str, answers: list[str], ascending: bool = False) -> Listed | None:
    """The row that ``question`` picks by position from the last list among ``answers`` (the
    answers shown so far, oldest first): "what about #3" after the details of #2 is the list's third.
    In a list of the bottom few (``ascending``), "the worst one" is the first row."""
    index = place_in(question)
    if index is None:
        return None
    match = PLACE.search(question)
    latest = next((listed for a in reversed(answers) if (listed := _listed(a))), [])
    if len(latest) == 1 and (index in (0, -1) or (match and match["largest"])):
        # "what should he do about the biggest one?" after his one stalled deal: that deal, not the
        # biggest of a longer list shown before it
        return latest[0]
    answer, shown = next(((a, found) for a in reversed(answers) if (found := rows(a))), ("", []))
    if match is not None and match["age"] and not AGED_LIST.search(answer):
        return None  # "the oldest one" after a list by amount: not its first row
    both_ends = len(re.findall(r"^\|---", answer, re.M)) > 1  # the top and the bottom, one table each
    end = match is not None and bool(match["end"] or match["bare"])
    if end and ascending and shown and not both_ends:
        return _as_record(shown[0])
    if match is not None and match["largest"] and shown:
        return _largest(answer, shown)
    if end and index == -1 and CUT.search(answer) and not both_ends:
        # "and the worst one?" after the top 3 of 23: the bottom of the whole ranking, not the third
        return None
    return _as_record(shown[index]) if -len(shown) <= index < len(shown) else None


def named_in_place(question: str, picked: Listed) -> str | None:
    """``question`` with the row it picks by place said as "it" ("who owns the top one" → "who owns
    it"), so the rest is read as about that member, not as a ranking of its own ("top one"); none
    for a deal (its own rules read it) or a place said alone ("the second")."""
    match = PLACE.search(question)
    if match is None or picked.kind == "opportunity" or match["alone"]:
        return None
    before = re.sub(r"\bthe\s+$", "", question[: match.start()], flags=re.I)  # "the top one" → "it"
    return f"{before}it{question[match.end() :]}"


#: "the price ones", "just the enterprise deals", "only the GTX ones": rows of the last table, by name.
THE_NAMED_ONES = re.compile(
    r"\b(?:the|just(?: the)?|only(?: the)?) ([\w'&.-]+(?: [\w'&.-]+){0,3}?)"
    r" (?:ones?|deals|opps|losses|wins)\b",
    re.I,
)
#: Words before "ones" that pick by size or place, not by a row's name.
NOT_A_NAME = frozenset(
    {"big", "bigger", "biggest", "large", "larger", "largest", "small", "smaller", "smallest", "top", "first"}
) | frozenset(
    {"last", "other", "same", "new", "old", "older", "open", "won", "lost", "closed", "two", "three"}
)
#: "just the ones with…": an article or a quantifier names no row either.
NOT_A_NAME |= frozenset({"the", "these", "those", "them", "a", "an", "any", "all", "some"})


def named_row(question: str, answers: list[str]) -> Listed | None:
    """The row of the last table whose name ``question`` picks as "the X ones" ("the price ones"
    after the losses by reason: the row "Price"), when exactly one row is so named."""
    found = THE_NAMED_ONES.search(question)
    if found is None or not answers or set(found[1].casefold().split()) & NOT_A_NAME:
        return None
    shown = _table_rows(answers[-1])
    words = found[1].casefold()
    named = [row for row in shown if row.name.casefold() == words] or [
        row for row in shown if re.search(rf"\b{re.escape(words)}\b", row.name.casefold())
    ]
    return named[0] if len(named) == 1 else None


#: An amount as answers show it: "$80,900", "$1.2M".
AMOUNT = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)([KMB]?)\b")
SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9}


def _leads(line: str, ref: str) -> bool:
    item = ITEM.match(line)
    return item is not None and f"{item['kind']}/{item['id']}" == ref and ": " not in item["name"]


def _largest(answer: str, shown: list[Listed]) -> Listed | None:
    """ "the biggest one": the row with the largest amount on its own line (a list is not always
    shown largest first: the riskiest come first); none when rows share lines (each stage's largest
    named on one line), so the question is read afresh."""
    if all(row.kind == "row" for row in shown):
        # the rows of a table ("top 5 accounts"): the one whose first figure is largest
        sized = {
            row.ref: AMOUNT.search(line[len(row.name) + 3 :])
            for row in shown
            for line in answer.splitlines()
            if line.startswith(f"| {row.name} |")
        }
        if len(sized) != len(shown) or not all(sized.values()):
            return None
        return max(shown, key=lambda row: _scaled(sized[row.ref]))
    lines = {row.ref: [line for line in answer.splitlines() if f"[{row.ref}]" in line] for row in shown}
    # each row a list item of its own, led by the record (not a rep's line naming their largest deals)
    if any(len(found) != 1 or not _leads(found[0], ref) for ref, found in lines.items()):
        return None
    amounts = {row.ref: _scaled(AMOUNT.search(lines[row.ref][0])) for row in shown}
    return max(shown, key=lambda row: amounts[row.ref])


def _scaled(amount: re.Match[str] | None) -> float:
    """An amount as shown ("$1.2M", "$850,000") in dollars; -1 for none."""
    return float(amount[1].replace(",", "")) * SCALE[amount[2]] if amount else -1.0


#: A record's reference inside a table row's name.
RECORD_IN_ROW = re.compile(r"\[(opportunity|account|user)/(\d+)\]")
#: "what else do they buy?", "who's their parent?": the one record the previous answer showed.
THEY = re.compile(
    # "how much did we lose there?": the place or group shown; "are there any…" asks whether any exist
    r"\b(?:they|them|their|theirs|it|its|he|him|his|she|her|hers)\b"
    r"|(?<!\bare )(?<!\bis )(?<!\bwere )(?<!\bwas )\bthere\b"
    # "break that down by quarter" after the one top industry: that industry
    r"|\b(?:break|split) (?:that|this) (?:one )?(?:down|up|out)\b|\b(?:break|split) (?:that|this) one\b"
    # "who are the contacts on that account?" after the one deal shown: its account
    r"|\b(?:that|this|the same) (?:account|company|customer|client)\b"
    # "top accounts in that" after the one industry shown: that industry
    r"|\b(?:in|from|for|at|with|of) (?:that|this)(?: one)?\s*(?:$|[?.!,])"
    # "which account was that?" after the one deal shown: that deal
    r"|\b(?:was|is) (?:that|this)(?: one)?\s*(?:$|[?.!,])"
    # "how'd that month do last year?" after the best month: that month
    r"|\b(?:that|this|the same) (?:month|quarter|qtr|week|year|product|rep|region|office|industry|sector"
    r"|segment|team|country|state|stage|reason)\b",
    re.I,
)


def only_row(question: str, answers: list[str]) -> Listed | None:
    """The record a pronoun in ``question`` points at when the previous answer showed exactly one
    (a ranking cut to its top one): "the biggest one" then "what else do they buy from me?"."""
    if not answers or not THEY.search(question):
        return None
    return single_row(answers)


#: A pronoun for one thing ("there", "her", "it"): "they" after a ranking means all of them.
ONE_OF = re.compile(r"\b(?:it|its|he|him|his|she|her|hers)\b|(?<!\bare )(?<!\bis )\bthere\b", re.I)


def ranked_first(question: str, answers: list[str]) -> Listed | None:
    """The first row of the last answer's ranking that a pronoun points at ("who on my team lost the
    most there" after "which ones the worst": the worst one, shown first)."""
    if not answers or not ONE_OF.search(question):
        return None
    shown = _table_rows(answers[-1])
    return _as_record(shown[0]) if shown else None


def single_row(answers: list[str]) -> Listed | None:
    """The one record or table row the last of ``answers`` showed, if it showed exactly one."""
    if not answers:
        return None
    last = answers[-1]
    shown = _table_rows(last) or [
        Listed(kind=m["kind"], ref=f"{m['kind']}/{m['id']}", name=m["name"].strip(" *"))
        for m in ITEM.finditer(last)
    ]
    return _as_record(shown[0]) if len(shown) == 1 else None


def _as_record(row: Listed) -> Listed:
    """A table's row that names its record ("Groovestreet - GTK 500 [opportunity/7]", a breakdown
    by deal or account) as that record, so "why did we lose the top one" asks about the deal."""
    record = RECORD_IN_ROW.search(row.name) if row.kind == "row" else None
    if record is None:
        return row
    return Listed(kind=record[1], ref=f"{record[1]}/{record[2]}", name=row.name[: record.start()].strip())


#: "compare them", "how do they stack up", "both of them": the members of the last answers, together.
TOGETHER = re.compile(r"\b(?:compare|comparing|vs\.?|versus|side by side|stack up|both)\b", re.I)


def lone_pair(question: str, answers: list[str]) -> tuple[Listed, Listed] | None:
    """The two rows the last two answers showed one each ("who has the highest win rate?", "and the
    lowest?"), when ``question`` sets "them" side by side: "compare them on avg deal size"."""
    if len(answers) < 2 or not (TOGETHER.search(question) and THEY.search(question)):
        return None
    rows = [_table_rows(answer) for answer in answers[-2:]]
    if (
        all(len(shown) == 1 and shown[0].kind == "row" for shown in rows)
        and rows[0][0].name != rows[1][0].name
    ):
        return rows[0][0], rows[1][0]
    return None


#: What a deal's advice is looked up under in the playbook.
DEAL_ADVICE = "next steps to move a deal forward, and how to recover a stalled deal"
#: Breakdowns over time: a row of one names a period.
GRAINS = frozenset({"month", "quarter", "year"})


def _period_of_row(name: str) -> str | None:
    """A time row as a period to ask for: "2017-Q2" as it is, "2017-03" as "March 2017"."""
    if re.fullmatch(r"\d{4}(?:-Q[1-4])?", name):
        return name
    month = re.fullmatch(r"(\d{4})-(\d{2})", name)
    return f"{calendar.month_name[int(month[2])]} {month[1]}" if month and 1 <= int(month[2]) <= 12 else None


#: A period said as the year before the one shown.
YEAR_BEFORE = frozenset({"last year", "previous year", "prior year", "the year before"})


def _year_before(period: str) -> str:
    """ "October 2026" → "October 2025", "2026-Q3" → "2025-Q3", "2026" → "2025"."""
    return re.sub(r"\b(\d{4})\b", lambda year: str(int(year[1]) - 1), period, count=1)


def with_pick(current: Frame, picked: Listed, dimension: str | None) -> Frame:
    """``current`` about the picked record: in its intent when that intent takes the record (an
    account plan for a listed account), else the record's own answer. A listed person or territory,
    or a table row (a member of the ``dimension`` the table broke a measure down by), is left to
    the follow-up rules like a name: "what about the second one?" after a leaderboard."""
    if picked.kind == "row":
        period = _period_of_row(picked.name) if dimension in GRAINS else None
        if period is not None and current.slots.period in YEAR_BEFORE:
            period = _year_before(period)  # "how'd that month do last year?": the same month a year before
        if period is not None:
            # "split that one by office" after the best quarter: that quarter, by office
            return current.model_copy(update={"slots": current.slots.model_copy(update={"period": period})})
        # a team's row is its manager, whose name filters to the team's records
        slot = "owner" if dimension == "team" else next((s for s, d in MEMBER_SLOTS if d == dimension), None)
        if slot is None:
            return current
        # a row of a breakdown in two ("Sofia Fischer · meeting") names the first dimension's member first
        member = picked.name.split(" · ")[0]
        return current.model_copy(update={"slots": current.slots.model_copy(update={slot: member})})
    slot, kind = SLOT_OF[picked.kind]
    value = picked.ref if slot == "deal" else picked.name
    slots = current.slots.model_copy(update={slot: value})
    if slot in ("owner", "territory"):
        return current.model_copy(update={"slots": slots})
    takes = spec_for(current.intent).takes if current.intent is not Intent.UNKNOWN else frozenset()
    # "push the first one out to dec 15": a request about that deal stays a request (a change proposed,
    # or what cannot be done said), never the deal's details as if it were done
    asks_to_act = current.intent in (Intent.ACTION, Intent.CHANGE)
    # "the top one - tell me about the account": the deal's account (found from the deal), not the deal
    of_its_account = (
        slot == "deal"
        and current.intent is not Intent.UNKNOWN
        and not current.implied
        and "account" in spec_for(current.intent).requires
    )
    kept = (slot in takes and not current.implied) or asks_to_act or of_its_account
    intent = current.intent if kept else ENTITY_INTENT[kind]
    # "what should i do about the top one?": that deal, with the playbook's advice on moving it on
    advice = current.advice or (current.intent is Intent.PLAYBOOK and slot == "deal")
    if advice and slot == "deal":
        slots.topic = DEAL_ADVICE
    return current.model_copy(
        update={
            "intent": intent,
            "slots": slots,
            "follow_up": True,
            "readings": [],
            "ambiguity": None,
            "advice": advice,
        }
    )
