"""Fire-and-forget coroutines on the GUI's loop, kept referenced until they finish (asyncio
holds only weak references to tasks)."""

import asyncio
from collections.abc import Coroutine
from typing import Any

_running: set[asyncio.Task] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
    task = asyncio.ensure_future(coro)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task
