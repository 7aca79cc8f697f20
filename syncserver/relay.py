"""Pushes between the nodes of one database, through PostgreSQL's LISTEN/NOTIFY.

A node pushes what it stores, and what its devices say (typing, presence, read positions),
to its own devices (``syncserver.delivery``). Where nodes share the database it also relays
each push to the others, which give it to their devices: the pushes of one turn of the loop
go out together, in as few notifications as fit, once the turn is over.

Relayed pushes are hints, as every push is. A node that was not listening when one went out
(starting, or its connection to the database lost) never gets it, and one too large for a
notification is not relayed; the devices then learn of the events from the head their
heartbeats are answered with, and catch up from their cursors.
"""

import asyncio
import base64
import logging
import secrets
from collections.abc import Callable, Hashable
from typing import Protocol

import msgspec

from shared.protocol import Event, PresenceState
from syncserver.store import StorageError, nodes

log = logging.getLogger(__name__)

RELISTEN_SECONDS = 1.0  # between attempts to listen again after the connection broke


class RelayedEvent(msgspec.Struct, array_like=True, frozen=True):
    """A stored event, for the devices of these users (each at its own stream position)."""

    event: Event
    positions: dict[int, int]
    skip_device: int | None


class RelayedPush(msgspec.Struct, array_like=True, frozen=True):
    """An encoded push, for the devices of these users."""

    users: list[int]
    body: bytes
    skip_device: int | None


class NodePresence(msgspec.Struct, array_like=True, frozen=True):
    """A user's state from the devices connected to the node that says it."""

    user: int
    state: PresenceState


class Spent(msgspec.Struct, array_like=True, frozen=True):
    """Tokens a node spent from a budget nodes share (``syncserver.ratelimit``): an
    account's, or an address's; negative when given back."""

    limiter: str
    key: int | str
    tokens: float


class Relayed(msgspec.Struct, array_like=True, frozen=True):
    """One notification: what one node pushed in one turn (or part of it)."""

    node: str
    events: list[RelayedEvent] = []
    pushes: list[RelayedPush] = []
    presence: list[NodePresence] = []
    spent: list[Spent] = []


class LocalDelivery(Protocol):
    """What a node does with what another node relayed: push it to its own devices."""

    def relayed_event(self, item: RelayedEvent) -> None: ...
    def relayed_push(self, item: RelayedPush) -> None: ...


PresenceFn = Callable[[str, dict[int, PresenceState]], None]  # (node, user -> state)
SpentFn = Callable[[str, Hashable, float], None]  # (limiter, key, tokens)


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Relayed)


def encode_payload(relayed: Relayed) -> str:
    """A notification's text (NOTIFY takes text, not bytes)."""
    return base64.b64encode(_encoder.encode(relayed)).decode("ascii")


def decode_payload(text: str) -> Relayed:
    return _decoder.decode(base64.b64decode(text))


