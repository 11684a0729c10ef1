"""The words a measure is read from: *which deals* (won, lost, closed, open, created, activities, quota)
and *how they count* (amount, number, average, median, rate, days, size, cycle, age), as a sales team
writes them. :mod:`assistant.offline.measures` composes a measure from them."""

from __future__ import annotations

import re


def any_of(words: str) -> re.Pattern[str]:
    """Any of ``words`` (alternatives separated by ``|``, regular expressions) as whole words."""
    return re.compile(r"\b(?:" + words + r")\b")


#: "sales" is what was sold, except in a role or a process ("which sales agent…", "sales cycle").
SALES = (
    r"sales(?! (?:agents?|reps?|representatives?|people|persons?|team|teams|managers?|leaders?|org"
    r"|ops|cycles?|playbook|process|stages?|calls?|methodology|motion|territor(?:y|ies)|offices?))"
)
WON = any_of(
    r"won|did(?:n't|nt| not)? [\w']+(?: [\w']+){0,3}? close\b|bought|purchased"
    # "what we've already closed", "how much I have closed": closed and won
    r"|(?:i|we|they|he|she)(?:'ve| have|'d| had|'s| has)?(?: already| just| actually)?"
    r" closed(?! (?:lost|out))"
    r"|wins?|winning"
    r"|closed[- ]won"
    r"|bookings?|booked|(?:did|do|does|will|to|i|we|they) book|sold|(?<!-)(?:sell|sells|selling)"
    r"|(?<!annual )revenue"
    # "how much did they spend with us", "what has Acme paid us": what they bought
    r"|(?:spend|spends|spent|spending)(?: \w+){0,2} (?:with|on) (?:us|our)\b|(?:paid|pay|pays) us\b"
    # "sales" is what was sold, except in a role or a process ("which sales agent…", "sales cycle")
    rf"|{SALES}"
    r"|closed (?:revenue|business|deals?)"
    r"|(?:brought|bring|brings|bringing) in|made"
    r"|generated revenue|landed|signed|converts?|converted|conversion|close rate|closing rate|hit rate"
)
#: "what did Acme buy": what an account bought, by product.
BOUGHT = re.compile(
    r"\b(?:bought|purchased|did (?:\w+ ){0,4}buy|do(?:es)? (?:\w+ ){0,4}buy from us|buys? from us"
    r"|did (?:\w+ ){0,2}sell (?:to|them|him|her)|(?:we|i|have|has) sold (?:to|them)"
    r"|(?:have|has) (?:\w+ ){0,3}bought|buys (?:\w+ ){0,3}from us|buys the most"
    r"|(?:we|i|you) (?:won|sold|booked|closed) (?:at|from|with|to|in) (?:entaccount|entunknown|them))\b"
)
#: Whitespace and upsell questions ("what else could they buy?") are about what was not bought.
NOT_YET = re.compile(
    r"\b(?:could|what else|else (?:could|can|might|should|would)|might|would|should|upsell|cross[- ]?sell"
    r"|not (?:yet )?bought"
    # "which customers haven't bought Security Shield?": the accounts without it
    r"|(?:haven't|hasn't|have not|has not|never|didn't|did not|don't|doesn't|do not|does not)"
    r"(?: \w+){0,2} (?:bought|purchased|buy|own|owned|have|use|using))\b"
)
#: ("drop anything under 20k", "drop the ones in EMEA" leave deals out of the answer: no loss)
LOST = any_of(
    r"lost|lose|loses|losing|losses|loss|closed[- ]lost|dropped"
    r"|drop(?!\s+(?:anything|everything|the|those|them|em|all|any|deals|opps|ent[a-z]+)\b)|drops|dropping"
)
#: "closed" as an outcome; not the date of one ("by quarter closed") nor who did it ("who closed it").
CLOSED = any_of(
    r"(?<!quarter )(?<!month )(?<!week )(?<!year )(?<!day )(?<!who )closed(?! (?:it|that|them|those|this)\b)"
    r"|decided"
)
OPEN = any_of(
    r"open|pipeline|pipe|in play|in flight|active deals?|working on|on the table|closing|sitting|parked"
)
CREATED = any_of(
    r"created|create|creating|new deals?|new opportunit(?:y|ies)|new opps?|generated|sourced|opened|added"
    # "engaged" is when a deal began in some exports; a contact engaged is about people, not deals
    r"|pipeline creation|pipeline created|pipegen|(?<!contact )(?<!contacts )(?<!people )(?<!buyer )engaged"
    # "how much pipeline did each rep add?", "deals added to the pipe this month"
    r"|(?:pipe(?:line)?|deals?|opps?|opportunit(?:y|ies))\b(?: \w+){0,4} (?:add|adds|adding)\b"
    r"|(?:add|adds|adding|added) (?:\w+ )?(?:to )?(?:the |their |my |our )?pipe(?:line)?\b"
    r"|new pipe(?:line)?|fresh pipe(?:line)?|pipeline added"
    r"|did (?:\w+ ){1,2}open|(?:i|we|they|he|she) opened"
)
#: Activities counted: the word itself, or calls, meetings, emails counted or logged ("how many calls",
#: "meetings by rep", "emails sent last week") — not a call one is preparing for ("the forecast call").
_KINDS = r"(?:calls?|meetings?|e-?mails?|demos?)"
ACTIVITY = any_of(
    r"activit(?:y|ies)|touches|touchpoints?"
    r"|(?:how many|number of|(?<=#) of|count of|count|total|logged|made|had|held|booked|sent)\s+"
    rf"(?:\w+\s+){{0,2}}{_KINDS}"
    rf"|{_KINDS}\s+(?:(?:i|we|you|he|she|they|have|has|did|were|was)\s+){{0,2}}"
    r"(?:logged|made|held|booked|sent|done|had|per|by|this|last|in the last|so far|count|volume"
    r"|numbers?|ytd|qtd|mtd|since)"
)
#: "who should I call first?": whom to contact, not a count of calls.
SHOULD_CONTACT = re.compile(r"\b(?:should|do|must) (?:i|we) (?:call|email|contact|reach out to|ping|chase)\b")
QUOTA = any_of(r"quota|target|number")
#: "loss rate", "% of deals we lose": lost over closed.
LOSS_RATE = any_of(r"loss rates?|loss ratios?|loss %|loss percentages?|lose rates?|churn rate of deals")
RATE = any_of(
    r"win rates?|win ratios?|win %|win percentages?|close rates?|closing rates?|hit rates?"
    r"|conversion(?: rates?)?"
    r"|converts?|converted|success rates?|how often"
    # "which do I win more often?": the share of the deals pursued that are won
    r"|win (?:\w+ )?(?:more|less) (?:often|frequently)"
    # "are we winning more often in enterprise or mid-market?"
    r"|winning (?:\w+ )?(?:more|less) (?:often|frequently)"
)
COUNT = any_of(
    r"how many|number of|count|# of|volume of|how much deals"
    # "best selling product by units": how many were sold, not what they were worth
    r"|by units|in units|units sold|unit sales|by (?:deal )?volume|by (?:deal )?count"
    # "which product do we sell the most of": the most sold, counted
    r"|(?:sell|sells|sold|selling) (?:the )?(?:most|least|fewest) of|most (?:units|copies)"
)
AVERAGE = any_of(r"average|avg|mean|typical|on average|per deal")
MEDIAN = any_of(r"median|middle")
SIZE = any_of(
    # "how big are our deals", not "only the big ones" (a filter on the deals)
    r"deal sizes?|size|ticket|acv|deal value|value per deal"
    # "how big are our deals", not "how big is the engaging pipe" (the pipeline's size)
    r"|how (?:big|large)(?! (?:is|was|'s) (?:\w+ ){0,3}?pipe(?:line)?s?\b)"
    r"|(?:close|closing|contract|deal|order|sale|sales) (?:values?|amounts?|prices?)|selling price|sale price"
    # "are we closing bigger or smaller deals than in q3?": the size of the deals won
    r"|(?:bigger|smaller|larger) or (?:bigger|smaller|larger) deals?"
    r"|(?:closing|winning|selling|landing|signing) (?:bigger|smaller|larger) deals?"
    r"|deals? (?:are |were )?(?:getting|got) (?:bigger|smaller|larger)"
)
CYCLE = any_of(
    r"sales cycles?|cycle|time to close|days to close|how long (?:does it|do deals|it) take|how long to close"
    r"|how long .{0,30} to close|velocity"
    # "how long do my won deals take from create to close", "how long do deals we lose take"
    r"|how long (?:do|does|did) .{0,30}\btake\b|from (?:create|creation|created|open|opened) to close"
    # "avg days from engage to close", "time from creation to close"
    r"|(?:days|time|weeks) from \w+ (?:date )?to (?:close|closing|won|win|signature)"
)
#: "win rate by $", "by value instead of count", "dollar-weighted": the rate over amounts, not deals.
BY_VALUE = re.compile(
    r"\bby (?:\$|value|dollars?|amount|money)(?!\w| (?:won|booked|lost))"
    r"|\bin (?:\$|dollars?|value terms|dollar terms)"
    r"|\b(?:dollar|value|\$)[- ]weighted\b|\b(?:value|dollar|\$) win rate\b"
)
STAGE_DAYS = any_of(
    r"days in (?:each |every |a |the )?stage|time in (?:each |every |a |the )?stage|stuck in stage"
    r"|how long .{0,20} in (?:each )?stage"
    # "which deal has been sitting in its stage the longest", "longest in stage", "oldest in stage"
    r"|(?:sit|sits|sitting|sat|stuck|been|parked|stayed|staying) in (?:(?:its|their|the|a|that|this|current"
    r"|the same|one) )?(?:current )?stage"
    r"|(?:longest|oldest|most days|most time) in (?:its |their |the |a )?(?:current )?stage"
    # "which of my deals have been stuck in engaging the longest": a stage named, then "the longest"
    r"|(?:sit|sits|sitting|sat|stuck|been|parked|stayed) in (?:\w+ ){1,2}(?:the |for the )?longest"
    r"|(?:sit|sits|sitting|sat|stuck|been|parked|stayed) there (?:the |for the )?longest"
    # "how many days do deals sit in proposal?", "how long do deals stay in negotiation"
    # (within one clause: "in 60 days and how much pipe is sitting in them" asks no time in stage)
    r"|(?:how long|how many days|days|time)\b(?:(?!\b(?:and|but|how)\b).){0,40}"
    r"\b(?:sit|sits|sitting|sat|stay|stays|staying|spend|spends"
    r"|spent|linger|lingers|lingering|remain|remains|sit around) in\b"
    # "avg days in negotiation": the time deals spend in the stage named (not "days in the quarter")
    r"|(?:avg|average|mean|median|typical)\s+(?:number of\s+)?(?:days|time)\s+(?:spent\s+)?in\s+"
    r"(?!(?:the |this |last |next |a |each |every )?"
    r"(?:quarter|month|year|week|period|total|q[1-4]\b|\d))[a-z]+"
)
#: How long open deals have been open: "my 5 oldest open deals", "average age of our pipeline".
DEAL_AGE = any_of(
    r"(?:oldest|newest|youngest)\s+(?:\d{1,2}\s+)?(?:open\s+|active\s+)?(?:deals?|opps?|opportunit(?:y|ies)|pipeline)"
    r"|(?:average\s+)?age of (?:my |our |the |their )?(?:open )?(?:deals|pipeline|opps|opportunities)"
    r"|how old (?:are|is) (?:my|our|the|their) (?:open )?(?:deals|pipeline|opps|opportunities)"
    r"|average (?:deal|opp|opportunity) age|deal age"
    # "which have been sitting the longest?", "open the longest", "longest-running opps"
    r"|(?:been\s+)?(?:open|sitting|sat|lingering|around|aging|ageing|waiting)\s+(?:the\s+)?longest"
    r"|longest[- ](?:open|running|standing)"
    # "what's the oldest one in engaging?": a deal, the thread's or the stage's
    r"|(?:oldest|newest) (?:one|opp|deal)\b"
)
#: The installed base: what accounts run today, by its annual recurring revenue, and what they dropped.
ARR = any_of(r"arr|annual recurring revenue|recurring revenue|installed base")
CHURN = any_of(r"churn|churns|churned|churning|churned off|dropped the product")
WEIGHTED = any_of(r"weighted|probability[- ]adjusted|expected value")
_AGAINST = r"(?:against|vs\.?|versus|relative to|compared (?:to|with)|measured against|stack(?:s|ing)? up to)"
#: Quota attainment, asked as such or as being behind, on track, hitting or missing the number.
ATTAINMENT = any_of(
    r"attainment|attained"
    r"|(?:%|percent) (?:of|to) (?:(?:my|our|their|his|her|the|q[1-4]|this quarter's|quarterly|annual) )*"
    r"(?:quota|target|plan)"
    r"|(?:behind|ahead|on track|tracking|furthest|closest)\b.{0,30}\b(?:quota|number|target|plan)"
    r"|(?:hit|make|making|miss|missing|reach|reached|made|beat|exceeded) (?:their |my |our |the |his |her )?"
    r"(?:q[1-4] |quarterly |annual |yearly |full[- ]year |fy )?(?:quota|number|target)"
    # "how far am I from my number?"
    r"|far (?:\w+ ){0,2}?(?:from|off|away from|behind) (?:my |our |their |his |her |the )?"
    r"(?:quota|number|target|plan)"
    # "how is Kenji doing against quota?", "bookings vs target", "where am I relative to plan"
    rf"|{_AGAINST} (?:my |our |their |his |her |the |team |annual |quarterly )?(?:quota|target|plan)"
    r"|gap to (?:quota|target|plan)|short of (?:quota|target|plan)"
    # "who needs coaching?": the furthest from their number first
    r"|(?:needs?|could use|would benefit from) (?:some |more )?(?:coaching|help|support)"
)
COVERAGE = any_of(
    # "cover" is a verb too ("what should I cover in the call?", "I'm covering for Jamie"): pipeline
    # covering a number only
    r"coverage"
    r"|(?:pipe(?:line)?|enough)\b.{0,30}\bcover(?:s|ed)?\b"
    # "do I have enough pipeline for next quarter?"
    r"|enough pipe(?:line)?\b"
    r"|cover(?:s|ed)? (?:my |our |the |their |his |her )?(?:quota|number|target|gap|plan)"
    # "pipeline vs quota": the open pipeline set against the quota is its coverage
    rf"|pipe(?:line)?\b.{{0,30}}\b{_AGAINST} (?:my |our |their |his |her |the |team )?(?:quota|target|plan)"
)
MONEY = any_of(rf"how much|revenue|bookings?|amount|value|dollars?|money|worth|total|sum|{SALES}")


#: "West is lowest - what are they losing on?": a superlative said of something named, not a ranking
#: asked for ("who is lowest?" asks one).
SAID_OF = re.compile(
    r"\b(?:is|are|was|were) (?:the )?(?:lowest|highest|worst|best|weakest|strongest|slowest|fastest)\b"
    r"(?=\s*(?:[-,;:.?!]|and\b|but\b|so\b))"
)
ASKS_WHICH = re.compile(r"(?:^|[-,;:.?!]\s*)(?:and |so |ok )?(?:who|which|what|where)\b[^-,;:.?!]*$")


def said_of(text: str) -> str:
    """``text`` without the superlatives said of something named ("West is lowest - …"); a clause
    asking which one ("which region is the lowest?") keeps its own."""
    return SAID_OF.sub(lambda m: m[0] if ASKS_WHICH.search(text[: m.start()]) else " ", text)
