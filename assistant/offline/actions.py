"""Requests to *do* something the product cannot do yet: write an email, log a call, update a record.

Salesplan reads the CRM and the playbook; it writes nothing to the CRM and sends nothing. A request
to act is answered with a plain "I can't do that yet", what it can do instead for the same need,
and never with a different answer that a rep could mistake for the action having been done (an
account profile after "log a call with Naomi" reads as if the call were logged).

An action is a verb of doing at the start of the request ("write", "log", "update", "push the close
date") — read on the prepared question, so "what does the playbook say about follow-up emails?" or
"which deals have no calls logged?" are questions, not actions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What the request would do, the verb phrase that asks for it, and what Salesplan can offer instead.
_POLITE = r"^(?:(?:hey|hi|ok|okay|so|and|also|now|then|pls|please|can you|could you|would you|will you"
_POLITE += (
    r"|can we|could we|can u|could u|i need you to|i want you to|i'd like you to|go ahead and|help me"
    r"|let's|lets)[\s,]+)*"
)


@dataclass(frozen=True)
class Action:
    key: str
    what: str
    pattern: re.Pattern[str]
    instead: str
    #: The request would change or send something (so the reply says nothing was); False for a
    #: question the product cannot answer yet ("how many deals convert from stage to stage?").
    acts: bool = True


def _action(key: str, what: str, verbs: str, instead: str) -> Action:
    return Action(key, what, re.compile(_POLITE + rf"(?:{verbs})\b"), instead)


ACTIONS: tuple[Action, ...] = (
    _action(
        "email",
        "write or send emails or messages",
        r"(?:write|draft|compose|send|shoot|prepare|prep) (?:\w+ ){0,4}?"
        r"(?:e-?mails?|messages?|notes?|reminders?|dms?|texts?|slacks?|"
        r"follow[- ]?ups?|replies|reply|letters?|linkedin|inmails?|recaps?|summar(?:y|ies)|updates?"
        r"|thank[- ]you)"
        r"|e-?mail \w+|reply to|respond to|send (?!me\b)(?:\w+ ){0,5}?to\b"
        # "forward the lost deals to my manager", "share this with the team"
        r"|(?:forward|share) (?:\w+ ){0,5}?(?:to|with)\b"
        # "ping the team on slack", "message Kenji", "dm the reps", "text her", "post this in #sales"
        r"|(?:ping|message|dm|text|slack|notify|nudge|alert|tell|remind) (?:the |my |our |all |every )?"
        r"(?:\w+ ){0,2}?(?:on slack|in slack|via slack|by e-?mail|on teams|in #?[\w-]+ channel|to\b)"
        r"|(?:ping|message|dm|slack|nudge|remind) (?:the |my |our |all )?"
        r"(?:team|reps|managers|everyone|people|\w+)\b"
        r"(?=.*\b(?:to|about|that|re)\b)"
        r"|post (?:\w+ ){0,3}?(?:in|to|on) (?:#|slack|teams|the channel)",
        'brief you on the account before you write ("tell me about {account}") and show what the '
        "playbook says about follow-ups",
    ),
    _action(
        "log",
        "log calls, meetings or notes in the CRM",
        r"(?:log|record|add|enter|save|note down|capture) (?:\w+ ){0,4}?"
        r"(?:call|calls|called|met|spoke|meeting|meetings|"
        r"activity|activities|note|notes|touch|touchpoint|visit|demo)",
        "show the deal's recent activity and next step (\"what's happening on {account}?\")",
    ),
    _action(
        "update",
        "change records in your CRM",
        r"(?:update|change|set|move|push|pull(?! up)|bump|edit|modify|mark|close out|close|rename|reassign|"
        r"assign|transfer|delete|remove|archive)(?! on\b| about\b| me\b| for\b) (?:[\w-]+ ){0,6}?"
        r"(?:close dates?|stages?|amounts?|"
        r"next steps?|owners?|probabilit(?:y|ies)|deals?|opportunit(?:y|ies)|opps?|records?|accounts?|"
        r"contacts?|forecast categor(?:y|ies)|fields?|as (?:closed[- ])?(?:won|lost)"
        r"|to (?:closed[- ])?(?:won|lost|closed))"
        # "can you reassign acme corporation to tomas jensen", "hand the Globex deal over to Emil"
        r"|(?:reassign|re-assign|transfer|hand (?:over|off)|hand) (?:[\w-]+ ){1,5}?(?:over )?to\b"
        # "can we move it to next quarter?", "push that deal out a month"
        r"|(?:move|push|pull|slip|bump) (?:it|that|this|them|those|the deal|that deal"
        r"|the \w+ (?:one|deal|opp)|#\d+|number \d+)\b",
        'show the deal as it stands now ("show me the {account} deal") so you can update it in the CRM',
    ),
    _action(
        "create",
        "create records or tasks",
        r"(?:(?:create|add|make|set up|enter) (?:a |an |the |new |another )*"
        r"|open (?:a |an |another )+(?:new )?)"
        r"(?:deals?|opportunit(?:y|ies)|"
        r"opps?|tasks?|contacts?|accounts?|leads?|reminders?|to-?dos?)",
        'list what needs attention ("what should I prioritise this week?")',
    ),
    _action(
        "access",
        "manage logins, access or roles from a chat",
        r"(?:deactivate|disable|suspend|lock|unlock|offboard|onboard|remove|delete|revoke|grant|give|invite"
        r"|add|create|reset|reactivate|enable) (?:[\w'-]+ ){0,4}?(?:logins?|log-?ins?|access|accounts? access"
        r"|users?|seats?|licen[cs]es?|passwords?|permissions?|roles?|tokens?|sso|credentials?)\b"
        r"|(?:make|promote|demote) (?:[\w'-]+ ){1,3}?(?:an? )?(?:admin|manager|revops|rep)\b"
        # "deactivate Kenji, he's leaving": a person after a verb only an admin does
        r"|(?:deactivate|disable|suspend|offboard|onboard|reactivate) (?:entperson|entunknown)\b",
        'show who is on a team and their role ("who is on Morgan\'s team?"); an admin changes users '
        "and roles with `salesplan users add` and `salesplan users set-role` (a role change takes effect "
        "at once)",
    ),
    _action(
        "approve",
        "approve or reject requests (time off, discounts, deal desk)",
        r"(?:approve|reject|deny|sign off on)",
        "show the deal and what the playbook says about discount approvals",
    ),
    _action(
        "export",
        "export or download data (CSV, spreadsheets)",
        r"(?:export|download|dump|send me|email me|give me) (?:\w+ ){0,10}?(?:to |as |in |into )?(?:an? )?"
        r"(?:csv|excel|spreadsheet|xlsx|sheet|file)s?",
        "list the same records here, with their ids, so you can find them in the CRM",
    ),
    _action(
        "schedule",
        "schedule meetings or set reminders",
        r"(?:schedule|book|set up|arrange|put|organi[sz]e|plan) (?:\w+ ){0,3}?(?:meetings?|calls?|demos?|time"
        r"|slots?|invites?|calendar|reviews?|syncs?|1:1s?|one[- ]on[- ]ones?|qbrs?|sessions?|lunch|dinner"
        r"|mins?|minutes|hours?|hrs?"
        r"|coffee|drinks|visits?|catch[- ]?ups?|workshops?|trainings?)"
        # "remind me to call Acme", not "remind me what the exit criteria are" (a question)
        r"|remind me(?! (?:what|who|how|when|where|which|why|of|again))"
        r"|set (?:a |an )?reminder|ping me|notify me",
        'list your deals with a next step due ("which deals have overdue next steps?")',
    ),
)


#: Questions Salesplan cannot answer yet, asked as questions: said plainly, never answered with
#: something else that reads like an answer to them.
GAPS: tuple[Action, ...] = (
    Action(
        "conversion",
        "compute stage-to-stage conversion (how many deals move on from one stage to the next)",
        re.compile(
            r"\bstage[- ](?:to[- ]stage )?conversions?\b|\bfunnel conversions?\b"
            r"|\bconver(?:t|ts|ted|sion|sion rates?)\b.{0,30}\bfrom \w+(?: \w+)? (?:to|into)\b"
            r"|\b(?:move|moves|moved|moving|progress|progresses|progressed|advance|advances|advanced|went)"
            r" from \w+ (?:to|into) \w+"
        ),
        'give the win rate by stage, product or rep, and how long deals sit in a stage ("average days '
        'in Proposal")',
        acts=False,
    ),
    Action(
        "finance",
        "compute finance or customer-success measures (ARR growth, retention, CAC, LTV, margin, "
        "payback, attach rate, satisfaction scores) — the data holds deals, accounts, activities and the "
        "ARR of the products accounts run today",
        re.compile(
            # a figure asked for, not the playbook's advice ("what churn signals should I watch for?")
            r"^(?!.*\b(?:playbook|signals?|should|tips?|advice|how (?:do|can|should|to)|prevent|reduce|avoid"
            r"|handle|warning|define|mean|means|what is a)\b).*"
            r"\b(?:cac|ltv|clv|nrr|grr|net (?:revenue|dollar) retention|retention rates?|gross margins?"
            r"|margins?|payback|mrr|(?:arr|revenue) growth|net new arr|burn|attach rates?|csat|nps"
            r"|churn rates?|satisfaction(?: scores?)?|sentiment)\b"
        ),
        "give active and churned ARR by account, product or industry, and bookings, win rates, deal "
        'sizes, pipeline and quota attainment ("active ARR by product", "bookings by product this year '
        'vs last year")',
        acts=False,
    ),
    Action(
        "contacts_per_deal",
        "count contacts per deal or per account",
        re.compile(
            r"\b(?:contacts|people|stakeholders) (?:per|on each|for each|by) "
            r"(?:deal|opportunity|opp|account)\b"
        ),
        'list single-threaded deals ("which deals are single-threaded?") and the contacts at an account '
        '("who are the contacts at {account}?")',
        acts=False,
    ),
    Action(
        "support",
        "show support tickets, cases or escalations — the data holds deals, accounts and sales "
        "activities, not a help desk",
        re.compile(
            r"^(?!.*\b(?:playbook|should|tips?|advice|how (?:do|can|should|to)|when to)\b).*"
            r"\b(?:(?:support|help ?desk|service|customer) (?:tickets?|cases?|requests?|issues?|escalations?)"
            r"|tickets?|zendesk)\b"
        ),
        'give an account\'s profile, open deals and recent activity ("tell me about {account}")',
        acts=False,
    ),
    Action(
        "compensation",
        "work out commission, bonuses, payouts or compensation — the data has no compensation plan",
        re.compile(
            r"^(?!.*\b(?:playbook|policy|guidelines?)\b).*"
            r"\b(?:commissions?|comp plan|compensation|bonus(?:es)?|payouts?|accelerators?|spiffs?|\bote\b"
            r"|on[- ]target earnings|variable pay)\b"
        ),
        'show bookings and attainment against quota, which commission is usually paid on ("how am I '
        'tracking against quota this quarter?")',
        acts=False,
    ),
    Action(
        "discounts",
        "measure discounts (a deal records its amount, not the price it was discounted from)",
        re.compile(
            r"^(?!.*\b(?:playbook|policy|approv\w*|guidelines?|tips?|advice|how (?:do|can|should|to)"
            r"|when (?:can|should)|say|ask|asks|asked|handle|respond|objections?|negotiat\w*|give|offer)\b)"
            r".*\b(?:discount(?:s|ing|ed)?|price (?:cuts?|concessions?))\b"
        ),
        'show deal sizes ("average won deal size by product") and what the playbook says about discount '
        "approvals",
        acts=False,
    ),
    Action(
        "forecast_accuracy",
        "measure forecast accuracy (forecast calls are not recorded, so there is nothing to compare with)",
        re.compile(
            r"\bforecast(?:ing)? (?:accuracy|error|hit rate)\b|\bhow accurate (?:was|is|were) (?:our|my|the)"
        ),
        'show what was won against quota for a period ("Q3 attainment by rep") and the forecast now '
        '("forecast for this quarter")',
        acts=False,
    ),
    Action(
        "new_logos",
        "count new logos (accounts won for the first time)",
        re.compile(
            r"^(?!.*\b(?:playbook|tips?|advice|how (?:do|can|should|to))\b).*"
            r"\b(?:new logos?|net[- ]new (?:logos?|customers?|accounts?)|new customers?"
            r"|first[- ]time (?:customers?|buyers?)"
            r"|customers? (?:we )?(?:won|landed|signed) for the first time)\b"
        ),
        'show what was won by account ("bookings by account this year") and what an account has bought '
        '("what has {account} bought?")',
        acts=False,
    ),
    Action(
        "sandbagging",
        "judge whether someone is sandbagging their forecast",
        re.compile(r"\bsandbag(?:s|ging|ged|ger|gers)?\b|\bholding back deals\b"),
        'show each rep\'s attainment and open pipeline against quota ("attainment by rep"), their '
        'forecast ("forecast for Kenji") and deals pushed out of the quarter ("which deals slipped?")',
        acts=False,
    ),
    Action(
        "cycle_buckets",
        "count deals by how long they took to close",
        re.compile(
            r"\bclos(?:e|ed|es|ing) (?:with)?in \d+ days\b"
            r"|\b(?:with)?in \d+ days of (?:being )?(?:created|opened)\b"
        ),
        'give the average and median sales cycle, by rep, product or segment ("median sales cycle by '
        'product")',
        acts=False,
    ),
)


def requested_action(prepared: str) -> Action | None:
    """The action a prepared (lower-cased) request asks Salesplan to carry out, if any."""
    text = prepared.strip()
    gap = next((g for g in GAPS if g.pattern.search(text)), None)
    if gap is not None:
        return gap
    if text.endswith("?") and re.match(r"^(?:what|which|how|who|when|where|why|is|are|do|does|did)\b", text):
        return None
    for action in ACTIONS:
        if action.pattern.search(text):
            return action
    return None
