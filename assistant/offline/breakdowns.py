"""The dimensions a metric question breaks down by, as people write them: "by product", "per rep",
"which industry", "for each month", "top 5 accounts", "by rep and product" (two at once).

The words are the data's dimensions (:data:`tools.semantic.dimensions.DIMENSIONS`) and time grains
as a sales team says them; breakdowns the data does not have ("by lead source") are recognised too,
so the answer can say so rather than drop them.
"""

from __future__ import annotations

import re

#: Dimension words: what a breakdown ("by X", "per X", "which X") can be over, by dimension key.
_DIMENSION_WORDS = {
    "rep": "rep|reps|agent|agents|sales agent|sales agents|sales rep|sales reps|sales representative"
    "|sales representatives|sales person|sales people|account executive|account executives"
    "|salesperson|salespeople|seller|sellers|owner"
    "|owners|person|people|ae|aes",
    "team": "manager|managers|team|teams",
    "territory": "territory|territories",
    "region": "region|regions|office|offices|regional office|regional offices",
    "product": "product|products|sku|skus",
    "product_family": "series|family|families|product family|product families|product line|product lines"
    "|product series",
    "account": "account|accounts|customer|customers|client|clients|company|companies|subsidiary|subsidiaries",
    "parent_account": "parent|parent company|parent account|parent companies",
    "industry": "industry|industries|sector|sectors|vertical|verticals|account industry|customer industry",
    "segment": "segment|segments|account segment|account segments|customer segment|customer segments"
    "|market segment|market segments|company size|account size",
    "tier": "tier|tiers|account tier|account tiers",
    "country": "country|countries",
    "state": "state|states",
    "city": "city|cities|metro|metros",
    "stage": "stage|stages",
    "forecast_category": "forecast category|category|categories",
    "loss_reason": "reason|reasons|loss reason|loss reasons",
    # "activities by type": calls, meetings, emails… (deal types are a breakdown the data has not)
    "activity_type": "activity type|activity types|type of activity|types of activity|type|types",
    "contacts_engaged": "contacts engaged|number of contacts|stakeholders engaged|people engaged",
    "day": "day|days|daily",
    "week": "week|weeks|weekly",
    "month": "month|months|monthly",
    "quarter": "quarter|quarters|quarterly",
    "year": "year|years|yearly|annually",
}
DIMENSIONS: dict[str, str] = {
    word: key for key, words in _DIMENSION_WORDS.items() for word in words.split("|")
}
DIMENSION_WORD = "|".join(sorted((re.escape(k) for k in DIMENSIONS), key=len, reverse=True))
#: "by product", "per rep", "for each month", "broken down by sector", "split by office".
BREAKDOWN = re.compile(
    # "won by my team" names who did it, not a breakdown: "by" right after a verb of doing is not one
    rf"\b(?:(?<!won )(?<!lost )(?<!closed )(?<!sold )(?<!booked )(?<!created )(?<!generated )(?<!made )"
    rf"(?<!owned )by|per|for each|for every|each(?: of)?|across|broken down by"
    # "closed won by product", "sold by region": a dimension right after, with no "my"/"our", is one
    rf"|(?:(?<=won )|(?<=lost )|(?<=sold )|(?<=booked ))by(?=\s+(?:{DIMENSION_WORD})\b)"
    rf"|break(?:ing)? (?:it |that |this )?down by"
    # "group em by reason", "sort those by stage", "split them up by rep"
    rf"|(?:group|sort|bucket|organi[sz]e|split|slice|break)(?: (?:it|that|this|them|em|'em|those|these))?"
    rf"(?: (?:down|up|out))? by"
    rf"|split by|grouped by|group by|breakdown by|in each|for all)\s+"
    # "across my three teams", "for all 5 regions": how many there are is said on the way
    rf"(?:of\s+)?(?:the\s+|our\s+|my\s+)?(?:(?:\d{{1,2}}|two|three|four|five|six|seven|eight|nine|ten)\s+)?"
    rf"({DIMENSION_WORD})\b"
)
#: "a regional scorecard", "product-level numbers": a breakdown named by an adjective.
ADJECTIVAL = re.compile(
    r"\b(region(?=al\s+(?:scorecard|breakdown|numbers|view|split|summary|results|performance|leaderboard"
    r"|report|comparison|figures|stats)\b)"
    rf"|(?:{DIMENSION_WORD})(?=[- ]level\b)"
    # "product mix of won revenue", "the industry split", "stage distribution"
    rf"|(?:{DIMENSION_WORD})(?= (?:mix|split|distribution|breakdown)\b))"
)
#: "compare managers by won revenue", "rank the territories": every member of a dimension, side by side.
COMPARED_GROUPS = re.compile(
    r"\b(?:compare|comparing|rank|ranking)\s+(?:the\s+|our\s+|my\s+|all\s+)?(?:all\s+)?"
    r"(?:\d{1,2}\s+|two\s+|three\s+|four\s+|five\s+|six\s+|ten\s+)?"
    r"(managers|teams|reps|agents|sellers|territories|regions|regional offices|offices|products|industries"
    r"|sectors|segments|accounts|customers|states|cities|product families|series)\b"
    r"(?!\s+(?:counts?|numbers?))"
)
#: Breakdowns a CRM often has that the data here does not ("pipeline by lead source"): said, not dropped.
UNAVAILABLE = re.compile(
    r"\b(?:by|per|for each|across|broken down by|split by|grouped by|breakdown by|which|what)\s+"
    r"(?:the\s+|our\s+|my\s+)?(lead sources?|sources?|channels?|campaigns?|competitors?|partners?"
    r"|deal types?|opportunity types?|types? of deals?|personas?|job titles?|titles?|contact roles?"
    r"|languages?|currenc(?:y|ies)|zip codes?|postal codes?|marketing programs?)\b"
)
#: "how much of that is real vs estimated", "estimated vs recorded amounts": the amounts by where they
#: come from (recorded in the CRM, or estimated by the import).
AMOUNT_BASIS = re.compile(
    r"\b(?:real|actual|recorded|true|hard)\s+(?:vs\.?|versus|or|and|v)\s+(?:estimated|estimates?)\b"
    r"|\b(?:estimated|estimates?)\s+(?:vs\.?|versus|or|and|v)\s+(?:real|actual|recorded|true|hard)\b"
    r"|\bhow much (?:of (?:that|it|this|the \w+) )?(?:is|are) (?:estimated|an estimate|estimates|real)\b"
)
#: "monthly", "quarterly", "month over month", "trend": a time grain on its own (a trend is by month).
GRAIN = re.compile(
    r"\b(daily|weekly|monthly|quarterly|yearly|annually)\b"
    r"|\b(month|quarter|week)[- ]over[- ](?:month|quarter|week)\b"
    r"|\b(trend(?:ed|ing|s)?|over time)\b"
)
#: "which product", "what month", "which of my reps": the answer is a member of a dimension.
WHICH = re.compile(
    # "which of my team's deals": whose they are comes before the members
    rf"\b(?:which|what)\s+(?:of (?:my|our|the)(?: \w+'s)? )?(?:\d{{1,2}} |two |three |five |ten )?"
    # "which retail accounts", "which open deals": one word describing the members may come first
    # "which manager's team": the manager's
    rf"(?:[a-z]+ |[a-z]+'s )??({DIMENSION_WORD})\b(?!'s)"
)
#: "which 3 accounts…": the top few of a dimension.
WHICH_N = re.compile(r"\b(?:which|what)\s+(?:of (?:my|our|the) )?(\d{1,2}|two|three|four|five|ten)\s")
#: "who": the answer is a person.
WHO = re.compile(
    r"^(?:\w+ )?who\b|\bwho(?:'s| is| has| had| did| sold| won| closed| brought| made| missed| hit| beat"
    r"| lost| fell| dropped| grew| needs)\b"
    # "how many reps hit their number? and who missed by the most": a second question about people
    r"|(?:[.?!;,]\s*|\band\s+)who\b"
    r"|\b(?:anyone|anybody|someone|any(?: of)? (?:my |our |the )?reps)\b"
)
COUNT_WORD = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
#: "top 5 accounts", "worst 3 reps", "the 10 biggest customers": the ranked dimension.
RANKED = re.compile(
    rf"\b(?:top|bottom|best|worst|biggest|largest|smallest|highest|lowest|leading|weakest"
    rf"|most valuable|most loyal)\s+"
    rf"(?:\d{{1,2}}\s+|one\s+|two\s+|three\s+|five\s+|ten\s+)?"
    # "best selling product", "top-performing rep", "fastest growing region"
    rf"(?:[- ]?(?:selling|performing|converting|closing|growing)\s+)?({DIMENSION_WORD})\b"
    rf"|\b(?:best|top|worst|fastest|slowest)[- ](?:selling|performing|converting|closing|growing)\s+"
    rf"({DIMENSION_WORD})\b"
    rf"|\b\d{{1,2}}\s+(?:biggest|largest|best|worst|top)\s+({DIMENSION_WORD})\b"
)


