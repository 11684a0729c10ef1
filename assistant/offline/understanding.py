"""Understanding one question on its own: names, slots and intent, as a :class:`Frame`.

Steps (each in its own module):

1. names in the data (:mod:`entities`): people, accounts, territories, regions, products, in
   the viewer's scope; the viewer's own name counts as "me";
2. slots that are not names (:mod:`slots`): period, amounts, top-N, grouping, stage, rule…;
3. capitalised words that match nothing in scope are kept as *unknown names* and passed to the
   tool as written, so the tool answers "no account named …" exactly as for a name that does
   not exist — the planner never reveals whether something exists outside the viewer's scope;
4. the intent (:mod:`scoring`), scored on the text with names replaced by their kind.

Whether the question continues the previous one is decided later, by :mod:`followups`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.offline.actions import GAPS
from assistant.offline.answers_measures import BRIEF
from assistant.offline.breakdowns import dimension_named
from assistant.offline.cohorts import read_cohort
from assistant.offline.comparisons import LAST_YEAR, PREVIOUS
from assistant.offline.dates import rewrite as rewrite_dates
from assistant.offline.each_of import bought_each
from assistant.offline.entities import EntityIndex, Mention, find_mentions, unknown_names
from assistant.offline.exclusions import read_exclusions
from assistant.offline.frame import Ambiguity, Frame, Intent, Slots
from assistant.offline.intents.accounts import account_order
from assistant.offline.intents.deals import category_deals
from assistant.offline.intents.knowledge import definition_term
from assistant.offline.intents.measures import fill as fill_measure
from assistant.offline.intents.measures import prefer_query
from assistant.offline.intents.registry import DATA_INTENTS, needing, taking
from assistant.offline.measures import read_metric_question
from assistant.offline.members import families_named, named_beside, product_lines
from assistant.offline.period_slots import Span
from assistant.offline.places import unknown_place
from assistant.offline.scoring import ASKS_WHAT_TO_DO, ENTITY_WEIGHT, best, score, unsure
from assistant.offline.slots import extract_slots
from assistant.offline.strangers import (
    demote_partial,
    out_of_sight,
    regions_named_more,
    unknown_phrases,
)
from assistant.offline.thresholds import min_records, nobody, threshold
from assistant.offline.verdicts import total_bar
from assistant.offline.vocabulary import (
    correct_before_reading,
    correct_typos,
    is_common,
    knows_word,
    normalise,
    tokens,
)
from knowledge.stemming import porter_stem
from tools.deals.stalled_rules import RULES as STALL_RULES
from tools.deals.stalled_rules import Rule
from tools.errors import InputError
from tools.lexicon import EntityKind, Lexicon
from tools.period_spans import ALL_TIME
from tools.periods import parse_period
from tools.store.schema import Role

SELF = re.compile(r"\b(?:my|me|mine|myself|i|i'm|i've|am i|our|ours|we|us)\b")
#: "tell me", "show me": "me" as the one being told, not the one asked about.
TOLD = re.compile(r"\b(?:tell|show|give|brief|let|help|remind|send|walk|get|prep|prepare|find|list) me\b")
OPPORTUNITY_ID = re.compile(
    r"\bopportunity/(\d+)\b|\b(?:deal|opportunity|opp) (?:#|no\.? ?|number |id )?(\d+)\b", re.I
)
#: A deal's id in the source CRM: letters and digits together, after "deal" or "#" ("4XLLUO6J").
SOURCE_ID = re.compile(
    r"\b(?:deal|opportunity|opp)\s+(?:#|id\s+)?((?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{6,20})\b"
    r"|(?:^|\s)#((?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{6,20})\b"
)
QUOTED = re.compile(r"[\"“‘]([^\"”’]{3,80})[\"”’]")
PLAYBOOK_FLUFF = re.compile(
    r"^.*?\b(?:playbook|guide|guidelines)\b"
    r"(?:\s+(?:say|says|said|recommend|recommends|suggest|suggests|tell us|have|has))?"
    r"(?:\s+(?:about|on|for|regarding))?\s*|^(?:search|look up|find|check)\s+(?:the\s+)?",
    re.I,
)
#: The words asking the playbook itself ("what does the playbook say to do with"), cut from a topic.
PLAYBOOK_ASKED = re.compile(
    r"\b(?:what|how)\s+(?:does|do|did|would|should|can)\s+(?:the\s+|our\s+)?(?:playbook|guide|guidelines)"
    r"(?:\s+(?:say|says|recommend|recommends|suggest|suggests|tell us))?"
    r"(?:\s+(?:about|on|for|to do(?: with| w)?))?(?:\s+(?:them|it|those|these|that))?",
    re.I,
)
METRIC_WORDS = (
    ("win rate", "Win rate"),
    ("coverage", "Pipeline coverage"),
    ("attainment", "Quota attainment"),
    ("booking", "Bookings (closed won)"),
    ("cycle", "Median sales cycle"),
    ("deal size", "Average won deal size"),
    ("weighted", "Weighted pipeline"),
    ("gap", "Gap to quota"),
    ("conversion", "Stage conversion"),
    ("quota", "Quota"),
    ("pipeline", "Open pipeline"),
)
#: Readings the planner may offer when a question supports two of them weakly.
READABLE = frozenset(
    {
        Intent.STALLED,
        Intent.PIPELINE,
        Intent.TOP_DEALS,
        Intent.FORECAST,
        Intent.PERFORMANCE,
        Intent.ACCOUNTS,
        Intent.TERRITORY,
        Intent.TERRITORIES,
        Intent.PLAYBOOK,
    }
)
#: Vague asks about how things stand ("my numbers", "status?", "quick update"): two readings are offered.
VAGUE = re.compile(r"\b(?:numbers|status|update|overview|snapshot|recap|how (?:are|am) (?:we|i) looking)\b")
#: Intents that need one account, and those where a person's name narrows the answer.
NEEDS_ACCOUNT = needing("account")
OWNER_INTENTS = taking("person")
#: Intents that take one deal by its id besides the deal's details ("win probability for deal 42").
ABOUT_DEALS = taking("deal")


@dataclass
class Prepared:
    """The question with its names found, and the text the intent rules read."""

    mentions: list[Mention]
    #: Names that matched nothing in scope: possessives ("Zed's deals") and the others.
    unknown_owners: list[str]
    unknown_names: list[str]
    slots: Slots
    text: str
    about_me: bool


def _mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    for start, end, word in sorted(spans, reverse=True):
        text = f"{text[:start]} {word} {text[end:]}"
    return text


def _inside_a_value(family: tuple[str, int, int], values: list[str], text: str) -> bool:
    """ "financial services": a family's word inside an industry's name is part of that name."""
    _, start, end = family
    return any(
        m.start() <= start and end <= m.end()
        for value in values
        for m in re.finditer(rf"\b{re.escape(value.casefold())}\b", text)
    )


def _begins_a_product(family: tuple[str, int, int], mentions: list[Mention], question: str) -> bool:
    """ "mg advnced": a family's word right before a product of that family (its name misspelt, so
    found from the second word) is the start of the product's name, not a second filter."""
    name, _, end = family
    return any(
        m.kind == "product"
        and m.resolved is not None
        and m.start >= end  # the product's name goes on after the family's word ("GTK" alone is the family)
        and not question[end : m.start].strip()
        and m.resolved.name.casefold().startswith(name.casefold())
        for m in mentions
    )


