"""Reading a thread: the frame of its last question, worked out again on every call by folding
its questions oldest first (:func:`fold`).

Before a question is merged into the thread (:mod:`assistant.offline.followups`), what it names
from the answers shown is put in place: a member named by its rank ("the best region"), a period
named from the thread's ("the quarter before that"), a row of the list shown ("the second one",
"who owns the top one"), the one deal or row shown ("who owns it?", "what products?"), a pair of
rows set side by side, a correction ("no sorry i meant won"), a recut ("by rep instead") and a
bound on the rows shown ("drop the ones under 25%"). A question that changes nothing, a declined
request and small talk leave the thread as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.offline.bare_measures import WORTH
from assistant.offline.corrections import corrected, outcome_swapped, replaced, same_for
from assistant.offline.deal_choice import chosen_deal
from assistant.offline.followup_cases import which_dimension
from assistant.offline.followup_words import (
    ADVICE_ASKED,
    ASIDES,
    DEAL_WORD,
    EVERY_KIND,
    FRAGMENT,
    HOW_BIG,
    IT,
)
from assistant.offline.followups import is_follow_up, merge
from assistant.offline.frame import Frame, Intent, Slots
from assistant.offline.group_thresholds import dropped
from assistant.offline.intents.registry import DATA_INTENTS
from assistant.offline.listed import (
    DEAL_ADVICE,
    PLACE,
    lone_pair,
    named_in_place,
    named_row,
    only_row,
    pick,
    place_in,
    ranked_first,
    shown_rows,
    single_row,
    with_pick,
)
from assistant.offline.listed_sets import MEMBER_FIELDS, about_listed, needs_account
from assistant.offline.members import MEMBER_SLOTS
from assistant.offline.metric_claims import OPEN_MEASURES
from assistant.offline.ranked_people import asks_who_ranks
from assistant.offline.ranked_rows import ranked_member
from assistant.offline.recompose import recomposed
from assistant.offline.thread_choices import (
    names_in,
)
from assistant.offline.thread_periods import from_thread
from assistant.offline.thread_steps import after_merge, changes_nothing
from assistant.offline.understanding import drop_undated
from assistant.offline.vocabulary import correct_before_reading
from tools.lexicon import Lexicon

#: "who closed it?", "who owned that one?": the person on the one deal shown, not a ranking of people.
WHO_DID_IT = re.compile(
    r"^\W*(?:and |so |ok )?who(?:'s| is| was)? (?:closed|won|lost|owns|owned|sold|booked|signed|has|had"
    r"|worked|working|on|the owner of|the rep on) (?:it|that|that one|this one|that deal|this deal|the deal)"
    r"\W*$",
    re.I,
)

#: "which account was that?", "what company is it", "whose deal was that": the one deal's account.
WHICH_ACCOUNT = re.compile(
    r"^\W*(?:and |so |ok )?(?:which|what|whose) (?:account|acct|company|customer|client|logo|deal)"
    r" (?:was|is) (?:that|it|this)(?: one| deal)?\W*$",
    re.I,
)


def _of_the_deal(current: Frame, question: str) -> bool:
    """A question about "it" that names nothing and asks no breakdown: the deal's own facts."""
    slots = current.slots
    if WHO_DID_IT.match(question) and not names_in(slots):
        return True
    asks_how = current.intent is Intent.PLAYBOOK and ADVICE_ASKED.search(question) is not None
    return (
        IT.search(question) is not None
        and current.intent not in ASIDES
        and not asks_how
        and current.intent not in (Intent.CHANGE, Intent.ACTION, Intent.WIN_CHANCES)
        and not names_in(slots)
        # "why did we lose it?": one deal's own loss reason, not the losses broken down by reason
        and not ({slots.dimension, slots.group_by, slots.then_by} - {None, "loss_reason"})
    )


#: A person referred to by a pronoun: "what has he closed", "her pipeline".
HE_OR_SHE = re.compile(r"\b(?:he|she|him|her|his|hers)\b", re.I)


def _advice_on_it(current: Frame, question: str) -> bool:
    """ "what should I do about it?", "how do I save it": what to do about the one record shown."""
    asks = current.advice or (current.intent is Intent.PLAYBOOK and ADVICE_ASKED.search(question) is not None)
    return asks and IT.search(question) is not None and not names_in(current.slots)


#: Intents about one record itself: "who owns the top one" after the accounts ranked is its profile.
RECORD_INTENTS = frozenset({Intent.ACCOUNT, Intent.ACCOUNT_FACTS, Intent.DEAL, Intent.TERRITORY})


