"""Conversation: help, small talk, questions outside sales planning, "why?" and what is not understood.

None of these calls a tool or changes what a thread is about; each has a reply of its own.
"""

from __future__ import annotations

from assistant.offline.actions import requested_action
from assistant.offline.calls import Direct
from assistant.offline.frame import Intent
from assistant.offline.intents.spec import IntentSpec, Phrasing, phrasing


class _Action:
    """Matches a request to act ("write a follow-up email to…", "log a call with…")."""

    def search(self, text: str, /) -> object:
        return requested_action(text)


#: A request to do something Salesplan cannot do outweighs every other reading: answering it with
#: data (the account's profile after "log a call with Naomi") would read as if it had been done.
ACTION = IntentSpec(
    Intent.ACTION,
    example="Write a follow-up email to the Acme champion",
    route=Direct.CANNOT,
    data=False,
    phrasings=(Phrasing(30, _Action()),),
)

SMALL_TALK = IntentSpec(
    Intent.SMALL_TALK,
    example="Hi, thanks!",
    route=Direct.SMALL_TALK,
    data=False,
    phrasings=(
        phrasing(
            6,
            r"^(?:(?:hi|hello|hey|yo|hiya|good (?:morning|afternoon|evening)"
            r"|thanks|thank you|thx|cheers|ok|okay|cool|great|nice|perfect|bye|goodbye|see you"
            r"|there|salesplan|so much|a lot|again)\b[\s!.,]*)+$",
        ),
        phrasing(4, r"\b(?:who are you|how are you|what are you|what's your name|your name)\b"),
        # "lol thanks, you free for a beer later?": friendly, not a question about the data
        phrasing(
            5,
            r"\b(?:you|u) (?:free|up|around|down) for (?:a |some )?(?:beer|drinks?|lunch|coffee|dinner)\b",
            r"^\W*(?:lol|haha+|lmao)\b",
        ),
    ),
)

HELP = IntentSpec(
    Intent.HELP,
    example="What can you do?",
    route=Direct.HELP,
    data=False,
    phrasings=(
        phrasing(6, r"^(?:help|\?+|menu|commands|options|usage)[\s!?.]*$"),
        phrasing(
            5,
            r"\bwhat (?:can|could) you (?:do|help)",
            r"\bwhat (?:can|could|should) i ask\b",
            r"\bhow (?:do|can) i use\b",
            r"\bwhat can you\b",
            r"\bwhat do you (?:know|do)\b\W*$",
            r"\bcapabilit",
            r"\bexamples? (?:of )?questions",
            r"\bwhat are you able\b",
        ),
    ),
)

OUT_OF_SCOPE = IntentSpec(
    Intent.OUT_OF_SCOPE,
    example="What's the weather like tomorrow?",
    route=Direct.DECLINE,
    data=False,
    phrasings=(
        phrasing(
            6,
            r"\b(?:weather|jokes?|poems?|recipes?|songs?|lyrics|movies?|films?|football|soccer|basketball|baseball)\b",
            r"\b(?:stock price|share price|stock market|bitcoin|crypto|politics|election|horoscope|lottery"
            r"|capital of|translate)\b",
            r"\b(?:homework|vacation|pizza|restaurant|dinner|girlfriend|boyfriend|meaning of life)\b",
        ),
    ),
)

#: "why?" after an answer explains that answer's figures (see :mod:`assistant.offline.followups`);
#: on its own there is nothing to explain yet.
WHY = IntentSpec(
    Intent.WHY,
    example="Why?",
    route=Direct.EXPLAIN,
    data=False,
    phrasings=(
        phrasing(
            6,
            r"^(?:why|how come|how so|explain(?: that| this| it| please)?)[\s?!.]*$",
            r"^how did you (?:get|calculate|compute|work out) (?:that|this|those|these)[\s?!.]*$",
            r"^where (?:does|did|do) (?:that|this|these|those) "
            r"(?:number |figure |numbers |figures )?come from",
            r"^show (?:me )?(?:the |your )?(?:working|math|maths|formula)[\s?!.]*$",
        ),
        phrasing(5, r"^why (?:is|are|was|were|do|does) (?:that|this|it|they|those|these)\b"),
    ),
)

#: Nothing in the question matched: the help, saying the question was not understood.
UNKNOWN = IntentSpec(Intent.UNKNOWN, example="Purple monkey dishwasher", route=Direct.UNKNOWN, data=False)

SPECS = (ACTION, SMALL_TALK, HELP, OUT_OF_SCOPE, WHY, UNKNOWN)
