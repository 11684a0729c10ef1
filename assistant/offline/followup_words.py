"""The words that make a question a follow-up of the one before: "and …", "just the top 3", "by
product", "the second one", "why?", "vs last year", "which of those…", a pronoun, a fragment.
:mod:`assistant.offline.followups` decides with them whether and how a question continues its thread."""

from __future__ import annotations

import re

from assistant.offline.breakdowns import DIMENSION_WORD
from assistant.offline.frame import Intent

START = re.compile(
    r"^\W*(?:and|also|what about|how about|what of|same (?:for|with|thing for)|same|now|then|ok(?:ay)?"
    r"|only|just|but|plus|vs\.?|versus|instead|so|what if|by|per|broken down by|split by"
    # "no I meant bookings", "compare to last year", "which deals?": about the previous answer
    r"|(?:no|nope|nah|sorry|actually)\W+(?:i )?meant|i meant|compare(?:d)? (?:to|with)"
    r"|which (?:deals|ones|opps)"
    r"|show (?:me )?(?:the |those |these )?(?:deals|ones)|list (?:them|those|the deals))\b",
    re.I,
)


#: "which deals?", "which ones?", "list them": the deals behind the previous answer, filtered the same way.
DEALS_BEHIND = re.compile(
    r"^\W*(?:ok\W+|and\W+|so\W+)?(?:which|what) (?:deals|ones|opps|opportunities)\b"
    r"(?: (?:are they|were they|is it|were|are|was|is|in|for|on|of)\b.{0,40})?\W*$"
    r"|^\W*(?:ok\W+|and\W+)?(?:show|list|give) (?:me )?(?:the |those |these )?(?:deals|ones|opps)\W*$"
    r"|^\W*(?:list|show me) (?:them|those)\W*$"
    # "which are in the east?", "which of those are in Texas?": the same deals, narrowed by the place
    r"|^\W*(?:ok\W+|and\W+|so\W+)?which (?:of (?:those|them|these) )?(?:are|were|is) (?:in|at|from|for|on)\b"
    r".{0,40}\W*$",
    re.I,
)
#: Answers listing open deals, whose "big ones" are their largest deals.
DEAL_LISTS = (Intent.PIPELINE, Intent.TOP_DEALS)
#: "only the big ones", "just the largest": the largest deals of the previous list.
BIG_ONES = re.compile(r"\b(?:big|biggest|large|largest|top) ones\b|\bthe (?:biggest|largest)\b", re.I)
#: "sort by amount", "biggest first", "order them by value": the same deals, largest first.
BY_SIZE = re.compile(
    r"^\W*(?:(?:and|now|ok|can you|pls|please)\W+)*(?:(?:sort|order|rank)(?:ed)?\W+"
    r"(?:them\W+|those\W+|it\W+|that\W+)?by\W+(?:the\W+)?(?:amount|size|value|deal size|\$)"
    r"|(?:biggest|largest)\W+first)\b",
    re.I,
)
#: "who dropped the most?", "which one grew the most?", "biggest decline": ranked by the change shown.
CHANGE_DOWN = re.compile(
    r"\b(?:dropped|drop|fell|fallen|declined|decreased|slipped|shrank|shrunk|went down|lost ground)\b"
    r".{0,20}\bmost\b|\b(?:biggest|largest|most) (?:drop|decline|decrease|fall)\b",
    re.I,
)
CHANGE_UP = re.compile(
    r"\b(?:grew|grown|increased|improved|went up|gained|jumped|rose)\b.{0,20}\bmost\b"
    r"|\b(?:biggest|largest|most) (?:increase|gain|jump|improvement|growth)\b",
    re.I,
)
#: "sort by close date", "order them by when they close": the same open deals, by month of closing.
BY_CLOSE = re.compile(
    r"^\W*(?:(?:and|now|ok|can you|pls|please)\W+)*(?:sort|order|group)(?:ed)?\W+(?:them\W+|those\W+|it\W+)?"
    r"by\W+(?:the\W+)?(?:close|closing|expected close)\W*(?:date|month)?s?\b|\bsoonest\W+first\b",
    re.I,
)
NARROW = re.compile(r"^\W*(?:and )?(?:only|just|but only|of those|of them)\b", re.I)
PRONOUN = re.compile(
    r"\b(?:he|she|him|his|her|hers|they|them|their|theirs|it|its|those|these|the ones|ones|this one|that one"
    r"|the same|that account|this account|that deal|this deal|that territory|that rep|that one|that team"
    r"|that company|this company|which one|the two|both of them|each other)\b"
    # "any open deals there?": the place of the thread (not "are there any…")
    r"|\bthere\W*$|\b(?:at|with|from) them\b"
    # "anything open there right now?", "what's left there this quarter" (not "are there any…")
    r"|(?<!\bare )(?<!\bis )(?<!\bwere )(?<!\bwas )(?<!\bany )\bthere\b(?!'s|'re| is\b| are\b| was\b| were\b)"
    # "top 3 accounts there by potential": the place of the thread, mid-question too
    r"|\b(?:accounts?|deals?|reps?|pipeline|pipe|customers?) there\b",
    re.I,
)
ORDINALS = {
    "first": 0,
    "1st": 0,
    "one": 0,
    "second": 1,
    "2nd": 1,
    "two": 1,
    "third": 2,
    "3rd": 2,
    "three": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "last": -1,
}
ORDINAL = re.compile(r"^\W*(?:the\s+)?(" + "|".join(ORDINALS) + r")(?:\s+one)?\W*$", re.I)
#: "too long", "shorter please", "just give me one line": the previous answer, shorter.
SHORTER = re.compile(
    r"^\W*(?:(?:ok|okay|hmm|nah|no|that's|thats|way|bit|a bit)\W+)*(?:too long|too much|shorter|tl;?dr"
    r"|(?:just |only )?(?:give me |gimme )?(?:the )?"
    r"(?:one[- ]line|one[- ]liner|short version|gist|summary|tldr)"
    r"|in (?:one|a) (?:line|sentence)|briefly|less detail)\b",
    re.I,
)
#: A follow-up that reshapes a metric answer: another breakdown, the top few, a filter ("by product").
RESHAPE = re.compile(
    r"^\W*(?:(?:and|now|ok|okay|so|then|can you|could you)\W+)*(?:break (?:that|it|this|them) down|split"
    # "break the lowest one down by rep": a row of the last answer, broken down
    r"|break (?:the |that )?(?:\w+ )?(?:one|row) (?:down|up|out)"
    r"|by\b|per\b|for each\b|just\b|only\b|top\b|bottom\b|same\b|what about\b|how about\b|and\b)",
    re.I,
)
COMPARED = re.compile(r"\b(?:compare|compared|vs\.?|versus|against|side by side)\b", re.I)
MAX_PRONOUN_WORDS = 12
#: "and win rate?", "what about the average deal size": a short follow-up naming only a measure.
MAX_SWAP_WORDS = 7
#: "the GTX Plus Pro one", "the Workflow Automation deal": one deal of the thread's account.
THE_ONE = re.compile(r"^\W*(?:and |ok |what about )?the .{2,40}? (?:one|deal|opp|opportunity)\W*$", re.I)
#: The deal of the thread, referred to.
IT = re.compile(r"\b(?:it|that deal|this deal|that one|this one|that opp)\b", re.I)
#: "vs Financial Services", "compared with SMB": the member named beside the previous one.
VERSUS = re.compile(
    r"^\W*(?:(?:and|but|ok|so|now)\W+)?(?:vs\.?|versus|compared? (?:to|with)|against"
    # "how does that compare to Q2?", "compare it with last year": the last answer, set against another
    r"|how (?:does|did|do|would) (?:that|this|it|they|those|these) (?:compare|stack up|look|do)"
    r" (?:to|with|against|vs\.?|in)"
    # "how's that vs last yr", "how is it compared to Q2"
    r"|how(?:'s|s| is| was) (?:that|this|it) (?:vs\.?|versus|compared? (?:to|with)|against|next to)"
    r"|(?:compare|stack) (?:that|this|it|them|those) (?:up )?(?:to|with|against)"
    # "is that higher than last quarter?", "was it better than Q2": the same, set against it yes or no
    r"|(?:is|was|are|were) (?:that|this|it|they|those|these) (?:\w+ )?(?:higher|lower|more|less|better|worse"
    r"|bigger|smaller|up|down|fewer|greater) (?:than|on|vs\.?|from|compared (?:to|with)))\b",
    re.I,
)
#: "of those", "these ones": the records of the previous answer.
THOSE = re.compile(r"\b(?:those|these|the ones|them)\b", re.I)
#: Filters on deals that "those" carries into another kind of answer.
CARRIED_FILTERS = (
    *("stage", "min_amount", "max_amount", "industry", "segment", "forecast_category", "country"),
    *("state", "city", "tier", "is_subsidiary"),
    *("min_employees", "max_employees", "min_revenue", "max_revenue"),
)
#: A name on its own ("Globex?", "Kenji Jensen") continues the thread when this short.
MAX_FRAGMENT_WORDS = 4
#: "median instead", "use the mean rather": another measure for the same breakdown and period.
INSTEAD = re.compile(r"\b(?:instead|rather)\b", re.I)
#: "which products?", "percentage", "per month?": a fragment that reshapes the previous measure.
SHARE_WORDS = re.compile(r"\b(?:percent(?:age)?s?|shares?|proportions?|split)\b|%", re.I)
#: "what share of the total is that", "what % is that of everything", "how much of the total is it":
#: the figure just given, as a share of the whole.
SHARE_OF_THAT = re.compile(
    r"^\W*(?:and |ok |so )?(?:what|how (?:big|much|large)|which)\b.{0,20}"
    r"\b(?:percent(?:age)?|share|proportion|fraction|portion|%|much)\b.{0,25}"
    r"\b(?:that|it|this|those|they)\b.{0,30}$"
    r"|^\W*(?:and |ok |so )?(?:what|how (?:big|much|large))\b.{0,25}\b(?:that|it|this)\b.{0,10}"
    r"\b(?:percent(?:age)?|share|proportion|%) of (?:the )?(?:total|all|everything|whole)\b",
    re.I,
)
FRAGMENT = re.compile(
    rf"^\W*(?:and |ok |so )?(?:(?:which|what) (?:{DIMENSION_WORD})|(?:{DIMENSION_WORD})"
    rf"|(?:as (?:an? )?|in )?(?:%|percent(?:age)?s?|shares?)(?: of (?:the )?(?:total|all|everything|whole))?"
    rf"|as (?:a )?share|(?:by|per) \w+)\W*$",
    re.I,
)
#: Intents that leave the thread's context alone.
ASIDES = frozenset({Intent.SMALL_TALK, Intent.HELP, Intent.OUT_OF_SCOPE})
#: "break that down by rep", "split it by product": the previous answer, broken down.
BROKEN_DOWN = re.compile(
    r"^\W*(?:(?:and|now|ok|okay|so|then|can you|could you|pls|please)\W+)*"
    r"(?:break|split|slice|cut|group|sort|bucket|organi[sz]e)"
    r"(?: (?:that|it|this|them|em|'em|those|these)\b| (?:down|up|out) (?:by|per|into)\b| by\b"
    # "break #1 down by product", "split the top guy out by quarter": one of the answer's rows
    r"| (?:[\w#'.&-]+ ){1,4}(?:down|up|out) (?:by|per|into)\b)",
    re.I,
)
#: Measures over a set of deals: asked after a list of deals, one figure over them, not one per deal.
OVER_THE_DEALS = frozenset(
    {
        "average_deal_size",
        "median_deal_size",
        "average_sales_cycle",
        "median_sales_cycle",
        "average_lost_cycle",
    }
    | {"win_rate"}
)
#: "and have open deals", "only those with no activity", "which have ARR": the accounts listed, narrowed.
ACCOUNTS_THAT = re.compile(
    r"^\W*(?:and|but|only|just|so|ok)?\W*(?:how many (?:of (?:them|those|these) )?(?:accounts )?)?"
    # "which of those have open deals right now", "any of them with a parent?"
    r"(?:(?:which|any|how many) (?:of )?(?:them|those|these) )?"
    r"(?:those |the ones |ones |accounts |of them )?(?:that |which |who )?"
    r"(?:also )?(?:have|has|having|with|without|w/o|w/|no)\b",
    re.I,
)
#: "enterprise only - by product": a member named, then "only", narrowing the previous figure.
ONLY_AFTER = re.compile(r"^\W*(?:[\w&'-]+ ){1,3}(?:only|alone)\b", re.I)
#: "what should I do about it?", "what does the playbook say": advice asked, not the record's facts.
ADVICE_ASKED = re.compile(
    r"\b(?:playbook|should (?:i|we)|advice|tips?|how (?:do|should|can|would|to) (?:i|we)?)\b"
    r"|\bshould\b(?: [\w']+){1,3} do\b|\bwhat to do\b",
    re.I,
)
#: "on the team", "across my team": the whole team, whoever the previous answer was about.
TEAM_WIDE = re.compile(r"\b(?:on|in|across|for) (?:the|my|our|whole|entire) (?:whole |entire )?team\b", re.I)
#: "which one has the biggest open deal?" after a set of accounts: one of those accounts.
WHICH_ONE = re.compile(r"\bwhich (?:one|ones|account|accounts|company|companies|customer|customers)\b", re.I)
#: "just qualification", "only enterprise": one member narrowing the previous answer.
JUST_MEMBER = re.compile(r"\b(?:just|only)\b", re.I)
#: "the biggest one", "the largest deal": one deal of the thread's set, the largest.
THE_BIGGEST_ONE = re.compile(
    r"(?:\bthe |^\W*(?:and |ok |so )?)(?:biggest|largest|top|main) (?:one|deal|opp|opportunity)\b(?!s)", re.I
)
#: "how big is the first one?": a company's size (employees, revenue) unless deals are named.
HOW_BIG = re.compile(r"\bhow (?:big|large)\b", re.I)
DEAL_WORD = re.compile(r"\b(?:deals?|opps?|opportunit(?:y|ies)|pipe(?:line)?|wins?)\b", re.I)