def prepare(question: str, lexicon: Lexicon, index: EntityIndex) -> Prepared:
    question = rewrite_dates(correct_before_reading(question), lexicon.as_of)
    words = tokens(question)
    mentions, strangers = demote_partial(find_mentions(question, index, index.keys()), words)
    territories = regions_named_more(mentions, words)
    explained = [(m.start, m.end) for m in mentions] + [(s, e) for _, s, e, _ in (*strangers, *territories)]
    hidden_people, hidden_places = out_of_sight(words, lexicon, explained)
    strangers += hidden_people  # "how's kenji tracking?" asked by someone who cannot see Kenji
    territories += hidden_places  # "the west team's pipeline" asked from the Central office
    about_me = bool(SELF.search(TOLD.sub(" ", question.lower())))
    skip: list[Span] = [(start, end) for _, start, end, _ in territories]
    for mention in [m for m in mentions if m.kind == "person" and m.resolved is not None]:
        if mention.resolved is not None and mention.resolved.key == lexicon.viewer.user_id:
            mentions.remove(mention)
            skip.append((mention.start, mention.end))
            about_me = True
    lines = product_lines(question.lower(), lexicon)
    others = [m for m in mentions if m.kind == "product" and not any(s <= m.start < e for _, s, e in lines)]
    if len(lines) > 1 or others:
        lines = []  # "GTX Plus vs GTX Pro": set side by side as before, not one filter of them all
    families = [
        f
        for f in families_named(question.lower(), lexicon)
        if not any(s <= f[1] < e for _, s, e in lines)
        and not _begins_a_product(f, mentions, question)
        and not _inside_a_value(f, lexicon.industries, question.lower())
    ]
    # "GTX Plus deals": the products of that line (their names begin with the words), not one of them
    mentions = [m for m in mentions if not any(s <= m.start < e for _, s, e in lines)]
    if families:
        # "the MG series vs GTX": families, not the products whose names begin with them
        mentions = [m for m in mentions if not any(s <= m.start < e for _, s, e in families)]
    blank = list(question.lower())
    for m in mentions:
        blank[m.start : m.end] = " " * (m.end - m.start)
    extracted = extract_slots("".join(blank), lexicon, question)
    if lines:
        extracted.slots.any_of = {"product": lines[0][0]}
        extracted.spans += [(s, e) for _, s, e in lines]
    if families:
        extracted.slots.product_family = families[0][0]
        if len(families) > 1 and extracted.slots.others_slot is None:
            extracted.slots.others, extracted.slots.others_slot = (
                [f for f, _, _ in families[1:]],
                "product_family",
            )
        extracted.spans += [(s, e) for _, s, e in families]
    skip += extracted.spans
    skip += [(m.start(), m.end()) for m in OPPORTUNITY_ID.finditer(question)]
    skip += [(start, end) for _, start, end, _ in strangers]
    unknown = strangers + [
        _as_subject(u, question) for u in unknown_phrases(unknown_names(question, mentions, skip), question)
    ]
    values = {v.casefold() for v in (extracted.slots.industry, extracted.slots.segment) if v}
    # "accounts in Manufacturing": the industry named, not an account called "Manufacturing"
    unknown = [u for u in unknown if u[0].casefold() not in values]
    # "whats the commission payout for my team": a figure the product says it cannot give, no name
    unknown = [u for u in unknown if not any(gap.pattern.search(u[0].casefold()) for gap in GAPS)]
    masks = [(m.start, m.end, f"ent{m.kind}") for m in mentions]
    masks += [
        (start, end, "entperson" if (p, start, end, True) in strangers else "entunknown")
        for p, start, end, _ in unknown
    ]
    masks += [(start, end, "entterritory") for _, start, end, _ in territories]
    # "pipeline from companies over $1B revenue": the size of the companies, not a measure of ours
    masks += [(start, end, "entsize") for start, end in extracted.sized]
    protected = {w for m in mentions for w in normalise(m.phrase).split()}
    text = correct_typos(_mask(question, masks).lower(), protected)
    text = " ".join(text.replace("’", "'").split())
    text = re.sub(r"(ent[a-z]+) ?'s?\b", r"\1", text)
    slots = extracted.slots
    if slots.stage is not None:
        text = _stage_as_kind(text, slots.stage, lexicon)
    if territories:
        slots.territory = territories[0][0]
    possessive = [p for p, _, _, pos in unknown if pos]
    plain = [p for p, _, _, pos in unknown if not pos]
    return Prepared(mentions, possessive, plain, slots, text, about_me)


