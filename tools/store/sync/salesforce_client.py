"""A ``simple-salesforce`` client that honours the scheme of the instance URL, and its sign-in.

``simple-salesforce`` builds every URL as ``https://{host}`` (its REST base URL, and the
``nextRecordsUrl`` of a paged query). :func:`open_client` keeps the scheme
``SALESFORCE_INSTANCE_URL`` gives: ``https://`` for an org, ``http://`` for a loopback server in
tests or behind a local proxy. It rewrites the client's base URLs after construction and pages
with :meth:`SchemeSalesforce.query_more`, which joins ``nextRecordsUrl`` to the same scheme.

Sign-in, in order of preference:

* an access token (``SALESFORCE_ACCESS_TOKEN``) is used as it is; when it expires the sync fails
  with a message saying to renew it;
* OAuth client credentials (``SALESFORCE_CLIENT_ID`` + ``SALESFORCE_CLIENT_SECRET``) or the JWT
  bearer flow (``SALESFORCE_CLIENT_ID`` + ``SALESFORCE_USERNAME`` +
  ``SALESFORCE_PRIVATE_KEY_FILE``) ask ``{instance}/services/oauth2/token`` for a token, and again
  whenever Salesforce answers ``INVALID_SESSION_ID`` (the client's own refresh-and-retry).

The library is imported here only, when a sync or a write-back runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tools.store.sync.retry import CrmError

if TYPE_CHECKING:
    import requests
    from simple_salesforce.api import Salesforce

DEFAULT_API_VERSION = "62.0"
JWT_AUDIENCE = "https://login.salesforce.com"
TIMEOUT = 60.0


@dataclass(frozen=True)
class SalesforceConfig:
    """How to reach one Salesforce org (the settings ``SALESFORCE_*``)."""

    instance_url: str
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    username: str | None = None
    private_key_file: Path | None = None
    api_version: str = DEFAULT_API_VERSION
    #: The first month of the fiscal year: quotas are summed into its quarters (``2026-Q4``).
    fiscal_year_start_month: int = 1

    def check(self) -> None:
        """Raises :class:`CrmError` when the settings cannot sign in."""
        parts = urlsplit(self.instance_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrmError(
                f"SALESFORCE_INSTANCE_URL must be a URL like https://acme.my.salesforce.com, "
                f"got {self.instance_url!r}"
            )
        if not (self.access_token or self.client_secret or (self.username and self.private_key_file)):
            raise CrmError(
                "Salesforce is not configured: set SALESFORCE_ACCESS_TOKEN, or SALESFORCE_CLIENT_ID with "
                "SALESFORCE_CLIENT_SECRET (client credentials) or with SALESFORCE_USERNAME and "
                "SALESFORCE_PRIVATE_KEY_FILE (JWT bearer)"
            )
        if (self.client_secret or self.private_key_file) and not self.client_id:
            raise CrmError("SALESFORCE_CLIENT_ID is needed with a client secret or a private key")


def _token(config: SalesforceConfig, session: requests.Session) -> tuple[str, str]:
    """A new access token from the org's token endpoint, and the instance host it is for."""
    base = config.instance_url.rstrip("/")
    data: dict[str, str]
    if config.client_secret:
        data = {
            "grant_type": "client_credentials",
            "client_id": str(config.client_id),
            "client_secret": config.client_secret,
        }
    else:
        import jwt

        assert config.private_key_file is not None
        try:
            key = config.private_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CrmError(f"cannot read SALESFORCE_PRIVATE_KEY_FILE: {exc.strerror}") from exc
        claims = {
            "iss": config.client_id,
            "sub": config.username,
            "aud": JWT_AUDIENCE,
            "exp": int(time.time()) + 180,
        }
        assertion = jwt.encode(claims, key, algorithm="RS256")
        data = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    answer = session.post(f"{base}/services/oauth2/token", data=data, timeout=TIMEOUT)
    if answer.status_code != 200:
        raise CrmError(f"Salesforce refused the sign-in ({answer.status_code}): {_error_text(answer)}")
    body = answer.json()
    return str(body["access_token"]), _host(config.instance_url)


def _error_text(answer: requests.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:200]
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or body)[:200]
    return str(body)[:200]


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port not in (None, 443) else host


def open_client(config: SalesforceConfig, session: requests.Session | None = None) -> Salesforce:
    """A signed-in client for ``config``, its URLs in the instance URL's own scheme.

    Raises:
        CrmError: the settings are incomplete or the org refused the sign-in.
    """
    import requests as requests_module
    from simple_salesforce.api import Salesforce

    config.check()
    scheme = urlsplit(config.instance_url).scheme
    http = session or requests_module.Session()

    class SchemeSalesforce(Salesforce):
        """``Salesforce`` with every URL in ``scheme`` (see the module docstring)."""

        def query_more(
            self,
            next_records_identifier: str,
            identifier_is_url: bool = False,
            include_deleted: bool = False,
            **kwargs: Any,
        ) -> Any:
            if not identifier_is_url:
                return super().query_more(next_records_identifier, False, include_deleted, **kwargs)
            url = f"{scheme}://{self.sf_instance}{next_records_identifier}"
            return self.parse_result_to_json(self._call_salesforce("GET", url, name="query_more", **kwargs))

    refresh = None if config.access_token else partial(_token, config, http)
    token = config.access_token or _token(config, http)[0]
    client = SchemeSalesforce(
        session_id=token,
        instance_url=config.instance_url,
        version=config.api_version,
        session=http,
        object_pairs_hook=dict,  # plain dicts: the records are read once, in order
    )
    client._salesforce_login_partial = refresh  # INVALID_SESSION_ID: a new token, then the call again
    for name in (
        "base_url",
        "apex_url",
        "bulk_url",
        "bulk2_url",
        "metadata_url",
        "tooling_url",
        "oauth2_url",
    ):
        url = getattr(client, name)
        setattr(client, name, f"{scheme}://{url.removeprefix('https://')}")
    return client
