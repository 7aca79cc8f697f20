"""What the engine gives each of its keepers, the parts that keep something of the cache in
step with the server (receipts, do not disturb and mutes, display names, sign-ins)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from desktop.cache.store import Cache
from desktop.core.events import AppEvent
from shared.client import Connection
from shared.protocol import ReplyT, Request


class Ask(Protocol):
    """The engine's way to ask the server something whose answer goes into the cache."""

    async def __call__(self, req: Request[ReplyT]) -> ReplyT: ...


@dataclass(frozen=True)
class EngineLink:
    """The cache, the connection, ``ask`` (a request, answered), ``emit`` (an event for the
    app) and ``features`` (what the connected server offers, as last said)."""

    cache: Cache
    conn: Connection
    ask: Ask
    emit: Callable[[AppEvent], None]
    features: Callable[[], frozenset[str]]