def _stage_as_kind(text: str, stage: str, lexicon: Lexicon) -> str:
    """``text`` without a stage named as the kind of deal ("the oldest engaging deal", "my biggest
    negotiation opps"): read as "the oldest deal", the stage kept as its filter."""
    names = [n for s in lexicon.stages.open_stages if s.name == stage for n in (s.name, *s.aliases)]
    if not names:
        return text
    named = "|".join(re.escape(name.casefold()) for name in names)
    return re.sub(rf"\b(?:{named})[- ](?=(?:deals?|opps?|opportunit(?:y|ies))\b)", "", text)


def _fill_names(frame: Frame, prepared: Prepared, lexicon: Lexicon) -> None:
    slots = frame.slots
    for mention in prepared.mentions:
        names = mention.names
        chosen = names[0] if len(names) == 1 else None
        if mention.kind == "region":
            inside = sorted(t.name for t in lexicon.territories if t.detail == mention.candidates[0].name)
            if (
                frame.intent in (Intent.TERRITORIES, Intent.PERFORMANCE, Intent.REBALANCE)
                or read_metric_question(prepared.text) is not None
                # "just west, by rep": the region, broken down (the metric query filters by it)
                or dimension_named(prepared.text) is not None
            ):
                # "weighted pipeline for the East region": the metric query filters by region
                if slots.region is not None and slots.region != names[0]:
                    if slots.others_slot in (None, "region"):  # "East vs West": both, side by side
                        slots.others, slots.others_slot = [*(slots.others or []), names[0]], "region"
                    continue
                slots.region = names[0]
            elif len(inside) == 1:
                slots.territory = slots.territory or inside[0]
            elif frame.ambiguity is None and inside:
                frame.ambiguity = Ambiguity(kind="territory", phrase=mention.phrase, candidates=inside)
            continue
        slot = {"person": "owner", "account": "account", "territory": "territory", "product": "product"}[
            mention.kind
        ]
        current = getattr(slots, slot)
        if current is not None and chosen is not None and chosen != current:
            if slots.others_slot in (None, slot):  # "compare Kenji and Emil", "East vs West"
                slots.others = [*(slots.others or []), chosen]
                slots.others_slot = slot
            continue
        if current is not None:
            continue
        if chosen is None:
            if frame.ambiguity is None:
                kind = mention.kind
                frame.ambiguity = Ambiguity(kind=kind, phrase=mention.phrase, candidates=names)
            continue
        setattr(slots, slot, chosen)


#: "how does my team compare to Morgan's?", "me vs Kenji on win rate": the asker is one side.
COMPARING = re.compile(r"\b(?:compare[sd]?|comparison|vs\.?|versus|against|stack(?:s)? up|than)\b")


def _me_against(frame: Frame, prepared: Prepared, lexicon: Lexicon) -> None:
    slots = frame.slots
    if not (prepared.about_me and slots.owner and not slots.others and COMPARING.search(prepared.text)):
        return
    if slots.owner == lexicon.viewer.name:
        return
    slots.others, slots.others_slot, slots.owner = [slots.owner], "owner", lexicon.viewer.name


#: "does kenji jensen have", "is avery silva at": a name that does or has something is a person's.
SUBJECT_BEFORE = re.compile(r"\b(?:does|did|has|is|was|will|can)\s+$")
SUBJECT_AFTER = re.compile(
    r"^\s+(?:have|has|got|get|own|hold|book|booked|close|closed|win|won|sell|sold|at|doing|tracking|sitting)\b"
)


def _as_subject(phrase: tuple[str, int, int, bool], question: str) -> tuple[str, int, int, bool]:
    """An unknown name that is the subject of a verb of having or doing is read as a person's."""
    name, start, end, possessive = phrase
    lowered = question.lower()
    subject = SUBJECT_BEFORE.search(lowered[:start]) and SUBJECT_AFTER.match(lowered[end:])
    # "how does my win rate compare to darcels?": one's own figure set against someone else's
    against = SET_AGAINST.search(lowered[:start]) and re.search(r"\b(?:my|mine|me|i)\b", lowered[:start])
    return (name, start, end, possessive or subject is not None or bool(against))


