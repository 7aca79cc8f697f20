"""An asyncio event loop on a thread of its own.

The GUI thread runs Qt's loop (through qasync). The sync engine runs here instead, on a
selector loop: pyzmq's asyncio sockets need reader callbacks, which the proactor loop that
qasync uses on Windows lacks, and the engine's disk writes must never stall the window.
"""

import asyncio
import concurrent.futures
import selectors
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class LoopThread:
    def __init__(self, name: str) -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            # An explicit selector loop: the default on Windows would be a proactor.
            self._loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
            asyncio.set_event_loop(self._loop)
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        ready.wait()

    def submit(self, coro: Awaitable[T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the loop; the future resolves in any thread."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]

    def call(self, fn: Callable[..., T], *args: object) -> concurrent.futures.Future[T]:
        """Run a plain function on the loop's thread."""

        async def wrapper() -> T:
            return fn(*args)

        return self.submit(wrapper())

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._loop = None
        self._thread = None
