"""The Slack app: builds the Bolt app, registers its listeners, and runs it.

* Socket Mode (``salesplan slack --socket``): an outgoing WebSocket opened with the app-level
  token (``SLACK_APP_TOKEN``); no public URL is needed.
* HTTP mode (``salesplan slack --http --port P``): Slack posts events, commands and interactions
  to ``/slack/events``; each request's signature and timestamp (at most five minutes old) are
  verified with ``SLACK_SIGNING_SECRET``, and anything else is 401.

Every Web API client the app makes — Bolt's own, the per-request ones, the Socket Mode
connection's — uses ``SLACK_API_URL`` as its base URL, so the app can run against a proxy or a
test double. Rate-limited calls (429) are retried after ``Retry-After`` when that is at most
:data:`MAX_RETRY_AFTER_SECONDS`; a longer wait is not taken (the call fails and is logged) so one
throttled method cannot hold a worker for minutes.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from assistant.bootstrap import AppContext
from assistant.interfaces.slack.listeners import register_listeners
from assistant.interfaces.slack.runtime import SlackRuntime
from assistant.settings import Settings
from tools.errors import DataError

#: The longest ``Retry-After`` a rate-limited Slack call waits for before its one retry.
MAX_RETRY_AFTER_SECONDS = 30


class BoundedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 only when Slack asks for a short, readable wait."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        value = values[0] if isinstance(values, list) and values else values
        try:
            wait = int(str(value)) if value is not None else 1
        except ValueError:
            return False
        return 0 <= wait <= MAX_RETRY_AFTER_SECONDS


def web_client(settings: Settings) -> AsyncWebClient:
    """A Web API client with the bot token, on ``SLACK_API_URL``."""
    if settings.slack_bot_token is None:
        raise DataError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from the app's OAuth page)")
    base_url = (
        settings.slack_api_url if settings.slack_api_url.endswith("/") else f"{settings.slack_api_url}/"
    )
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=base_url)
    client.retry_handlers.append(BoundedRateLimitRetryHandler(max_retry_count=2))
    return client


def build_slack_app(context: AppContext, *, socket_mode: bool = False) -> tuple[AsyncApp, SlackRuntime]:
    """The Bolt app with its listeners, and the runtime they share."""
    settings = context.settings
    secret = settings.slack_signing_secret
    if secret is None and not socket_mode:
        raise DataError("SLACK_SIGNING_SECRET is not set (from the app's Basic Information page)")
    app = AsyncApp(
        client=web_client(settings),
        signing_secret=secret.get_secret_value() if secret else "",
        name="salesplan",
        process_before_response=False,
    )
    runtime = SlackRuntime.of(context)
    register_listeners(app, runtime)
    return app, runtime


def socket_mode_handler(context: AppContext) -> tuple[AsyncSocketModeHandler, SlackRuntime]:
    """The Socket Mode connection for the app (its Web API calls also go to ``SLACK_API_URL``)."""
    token = context.settings.slack_app_token
    if token is None:
        raise DataError("SLACK_APP_TOKEN is not set (an app-level token, xapp-…, with connections:write)")
    app, runtime = build_slack_app(context, socket_mode=True)
    return AsyncSocketModeHandler(app, token.get_secret_value(), web_client=app.client), runtime


async def run_socket_mode(context: AppContext) -> None:
    """Connect over Socket Mode and serve until interrupted."""
    handler, runtime = socket_mode_handler(context)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await runtime.drain()
