"""Replies that are not a data answer: help, small talk, refusals, clarifying questions, tool
errors, the playbook, metric definitions and "why?" explanations.

Example questions are built from the viewer's own data (their largest account, a rep on their
team, their territory), so every example works when asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel

from assistant import formatting as fmt
from assistant.offline.actions import requested_action
from assistant.offline.answers_changes import which_deal
from assistant.offline.conversation import ToolResult
from assistant.offline.frame import Ambiguity, Intent
from assistant.offline.render import render
from assistant.offline.vocabulary import is_common
from assistant.toolkit import MetricDefinitions
from knowledge.glossary import ACRONYMS
from tools.deals.stalled import StalledDeals
from tools.evidence import Figure
from tools.lexicon import EntityKind, Lexicon
from tools.playbook import PlaybookResults
from tools.store.schema import Role

EXCERPT_CHARS = 320
MAX_EXAMPLES = 6
AMBIGUOUS = re.compile(r"^'(?P<phrase>.+)' matches several (?P<kind>[\w ]+?)s: (?P<names>.+)$")
UNKNOWN = re.compile(r"^no (?P<kind>[\w ]+?) named '(?P<phrase>.+?)'(?: — did you mean (?P<names>.+)\?)?$")
CAPABILITIES = (
    "**Deals**: stalled and at-risk deals with what to do next, pipeline by stage, rep, product or month, "
    "your largest deals, one deal's details",
    "**Forecast and performance**: closed won, commit and best case against quota; bookings, win rate, "
    "deal size and cycle per rep",
    "**Accounts**: a profile before a call (contacts, products, deals, health), what else they could buy, "
    "account search",
    "**Territories**: list, summary with coverage gaps, how evenly work is spread, and (for managers) "
    "account moves that rebalance it",
    "**The playbook**: how to handle a situation, with citations; and how each metric is defined",
)


def _first_name(lexicon: Lexicon) -> str:
    return lexicon.viewer.name.split()[0]


def examples(lexicon: Lexicon) -> list[str]:
    """Example questions that work for this viewer, built from names in their scope."""
    account = lexicon.featured_account
    rep = lexicon.reps[0].name if lexicon.reps else None
    territory = lexicon.own_territory or (lexicon.territories[0].name if lexicon.territories else None)
    role = lexicon.viewer.role
    found: list[str | None] = ["Which of my deals are stalled?"]
    if role is Role.REP:
        found += [
            "What's my pipeline by stage this quarter?",
            f"Tell me about {account}" if account else None,
            f"What else could {account} buy?" if account else None,
            "How am I doing this quarter?",
            f"Summarise {territory}" if territory else None,
        ]
    else:
        found += [
            f"How is {rep} doing this quarter?" if rep else None,
            "Who is behind on quota?",
            "What's the forecast for this quarter?",
            "Is the team balanced?" if role is Role.MANAGER else "Pipeline by territory",
            f"Tell me about {account}" if account else None,
        ]
    found.append("What does our playbook say about multi-threading?")
    return [e for e in found if e][: MAX_EXAMPLES + 1]


@dataclass
class HelpView:
    name: str
    understood: bool
    question: str
    capabilities: tuple[str, ...]
    examples: list[str]


def help_text(lexicon: Lexicon, question: str = "", understood: bool = True) -> str:
    view = HelpView(_first_name(lexicon), understood, question, CAPABILITIES, examples(lexicon))
    return render("help", view)


@dataclass
class ShortView:
    kind: str
    name: str
    examples: list[str]


def small_talk(lexicon: Lexicon, question: str) -> str:
    lower = question.lower()
    kind = (
        "thanks"
        if re.search(r"\b(?:thanks|thank you|thx|cheers)\b", lower)
        else "bye"
        if re.search(r"\b(?:bye|goodbye|see you)\b", lower)
        else "who"
        if re.search(r"\bwho are you|what are you|your name\b", lower)
        else "ok"
        if re.search(r"^\W*(?:ok|okay|cool|great|nice|perfect)\b", lower)
        else "hello"
    )
    return render("small_talk", ShortView(kind, _first_name(lexicon), examples(lexicon)[:2]))


@dataclass
class CannotView:
    name: str
    what: str
    instead: str
    examples: list[str]
    acts: bool = True


def cannot(lexicon: Lexicon, question: str) -> str:
    """A plain "I can't do that yet" for a request to act, and what Salesplan can do instead."""
    action = requested_action(question.casefold())
    account = lexicon.featured_account or "the account"
    what = action.what if action else "make changes or send anything"
    instead = action.instead.format(account=account) if action else "answer questions about your data"
    acts = action.acts if action else True
    return render("cannot", CannotView(_first_name(lexicon), what, instead, examples(lexicon)[:2], acts))


def decline(lexicon: Lexicon) -> str:
    return render("decline", ShortView("decline", _first_name(lexicon), examples(lexicon)[:2]))


@dataclass
class ClarifyView:
    kind: str
    phrase: str
    candidates: str
    missing: bool = False


def clarify(ambiguity: Ambiguity, noun: str | None = None) -> str:
    """One short question listing the candidates; ``noun`` is what the tool called them ("rep")."""
    names = list(dict.fromkeys(ambiguity.candidates))
    view = ClarifyView(noun or ambiguity.kind, ambiguity.phrase, fmt.or_list(names), ambiguity.missing)
    return render("clarify", view)


def ask_for(kind: str, lexicon: Lexicon) -> str:
    example = lexicon.featured_account if kind == "account" else None
    return render("ask_for", ShortView(kind, _first_name(lexicon), [example] if example else []))


@dataclass
class ErrorView:
    kind: str
    phrase: str
    suggestions: str
    message: str
    #: What the asker's role lets them see: the same words whatever was asked about, so the reply
    #: says nothing of whether a name exists outside their view.
    scope: str = ""


#: What each role sees, said when a name is not among it.
SEES = {
    Role.REP: "As a rep, you see your own deals and accounts (your manager sees the team's), so other "
    'reps\' numbers are not shown to you; ask about yours, e.g. "how am I doing this quarter?"',
    Role.MANAGER: "As a manager, you see your team's deals and accounts; ask about your team or one of "
    "your reps",
}


def tool_error(result: ToolResult, lexicon: Lexicon | None = None) -> str:
    """A tool's user-facing error as a reply: a clarifying question, "no X named …" (with what the
    asker's role sees), or the message."""
    message = result.error or "the tool failed"
    listed = which_deal(message)  # a change's deal matching several: a list to pick from
    if listed is not None:
        return listed
    ambiguous = AMBIGUOUS.match(message)
    if ambiguous:
        names = [n.strip() for n in re.split(r", | or ", ambiguous["names"])]
        kind = ambiguous["kind"]
        ambiguity = Ambiguity(kind=_entity_kind(kind), phrase=ambiguous["phrase"], candidates=names)
        return clarify(ambiguity, noun=kind)
    unknown = UNKNOWN.match(message)
    if unknown:
        view = ErrorView(unknown["kind"], unknown["phrase"], unknown["names"] or "", message)
        view.scope = SEES.get(lexicon.viewer.role, "") if lexicon is not None else ""
        return render("unknown_name", view)
    return render("error", ErrorView("", "", "", message))