#: Right before a name a figure is set against: "compare to", "vs", "than".
SET_AGAINST = re.compile(
    r"\b(?:compared?|comparing|stack(?:s)? up)\s+(?:to|with|against)\s+$|\b(?:than|vs\.?|versus)\s+$"
)


def place_unknown(frame: Frame, owners: list[str], names: list[str]) -> None:
    """Give a name that matched nothing to the slot the intent needs, as the user wrote it.

    A possessive ("Zed's deals") is a person wherever the intent takes one; any other unknown
    name fills the one name the intent needs (an account, a deal, a territory, a person). A name
    the intent has no slot for is kept in ``frame.unplaced`` for a follow-up to place.
    """
    slots, intent = frame.slots, frame.intent
    raw = names[0] if names else None
    if owners:
        if intent in OWNER_INTENTS and slots.owner is None:
            slots.owner = owners[0]
        else:
            raw = raw or owners[0]
    if raw is None:
        return
    if intent in NEEDS_ACCOUNT and slots.account is None:
        slots.account = raw
    elif intent is Intent.DEAL:
        slots.deal = raw
    elif (
        intent in (Intent.TERRITORY, Intent.BALANCE, Intent.REBALANCE, Intent.TERRITORY_PLAN)
        and slots.territory is None
    ):
        slots.territory = raw
    elif intent in (Intent.PERFORMANCE, Intent.FORECAST, Intent.ROSTER) and slots.owner is None:
        slots.owner = raw  # "is Moses on track?": a forecast is a person's or a team's, never an account's
    elif intent in OWNER_INTENTS and slots.account is None and slots.owner is None:
        slots.account = raw
    elif intent is Intent.UNKNOWN or frame.implied:
        frame.unplaced = [raw]
        frame.unplaced_possessive = raw not in names


def _deal_reference(frame: Frame, question: str) -> None:
    match = OPPORTUNITY_ID.search(question)
    if match and frame.intent is not Intent.ACTION:
        frame.slots.deal = f"opportunity/{match[1] or match[2]}"
        frame.intent = frame.intent if frame.intent in ABOUT_DEALS else Intent.DEAL
        return
    source = SOURCE_ID.search(question)
    if source and frame.intent is not Intent.ACTION and not frame.slots.deal:
        # "status of deal 4XLLUO6J", "what's #O00002939?": the deal by its id in the source CRM
        frame.slots.deal = source[1] or source[2]
        frame.intent = Intent.DEAL
        frame.ambiguity = None
        return
    quoted = QUOTED.search(question)
    if frame.intent is Intent.DEAL and quoted:
        frame.slots.deal = quoted[1].strip()


def _stems(text: str) -> set[str]:
    """Porter stems of the words of ``text`` that are not common ("threading", "threaded": "thread")."""
    return {porter_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and not is_common(w)}


def _topic(frame: Frame, question: str, companies: list[str]) -> None:
    term = definition_term(question) if frame.intent is Intent.PLAYBOOK else None
    if term is not None:
        frame.slots.topic = frame.slots.term = term
    elif frame.intent is Intent.PLAYBOOK or frame.advice:
        topic = PLAYBOOK_FLUFF.sub("", question.strip()).strip(" ?.!")
        if len(_stems(topic)) < 2:
            # "got a pile of old Engaging deals, what does the playbook say to do w them?": the
            # situation is told before the playbook is named, so it is the topic
            topic = " ".join(PLAYBOOK_ASKED.sub(" ", question.strip()).split()).strip(" ?.!,")
        for company in companies:
            # "the CFO at Vanguard says we're too expensive": the playbook knows the situation, not
            # the company, whose name would only dilute the search
            topic = re.sub(rf"\s*\b(?:at|with|from|for|on)?\s*{re.escape(company)}\b", "", topic, flags=re.I)
        frame.slots.topic = topic if len(topic) >= 3 else question.strip(" ?.!")
        if NEEDS_ASKED.search(question.lower()) and "criteria" not in frame.slots.topic:
            # "what do we need for a deal to be in commit?": the playbook's criteria for it
            frame.slots.topic += " (criteria)"
        if frame.intent is Intent.PLAYBOOK and frame.slots.rule in STALL_RULES:
            # "a deal that went dark": the playbook names the situation by its rule's title
            title = STALL_RULES[Rule(frame.slots.rule)][0].lower()
            if not _stems(title) & _stems(frame.slots.topic):
                frame.slots.topic += f" ({title})"
    if frame.intent in (Intent.METRICS, Intent.PERFORMANCE):
        lower = question.lower()
        frame.slots.metric = next((name for word, name in METRIC_WORDS if word in lower), None)


#: What an open stage or a forecast category named without a keyword adds to the pipeline.
STAGE_WEIGHT = ENTITY_WEIGHT + 0.5
#: Slots that, filled in a question with no keyword, say what it asks for.
NAMED_ALONE = (
    (("stage", "forecast_category"), Intent.PIPELINE),
    (
        (
            "established_before",
            "established_after",
            "min_employees",
            "max_employees",
            "min_revenue",
            "max_revenue",
            "industry",
            "segment",
            "tier",
        ),
        Intent.ACCOUNTS,
    ),
)


