"""Account tools: search accounts, an account's profile and health, and its whitespace."""

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
    "AccountLine",
    "AccountProfile",
    "AccountProfileInput",
    "AccountSearch",
    "AccountSearchResult",
    "Health",
    "HealthSignals",
    "WhitespaceInput",
    "WhitespaceReport",
    "account_health",
    "account_profile",
    "account_whitespace",
    "largest_open_account",
    "search_accounts",
]
