"""Account tools: search accounts, an account's profile, facts, purchases and health, and its whitespace."""

from tools.accounts.facts import (
    AccountFacts,
    AccountInput,
    AccountPurchases,
    account_facts,
    account_purchases,
)
from tools.accounts.health import Health, HealthSignals, account_health
from tools.accounts.profile import AccountProfile, AccountProfileInput, account_profile
from tools.accounts.search import (
    AccountLine,
    AccountSearch,
    AccountSearchResult,
    largest_open_account,
    search_accounts,
)
from tools.accounts.whitespace import WhitespaceInput, WhitespaceReport, account_whitespace

__all__ = [
    "AccountFacts",
    "AccountInput",
    "AccountLine",
    "AccountProfile",
    "AccountProfileInput",
    "AccountPurchases",
    "AccountSearch",
    "AccountSearchResult",
    "Health",
    "HealthSignals",
    "WhitespaceInput",
    "WhitespaceReport",
    "account_facts",
    "account_health",
    "account_profile",
    "account_purchases",
    "account_whitespace",
    "largest_open_account",
    "search_accounts",
]
