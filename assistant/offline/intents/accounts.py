"""Questions about accounts: one account's profile, its facts, what it bought, what else it could
buy, and account search."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from assistant.offline import answers_accounts as answers
from assistant.offline import answers_facts
from assistant.offline.calls import Call, given
from assistant.offline.frame import Frame, Intent
from assistant.offline.intents.spec import Answering, IntentSpec, Phrasing, Rendering, phrasing
from assistant.offline.metric_claims import NEVER_BOUGHT, NEVER_WON, WHO_TO_CONTACT
from assistant.offline.vocabulary import correct_before_reading
from tools.accounts import AccountSearchResult
from tools.accounts.facts import AccountFacts, AccountPurchases
from tools.accounts.profile import AccountProfile
from tools.accounts.whitespace import WhitespaceReport
from tools.lexicon import Lexicon
from tools.store.schema import Role
from tools.territory.summary import QUIET_DAYS

DEFAULT_LIST = 10


def _account(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("account_profile", {"account": frame.slots.account})]


def _whitespace(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("account_whitespace", {"account": frame.slots.account})]


#: "my accounts", "my accts", "my book": a rep's own accounts (those they own, not every account
#: where they have a deal).
MY_ACCOUNTS = re.compile(r"\bmy (?:own )?(?:accounts?|accts?|customers|book(?: of business)?)\b")


def own_book(question: str, lexicon: Lexicon) -> bool:
    owned = lexicon.viewer.role is Role.REP and lexicon.account_owners  # an export may record none
    return owned and MY_ACCOUNTS.search(question) is not None


def _accounts(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    """An account search; a name matching several accounts is searched for as written."""
    slots = frame.slots
    ambiguous = frame.ambiguity is not None and frame.ambiguity.kind == "account"
    name = frame.ambiguity.phrase if frame.ambiguity is not None and ambiguous else slots.account
    question = correct_before_reading(frame.question.lower())  # "havent bought", "accts"
    by_pipeline = "pipeline" in question and slots.has_open_pipeline is not False
    subsidiaries = bool(SUBSIDIARIES.search(question)) and slots.account is not None
    excluded = slots.exclude or {}
    lacking = excluded.get("product") or (slots.product if NOT_BOUGHT.search(question) else None)
    named = [slots.product, *(slots.others or [])] if slots.others_slot == "product" else []
    if len(named) == 2 and (negation := NOT_BOUGHT.search(question)) is not None:
        # "bought GTX Pro but never bought the GTK 500": the product after the negation is the one lacking
        after = [name for name in named if name and question.find(name.lower(), negation.start()) >= 0]
        if len(after) == 1:
            lacking = after[0]
            slots = slots.model_copy(update={"product": next(n for n in named if n != lacking)})
    # "accounts that have Analytics Cloud", "customers on Cobalt but not Security Shield": a product
    # named in an account search is one they bought, unless the question is about pipeline in it
    having = slots.product if slots.product != lacking and not by_pipeline else None
    never = NEVER_BOUGHT.search(question) is not None and lacking is None
    # "accounts we've never won a deal at": no won deal, whatever else they run; "never bought": neither
    unwon = never and NEVER_WON.search(question) is not None
    never = never and not unwon
    customers = CUSTOMERS_ONLY.search(question) or (lacking and OUR_CUSTOMERS.search(question))
    search = given(
        with_product=having,
        without_product=lacking,
        has_bought=False if never else True if customers else None,
        has_won=False if unwon else None,
        without_contact_role=slots.without_contact_role,
        is_subsidiary=_parented(question, subsidiaries),
        established_before=slots.established_before,
        established_after=slots.established_after,
        name=None if subsidiaries else name,
        names=(slots.any_of or {}).get("account"),
        parent=slots.account if subsidiaries else None,
        min_employees=slots.min_employees,
        max_employees=slots.max_employees,
        min_annual_revenue=slots.min_revenue,
        max_annual_revenue=slots.max_revenue,
        industry=slots.industry,
        segment=slots.segment,
        territory=slots.territory,
        country=slots.country,
        outside_country=excluded.get("country"),
        state=slots.state,
        city=slots.city,
        tier=slots.tier,
        owner=slots.owner or (lexicon.viewer.name if own_book(question, lexicon) else None),
        min_potential=slots.min_amount,
        has_open_pipeline=slots.has_open_pipeline,
        # "accounts I haven't touched": as many days as said, else the coverage measure's 60
        inactive_days=slots.inactive_days or (QUIET_DAYS if slots.rule == "no_activity" else None),
        sort_by=account_order(question, by_pipeline),
        limit=min(slots.limit or (1 if ONE_BEST.search(question) else DEFAULT_LIST), 100),
    )
    return [Call("search_accounts", search)]


#: "accounts that haven't bought Security Shield", "customers without Analytics Cloud".
NOT_BOUGHT = re.compile(
    r"\b(?:haven't|hasn't|have not|has not|never|didn't|did not|don't|doesn't|do not|does not|not yet)"
    r"(?: \w+){0,2} (?:bought|purchased|buy|own|owned|have|use|using)\b|\bwithout\b|\bnot using\b"
    # "bought MG Advanced but never GTX Pro": the verb said once, for both
    r"|\bbut (?:not|never|no)\b"
)
#: "which of my customers don't have X": in an upsell question, customers are those who bought.
OUR_CUSTOMERS = re.compile(r"\b(?:my|our) (?:existing )?customers\b")
CUSTOMERS_ONLY = re.compile(
    r"\b(?:existing|current|paying|active) customers\b|\b(?:that|who) (?:have|has) (?:already )?bought\b"
)
SUBSIDIARIES = re.compile(
    r"\bsubsidiar(?:y|ies)\b|\bowned by\b|\bunder (?:the )?parent\b"
    r"|\b(?:roll|rolls) up (?:in)?to\b|\bbelongs? to\b|\bpart of (?:the )?entaccount\b"
)
#: "accounts that have a parent company", "part of a bigger group"; "standalone", "no parent".
PARENTED = re.compile(
    r"\b(?:with|has|have|having) (?:an? |their )?parent\b|\bpart of (?:a |an )?(?:bigger |larger )?"
    r"(?:group|parent|holding)\b|\broll(?:s)? up to (?:a|another) "
)
UNPARENTED = re.compile(
    r"\b(?:no|without(?: an?)?|don'?t have an?|doesn'?t have an?) parent\b|\bstand-?alone\b"
    r"|\bindependent (?:accounts|companies)\b|\btop[- ]level (?:accounts|companies|parents?)\b"
)


def _parented(question: str, of_one: bool) -> bool | None:
    """Only subsidiaries (true), only accounts without a parent (false), or either (none)."""
    if UNPARENTED.search(question):
        return False
    if (SUBSIDIARIES.search(question) and not of_one) or PARENTED.search(question):
        return True
    return None


BY_REVENUE = re.compile(
    r"\b(?:annual revenue|turnover|(?:biggest|largest) compan(?:y|ies)|revenue of (?:the )?compan)"
)
#: "which account has the highest annual revenue?": the one at the top.
ONE_BEST = re.compile(
    r"\b(?:which|what) (?:account|company|customer|client)\b(?!s).{0,40}\b(?:most|highest|largest|biggest)\b"
)
BY_EMPLOYEES = re.compile(r"\b(?:employees|employers?|headcount|staff)\b")


def account_order(question: str, by_pipeline: bool) -> str | None:
    """The account search's order: by the company size asked about, else open pipeline or potential."""
    if BY_EMPLOYEES.search(question):  # "the biggest company by headcount": by its people
        return "employees"
    if BY_REVENUE.search(question):
        return "annual_revenue"
    return "open_pipeline" if by_pipeline else None