def _asks_its_own(current: Frame) -> bool:
    """A question whose intent stands alone once its pronoun is read as the row shown: a list of
    accounts or deals, not a measure (which the thread's question may still complete)."""
    return (
        current.intent not in (Intent.UNKNOWN, Intent.MEASURE, Intent.PERFORMANCE)
        and not current.implied
        and current.slots.ranking is None  # "top accounts in that": the thread's measure, ranked
    )


#: "drop mg special and redo it", "run it again without retail": the question before, again ("it" is
#: that question, not the row its answer showed).
REDO = re.compile(r"\b(?:redo|re-?run|recalc\w*|re-?calculate|(?:run|do) (?:it|that|this) again)\b", re.I)

#: "all my team's open deals", "any close date": every open deal, whatever the period before.
ALL_OPEN = re.compile(
    r"\ball\b(?: of)?(?: (?:my|our|the|his|her|their|my team's|the team's|our team's|team))?"
    r" (?:open )?(?:deals|opps|opportunities|pipeline|pipe)\b"
    r"|\b(?:whatever|any|regardless of(?: the)?|no matter the) close dates?\b|\bno matter when\b",
    re.I,
)


def _wider(frame: Frame, current: Frame) -> Frame:
    """ "the whole team's win rate" from a rep: a question of its own over a wider group than the asker
    sees (its answer says so), in the thread's period; else ``frame``."""
    if current.slots.wider and current.intent is Intent.MEASURE and frame is not current:
        period = current.slots.period or frame.slots.period
        return current.model_copy(update={"slots": current.slots.model_copy(update={"period": period})})
    return frame


def _every_close_date(frame: Frame, current: Frame, question: str, before: Frame | None = None) -> Frame:
    """``frame`` without the thread's close period when ``question`` asks for all the open deals, or
    turns from deals closed in a period to open ones ("and who has the most open deals in engaging"
    after the win rates of this year: every open deal, whatever its close date; many have none)."""
    open_deals = frame.intent in (Intent.PIPELINE, Intent.TOP_DEALS) or frame.slots.measure in OPEN_MEASURES
    turned = (
        before is not None
        and frame.slots.measure in OPEN_MEASURES
        and before.slots.measure not in (*OPEN_MEASURES, None)
        and before.intent is Intent.MEASURE
        and frame.slots.period == before.slots.period
    )
    if (
        current.slots.period is None
        and frame.slots.period
        and open_deals
        and (ALL_OPEN.search(question) or turned)
    ):
        return frame.model_copy(update={"slots": frame.slots.model_copy(update={"period": None})})
    return frame


#: A field of the one deal just shown, asked with "the" or "its": "what's the next step?", "close date?".
ITS_FIELD = re.compile(
    r"^\W*(?:and |so |ok |also )?(?:(?:what|when|who|how much)(?:'s|s| is| was| are)? )?(?:the |its )?"
    r"(?:next steps?|close date|closing date|stage|last (?:activity|touch|contact)|amount|owner|value"
    r"|probability|forecast category)\W*$",
    re.I,
)
#: Questions about one record, opened from a list the thread showed before.
ONE_RECORD = frozenset({Intent.DEAL, Intent.ACCOUNT, Intent.ACCOUNT_FACTS})
#: An answer that found nothing for its period ("The open pipeline closing in January is empty").
EMPTY = re.compile(r"\bis empty\b|^None: no \w+ matches|\bno open deals match\b", re.M)


def _past_an_empty_answer(frame: Frame, context: Frame | None, current: Frame, shown: list[str]) -> Frame:
    """ "ok, which have been open the longest then" after the deals closing next month, of which there
    were none: the open deals whatever their close date (the period that found nothing is not kept
    for another question of them unless asked again); never an empty answer repeated."""
    if (
        context is None
        or not shown
        or not frame.follow_up
        or current.slots.period is not None
        or context.slots.period is None
        or frame.slots.period != context.slots.period
        or frame.slots.measure not in OPEN_MEASURES | {"average_deal_age"}
        # "just the engaging ones" narrows the same question: its period stays, as asked
        or frame.slots.measure == context.slots.measure
        or not EMPTY.search(shown[-1])
    ):
        return frame
    return frame.model_copy(update={"slots": frame.slots.model_copy(update={"period": None})})


