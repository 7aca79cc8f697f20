"""The engine, as the window sees it: events arrive as a Qt signal on the GUI thread, and
actions go to the engine's own thread, returning awaitables for qasync coroutines."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from desktop.core.loop_thread import LoopThread

T = TypeVar("T")


class EngineBridge(QObject):
    """Owns the engine's thread. ``engine_event`` carries every ``AppEvent``."""

    # Not named ``event``: that would hide QObject.event(), through which Qt delivers events.
    engine_event = Signal(object)
    # Emitted on the engine's thread; Qt queues it to this object on the GUI thread.
    _arrived = Signal(object)

    def __init__(self, make_engine: Callable[[], SyncEngine]) -> None:
        super().__init__()
        self._make_engine = make_engine
        self._thread = LoopThread("tidings-engine")
        self._engine: SyncEngine | None = None
        self._arrived.connect(self._deliver)

    async def start(self) -> None:
        """Create the engine on its thread and start it connecting. Creating it opens the
        cache and reads the device's credentials from the keyring, which may wait for the
        user to unlock it: the GUI thread awaits that instead of blocking on it."""
        self._thread.start()
        try:
            engine = await asyncio.wrap_future(self._thread.call(self._make_engine))
            self._engine = engine
            engine.subscribe(self._arrived.emit)
            await asyncio.wrap_future(self._thread.submit(engine.start()))
        except BaseException:
            self.stop()  # the thread, and the engine if it was made
            raise

    def _deliver(self, event: object) -> None:
        """On the GUI thread: pass an engine's event on, unless the engine stopped since it
        was sent. Receivers may then read the cache; a window being closed after a stop
        would read a closed one."""
        if self._engine is not None:
            self.engine_event.emit(event)

    @property
    def started(self) -> bool:
        """Whether ``start`` has made the engine (and ``stop`` has not ended it yet)."""
        return self._engine is not None

    @property
    def engine(self) -> SyncEngine:
        """The engine, once started; its methods are for ``post``, ``wait`` and ``ask``."""
        if self._engine is None:
            raise RuntimeError("the engine is not started")
        return self._engine

    @property
    def cache(self) -> Cache:
        """For page reads on the GUI thread (SQLite gives this thread its own connection)."""
        return self.engine.cache

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run an engine method on its thread, not waiting for it."""
        self._thread.call(fn, *args)

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run an engine method on its thread and await its result (or its exception)."""
        return await asyncio.wrap_future(self._thread.call(fn, *args))

    async def wait(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await a coroutine object made by the engine, run on the engine's loop."""
        return await asyncio.wrap_future(self._thread.submit(coro))

    async def ask(self, make: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """Await an engine coroutine from a qasync coroutine on the GUI thread."""
        return await asyncio.wrap_future(self._thread.submit(make(*args)))

    def stop(self) -> None:
        """Stop the engine (the outbox stays on disk) and its thread. Stopping twice is
        harmless."""
        if self._engine is not None:
            self._thread.submit(self._engine.stop()).result(timeout=10)
            self._thread.call(self._engine.cache.close).result(timeout=10)
            self._engine.cache.close()  # this thread's own connection, used for page reads
            self._engine = None
        self._thread.stop()