def understand(question: str, lexicon: Lexicon, index: EntityIndex) -> Frame:
    """The frame of ``question`` read on its own (no thread)."""
    prepared = prepare(question, lexicon, index)
    kinds = [m.kind for m in prepared.mentions]
    scores = score(prepared.text, kinds)
    keywords = any(score(prepared.text, []).values())
    if not keywords:
        # "what's in negotiation for me?", "what does Kenji have in commit?": an open stage or a
        # forecast category named with no other keyword asks for the deals in it (over a person's
        # name alone, which asks how they are doing); "companies founded after 2010 in healthcare":
        # a trait of companies asks for the accounts that have it
        for slots, meant in NAMED_ALONE:
            if any(getattr(prepared.slots, slot) is not None for slot in slots):
                scores[meant] += STAGE_WEIGHT
                break
    intent = best(scores, prepared.text)
    frame = Frame(intent=intent, slots=prepared.slots, about_me=prepared.about_me, question=question)
    frame.implied = intent is not Intent.UNKNOWN and not keywords
    frame.advice = (
        intent in DATA_INTENTS
        and intent is not Intent.PLAYBOOK
        and bool(ASKS_WHAT_TO_DO.search(prepared.text))
    )
    frame.brief = bool(BRIEF.search(prepared.text))
    _fill_names(frame, prepared, lexicon)
    read_exclusions(prepared.text, frame.slots, lexicon)
    _me_against(frame, prepared, lexicon)
    fill_measure(frame.slots, prepared.text)
    prefer_query(frame, prepared.text, sees_company=lexicon.viewer.role not in (Role.REP, Role.MANAGER))
    if read_cohort(frame, prepared.text):
        pass  # "how many opps created in October are still open?": those deals, by what they became
    elif nobody(frame, prepared.text):
        pass  # "which agents have no deals at all?": each rep's count, only those with none
    elif frame.intent in (Intent.MEASURE, Intent.PERFORMANCE, Intent.ACCOUNTS) and frame.slots.owner is None:
        threshold(frame, prepared.text)  # "who's under 50% attainment?": those reps only
    elif (
        frame.intent is Intent.FORECAST and frame.slots.owner is None and PEOPLE_COUNTED.search(prepared.text)
    ):
        threshold(frame, prepared.text)  # "how many reps are under 50% of their q4 quota?": those reps
    if frame.intent is Intent.MEASURE:
        min_records(frame, prepared.text)  # "bottom 3 by win rate, min 20 closed"
    if (
        frame.intent in (Intent.WHITESPACE, Intent.PURCHASES)
        and frame.slots.product
        and frame.slots.account is None
        and frame.ambiguity is None
    ):
        # "Premium Support whitespace in my book: who's never bought it?": the accounts without it
        frame.intent = Intent.ACCOUNTS
    if frame.intent is Intent.FORECAST and category_deals(frame, prepared.text):
        frame.intent = Intent.TOP_DEALS  # "what's in commit?": the deals in it, largest first
    open_deals_ranked = (
        frame.slots.dimension == "deal" and frame.slots.ranking and frame.slots.measure == "open_pipeline"
    )
    if open_deals_ranked and frame.intent in (Intent.PIPELINE, Intent.ACCOUNT, Intent.UNKNOWN):
        # "biggest 10 deals in the pipe", "the biggest deal in Avery's pipe and who owns it": the deals
        # themselves, largest first (each with its owner), not the pipeline by stage
        frame.intent = Intent.TOP_DEALS
    if frame.intent is Intent.TOP_DEALS and frame.slots.limit is None and ONE_DEAL.search(prepared.text):
        frame.slots.limit = 1  # "the biggest single deal on the team": one deal, not the top few
    if frame.intent is intent and not frame.slots.measure:
        frame.readings = unsure(scores, intent, READABLE)
    if frame.intent is Intent.UNKNOWN and VAGUE.search(prepared.text):
        # "my numbers", "status?": how they are doing, or what is in the pipeline
        frame.readings = [Intent.PERFORMANCE, Intent.PIPELINE]
    if intent in NEEDS_ACCOUNT and frame.slots.account is None and frame.ambiguity is None:
        # "tell me about Darcel": a profile of a person or a territory is what the name means
        for kind, fallback in (("owner", Intent.PERFORMANCE), ("territory", Intent.TERRITORY)):
            if getattr(frame.slots, kind) is not None and not prepared.unknown_names:
                frame.intent = fallback
                break
    # "Enterprise vs Mid-Market vs SMB": a segment (or industry) named is not an unknown name too
    members = {
        str(value).casefold()
        for value in (
            frame.slots.segment,
            frame.slots.industry,
            frame.slots.country,
            *(frame.slots.others or []),
        )
        if value
    }
    names = [name for name in prepared.unknown_names if name.casefold() not in members]
    place_unknown(frame, prepared.unknown_owners, names)
    _no_such_place(frame, question, lexicon)
    _no_such_member(frame, question, lexicon)
    _accounts_by_deals(frame, prepared.text, lexicon)
    bought_each(frame, prepared.text)  # "which accounts bought both GTK 500 and MG Advanced?"
    _quiet_accounts(frame, prepared.text)
    _categories_by(frame, prepared.text)
    _wider_than_seen(frame, prepared.text, lexicon)
    _places_compared(frame, prepared.text)
    _read_plainly(frame, prepared.text)
    total_bar(frame, prepared.text)  # "is my team's win rate above 30%?": the total against it
    _deal_reference(frame, question)
    _topic(frame, question, [m.phrase for m in prepared.mentions if m.kind == "account"])
    return frame