def fold(
    questions: list[str],
    understand: Callable[[str], Frame],
    refine: Callable[[Frame], Frame] = lambda f: f,
    answers: list[str] | None = None,
    lexicon: Lexicon | None = None,
) -> Frame:
    """The frame of the last of ``questions`` (oldest first), read in the context of the thread.

    ``refine`` completes each question's frame from the data before the next one is read (the
    planner turns "the Evergreen deal" into the viewer's deal there, or a choice among them).
    ``answers`` are the answers shown after the earlier questions: "the second one" picks a row
    of the list the previous answer showed (:mod:`assistant.offline.listed`). ``lexicon`` dates a
    period named from the thread's ("the quarter before that", :mod:`assistant.offline.thread_periods`).
    """
    context: Frame | None = None
    frame = Frame(intent=Intent.UNKNOWN)
    named_before: str | None = None  # the person a declined request named, for a "he" or "she" next
    listing: Frame | None = None  # the last question of many records, past one record opened from it
    for position, question in enumerate(questions):
        if 0 < position <= len(answers or []):
            # "in the best region, which team did best": the member the last answer ranked first
            question = ranked_member(question, (answers or [])[position - 1])
        if context is not None and lexicon is not None and context.intent in DATA_INTENTS:
            # "the quarter before that": the thread's period, moved back
            question = from_thread(question, context.slots.period, lexicon.as_of, lexicon.fy_start_month)
        if named_before is not None and context is None and HE_OR_SHE.search(question):
            context = Frame(intent=Intent.PERFORMANCE, slots=Slots(owner=named_before), question=question)
        again_for = same_for(context, question) if context is not None else None
        if again_for is not None:
            # "same for lost deals": the thread's question of that outcome
            frame = context = refine(again_for.model_copy(update={"question": question}))
            continue
        fixed = corrected(question) if context is not None and context.intent in DATA_INTENTS else None
        if fixed is not None and context is not None:
            # "no sorry i meant won": the thread's question again, with that in place of what it replaces
            again = outcome_swapped(context, fixed[0]) or replaced(context, understand(fixed[0]))
            if again is not None:
                frame = context = refine(again.model_copy(update={"question": question}))
                continue
        again_cut = recomposed(context, question, understand)
        if again_cut is not None:
            # "by rep instead" after the team's Q4 forecast: the team's Q4 forecast by rep
            frame = context = refine(again_cut)
            continue
        current = understand(question)
        said = correct_before_reading(question)  # "same period last yr?": shorthand spelt out
        if context is not None and context.intent in ONE_RECORD and listing is not None and WORTH.match(said):
            # "how much is all that in total" after one deal of a list was opened: the list's amount
            context = listing
        elif (
            context is not None
            and context.intent is Intent.DEAL
            and context.slots.deal
            and ITS_FIELD.match(said)
        ):
            # "what's the next step?" after one deal: that deal's, not the next steps of every deal
            current = Frame(intent=Intent.DEAL, slots=Slots(deal=context.slots.deal), question=question)
        shown = (answers or [])[:position]
        chosen = chosen_deal(context, current, question, shown)  # "the second one" after "which deal?"
        if chosen is not None:
            frame = context = refine(chosen)
            continue
        bounded = dropped(context, question, shown)
        if bounded is not None:
            # "drop the ones under 25%" after the top 5 reps with their win rates: those kept
            frame = context = refine(bounded)
            continue
        ascending = context is not None and context.slots.ranking == "bottom"
        picked = pick(question, shown, ascending) if shown and not (context and context.ambiguity) else None
        if picked is None and context is not None and _past_the_list(question, shown):
            # "the deals for the second one on that list" after a list of one: no such row, said
            frame = context.model_copy(update={"unchanged": True, "question": question})
            continue
        named = None
        if picked is None and context is not None and context.slots.dimension in MEMBER_FIELDS:
            picked = named_row(question, shown)  # "the price ones" after the losses by reason
        elif picked is not None and (named := named_in_place(question, picked)) is not None:
            current = understand(named)  # "who owns the top one": of that member, not a ranking
        # "who has the fewest in that?" after the one rep shown ranks the thread again, not that rep
        alone = (
            picked or context is None or context.ambiguity or asks_who_ranks(question) or REDO.search(said)
        )
        lone = None if alone else only_row(question, shown)
        if (
            lone is None
            and not alone
            and context is not None
            and context.slots.ranking
            and context.slots.dimension
        ):
            lone = ranked_first(said, shown)  # "who lost the most there" after "which ones the worst"
        if (
            lone is None
            and not alone
            and context is not None
            and context.slots.limit == 1
            and FRAGMENT.match(said)
        ):
            lone = single_row(shown)  # "what products?" after the one top account: that account's
        pair = lone_pair(question, shown) if context is not None and context.slots.dimension else None
        if pair is not None and context is not None:
            # "compare them on deal size" after the top and the bottom one: the two, side by side
            current = with_pick(current, pair[0], context.slots.dimension)
            slot = next((s for s, d in MEMBER_SLOTS if d == context.slots.dimension), None)
            if slot is not None:
                current.slots.others, current.slots.others_slot = [pair[1].name], slot
        elif lone is not None and lone.kind == "row" and context is not None and context.slots.dimension:
            current = with_pick(current, lone, context.slots.dimension)  # "what else do they buy?"
            drill = which_dimension(said) if FRAGMENT.match(said) else None
            if drill is not None and drill != context.slots.dimension:
                # "what products?" after the one top account: the thread's figure for it, by product
                of_row = with_pick(context, lone, context.slots.dimension).slots
                slots = of_row.model_copy(update={"dimension": drill, "limit": None, "ranking": None})
                current = Frame(intent=Intent.MEASURE, slots=slots, follow_up=True, question=current.question)
        elif (
            lone is not None
            and lone.kind == "opportunity"
            and (WHO_DID_IT.match(said) or WHICH_ACCOUNT.match(said))
            and not names_in(current.slots)
            and not (context and context.slots.account)  # "who owns it" after an account: its owner
        ):
            # "who owns it?" after the one deal shown: the deal's owner (a deal may have no account)
            current = Frame(intent=Intent.DEAL, slots=Slots(deal=lone.ref), question=current.question)
        elif lone is not None and lone.kind == "opportunity" and needs_account(current):
            # "who are the contacts on that account?" after the one deal shown: the deal's account
            current = current.model_copy(
                update={"slots": current.slots.model_copy(update={"deal": lone.ref})}
            )
        elif lone is not None and lone.kind == "opportunity" and _advice_on_it(current, said):
            # "what should I do about it?" after the one stalled deal shown: that deal, with advice
            slots = Slots(deal=lone.ref, topic=DEAL_ADVICE)
            current = Frame(intent=Intent.DEAL, slots=slots, advice=True, question=current.question)
        elif lone is not None and lone.kind == "opportunity" and _of_the_deal(current, said):
            # "when did it last have activity?" after the one deal shown: that deal's own record
            current = Frame(intent=Intent.DEAL, slots=Slots(deal=lone.ref), question=current.question)
        if picked is not None:
            current = with_pick(current, picked, context.slots.dimension if context else None)
            if picked.kind == "row":
                # "break the lowest one down by rep": "lowest one" picked the row, it ranks nothing
                slots = current.slots.model_copy(update={"limit": None, "ranking": None})
                current = current.model_copy(update={"slots": slots})
            if current.slots.account and HOW_BIG.search(said) and not DEAL_WORD.search(said):
                # "how big is the first one?" of a list of accounts: the company's size, not its deals
                slots = current.slots.model_copy(update={"measure": None, "dimension": None})
                current = current.model_copy(update={"intent": Intent.ACCOUNT_FACTS, "slots": slots})
        listed = None if picked or lone or pair else about_listed(context, current, said, shown)
        # "list the accounts in it" after the one industry shown: a question of its own about that row
        own = (lone is not None and lone.kind == "row" and _asks_its_own(current)) or (
            # "who owns the top one" after the accounts ranked: that account's own record
            named is not None and current.intent in RECORD_INTENTS and not current.slots.measure
        )
        chosen = (
            listed
            if listed is not None
            else current
            if (picked is not None and picked.kind in ("opportunity", "account")) or own
            else merge(context, current, said)
            if context and is_follow_up(context, current, said)
            else current
        )
        frame = refine(
            after_merge(
                _every_close_date(_wider(chosen, current), current, said, context), context, current, said
            )
        )
        frame = _past_an_empty_answer(frame, context, current, shown)
        if frame.follow_up and frame.slots.measure == "activities" and EVERY_KIND.search(said):
            frame.slots.activity_type = None  # "all activity types, not just calls": every kind
        if chosen is current and not frame.follow_up:
            frame = frame.model_copy(update={"reading": question})
        if frame.intent is Intent.STALLED:
            drop_undated(frame)  # "what should I focus on this week": not a period those deals carry
        if changes_nothing(context, current, frame, said, REDO.search(said) is not None):
            frame = frame.model_copy(update={"unchanged": True})
            continue  # the thread stays as it was
        # a request the product cannot carry out leaves the thread as it was, even when it named
        # someone ambiguously ("give lucas access…", then "whats lucas's role")
        asked = frame.ambiguity is not None and frame.intent is not Intent.ACTION
        if frame.intent in DATA_INTENTS or asked or frame.readings:
            context = frame
            listing = listing if frame.intent in ONE_RECORD else frame
        elif frame.intent is Intent.ACTION and frame.slots.owner and context is None:
            # "what's the commission payout for Lucas" (declined) then "what has he closed won this
            # quarter": the person named is who "he" is, though the request itself is not kept
            named_before = frame.slots.owner
            continue
        named_before = None
    return frame


def _past_the_list(question: str, shown: list[str]) -> bool:
    """ "the second one on that list" where the last list showed one row: a place it does not have."""
    index, match = place_in(question), PLACE.search(question)
    if index is None or index < 1 or match is None or not (match["word"] or match["listed"]):
        return False
    listed = next((found for answer in reversed(shown) if (found := shown_rows(answer))), [])
    return 0 < len(listed) <= index
