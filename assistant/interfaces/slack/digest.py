"""``salesplan slack digest``: a daily direct message about what changed in a person's stalled deals.

Each rep gets what changed among their stalled or at-risk deals since their last digest, grouped
(new risks, slipped, went dark, recovered; :mod:`.digest_changes`), with the evidence and the
suggested next step for each deal; each manager gets the same for the team, after the team's
totals. A day with nothing new sends nothing (``nothing new``); people with nothing stalled get
nothing. RevOps and admins get no digest. What a digest listed is remembered (``digest_items``)
once it is sent; the first digest lists every flagged deal as new (capped). Deals the person
snoozed or marked reviewed are left out until the snooze ends or the deal changes, and then come
back as new (:mod:`.snoozes`); each listed deal can be snoozed or marked reviewed from the digest.

At most one digest per person per day (the UTC date, or ``--day``): the person's row in
``slack_digests`` is claimed before sending, atomically, so overlapping runs cannot both send,
and released again when sending fails, so the next run retries. Slack users are found by
``users.slack_user_id``, else by email (``users.lookupByEmail``); people not on Slack are
skipped and counted. ``--dry-run`` computes every message and sends and claims nothing. Safe to
run from cron as often as you like. Each person's deals are read as that person, through the
audited read path (:meth:`~assistant.reads.ReadService.run_tool`, channel ``slack``), dry runs
included.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from assistant.bootstrap import AppContext
from assistant.formatting import money, plural
from assistant.interfaces.slack.actions import with_actions
from assistant.interfaces.slack.blocks import SlackMessage
from assistant.interfaces.slack.digest_changes import PER_GROUP, Listed, changes_message, deal_key, diff
from assistant.interfaces.slack.pages import stalled_actions
from assistant.interfaces.slack.safety import plain
from assistant.interfaces.slack.snoozes import Snoozes, Sorted, sort_out
from assistant.interfaces.urls import Urls
from tools.deals.stalled import StalledDeals, StalledQuery
from tools.deals.stalled_evidence import StalledDeal
from tools.store.schema import Role, SlackDigest
from tools.store.schema_scores import DigestItem
from tools.viewer import Person, Viewer, people_with_roles

log = logging.getLogger("salesplan.slack")
Status = Literal[
    "sent", "would send", "already sent", "nothing stalled", "nothing new", "not on Slack", "failed"
]
#: Flagged deals compared with the last digest (riskiest first; the message lists fewer).
COMPARED = 200
CONCURRENCY = 4


@dataclass
class Outcome:
    user_id: int
    name: str
    kind: Literal["rep", "manager"]
    status: Status
    deals: int = 0
    detail: str = ""
    message: SlackMessage | None = None
    listed: list[StalledDeal] = field(default_factory=list)


@dataclass
class DigestReport:
    day: dt.date
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(o.status for o in self.outcomes)


class Digest:
    def __init__(self, context: AppContext, client: AsyncWebClient | None) -> None:
        self.context = context
        self.client = client
        self.engine = context.engine
        self.snoozes = Snoozes(context.engine)
        self.urls = Urls.of(context.settings)

    def people(self) -> list[Person]:
        return people_with_roles(self.engine, (Role.REP, Role.MANAGER))

    def sent_on(self, day: dt.date) -> set[int]:
        with self.engine.connect() as connection:
            return set(
                connection.execute(select(SlackDigest.user_id).where(SlackDigest.day == day)).scalars()
            )

    def stalled(self, viewer: Viewer, limit: int) -> StalledDeals:
        """``viewer``'s stalled deals, read (and audited) as theirs."""
        return self.context.reads.run_tool(
            viewer, "stalled_deals", StalledQuery(limit=limit), returns=StalledDeals, channel="slack"
        )

    def last_listed(self, user_id: int, day: dt.date) -> dict[int, Listed]:
        """The deals of the person's last digest before ``day``."""
        with self.engine.connect() as connection:
            last = connection.execute(
                select(func.max(DigestItem.day)).where(DigestItem.user_id == user_id, DigestItem.day < day)
            ).scalar()
            if last is None:
                return {}
            return {
                row.opportunity_id: Listed(
                    row.name, frozenset(filter(None, row.rules.split(","))), row.close_date
                )
                for row in connection.execute(
                    select(
                        DigestItem.opportunity_id, DigestItem.name, DigestItem.rules, DigestItem.close_date
                    ).where(DigestItem.user_id == user_id, DigestItem.day == last)
                )
            }

    def compose(
        self, person: Person, day: dt.date
    ) -> tuple[SlackMessage | None, Status, StalledDeals, Sorted]:
        """The person's digest of changes (None when nothing is stalled, or nothing changed), and
        their flagged deals sorted by what they snoozed or marked reviewed (:mod:`.snoozes`)."""
        viewer = person.viewer
        first = plain(viewer.name.split()[0])
        result = self.stalled(viewer, COMPARED)
        marked = sort_out(result.deals, self.snoozes.of(viewer.user_id), day)
        # a deal left out is not "recovered"; one whose mark ended comes back as a new risk
        previous = {
            key: listed
            for key, listed in self.last_listed(viewer.user_id, day).items()
            if key not in marked.hidden and key not in marked.ended
        }
        if not int(result.flagged.value or 0) and not previous:
            return None, "nothing stalled", result, marked
        changes = diff(marked.shown, previous)
        if not changes:
            return None, "nothing new", result, marked
        menus = stalled_actions(result, changes.listed(PER_GROUP), None)
        if viewer.role is Role.REP:
            intro = f"Good morning {first}, your stalled deals for {day:%A %d %B}:"
            message = changes_message(intro, changes, False, result.as_of, self.urls)
            return with_actions(message, menus), "would send", result, marked
        flagged = int(result.flagged.value or 0)
        intro = (
            f"Good morning {first}. Your team has {plural(flagged, 'stalled or at-risk deal')} of "
            f"{result.open_deals:,} open, worth {money(result.flagged_amount.value or 0)}:"
        )
        message = changes_message(intro, changes, True, result.as_of, self.urls)
        return with_actions(message, menus), "would send", result, marked

    def remember(self, user_id: int, day: dt.date, deals: list[StalledDeal]) -> None:
        """What the digest sent on ``day`` listed: the next one compares with it."""
        rows = [
            {
                "user_id": user_id,
                "day": day,
                "opportunity_id": deal_key(deal),
                "name": deal.name,
                "rules": ",".join(sorted(flag.rule.value for flag in deal.flags)),
                "close_date": deal.close_date,
            }
            for deal in deals
        ]
        with self.engine.begin() as connection:
            connection.execute(delete(DigestItem).where(DigestItem.user_id == user_id, DigestItem.day == day))
            if rows:
                connection.execute(insert(DigestItem), rows)

    def claim(self, user_id: int, day: dt.date, kind: str) -> bool:
        values = {"user_id": user_id, "day": day, "kind": kind, "sent_at": dt.datetime.now(dt.UTC)}
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(SlackDigest)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["user_id", "day"])
            .returning(SlackDigest.user_id)  # a row back: claimed (rowcount is -1 on psycopg)
        )
        with self.engine.begin() as connection:
            return connection.execute(statement).first() is not None

    def release(self, user_id: int, day: dt.date) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(SlackDigest).where(SlackDigest.user_id == user_id, SlackDigest.day == day)
            )

    def record(self, user_id: int, day: dt.date, channel: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(SlackDigest)
                .where(SlackDigest.user_id == user_id, SlackDigest.day == day)
                .values(channel=channel, sent_at=dt.datetime.now(dt.UTC))
            )

    async def slack_user(self, person: Person) -> str | None:
        if person.slack_user_id:
            return person.slack_user_id
        if not person.email or self.client is None:
            return None
        try:
            response = await self.client.users_lookupByEmail(email=person.email)
        except SlackApiError as exc:
            log.info("no Slack user for %s: %s", person.email, exc.response.get("error"))
            return None
        user_id = (response.get("user") or {}).get("id")
        return str(user_id) if user_id else None

    async def deliver(self, person: Person, day: dt.date, dry_run: bool, done: set[int]) -> Outcome:
        viewer = person.viewer
        kind: Literal["rep", "manager"] = "rep" if viewer.role is Role.REP else "manager"
        outcome = Outcome(viewer.user_id, viewer.name, kind, "nothing stalled")
        if viewer.user_id in done and not dry_run:
            outcome.status = "already sent"
            return outcome
        message, status, result, marked = await asyncio.to_thread(self.compose, person, day)
        outcome.deals = int(result.flagged.value or 0)
        if message is None:
            outcome.status = status
            return outcome
        outcome.message = message
        if dry_run:
            outcome.status = "would send"
            return outcome
        if not await asyncio.to_thread(self.claim, viewer.user_id, day, kind):
            outcome.status = "already sent"
            return outcome
        try:
            slack_id = await self.slack_user(person)
            if slack_id is None or self.client is None:
                outcome.status = "not on Slack"
                await asyncio.to_thread(self.release, viewer.user_id, day)
                return outcome
            opened = await self.client.conversations_open(users=slack_id)
            channel = str(opened["channel"]["id"])
            await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            outcome.status, outcome.detail = "failed", str(exc.response.get("error"))
            await asyncio.to_thread(self.release, viewer.user_id, day)
            return outcome
        await asyncio.to_thread(self.record, viewer.user_id, day, channel)
        await asyncio.to_thread(self.remember, viewer.user_id, day, marked.shown)
        await asyncio.to_thread(self.snoozes.clear, viewer.user_id, marked.ended)
        outcome.status = "sent"
        return outcome


async def run_digest(
    context: AppContext,
    client: AsyncWebClient | None,
    *,
    day: dt.date | None = None,
    dry_run: bool = False,
    concurrency: int = CONCURRENCY,
) -> DigestReport:
    """Send (or with ``dry_run`` only compose) today's digests; see the module docstring."""
    day = day or dt.datetime.now(dt.UTC).date()
    digest = Digest(context, client)
    done = await asyncio.to_thread(digest.sent_on, day)
    gate = asyncio.Semaphore(concurrency)

    async def one(person: Person) -> Outcome:
        async with gate:
            return await digest.deliver(person, day, dry_run, done)

    people = await asyncio.to_thread(digest.people)
    outcomes = await asyncio.gather(*(one(p) for p in people))
    return DigestReport(day=day, dry_run=dry_run, outcomes=list(outcomes))