def _write_account(output: AccountProfile, answering: Answering) -> str:
    return answers.account(output, answering.notes, question=answering.frame.question)


def _write_whitespace(output: WhitespaceReport, answering: Answering) -> str:
    return answers.whitespace(output, answering.notes)


def _write_accounts(output: AccountSearchResult, answering: Answering) -> str:
    notes = list(answering.notes)
    bought = answering.args.get("has_bought") is not None or answering.args.get("has_won") is not None
    if bought and answering.frame.slots.period:
        # "which accounts haven't bought anything this quarter?": the search knows ever, not when
        notes.append(
            f"bought or won here means ever: the account search does not take a period, so "
            f"{answering.frame.slots.period!r} is not applied; ask for bookings by account in that period "
            "to see who bought then"
        )
    if answering.args.get("inactive_days") and not answering.lexicon.has_activities:
        notes.insert(0, NO_ACTIVITIES)
    return answers.accounts(output, notes)


#: Said when a question about activity is asked of data that records none.
NO_ACTIVITIES = (
    "The data records no activities at all (the export has no calls, emails or meetings), so every "
    "account counts as untouched: this says nothing about how recently anyone spoke to them."
)


ACCOUNT = IntentSpec(
    Intent.ACCOUNT,
    example="Tell me about Acme before my call",
    route=_account,
    requires=("account",),
    renders=(Rendering(AccountProfile, _write_account),),
    takes=frozenset({"account"}),
    named_alone="account",
    phrasings=(
        # "who should I call at Green-Plus?": a person there, from the contacts (or that none are recorded)
        phrasing(11, WHO_TO_CONTACT.pattern),
        phrasing(
            4,
            r"\btell me (?:about|more about)\b|\bbrief(?:ing)? (?:me )?(?:on|about)\b",
            r"\bprep(?:are)? (?:me )?for\b",
            r"\bbefore (?:my|the|our) (?:call|meeting|visit)\b"
            r"|\bprofile\b|\bbuying (?:committee|roles?|group)\b",
            r"\bdecision[- ]makers?\b|\bwho (?:is|are|should i talk to|do i know|do we know) (?:at|in)\b",
            # "who owns it?", "who's the account owner": the profile names the owner
            r"\bwho (?:owns|covers|manages|is on|handles) "
            r"(?:it|this account|that account|entaccount|the account)\b"
            r"|\baccount owner\b",
            # "how's Kan-code looking?": a company asked after by name
            r"\bhow(?:'s| is) (?:entaccount|entunknown)(?: account)? looking\b",
            r"\bwhat do (?:we|i|you) know about\b|\boverview of\b|\bhealth\b|\bcontacts?\b|\bkey people\b",
            r"\blook up entaccount\b|\bsummar(?:y|ise|ize) (?:of )?entaccount\b",
            # "when did I last talk to them?", "who have I spoken with at Acme?": contacts, last touch
            r"\b(?:when did|have) (?:i|we) (?:last )?(?:talk|talked|speak|spoke|spoken|meet|met|hear|heard)"
            r"(?: to| with| from)? (?:them|entaccount|anyone|someone)\b"
            r"|\bwho (?:have|did) (?:i|we) (?:\w+ )?(?:talk|talked|speak|spoke|spoken|meet|met)\b"
            r"|\blast (?:touch|touchpoint|contact|conversation)\b"
            # "when's the last time we talked to the econ buyer?": the contacts, with their last touch
            r"|\blast time (?:i|we|anyone|someone) (?:talked|spoke|met|heard|emailed|called)\b",
            r"\bwhat(?:'s| is) (?:happening|going on) (?:with|at|over at) (?:entaccount|entunknown)\b",
        ),
        # the buying roles: "who's the champion?", "our economic buyer there" (weaker than "define
        # champion", which asks the playbook)
        phrasing(
            2.5,
            r"\bchampions?\b|\beconomic buyers?\b|\bexecutive sponsors?\b|\bpoints? of contact\b"
            r"|\bmain contacts?\b|\bstakeholders?\b",
        ),
    ),
)

