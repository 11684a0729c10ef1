"""``salesplan serve``: the HTTP API under uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext


HostOption = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]


def serve(ctx: typer.Context, host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve the HTTP API (OpenAPI document at /openapi.json, docs at /docs)."""
    import uvicorn

    from assistant.interfaces.api.app import create_app

    context: AppContext = ctx.obj
    context.engine  # noqa: B018 - open (and migrate) the database before taking requests
    context.warm_playbook()
    uvicorn.run(create_app(context=context), host=host, port=port, log_level="info")