def dimension_named(text: str) -> str | None:
    """The dimension a breakdown in ``text`` names ("now by segment" → ``segment``), if any."""
    found = BREAKDOWN.search(text)
    return DIMENSIONS[found[1]] if found else None


#: A second breakdown right after the first: "by rep and product", "by stage, then owner", "per rep per
#: month", "by product by quarter", "by territory & segment".
SECOND = re.compile(
    rf"\s*(?:,\s*(?:and\s+|then\s+)?|\s+and\s+(?:then\s+)?|\s+then\s+|\s*&\s*|\s*/\s*|\s+x\s+|\s+)"
    rf"(?:(?:by|per|for each)\s+)?(?:the\s+|each\s+)?({DIMENSION_WORD})\b"
)


#: A second breakdown said apart from the first, with a verb of splitting: "…, split by type".
SPLIT_LATER = re.compile(
    rf"\b(?:split|broken down|break(?:ing)? (?:it |that |them )?down|grouped|bucketed|and then)\s+by\s+"
    rf"(?:the\s+|each\s+)?({DIMENSION_WORD})\b"
)


def second_breakdown(text: str, first: re.Match[str]) -> str | None:
    """The dimension of a second breakdown following ``first`` ("by rep and product" → ``product``)."""
    found = SECOND.match(text, first.end())
    if found is None:
        # "per rep on my team for the last 30 days, split by type": a second breakdown said later
        later = SPLIT_LATER.search(text, first.end())
        second = DIMENSIONS[later[1]] if later else None
        return second if second and second != DIMENSIONS[first[1]] else None
    # "per rep per month", "by rep, product": the connective or a repeated "by" says it is a breakdown
    joined = found[0].strip()
    if not joined.startswith((",", "and", "then", "&", "/", "x", "by", "per", "for each")):
        return None
    second = DIMENSIONS[found[1]]
    return second if second != DIMENSIONS[first[1]] else None
