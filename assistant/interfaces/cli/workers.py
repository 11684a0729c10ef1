"""Several uvicorn worker processes on one port, each with a listening socket of its own.

uvicorn's ``--workers`` binds one socket in the supervising process and hands it to every worker,
so the workers take connections from one queue: whichever wakes first accepts every connection
waiting, and a client that opens its connections together (a pool of keep-alive connections, a
proxy's upstream connections) lands on one worker while the others idle — with 8 connections
opened at once, all 8 went to one of two workers in most runs. Here every worker listens on a
socket of its own, bound to the same address with ``SO_REUSEPORT``, and the kernel spreads new
connections over them.

The supervisor binds the address first (so a port in use is an error before any worker starts) and
never listens on it; what it hands a worker is :class:`SharedAddress`, which a worker process
unpickles into its own socket bound to that address. uvicorn's supervisor does the rest as
before: it starts the workers, restarts one that dies (the new one binds a socket of its own) and
stops them all on SIGINT or SIGTERM. One thing differs: a connection still waiting in the queue of
a worker that stops or dies is reset instead of being taken by another worker (the client
reconnects). Where the system has no ``SO_REUSEPORT``, the workers share uvicorn's one socket.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

log = logging.getLogger("uvicorn.error")


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def bind_shared(family: int, address: tuple[Any, ...]) -> socket.socket:
    """A socket bound to ``address`` with ``SO_REUSEPORT`` (not listening yet)."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


class SharedAddress(socket.socket):
    """The supervisor's socket on the address: bound, never listening. Pickled for a worker
    process, it becomes a new socket of the worker's own on the same address."""

    def __reduce__(self) -> tuple[Any, ...]:
        return bind_shared, (self.family, self.getsockname())


def shared_address(host: str, port: int) -> SharedAddress:
    """The address bound for the workers. It is first bound without ``SO_REUSEPORT``, so an address
    another server listens on is refused (``OSError``) as uvicorn's one socket would be, rather than
    joined; in turn, a second server started on the address the workers listen on is refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]  # port 0: the one the system chose
    sock = SharedAddress(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def run_workers(app: str, *, host: str, port: int, workers: int) -> None:
    """Serve the application factory ``app`` (``module:function``) from ``workers`` processes."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    if not reuse_port_supported():
        uvicorn.run(app, factory=True, workers=workers, host=host, port=port, log_level="info")
        return
    config = uvicorn.Config(app, factory=True, workers=workers, host=host, port=port, log_level="info")
    try:
        address = shared_address(host, port)
    except OSError as exc:
        log.error(exc)
        sys.exit(STARTUP_FAILURE)
    shown = f"[{host}]" if ":" in host else host
    log.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, address.getsockname()[1])
    try:
        Multiprocess(config, sockets=[address]).run()
    except KeyboardInterrupt:
        pass
    finally:
        address.close()
