"""Chunk requests kept in flight, a few at a time, their answers taken in order: how files go
up and come down (docs/protocol.md, "Attachments": at most ``MAX_CHUNKS_IN_FLIGHT``
requests unanswered)."""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from shared import limits
from shared.client import cancel_and_wait

T = TypeVar("T")


async def pipelined(
    requests: Iterator[Awaitable[T]],
    take: Callable[[T], None],
    depth: int = limits.MAX_CHUNKS_IN_FLIGHT,
) -> None:
    """Start ``requests`` one after another, keeping ``depth`` of them unanswered, and hand
    each answer to ``take`` in the order they were made. The iterator is read only when a
    request may leave (so it can read a file's next chunk, or stop with an exception). A
    request that fails, or ``take`` or the iterator raising, stops it all: the requests
    still in flight are cancelled, and the exception goes on."""
    window: deque[asyncio.Future[T]] = deque()
    try:
        while True:
            while len(window) < depth and (request := next(requests, None)) is not None:
                window.append(asyncio.ensure_future(request))
            if not window:
                return
            take(await window.popleft())
    finally:
        await _drop(list(window))


async def _drop(futures: list[asyncio.Future]) -> None:
    """Cancel what is still in flight; a failure among them is not news any more (the
    first one already stopped the transfer)."""
    await cancel_and_wait([f for f in futures if isinstance(f, asyncio.Task)])
    for future in futures:
        if future.done() and not future.cancelled():
            future.exception()