class Relay:
    """Relays this node's pushes to the other nodes, and theirs to this node's devices."""

    def __init__(self, url: str, notify: Callable[[str], None]) -> None:
        self.node = secrets.token_hex(8)  # tells this node's own notifications apart
        self._url = url
        self._notify = notify
        self._events: list[RelayedEvent] = []
        self._pushes: list[RelayedPush] = []
        self._presence: dict[int, PresenceState] = {}
        self._spent: dict[tuple[str, Hashable], float] = {}
        self._flush_due = False
        self._listening: nodes.Listener | None = None
        self._local: LocalDelivery | None = None
        self._on_presence: PresenceFn | None = None
        self._on_spent: SpentFn | None = None
        self._fd = -1  # the listening connection's socket
        self._relisten: asyncio.Task[None] | None = None

    def event(self, event: Event, positions: dict[int, int], skip_device: int | None) -> None:
        """Relay a pushed event once this turn of the loop is over."""
        self._events.append(RelayedEvent(event, positions, skip_device))
        self._flush_soon()

    def push(self, users: list[int], body: bytes, skip_device: int | None) -> None:
        """Relay an encoded push once this turn of the loop is over."""
        self._pushes.append(RelayedPush(users, body, skip_device))
        self._flush_soon()

    def presence(self, states: dict[int, PresenceState]) -> None:
        """Tell the other nodes, once this turn of the loop is over, the state of these
        users from this node's devices."""
        self._presence.update(states)
        self._flush_soon()

    def spend(self, limiter: str, key: Hashable, tokens: float) -> None:
        """Tell the other nodes, once this turn of the loop is over, that this node spent
        ``tokens`` from a budget nodes share (added up per budget until then)."""
        self._spent[(limiter, key)] = self._spent.get((limiter, key), 0.0) + tokens
        self._flush_soon()

    def listen(self, local: LocalDelivery, on_presence: PresenceFn, on_spent: SpentFn) -> None:
        """Start giving what other nodes relay to ``local``, what they say of their users'
        presence to ``on_presence``, and what they spent of shared budgets to ``on_spent``."""
        self._local = local
        self._on_presence = on_presence
        self._on_spent = on_spent
        self._listen()

    def close(self) -> None:
        """Stop listening (what is queued to go out is sent first)."""
        self.flush()
        if self._relisten is not None:
            self._relisten.cancel()
        self._stop_listening()

    def _listen(self) -> None:
        self._listening = nodes.Listener(self._url)
        self._fd = self._listening.fileno()
        asyncio.get_running_loop().add_reader(self._fd, self._readable)

    def _stop_listening(self) -> None:
        if self._listening is None:
            return
        asyncio.get_running_loop().remove_reader(self._fd)
        self._listening.close()
        self._listening = None

    async def _listen_again(self) -> None:
        """After the connection broke (PostgreSQL restarted): listen again once it can."""
        while True:
            await asyncio.sleep(RELISTEN_SECONDS)
            try:
                self._listen()
            except StorageError as e:
                log.warning("cannot listen to the other nodes yet: %s", e)
                continue
            log.info("listening to the other nodes again")
            self._relisten = None
            return

    def _flush_soon(self) -> None:
        if not self._flush_due:
            self._flush_due = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Send what is queued, in notifications of at most ``nodes.MAX_NOTIFY_BYTES``."""
        self._flush_due = False
        events, self._events = self._events, []
        pushes, self._pushes = self._pushes, []
        presence = [NodePresence(user, state) for user, state in self._presence.items()]
        self._presence = {}
        spent = [Spent(limiter, _key(key), t) for (limiter, key), t in self._spent.items() if t]
        self._spent = {}
        try:
            for payload in payloads_of(self.node, [*events, *pushes, *presence, *spent]):
                self._notify(payload)
        except StorageError as e:  # hints: the devices' cursors recover what they carried
            log.warning("relaying to the other nodes failed: %s", e)

    def _readable(self) -> None:
        assert self._listening is not None and self._local is not None
        try:
            payloads = self._listening.received()
        except StorageError as e:  # the devices' heads recover what is missed meanwhile
            log.error("listening to the other nodes stopped: %s", e)
            self._stop_listening()
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())
            return
        for payload in payloads:
            self._deliver(payload)

    def _deliver(self, payload: str) -> None:
        assert self._local is not None
        try:
            relayed = decode_payload(payload)
        except (ValueError, msgspec.DecodeError) as e:
            log.warning("an undecodable notification from another node: %s", e)
            return
        if relayed.node == self.node:
            return
        for event in relayed.events:
            self._local.relayed_event(event)
        for push in relayed.pushes:
            self._local.relayed_push(push)
        if relayed.presence and self._on_presence is not None:
            self._on_presence(relayed.node, {p.user: p.state for p in relayed.presence})
        if self._on_spent is not None:
            for spent in relayed.spent:
                self._on_spent(spent.limiter, spent.key, spent.tokens)


def _key(key: Hashable) -> int | str:
    """A budget's key as it travels: accounts' are ids or names, addresses' are text."""
    return key if isinstance(key, int | str) else str(key)


# msgpack bytes that fit in one notification once in base64, with room for the envelope
# (the node's id and the lists' headers).
_CHUNK_BYTES = nodes.MAX_NOTIFY_BYTES * 3 // 4 - 64


Item = RelayedEvent | RelayedPush | NodePresence | Spent


def payloads_of(node: str, items: list[Item]) -> list[str]:
    """The notifications that carry these, each under the size PostgreSQL takes."""
    payloads: list[str] = []
    chunk = _Chunk()
    for item in items:
        n = len(_encoder.encode(item))
        if n > _CHUNK_BYTES:
            log.debug("a push too large for a notification is left to the devices' cursors")
            continue
        if chunk.size + n > _CHUNK_BYTES:
            payloads.append(chunk.payload(node))
            chunk = _Chunk()
        chunk.add(item, n)
    if chunk.size:
        payloads.append(chunk.payload(node))
    return payloads


class _Chunk:
    """What one notification will carry."""

    def __init__(self) -> None:
        self.size = 0
        self.items: dict[type, list] = {RelayedEvent: [], RelayedPush: [], NodePresence: []}
        self.items[Spent] = []

    def add(self, item: Item, size: int) -> None:
        self.items[type(item)].append(item)
        self.size += size

    def payload(self, node: str) -> str:
        kinds = (RelayedEvent, RelayedPush, NodePresence, Spent)
        return encode_payload(Relayed(node, *(self.items[kind] for kind in kinds)))