WHITESPACE = IntentSpec(
    Intent.WHITESPACE,
    example="What else could Acme buy?",
    route=_whitespace,
    requires=("account",),
    renders=(Rendering(WhitespaceReport, _write_whitespace),),
    takes=frozenset({"account"}),
    phrasings=(
        phrasing(
            5,
            r"\bwhite ?space\b|\bcross[- ]?sell|\bup[- ]?sell|\bexpansion\b|\bexpand\b|\badd[- ]?ons?\b",
            r"\bwhat else (?:could|can|might|should|would|do|does)\b",
            r"\b(?:don't|do not|doesn't|does not|dont|doesnt)\b.{0,40}\b(?:own|have|use|buy)\b",
            r"\bwhat (?:products?|else) (?:could|can|should) (?:we|i) (?:sell|pitch|offer)\b",
            r"\bsell (?:more )?(?:to|into)\b",
            r"\b(?:could|might|should|would|can) (?:they|it|entaccount|we|i) (?:\w+ )?(?:buy|add|use|sell)"
            r"(?: \w+)? (?:next|too|also|more)\b|\bbuy next\b",
            # "which products are they missing?", "which have they never bought": ours they lack
            r"\bproducts?\b.{0,30}\b(?:missing|lacking|lack)\b"
            r"(?! (?:a |an |the )?(?:next step|close date|amount))",
            r"\b(?:which|what)(?: ones?)? (?:are|is|do|does) (?:they|it|entaccount|entunknown)"
            r" (?:missing|lacking|lack)\b",
            r"\b(?:products?|which|what)\b.{0,30}\b(?:they|it|entaccount|entunknown)\b.{0,12}"
            r"\b(?:never|not yet|haven't|hasn't|have not|has not)(?: \w+)? (?:bought|purchased)\b",
        ),
    ),
)

