"""The HTTP API (FastAPI): ``from assistant.interfaces.api import create_app``.

The application module loads on first use, so commands that only touch tokens stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.interfaces.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from assistant.interfaces.api.app import create_app

        return create_app
    raise AttributeError(name)
