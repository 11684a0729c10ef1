"""One event loop per process for the blocking entry points (``AssistantService.ask``, the plans).

``asyncio.run`` per call builds a loop, and a thread pool for ``asyncio.to_thread``, for every
question and tears both down after it: a measurable share of a warm turn. Here one loop runs in a
daemon thread for the life of the process (a new one after a fork); :func:`run` hands it a
coroutine from any thread and blocks until it is done. Concurrent callers share the loop, and
their turns interleave on it as they would in the API's own loop. The caller's context variables
travel with the coroutine, as they do with ``asyncio.run``; an interrupt (Ctrl-C) in the caller
cancels the coroutine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_owner_pid: int | None = None


def _running_loop() -> asyncio.AbstractEventLoop:
    """The process's loop, started on first use (and again in a forked child)."""
    global _loop, _owner_pid
    with _lock:
        if _loop is None or _owner_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="salesplan-event-loop", daemon=True).start()
            _loop, _owner_pid = loop, os.getpid()
        return _loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on the process's event loop and return its result (blocking).

    Must not be called from a coroutine running on that loop (it would wait for itself); any other
    thread, with or without its own loop, may call it.
    """
    loop = _running_loop()
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    if current is loop:
        coroutine.close()
        raise RuntimeError("runner.run() called from the loop it runs on: await the coroutine instead")
    context = contextvars.copy_context()
    done: concurrent.futures.Future[T] = concurrent.futures.Future()
    started: concurrent.futures.Future[asyncio.Task[T]] = concurrent.futures.Future()

    def finished(task: asyncio.Task[T]) -> None:
        if task.cancelled():
            done.cancel()
        elif (error := task.exception()) is not None:
            done.set_exception(error)
        else:
            done.set_result(task.result())

    def start() -> None:
        task = loop.create_task(coroutine, context=context)
        task.add_done_callback(finished)
        started.set_result(task)

    loop.call_soon_threadsafe(start)
    try:
        return done.result()
    except concurrent.futures.CancelledError:
        raise asyncio.CancelledError() from None
    except BaseException:
        if not done.done():  # interrupted while waiting: stop the work too
            loop.call_soon_threadsafe(lambda: started.result().cancel())
        raise
