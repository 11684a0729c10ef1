"""``serve --workers N``: every worker listens on a socket of its own on the one address.

The supervisor's :class:`SharedAddress` is what uvicorn hands each worker process (pickled, as
``multiprocessing`` does); unpickled, it is a new socket bound to the same address, and the kernel
spreads connections over the workers' sockets. An address another server holds is refused, as
with uvicorn's one shared socket. (``tests/reliability/test_workers.py`` runs the real processes.)
"""

from __future__ import annotations

import pickle
import socket
from contextlib import ExitStack
from multiprocessing.reduction import ForkingPickler

import pytest

from assistant.interfaces.cli.workers import reuse_port_supported, shared_address

pytestmark = pytest.mark.skipif(not reuse_port_supported(), reason="the system has no SO_REUSEPORT")


def test_each_worker_gets_a_socket_of_its_own_and_connections_are_spread() -> None:
    with ExitStack() as stack:
        address = stack.enter_context(shared_address("127.0.0.1", 0))
        port = address.getsockname()[1]
        workers = [stack.enter_context(pickle.loads(ForkingPickler.dumps(address))) for _ in range(2)]
        for sock in workers:
            assert sock.getsockname() == ("127.0.0.1", port)
            assert sock.fileno() != address.fileno()
            sock.listen()
            sock.setblocking(False)
        clients = [stack.enter_context(socket.create_connection(("127.0.0.1", port))) for _ in range(16)]
        accepted = [0, 0]
        for n, sock in enumerate(workers):
            while True:
                try:
                    stack.enter_context(sock.accept()[0])
                except BlockingIOError:
                    break
                accepted[n] += 1
    assert len(clients) == sum(accepted) == 16
    assert min(accepted) > 0, accepted  # all 16 on one of two sockets: once in 30,000 runs


def test_an_address_another_server_holds_is_refused() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(OSError):
            shared_address("127.0.0.1", other.getsockname()[1])
    # and a second server on the address the workers listen on
    with shared_address("127.0.0.1", 0) as address, pickle.loads(ForkingPickler.dumps(address)) as worker:
        worker.listen()
        with pytest.raises(OSError):
            shared_address("127.0.0.1", address.getsockname()[1])