#: A group wider than one's own asked for: "the whole team's win rate", "company-wide", "everyone's".
WIDER = re.compile(
    r"\b(?:the )?(?:whole|entire|full) (team|company|org|organi[sz]ation)\b|\b(company|org)[- ]wide\b"
    r"|\b(team)[- ]wide\b|\b(?:everyone|everybody)(?:'s)?\b|\ball (?:the )?(reps)\b|\bthe (team)'s\b"
    # "better than the company average", "vs the company's": the company's own figure
    r"|\b(?:the |our )?(company|org)(?:'s)? (?:average|avg|rate|figure|number|overall|as a whole)\b"
    r"|\b(?:than|vs\.?|versus|against|to) (?:the |our )?(company|org)(?:'s)?\b"
)


def _wider_than_seen(frame: Frame, text: str, lexicon: Lexicon) -> None:
    """ "what's the whole team's win rate?" from a rep: the figure over what they can see, with the
    answer saying the team's is not theirs to see (never their own figure as if it were the team's)."""
    found = WIDER.search(text)
    role = lexicon.viewer.role
    if found is None or role not in (Role.REP, Role.MANAGER) or frame.slots.owner is not None:
        return
    group = next((g for g in found.groups() if g), "team")
    wider = "company" if group in ("company", "org", "organisation", "organization") else "team"
    if role is Role.MANAGER and wider == "team":
        return  # a manager sees their team
    if frame.intent in (Intent.PERFORMANCE, Intent.MEASURE) and frame.slots.measure:
        frame.intent, frame.slots.wider = Intent.MEASURE, wider


#: "when did we last win something there?", "our latest win", "most recent deal we won": a date asked.
LAST_WON = re.compile(
    r"\bwhen (?:did|was|were|have) (?:we |i |you |they |he |she )?(?:last|most recently) "
    r"(?:win|won|close|closed|sell|sold|book|booked)\b"
    r"|\b(?:last|latest|most recent) (?:win|won deal|deal (?:we |i )?won|sale)\b"
)


def _read_plainly(frame: Frame, text: str) -> None:
    """Slots that read together as something else than each alone: a kind of account asked for its
    facts is those accounts, both ends of who is behind is everyone, a forecast's "closed" its line,
    the last win a date."""
    asked = frame.slots
    if frame.intent is Intent.MEASURE and asked.measure == "won_revenue" and LAST_WON.search(text):
        # each win by the day it closed, the latest last (all time unless a period is named)
        asked.dimension, asked.then_by, asked.limit, asked.ranking = "day", "deal", None, None
        asked.period = asked.period or "all time"
    traits = any(getattr(asked, t) for t in ("industry", "segment", "country", "state", "city", "tier"))
    if frame.intent is Intent.ACCOUNT_FACTS and asked.account is None and traits:
        # "list the retail ones with their annual revenue": the accounts of that kind, with their facts
        frame.intent = Intent.ACCOUNTS
    if asked.both_ends and asked.measure == "attainment" and 1.0 in (asked.below, asked.above):
        # "who is furthest behind their number? the bottom 3 and the top 3": both ends of everyone
        asked.below = asked.above = None
    if frame.intent is Intent.FORECAST and asked.measure == "closed_deals":
        asked.measure = None  # "q4 forecast - closed, commit and best case": the forecast's lines


def _places_compared(frame: Frame, text: str) -> None:
    """ "how does the East office compare with West?", "is EMEA ahead of NA?": two places (products,
    segments…) set side by side, by what they booked, not the scorecards of the people in the first."""
    slots = frame.slots
    if (
        frame.intent in (Intent.ACCOUNT, Intent.ACCOUNT_FACTS)
        and slots.others_slot == "account"
        and slots.account
    ):
        # "is Kan-code bigger than Konex?": the two companies side by side, with their size and revenue
        names = [slots.account, *(slots.others or [])]
        frame.intent = Intent.ACCOUNTS
        frame.slots = Slots(any_of={"account": names}, limit=len(names))
        return
    places = slots.others and slots.others_slot not in (None, "owner")
    # "did my team win more in Q3 than in Q2?": the figure against the other period, which the
    # scorecards do not compare
    periods = slots.compare is not None or slots.compare_to is not None
    referring = re.search(r"\b(?:that|it|those|these|them)\b", text) is not None  # the thread's figure
    if frame.intent is Intent.PERFORMANCE and not (places or periods or referring) and slots.period:
        # "how did Darcel do this quarter vs last quarter": the scorecard's lead figures, compared
        year, before = LAST_YEAR.search(text), PREVIOUS.search(text)
        if (year or before) and slots.measure is None:
            slots.compare = "last_year" if year else "previous_period"
            slots.measure, slots.also, periods = "won_revenue", ["win_rate"], True
    # "is east ahead of west on quota this q": two regions' figure, not the first one's territories
    listed_places = bool(frame.intent in (Intent.TERRITORIES, Intent.TERRITORY) and places and slots.measure)
    # "rank all territories by open pipeline, biggest to smallest": ranked by the figure, not by name
    ranked = bool(frame.intent is Intent.TERRITORIES and slots.measure and slots.ranking and not slots.others)
    if ranked:
        slots.dimension = slots.dimension or "territory"
    listed_places = listed_places or ranked
    # "is Felix's open pipeline bigger than Peter's?": the two figures side by side, not one summary
    pipelines = frame.intent is Intent.PIPELINE and bool(slots.others) and slots.others_slot is not None
    # "is Cara's team win rate higher than Rocco's?": the two teams' figure, not their reps' scorecards
    teams = slots.others_slot == "owner" and re.search(r"\bteams?\b", text) is not None
    # "how much of that is engaging vs prospecting": open deals in the stages named, not a scorecard
    if frame.intent is Intent.PERFORMANCE and slots.dimension == "stage" and not slots.measure:
        frame.intent, slots.measure = Intent.MEASURE, "open_pipeline"
    if (frame.intent is Intent.PERFORMANCE and (places or periods or teams)) or listed_places or pipelines:
        frame.intent = Intent.MEASURE
        frame.slots.measure = frame.slots.measure or "won_revenue"