ACCOUNTS = IntentSpec(
    Intent.ACCOUNTS,
    example="Which accounts have no open pipeline?",
    route=_accounts,
    renders=(Rendering(AccountSearchResult, _write_accounts),),
    takes=frozenset({"person", "territory"}),
    searched=frozenset({"account"}),
    phrasings=(
        phrasing(
            4,
            r"\b(?:which|what|list|show|find|search|get|give me|my|our|all|top|biggest|largest|\d+)\b.{0,30}"
            r"\b(?:accounts|companies|customers|clients|logos)\b",
            r"\b(?:accounts|companies|customers) (?:with|without|in|that|where|over|above|named|called"
            r"|on|using|running|who)\b",
            r"\b(?:biggest|largest|top|most valuable|best) "
            r"(?:\w+ )?(?:account|customer|client|company|logo)\b",
            r"\b(?:which|what) (?:account|company|customer|client)\b.{0,40}"
            r"\b(?:most|highest|largest|biggest)\b",
            r"\bsubsidiar(?:y|ies) of\b",
        ),
        # "how many accounts have no open pipeline?", "which accounts have never bought anything?":
        # filters only the account search takes
        phrasing(
            5,
            r"\b(?:accounts|companies|customers|clients)\b.{0,30}"
            r"\b(?:no|without|zero)\s+(?:open\s+|won\s+)?(?:pipeline|pipe|deals|opportunities|opps)\b",
            r"\b(?:accounts|companies|customers|clients)\b.{0,40}\b(?:never|not yet|haven't|hasn't|have not)"
            r"(?: \w+){0,2} (?:bought|purchased|closed|won)\b",
        ),
        phrasing(2, r"\baccounts\b"),
        # "how many accounts don't have an economic buyer on file?": a contact role none of them has
        phrasing(
            9,
            r"\b(?:accounts|companies|customers|clients)\b.{0,40}\b(?:no|without|missing|lacking|don'?t have"
            r"|do not have|doesn'?t have)\s+(?:an?\s+|any\s+)?(?:economic buyers?|ebs?|champions?"
            r"|decision[- ]makers?)\b",
        ),
    ),
)