#: "with them", "w/ them", "at that account": the account of the thread, whatever else is named.
THE_ACCOUNT_AGAIN = re.compile(
    r"\b(?:with|w/?|at|from|to|for) (?:them|(?:that|this|the same) (?:account|acct|company|customer))\b"
    r"|\b(?:their|that account's|that company's) (?:deals?|opps?|losses|wins|pipeline)\b"
    # "why did we lose the analytics cloud deal there"
    r"|\b(?:deals?|opps?|opportunit(?:y|ies)|losses|wins|pipeline|anything|something)"
    r"(?: [\w-]+){0,2} there\b",
    re.I,
)


#: "sort by win rate, worst first", "rank those by deal count", "order them by bookings, low to high".
SORTED_BY = re.compile(
    r"^\W*(?:(?:and|now|ok|okay|can you|pls|please|just)\W+)*(?:re-?)?(?:sort|order|rank|arrange)(?:ed)?"
    r"(?:\W+(?:them|those|these|it|that|the list|the table|the reps|the rows|everyone))?\W+by\s+(?P<what>.+?)"
    r"(?:\W+(?P<first>worst|best|lowest|highest|least|most|smallest|biggest|largest|fastest|slowest"
    r"|quickest|shortest|longest)\W+first|\W+(?P<order>asc(?:ending)?|desc(?:ending)?|low to high|high to low"
    r"|lowest to highest|highest to lowest))?(?:\W+(?:instead|please|pls|too))?\W*$",
    re.I,
)


#: "vs last quarter", "the year before": a period named from today's, one unit back.
LAST_UNIT = re.compile(
    r"\b(?:last|previous|prior) (quarter|month|week|year)\b|\bthe (quarter|month|week|year) before\b", re.I
)
#: "all activity types", "not just calls", "every kind of activity": no one kind.
EVERY_KIND = re.compile(
    r"\b(?:all|every|any) (?:activity |the )?(?:types?|kinds?)\b"
    r"|\bnot (?:just|only) (?:the )?(?:calls|meetings|emails)\b|\ball (?:the )?activit(?:y|ies)\b",
    re.I,
)