_PERSON_OR_SELF = re.compile(r"\b(?:my|her|his|their|entperson)\b")


def _accounts_by_deals(frame: Frame, text: str, lexicon: Lexicon) -> None:
    """ "what's her biggest account?" where the data records no account owners: the accounts ranked by
    what the person won there (their deals), not a search of accounts they own, which finds none."""
    ranked = frame.slots.ranking == "top" or frame.slots.limit is not None
    # "which of my customers are the biggest companies by headcount": by their size, not by deals
    sized = account_order(text, by_pipeline=False) is not None
    unowned = not lexicon.account_owners and _PERSON_OR_SELF.search(text) is not None and not sized
    # "which acct was the biggest in nov?": a period is of deals, so the accounts by what they did then
    dated = frame.slots.period is not None and account_order(text, by_pipeline=False) is None
    if frame.intent is Intent.ACCOUNTS and ranked and (unowned or dated):
        frame.intent = Intent.MEASURE
        frame.slots.measure = (
            "open_pipeline" if re.search(r"\b(?:open|pipe|pipeline)\b", text) else "won_revenue"
        )
        frame.slots.dimension = "account"
        frame.slots.limit = frame.slots.limit or 1


#: What is needed for something: the playbook's criteria ("what makes a deal commit?").
NEEDS_ASKED = re.compile(
    r"\bwhat (?:do|does) (?:we|i|you|a deal|an opp|it) (?:need|have to have|require)\b"
    r"|\bwhat (?:makes|qualifies|counts as)\b|\brequirements?\b|\bqualif(?:y|ies) (?:as|for)\b"
)
#: "which of my accounts…", "any accts…": the accounts are what is asked for.
ACCOUNTS_ASKED = re.compile(
    r"\b(?:which|what|any|list|show me|show)\b(?: of)?(?: (?:my|our|the|your))? (?:accounts|customers|clients"
    r"|companies)\b"
)


#: A forecast category named: "commit", "best case", "upside", "pipe".
CATEGORY_NAMED = re.compile(r"\b(?:commit(?:ted)?|best[- ]case|upside|pipe(?:line)?|omitted)\b")


def _categories_by(frame: Frame, text: str) -> None:
    """ "q4 forecast by rep - commit, best case, pipe": each rep's open pipeline split by forecast
    category (the metric query's second breakdown), not one total per rep."""
    named = {m.group().replace("-", " ").removesuffix("ted") for m in CATEGORY_NAMED.finditer(text)}
    by = frame.slots.dimension or dimension_named(text)
    if (
        frame.intent not in (Intent.FORECAST, Intent.PIPELINE)
        or len(named) < 2
        or not re.search(r"\bforecast\b|\bcommit", text)
        or by in (None, "forecast_category", "deal")
    ):
        return
    frame.slots.dimension = by
    frame.intent = Intent.MEASURE
    frame.slots.measure = "open_pipeline"
    frame.slots.then_by, frame.slots.group_by = "forecast_category", None
    frame.slots.limit = frame.slots.ranking = None


def _quiet_accounts(frame: Frame, text: str) -> None:
    """ "which of my accounts have gone quiet - no activity in 30+ days": the accounts without
    activity (the account search), not the deals the stall check flags for it."""
    if (
        frame.intent is Intent.STALLED
        and frame.slots.rule == "no_activity"
        and ACCOUNTS_ASKED.search(text)
        and not re.search(r"\b(?:deals?|opps?|opportunit(?:y|ies))\b", text)
    ):
        frame.intent = Intent.ACCOUNTS
        frame.slots.inactive_days = frame.slots.inactive_days or 30
        frame.slots.measure = frame.slots.dimension = None


def _no_such_place(frame: Frame, question: str, lexicon: Lexicon) -> None:
    """ "how is EMEA tracking?" where the regions are West, Central and East: ask which one, saying
    the data has no such place (never the whole company, or a person whose name looks alike)."""
    if frame.intent not in DATA_INTENTS or frame.intent is Intent.PLAYBOOK or frame.ambiguity is not None:
        return
    place = unknown_place(question, lexicon)
    if place is None or any(getattr(frame.slots, s) for s in ("region", "country", "state", "city")):
        return
    for slot in ("owner", "account", "territory"):
        if (getattr(frame.slots, slot) or "").casefold() == place.casefold():
            setattr(frame.slots, slot, None)
    frame.unplaced = [name for name in frame.unplaced if name.casefold() != place.casefold()]
    regions = sorted(r.name for r in lexicon.regions)
    kind: EntityKind = "region" if regions else "territory"
    areas = regions or sorted(t.name for t in lexicon.territories)
    if areas and frame.slots.territory is None:
        frame.ambiguity = Ambiguity(kind=kind, phrase=place, candidates=areas, missing=True)