def _entity_kind(kind: str) -> EntityKind:
    """The kind named in a tool's message ("rep", "manager", "account"…) as an entity kind."""
    known: dict[str, EntityKind] = {
        "rep": "person",
        "manager": "person",
        "person": "person",
        "account": "account",
        "territory": "territory",
        "product": "product",
        "deal": "deal",
    }
    return known.get(kind, "account")


@dataclass
class PlaybookView:
    topic: str
    available: bool
    note: str | None
    passages: list[str]
    #: A term asked about ("what's BANT?") that no passage mentions: they are only the nearest.
    unmentioned: bool = False


def _squashed(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text.lower())


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z'-]{2,}", text.lower()) if not is_common(w)]


def mentions_term(term: str, texts: list[str]) -> bool:
    """Whether any text uses ``term`` (hyphens and spaces aside, a plural, or what an acronym means);
    a term of several words ("exit criteria for Discovery") when one text has every word of it."""
    key = term.lower().removesuffix("'s")
    forms = {key, key.removesuffix("s"), ACRONYMS.get(key, key), ACRONYMS.get(key.removesuffix("s"), key)}
    squashed = [_squashed(t) for t in texts]
    if any(len(f) > 1 and _squashed(f) in text for f in forms for text in squashed):
        return True
    words = [w.removesuffix("s") for w in _content_words(key)]
    return len(words) > 1 and any(all(w in text.lower() for w in words) for text in texts)