#: A fact about one company: its size, sector, location, age, parent or subsidiaries.
FACT_WORDS = re.compile(
    r"\b(?:employees?|headcount|staff|people work|how (?:big|large)|size of|annual revenue|revenue of"
    r"|turnover"
    r"|parent(?: company| account| co)?|subsidiar(?:y|ies)|owned by|belongs? to|part of|founded|established"
    r"|(?:company|firm|group|parent) owns"
    r"|how old|sector|industry|vertical|based|located|headquarter(?:s|ed)?|hq|office|country"
    # "where is Acme?", not "where is it at?" (how a deal stands)
    r"|where is(?! (?:it|that|this|the deal|that deal|this deal|everything|things) at\b))\b"
)
NAMED = re.compile(r"\bent(?:account|unknown)\b")
#: A company named before in the thread: "what did they buy from us?" after a profile.
NAMED_BEFORE = re.compile(r"\bent(?:account|unknown)\b|\b(?:they|them|their|it|this account|that account)\b")
#: A company of the thread referred to ("their parent", "how many people work there").
THE_COMPANY_BEFORE = re.compile(
    r"\b(?:they|them|their|it|its|this account|that account|the account|this company|that company"
    r"|the company|there)\b"
)
#: What one company bought: "what did Acme buy?", "Acme's purchase history", "what does Acme own?".
BOUGHT_WORDS = re.compile(
    # "which company owns Codehow?" asks for its parent, not what it owns
    r"\b(?:bought|buy|buys|purchased?|purchases|purchase history|(?<!who )own"
    r"|(?<!who )(?<!company )(?<!firm )(?<!group )(?<!parent )owns|using|uses)\b"
    # "what have we won at Acme?", "what have I sold to them": what the account bought, from our side
    r"|\b(?:won|sold|booked|closed) (?:at|from|with|to|in) (?:entaccount|entunknown|them|they)\b"
    # "which of our products do they have?": the ones they own
    r"|\bproducts?\b.{0,25}\b(?:do|does|did) (?:they|it|entaccount|entunknown) (?:have|run|hold)\b"
)
#: "what else could they buy?", "what don't they own yet?": what they might buy, not what they bought.
MIGHT_BUY = re.compile(
    r"\b(?:could|might|should|would|don't|doesn't|not|yet|next|never)\b"
    # "what else has Acme bought?" asks what they bought besides; "what else could they buy?" does not
    r"|\belse\b(?!.*\b(?:bought|purchased|did|has|have|had)\b)"
)


class _AboutOne:
    """Matches ``words`` in a question that names one company (a name in the data, or one that is not)."""

    def __init__(
        self, words: re.Pattern[str], unless: re.Pattern[str] | None = None, named: re.Pattern[str] = NAMED
    ) -> None:
        self.words, self.unless, self.named = words, unless, named

    def search(self, text: str, /) -> bool:
        if self.unless is not None and self.unless.search(text):
            return False
        return bool(self.named.search(text) and self.words.search(text))


def _facts(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("account_facts", {"account": frame.slots.account})]


def _purchases(frame: Frame, lexicon: Lexicon, tools: AbstractSet[str]) -> list[Call]:
    return [Call("account_purchases", {"account": frame.slots.account})]


def _write_facts(output: AccountFacts, answering: Answering) -> str:
    return answers_facts.facts(output, answering.frame.question)


def _write_purchases(output: AccountPurchases, answering: Answering) -> str:
    return answers_facts.purchases(output)


FACTS = IntentSpec(
    Intent.ACCOUNT_FACTS,
    example="How many employees does Acme have?",
    route=_facts,
    requires=("account",),
    renders=(Rendering(AccountFacts, _write_facts),),
    takes=frozenset({"account"}),
    phrasings=(
        Phrasing(5, _AboutOne(FACT_WORDS)),
        # "who's their parent?", "how many people work there?" after a question about a company
        Phrasing(4.5, _AboutOne(FACT_WORDS, named=THE_COMPANY_BEFORE)),
        # "how many employees?" alone: about the company of the thread (or asks which one)
        phrasing(
            2,
            r"^\W*(?:and |so |ok )?(?:how many employees|what(?:'s| is) (?:the |their )?(?:annual )?revenue"
            r"|who(?:'s| is) (?:the )?parent|what industry|where are they based)\b",
            # "subsidiaries?", "and the parent co?": a fact named alone
            r"^\W*(?:and |so |ok |what about |how about |any )?(?:the |its |their )?"
            r"(?:parent(?: company| co)?|subsidiar(?:y|ies)|employees|headcount|annual revenue|industry"
            r"|sector|hq|headquarters|founded|year founded)\W*$",
        ),
    ),
)

PURCHASES = IntentSpec(
    Intent.PURCHASES,
    example="What has Acme bought from us?",
    route=_purchases,
    requires=("account",),
    renders=(Rendering(AccountPurchases, _write_purchases),),
    takes=frozenset({"account"}),
    phrasings=(Phrasing(6, _AboutOne(BOUGHT_WORDS, MIGHT_BUY, NAMED_BEFORE)),),
)

SPECS = (ACCOUNT, FACTS, PURCHASES, WHITESPACE, ACCOUNTS)
