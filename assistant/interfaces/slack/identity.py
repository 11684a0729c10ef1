"""Who is asking in Slack: the verified Slack user id mapped to a Salesplan user.

Slack signs every request (HTTP mode) or delivers it over the app's own socket (Socket Mode), so
the user id in a payload is Slack's word. It maps to a Salesplan user by ``users.slack_user_id``,
else by the email on the Slack profile (``users.info``, which needs the ``users:read.email``
scope) matched case-insensitively to ``users.email``. Mappings are remembered for ten minutes
per process (a miss for a minute), the user's role is read afresh for every message (a new
admin sees everything at once); an unmapped user is told, politely, whom to ask (the RevOps and
admin users).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tools.viewer import Viewer, administrators, viewer_by_email, viewer_by_id, viewer_by_slack_id

if TYPE_CHECKING:
    from tools.store.db import Engine

log = logging.getLogger("salesplan.slack")
CACHE_SECONDS = 600.0
#: An unmapped user is looked up again after a minute (someone may just have added them).
UNMAPPED_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Unmapped:
    """A Slack user with no Salesplan user; ``email`` is the profile's, when Slack gave one."""

    slack_user_id: str
    email: str | None


class SlackIdentity:
    def __init__(self, engine: Engine, cache_seconds: float = CACHE_SECONDS) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Viewer | Unmapped]] = {}

    async def resolve(self, client: AsyncWebClient, slack_user_id: str) -> Viewer | Unmapped:
        cached = self._cache.get(slack_user_id)
        if cached:
            ttl = self.cache_seconds if isinstance(cached[1], Viewer) else UNMAPPED_CACHE_SECONDS
            if time.monotonic() - cached[0] < ttl:
                if not isinstance(cached[1], Viewer):
                    return cached[1]
                # the mapping is remembered, the role is not: a new admin sees everything at once
                current = await asyncio.to_thread(viewer_by_id, self.engine, cached[1].user_id)
                if current is not None:
                    return current
        found: Viewer | Unmapped | None = await asyncio.to_thread(self._by_slack_id, slack_user_id)
        if found is None:
            email = await self._profile_email(client, slack_user_id)
            by_email = await asyncio.to_thread(self._by_email, email) if email else None
            found = by_email or Unmapped(slack_user_id, email)
        self._cache[slack_user_id] = (time.monotonic(), found)
        return found

    async def _profile_email(self, client: AsyncWebClient, slack_user_id: str) -> str | None:
        try:
            response = await client.users_info(user=slack_user_id)
        except SlackApiError as exc:
            log.warning("users.info for %s failed: %s", slack_user_id, exc.response.get("error"))
            return None
        user = response.get("user") or {}
        if user.get("is_bot") or user.get("deleted"):
            return None
        email = (user.get("profile") or {}).get("email")
        return str(email).strip() if email else None

    def _by_slack_id(self, slack_user_id: str) -> Viewer | None:
        return viewer_by_slack_id(self.engine, slack_user_id)

    def _by_email(self, email: str) -> Viewer | None:
        return viewer_by_email(self.engine, email)

    async def unmapped_message(self, who: Unmapped) -> str:
        """What an unmapped user is told (plain text; the caller makes it safe)."""
        return unmapped_message(who, await asyncio.to_thread(self.administrators))

    def administrators(self) -> list[str]:
        """Names of the people who can add a user (RevOps, then admins)."""
        return administrators(self.engine)


def unmapped_message(who: Unmapped, administrators: list[str]) -> str:
    """What an unmapped user is told (plain text; the caller makes it safe)."""
    ask = " or ".join(administrators) if administrators else "your Salesplan administrator (RevOps)"
    profile = f" or your email ({who.email})" if who.email else ""
    return (
        "Sorry, I couldn't match your Slack account to a Salesplan user, so I can't show you any data "
        f"yet. Please ask {ask} to add your Slack user id ({who.slack_user_id}){profile} to your "
        "Salesplan user."
    )
