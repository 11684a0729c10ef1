"""What ``territory assign`` takes and answers (:mod:`tools.rebalance.assign`): the accounts or
the rep to place, and per account the best rep with reasons and alternatives, or per territory
a score, with the reps' profiles."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.rebalance.profiles import RepProfile


class AssignInput(BaseModel):
    territory: str | None = Field(default=None, description="Territory or region; empty: all you manage.")
    city: str | None = Field(default=None, description="Assign the accounts in this city, e.g. 'Denver'.")
    from_rep: str | None = Field(default=None, description="Assign this rep's accounts (a rep leaving).")
    accounts: list[str] = Field(default_factory=list, max_length=200, description="Assign these accounts.")
    rep: str | None = Field(
        default=None, description="Instead: which territory this rep (a new hire, an open seat) should take."
    )
    limit: int = Field(default=10, ge=1, le=500, description="Most assignments listed.")


class Alternative(BaseModel):
    rep: str
    rep_id: str
    score: float


class Choice(Alternative):
    reasons: list[str]


class AccountMatch(BaseModel):
    id: str
    account: str
    territory: str
    industry: str | None
    segment: str | None
    city: str | None
    potential: float
    current_owner: str
    best: Choice
    alternatives: list[Alternative] = Field(description="The next best reps, at most 2.")


class TerritoryMatch(BaseModel):
    territory: str
    score: float
    reasons: list[str]


class Assignment(BaseModel):
    """Proposed owners for accounts, or territories for a rep, with the reasons and the profiles."""

    accounts: list[AccountMatch]
    account_count: int
    territories: list[TerritoryMatch]
    profiles: list[RepProfile]
    method: str
    note: str | None = None
    unmatched_city: str | None = Field(
        default=None, description="The city asked for, when no account you may assign is in it."
    )