def excerpt(text: str, limit: int = EXCERPT_CHARS, topic: str = "", heading: str = "") -> str:
    """The passage cut to ``limit`` characters, around the part that mentions most of the words of
    ``topic`` its ``heading`` does not already show ("exit criteria for Discovery" under "Stage Model
    and Exit Criteria" shows the Discovery row, wherever it is)."""
    flat = re.sub(r"(^|\s)(?:[-*]|\d+\.)\s+", r"\1", " ".join(text.split()))
    if len(flat) <= limit:
        return flat
    words = [w.removesuffix("s") for w in _content_words(topic) if w.removesuffix("s") not in heading.lower()]
    start = _best_window(flat, limit, words)
    cut = flat[start : start + limit]
    sentence = cut.rfind(". ")
    body = cut[: sentence + 1] if sentence > limit // 2 else cut.rsplit(" ", 1)[0] + "…"
    return ("…" + body.split(" ", 1)[-1]) if start else body


def _best_window(flat: str, limit: int, words: list[str]) -> int:
    """Where a ``limit``-long window holds the most of ``words`` (the start, when it does as well)."""
    lower = flat.lower()
    starts = [0] + [max(0, m.start() - limit // 4) for w in words for m in re.finditer(re.escape(w), lower)]

    def held(start: int) -> int:
        window = lower[start : start + limit]
        return sum(1 for w in set(words) if w in window)

    return max(starts, key=lambda start: (held(start), -start)) if words else 0


def _passages(result: PlaybookResults, topic: str = "") -> list[str]:
    lines = []
    for p in result.passages:
        heading = p.heading.removeprefix(p.title).removeprefix(" > ").replace(" > ", " › ")
        where = f"{p.title} › {heading}" if heading and heading != p.title else p.title
        lines.append(f"**{where}**: {excerpt(p.text, topic=topic, heading=where)} [{p.citation}]")
    return lines


def playbook(result: PlaybookResults, topic: str, term: str | None = None) -> str:
    note = (result.note or "").removeprefix("the playbook is unavailable: ")
    texts = [f"{p.heading}\n{p.text}" for p in result.passages]
    unmentioned = term is not None and not mentions_term(term, texts)
    return render(
        "playbook", PlaybookView(topic, result.available, note, _passages(result, topic), unmentioned)
    )


def advice(result: PlaybookResults) -> str:
    """The playbook's advice after a data answer; when the playbook cannot be searched, a line saying so."""
    if result.available and not result.passages:
        return ""
    note = (result.note or "").removeprefix("the playbook is unavailable: ")
    return render("advice", PlaybookView(result.query, result.available, note, _passages(result)))


@dataclass
class MetricsView:
    chosen: list[str]
    others: list[str]


def metrics(result: MetricDefinitions, wanted: str | None) -> str:
    lines = [f"**{m['name']}**: {m['definition']}" for m in result.metrics]
    chosen = [line for m, line in zip(result.metrics, lines, strict=True) if m["name"] == wanted]
    others = [m["name"] for m in result.metrics if m["name"] != wanted] if chosen else []
    return render("metrics", MetricsView(chosen or lines, others))


@dataclass
class ExplainView:
    lines: list[str]
    rules: list[str]


def _figures(model: BaseModel, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list) and depth == 0:
            # a metric query's totals (one figure per measure), the first rows' figures
            items = [v for v in value[:3] if isinstance(v, Figure | BaseModel)]
            for item in items:
                lines += _figure_lines(item) if isinstance(item, Figure) else _figures(item, depth + 1)
            continue
        if isinstance(value, Figure):
            lines += _figure_lines(value)
        elif isinstance(value, BaseModel) and depth == 0:
            lines += _figures(value, depth + 1)
    return lines


def _figure_lines(value: Figure) -> list[str]:
    records = ", ".join(f"[{r}]" for r in value.record_ids[:3])
    filters = "; ".join(value.filters)
    return [
        f"**{value.name}** = {fmt.figure(value, coverage='coverage' in value.name.lower())}: {value.formula}"
        + (f" (filters: {filters})" if filters else "")
        + (f"; {fmt.plural(value.record_count, 'record')}, e.g. {records}" if records else "")
    ]


def explain(results: list[ToolResult]) -> str:
    lines: list[str] = []
    rules: list[str] = []
    for result in results:
        if result.output is None:
            continue
        lines += _figures(result.output)
        if isinstance(result.output, StalledDeals):
            thresholds = result.output.thresholds
            stages = ", ".join(f"{k} {v}" for k, v in thresholds.get("stall_days", {}).items())
            rules = [
                f"Stuck in stage: more days in the stage than its threshold ({stages} days)",
                f"No recent activity: nothing logged for {thresholds.get('no_activity_days')} days",
                "Close date in the past while the deal is open",
                f"Close date pushed {thresholds.get('close_date_pushes')} or more times",
                "Next step missing or overdue",
                f"Single-threaded: {fmt.money(thresholds.get('large_deal_amount'))} or more "
                "with at most one engaged contact",
                f"Open longer than {thresholds.get('cycle_multiple')}x the median won cycle "
                f"({fmt.days(thresholds.get('median_won_cycle_days'))})",
            ]
    return render("explain", ExplainView(lines[:14], rules))


#: How each reading the planner may ask about is offered ("Do you mean your open pipeline or …?").
READING_LABELS = {
    Intent.STALLED: "the deals that are stalled or at risk",
    Intent.PIPELINE: "the open pipeline (by stage)",
    Intent.TOP_DEALS: "the largest open deals",
    Intent.FORECAST: "the forecast against quota",
    Intent.PERFORMANCE: "bookings and win rate (the scorecard)",
    Intent.ACCOUNTS: "a list of accounts",
    Intent.TERRITORY: "a territory summary",
    Intent.TERRITORIES: "the list of territories",
    Intent.PLAYBOOK: "what the playbook says",
}


def which_reading(readings: list[Intent]) -> str:
    """One short question offering the two readings ("the first", "the second" or a word answers it)."""
    labels = [READING_LABELS.get(r, r.value.replace("_", " ")) for r in readings]
    return f"Do you mean {fmt.or_list(labels)}?"


#: "the second one", "the 3rd deal on that list": a place in a list (not "the second half").
PLACE_PAST = re.compile(
    r"\b(?:second|third|fourth|fifth|2nd|3rd|4th|5th) (?:one|deal|opp|rep|account|row|item|entry)\b", re.I
)
#: "just the big ones", "only the large deals": a size with no amount.
SIZE_UNSAID = re.compile(
    r"\b(?:big|bigger|biggest|large|larger|huge|major|significant|important|small|tiny)\b", re.I
)


def unchanged(question: str) -> str:
    """A follow-up read as the question before it: what it changes was not understood, so the same
    answer is not given again as if it had been; one question about what to change."""
    if PLACE_PAST.search(question):
        return (
            f'The last answer did not list that many rows, so I have not guessed what "{question.strip()}" '
            'means. Ask for more of the list ("the top 5"), or name the one you mean.'
        )
    if SIZE_UNSAID.search(question):
        return (
            f'How big is big for "{question.strip()}"? Say the amount and I will keep those: for example '
            '"just the ones over 50k", or "the 5 largest".'
        )
    return (
        f'I could not tell what "{question.strip()}" changes in the last answer, so I have not repeated '
        'it. What should change: a breakdown ("by rep", "by month"), the period ("last quarter"), a '
        'filter ("only Enterprise", "over 50k") or the measure ("win rate", "pipeline", "deal count")?'
    )
