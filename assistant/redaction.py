"""Secrets out of everything Salesplan keeps or sends: the audit log, the conversation store and
the messages sent to a configured model.

A person pastes a connection string into a question, a CRM note holds a password, a playbook
page quotes an API key: :func:`redact` replaces each of these with ``[redacted]`` (the key of a
``key=value`` pair and a URL's user name and host stay, so the text still reads):

* model-server and service keys: OpenAI ``sk-…``, Slack ``xox?-…`` / ``xapp-…``, Salesplan API
  tokens ``spk_…``, ``Bearer …`` headers;
* AWS access key ids (``AKIA…``, ``ASIA…``) and ``aws_secret_access_key = …`` assignments;
* GitHub tokens (``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_``, ``github_pat_``);
* the password in a URL (``postgresql://app:[redacted]@db.internal/sales``);
* JSON Web Tokens (three base64url segments, the first starting ``eyJ``);
* PEM private keys, the whole ``-----BEGIN … PRIVATE KEY-----`` block (to the end of the text
  when it was cut off);
* ``password=…``, ``passwd: …``, ``secret=…``, ``api_key=…``, ``client_secret``, ``*_token`` and
  the like. After ``=`` (or a quoted value) any value goes; after ``:`` the value must look like a
  secret — six characters or more with a digit or a symbol in them, or 16 characters or more —
  so prose such as "Password: reset it every 90 days" or "password reset policy" is left alone.

Figures, names and dates are never touched. :func:`redact_value` applies the same to every
string inside a value (lists, dicts, pydantic models such as chat messages), returning the value
itself when it holds no secret.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

REDACTED = "[redacted]"
T = TypeVar("T")

PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*?PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*?PRIVATE KEY-----|\Z)", re.DOTALL
)
URL_PASSWORD = re.compile(r"\b([a-z][a-z0-9+.-]{1,30}://[^\s:/?#@\[\]]+):([^\s@/?#]+)@", re.IGNORECASE)
TOKENS = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{8,}"
    r"|xox[abposer]-[A-Za-z0-9-]{8,}"
    r"|xapp-[A-Za-z0-9-]{8,}"
    r"|spk_[A-Za-z0-9_-]{8,}"
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)"
    r"|\b(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}",
)
SECRET_WORDS = (
    r"passw(?:or)?d|pwd|passphrase|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|token|credentials?"
)
#: ``key = value`` / ``"key": "value"`` where the key names a secret (``db_password``,
#: ``AWS_SECRET_ACCESS_KEY``, ``client_secret`` …).
PAIR = re.compile(
    rf"(?P<key>(?<![\w-])[\"']?(?:[A-Za-z0-9]+[_.-])*(?:{SECRET_WORDS})(?:[_.-][A-Za-z0-9]+)*[\"']?)"
    r"(?P<sep>[ \t]*[:=][ \t]*)"
    r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;&)\]}]+)",
    re.IGNORECASE,
)
LOOKS_SECRET = re.compile(r"[\d\W_]")
#: NUL and lone surrogates: no database stores them (a JSON body can carry ``\\ud800``).
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
#: Quick looks before the patterns are tried: most text (tool results of many records) has none.
TOKEN_MARKS = (
    "sk-",
    "xox",
    "xapp-",
    "spk_",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "eyJ",
)
KEY_MARKS = ("pass", "pwd", "secret", "key", "token", "credential")


def _pair(match: re.Match[str]) -> str:
    value = match["value"]
    quoted = value[:1] in "\"'"
    core = value[1:-1] if quoted else value.rstrip(".!?")
    if not core or core.startswith("[redacted"):
        return match[0]
    looks_secret = len(core) >= 16 or (len(core) >= 6 and LOOKS_SECRET.search(core))
    if ":" in match["sep"] and not quoted and not looks_secret:
        return match[0]  # "Password: reset it every 90 days" is prose
    shown = f"{value[0]}{REDACTED}{value[0]}" if quoted else REDACTED + value[len(core) :]
    return f"{match['key']}{match['sep']}{shown}"


def redact(text: str) -> str:
    """``text`` with every secret replaced by ``[redacted]`` (and NUL and lone surrogates, which no
    database stores, by U+FFFD)."""
    if not text:
        return text
    if "PRIVATE KEY-----" in text:
        text = PRIVATE_KEY.sub("[redacted private key]", text)
    if "://" in text and "@" in text:
        text = URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    lower = text.lower()
    if "bearer" in lower or any(mark in text for mark in TOKEN_MARKS):
        text = TOKENS.sub(REDACTED, text)
    if any(mark in lower for mark in KEY_MARKS):
        text = PAIR.sub(_pair, text)
    return UNSTORABLE.sub("\ufffd", text)


def redact_value(value: T) -> T:
    """``value`` with :func:`redact` applied to every string in it (containers and pydantic models,
    such as chat messages, are copied only where something changed)."""
    return _walk(value, 0)  # type: ignore[no-any-return]


def _walk(value: Any, depth: int) -> Any:
    if depth > 50:
        return value
    if isinstance(value, str):
        return redact(value)
    if type(value) in (list, tuple):
        items = [_walk(v, depth + 1) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items if type(value) is list else tuple(items)
    if type(value) is dict:
        changed = {k: _walk(v, depth + 1) for k, v in value.items()}
        return value if all(changed[k] is v for k, v in value.items()) else changed
    if isinstance(value, BaseModel):
        updates: dict[str, Any] = {}
        for name in type(value).model_fields:
            current = getattr(value, name, None)
            walked = _walk(current, depth + 1)
            if walked is not current:
                updates[name] = walked
        return value.model_copy(update=updates) if updates else value
    return value
