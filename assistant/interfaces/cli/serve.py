"""``salesplan serve``: the HTTP API under uvicorn, in one process or several (``--workers``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from assistant.bootstrap import AppContext


HostOption = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="Worker processes sharing the port; they share rate limits and conversations through "
        "the database.",
    ),
]


def serve(
    ctx: typer.Context, host: HostOption = "127.0.0.1", port: PortOption = 8000, workers: WorkersOption = 1
) -> None:
    """Serve the HTTP API (OpenAPI document at /openapi.json, docs at /docs)."""
    import uvicorn

    from assistant.interfaces.api.app import create_app

    context: AppContext = ctx.obj
    context.engine  # noqa: B018 - open (and migrate) the database before taking requests
    if workers == 1:
        context.warm_playbook()
        uvicorn.run(create_app(context=context), host=host, port=port, log_level="info")
        return
    # Each worker builds its own application from the same environment, opens the playbook itself
    # and listens on a socket of its own; the supervising process only starts and watches them.
    from assistant.interfaces.cli.workers import run_workers

    run_workers("assistant.interfaces.api.app:create_worker_app", host=host, port=port, workers=workers)
