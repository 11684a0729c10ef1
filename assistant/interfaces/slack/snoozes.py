"""Deals a person snoozed or marked reviewed, and which of their flagged deals that leaves out.

A flagged deal in a stalled-deal list carries two menus (:mod:`.actions`): *Snooze 7 days* and
*Mark reviewed*. Each is remembered per person and deal in ``deal_snoozes`` (the latest click
wins), with what the deal looked like then. The daily digest (:mod:`.digest`) and the Home tab
(:mod:`.home`) then leave the deal out:

* **snoozed**: until the snooze ends — seven days after the click (UTC dates): a deal snoozed on
  the 23rd is back in the digest of the 30th;
* **reviewed**: until something about the deal changes — its stage, its amount or its close
  date is not what it was when it was marked, or it breaks a rule it did not break then. A rule
  it stops breaking is not a change that brings it back (that is the deal getting better).

When a mark ends the deal comes back as a *new risk* in the next digest, even when the last digest
listed it before it was marked; a sent digest then clears the ended marks it showed, so the deal
is compared as usual from then on. Marks only hide a deal from the person who made them: a
manager's digest still shows a deal their rep snoozed. Every click is checked against the
clicker's own scope before it is remembered (the deal is read as them).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import Engine, delete, insert, select

from assistant.interfaces.slack.digest_changes import deal_key
from tools.deals.stalled_evidence import StalledDeal
from tools.store.schema_scores import DealSnooze

SNOOZE_DAYS = 7
Kind = Literal["snoozed", "reviewed"]


def rules_of(deal: StalledDeal) -> frozenset[str]:
    return frozenset(flag.rule.value for flag in deal.flags)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Mark:
    kind: Kind
    until: dt.date | None
    stage: str
    amount: Decimal | None
    close_date: dt.date | None
    rules: frozenset[str]

    def holds(self, deal: StalledDeal, day: dt.date) -> bool:
        """Whether the mark still leaves ``deal`` out on ``day``."""
        if self.kind == "snoozed":
            return self.until is not None and day < self.until
        same_amount = (self.amount is None) == (deal.amount is None) and (
            self.amount is None or deal.amount is None or Decimal(self.amount) == Decimal(deal.amount)
        )
        return (
            deal.stage == self.stage
            and same_amount
            and deal.close_date == self.close_date
            and rules_of(deal) <= self.rules
        )


@dataclass
class Sorted:
    """A person's flagged deals sorted by their marks on a day."""

    shown: list[StalledDeal] = field(default_factory=list)
    #: Deals a mark still leaves out.
    hidden: set[int] = field(default_factory=set)
    #: Deals whose mark has ended (the snooze is over, or the reviewed deal changed).
    ended: set[int] = field(default_factory=set)


def sort_out(deals: Iterable[StalledDeal], marks: dict[int, Mark], day: dt.date) -> Sorted:
    result = Sorted()
    for deal in deals:
        mark = marks.get(deal_key(deal))
        if mark is not None and mark.holds(deal, day):
            result.hidden.add(deal_key(deal))
            continue
        if mark is not None:
            result.ended.add(deal_key(deal))
        result.shown.append(deal)
    return result


class Snoozes:
    """The ``deal_snoozes`` table; ``today`` is the clock a snooze counts its days from."""

    def __init__(self, engine: Engine, today: Callable[[], dt.date] = _utc_today) -> None:
        self.engine = engine
        self.today = today

    def mark(self, user_id: int, deal: StalledDeal, kind: Kind) -> Mark:
        """Remember ``kind`` for the person and deal (replacing an earlier mark)."""
        until = self.today() + dt.timedelta(days=SNOOZE_DAYS) if kind == "snoozed" else None
        mark = Mark(kind, until, deal.stage, deal.amount, deal.close_date, rules_of(deal))
        row = {
            "user_id": user_id,
            "opportunity_id": deal_key(deal),
            "kind": kind,
            "until": until,
            "stage": deal.stage,
            "amount": deal.amount,
            "close_date": deal.close_date,
            "rules": ",".join(sorted(mark.rules)),
            "marked_at": dt.datetime.now(dt.UTC),
        }
        with self.engine.begin() as connection:
            connection.execute(
                delete(DealSnooze).where(
                    DealSnooze.user_id == user_id, DealSnooze.opportunity_id == row["opportunity_id"]
                )
            )
            connection.execute(insert(DealSnooze), [row])
        return mark

    async def amark(self, user_id: int, deal: StalledDeal, kind: Kind) -> Mark:
        return await asyncio.to_thread(self.mark, user_id, deal, kind)

    def of(self, user_id: int) -> dict[int, Mark]:
        """The person's marks, by deal id."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(
                    DealSnooze.opportunity_id,
                    DealSnooze.kind,
                    DealSnooze.until,
                    DealSnooze.stage,
                    DealSnooze.amount,
                    DealSnooze.close_date,
                    DealSnooze.rules,
                ).where(DealSnooze.user_id == user_id)
            )
            return {
                row.opportunity_id: Mark(
                    "snoozed" if row.kind == "snoozed" else "reviewed",
                    row.until,
                    row.stage,
                    row.amount,
                    row.close_date,
                    frozenset(filter(None, row.rules.split(","))),
                )
                for row in rows
            }

    async def aof(self, user_id: int) -> dict[int, Mark]:
        return await asyncio.to_thread(self.of, user_id)

    def clear(self, user_id: int, opportunity_ids: Sequence[int] | set[int]) -> None:
        """Forget the person's marks on these deals (ended marks, once a digest showed the deals)."""
        if not opportunity_ids:
            return
        with self.engine.begin() as connection:
            connection.execute(
                delete(DealSnooze).where(
                    DealSnooze.user_id == user_id, DealSnooze.opportunity_id.in_(list(opportunity_ids))
                )
            )
