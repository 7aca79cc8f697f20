"""The engine, as the window sees it: events arrive as a Qt signal on the GUI thread, and
actions go to the engine's own thread, returning awaitables for qasync coroutines."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from desktop.core.loop_thread import LoopThread


class EngineBridge(QObject):
    """Owns the engine's thread. ``event`` carries every ``AppEvent``."""

    event = Signal(object)

    def __init__(self, make_engine: Callable[[], SyncEngine]) -> None:
        super().__init__()
        self._make_engine = make_engine
        self._thread = LoopThread("tidings-engine")
        self.engine: SyncEngine | None = None

    async def start(self) -> None:
        """Create the engine on its thread and start it connecting. Creating it opens the
        cache and reads the device's credentials from the keyring, which may wait for the
        user to unlock it: the GUI thread awaits that instead of blocking on it."""
        self._thread.start()
        try:
            self.engine = await asyncio.wrap_future(self._thread.call(self._make_engine))
            # Qt queues a signal emitted on another thread to receivers on the GUI thread.
            self.engine.subscribe(self.event.emit)
            await asyncio.wrap_future(self._thread.submit(self.engine.start()))
        except BaseException:
            self.stop()  # the thread, and the engine if it was made
            raise

    @property
    def cache(self) -> Cache:
        """For page reads on the GUI thread (SQLite gives this thread its own connection)."""
        assert self.engine is not None
        return self.engine.cache

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run an engine method on its thread, not waiting for it."""
        self._thread.call(fn, *args)

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run an engine method on its thread and await its result (or its exception)."""
        return await asyncio.wrap_future(self._thread.call(fn, *args))

    async def wait(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Await a coroutine object made by the engine, run on the engine's loop."""
        return await asyncio.wrap_future(self._thread.submit(coro))

    async def ask(self, make: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
        """Await an engine coroutine from a qasync coroutine on the GUI thread."""
        return await asyncio.wrap_future(self._thread.submit(make(*args)))

    def stop(self) -> None:
        """Stop the engine (the outbox stays on disk) and its thread. Stopping twice is
        harmless."""
        if self.engine is not None:
            self._thread.submit(self.engine.stop()).result(timeout=10)
            self._thread.call(self.engine.cache.close).result(timeout=10)
            self.engine.cache.close()  # this thread's own connection, used for page reads
            self.engine = None
        self._thread.stop()