#: Dimensions of a few members, by slot, that a question sets side by side ("enterprise vs smb").
FEW_MEMBERS: tuple[EntityKind, ...] = ("segment", "industry", "region")
#: A period written as one word ("q3", "h1", "fy26", "2025"): the other side of a "vs", not a member.
ONE_WORD_PERIOD = re.compile(r"^(?:q[1-4]|h[12]|fy\d*|\d{2,4}|ytd|qtd|mtd)$")


def _no_such_member(frame: Frame, question: str, lexicon: Lexicon) -> None:
    """ "enterprise vs commercial" where the segments are Enterprise, Mid-Market and SMB, "West vs
    EMEA" where the regions are West, Central and East: the one the data has not is asked about
    (which of the others?), never dropped for an answer about the one it has."""
    slots = frame.slots
    if frame.intent not in DATA_INTENTS or frame.intent is Intent.PLAYBOOK or frame.ambiguity or slots.others:
        return
    kind = next((kind for kind in FEW_MEMBERS if getattr(slots, kind)), None)
    if kind is None:
        return
    member = str(getattr(slots, kind))
    values = {"segment": lexicon.segments, "industry": lexicon.industries}.get(kind)
    values = values if values is not None else [r.name for r in lexicon.regions]
    others = [value for value in values if value.casefold() != member.casefold()]
    place = (unknown_place(question, lexicon) or "").casefold()

    def known(word: str) -> bool:
        if place:
            return word not in place.split()
        if knows_word(word) or ONE_WORD_PERIOD.match(word) is not None:
            return True
        # a word of any name in the data (read only for a word set beside a member)
        every = (*lexicon.segments, *lexicon.industries, *lexicon.places, *lexicon.everyone)
        names = (*every, *(n.name for n in lexicon.entities()))
        return any(word in re.findall(r"[\w-]+", name.casefold()) for name in names)

    phrase = named_beside(question, member, known)
    if phrase is not None and others:
        frame.ambiguity = Ambiguity(kind=kind, phrase=phrase, candidates=others, missing=True)


#: "how many reps…", "which reps…", "who…": the people are counted or listed, not the team's total.
PEOPLE_COUNTED = re.compile(
    r"\b(?:how many|which|what|list|any)\s+(?:of (?:my|our|the) )?(?:reps|sellers|aes|people)\b|^who\b"
)
#: "the biggest deal", "our largest single opp": one deal, the largest.
ONE_DEAL = re.compile(
    r"\b(?:the|our|my|their|his|her|entperson) (?:single )?(?:biggest|largest|top|best)(?: single)?"
    r" (?:open )?(?:deal|opp|opportunity)\b(?!s)"
)
#: Questions about what is still to come: a quarter or month named without a year that has passed
#: means the next one ("my forecast for Q1" in November is the coming Q1).
FORWARD_INTENTS = frozenset({Intent.FORECAST, Intent.PIPELINE, Intent.TOP_DEALS})
#: (Attainment is how a quarter went: "Q3 attainment" in November is the Q3 just ended.)
FORWARD_MEASURES = frozenset({"open_pipeline", "open_deals", "weighted_pipeline", "quota", "coverage"})


#: Days and weeks ("this week", "today", "next 30 days") are close dates for deal lists and measures;
#: for anything else ("what needs my attention this week?") they only say when the question is asked.
DATED_INTENTS = frozenset(
    {Intent.FORECAST, Intent.PIPELINE, Intent.TOP_DEALS, Intent.MEASURE, Intent.PERFORMANCE}
)
SHORT_PERIOD = re.compile(r"\b(?:week|today|days?)\b|^since ")


def drop_undated(frame: Frame) -> None:
    """Drop a day or week period from a question whose answer is not dated by it ("what should I
    focus on this week": the deals to work on now, not those closing this week); read for every
    question of a thread, so a follow-up ("which of those are stalled") does not take it up."""
    carried = (
        frame.follow_up and frame.slots.period and frame.slots.period.lower() not in frame.question.lower()
    )
    if (
        frame.slots.period
        and frame.intent not in DATED_INTENTS
        and SHORT_PERIOD.search(frame.slots.period)
        and not carried  # "any of them missing a next step?" after what closes next week: those deals
    ):
        frame.slots.period = None


def looking_ahead(frame: Frame, lexicon: Lexicon) -> None:
    """Read a forward-looking question's period forward (see :func:`tools.periods.parse_period`), and
    drop a day or week period from a question whose answer is not dated by it."""
    drop_undated(frame)
    measure = frame.slots.measure or ""
    # "team attainment q3" in November, even when the forecast answers it: the Q3 just ended
    looks_back = measure == "attainment" or measure.startswith(("won_", "lost_", "closed_"))
    ahead = (frame.intent in FORWARD_INTENTS and not looks_back) or measure in FORWARD_MEASURES
    if not ahead or frame.slots.period is None or frame.slots.date_field == "created":
        return  # "created in October": when they were made, which has happened
    if frame.slots.period.strip() in ALL_TIME:
        frame.slots.period = None  # every open deal is the pipeline "of all time"
        return
    try:
        period = parse_period(frame.slots.period, lexicon.as_of, lexicon.fy_start_month, forward=True)
    except InputError:
        return
    if period.rolled_forward:
        frame.slots.period = period.label


def words_of(question: str) -> set[str]:
    return {normalise(t.text) for t in tokens(question)}
