"""What the server holds for each connection: frames handed to ZeroMQ that have not left for
the network yet, and requests received that are not answered yet (sends waiting for their
group commit, logins being checked), each bounded in number and in bytes.

ZeroMQ bounds a peer's outgoing queue in messages, not bytes, so a device that asks for large
pages and never reads them could make the server hold gigabytes. Frames of ``TRACKED_BYTES``
or more are therefore sent without copying and tracked: ZeroMQ releases a frame once it has
taken it from the queue (encrypted it, or written it to the kernel), and what is still held is
counted against the connection's byte budget. Smaller frames are bounded by ZeroMQ's
high-water mark (1,000 messages), so a connection holds at most its budget, one frame more,
and 1,000 small ones.

A device could open connection after connection, saying hello on each and leaving each
with its budget of unread replies; so what the connections of one account hold together is
bounded too, at ``ACCOUNT_CONNECTIONS`` budgets.
"""

from collections import deque
from dataclasses import dataclass, field

import zmq

TRACKED_BYTES = 4096  # frames this large or larger are counted while queued
ACCOUNT_CONNECTIONS = 4  # budgets of unread bytes all connections of one account may hold


@dataclass
class _Queued:
    frames: deque[tuple[zmq.MessageTracker, int]] = field(default_factory=deque)
    size: int = 0


class Backlog:
    """Per-connection accounting; connections are ZeroMQ routing ids."""

    def __init__(self, max_bytes: int, max_in_flight: int) -> None:
        self.max_bytes = max_bytes
        self.max_in_flight = max_in_flight
        self._queued: dict[bytes, _Queued] = {}
        self._in_flight: dict[bytes, tuple[int, int]] = {}  # requests, bytes
        self._owner: dict[bytes, int] = {}  # connection -> the account its frames were for
        self._connections: dict[int, set[bytes]] = {}  # account -> connections holding frames

    # --- bytes queued for sending -------------------------------------------------------

    def queued_bytes(self, peer: bytes) -> int:
        """Bytes of tracked frames ZeroMQ still holds for ``peer``."""
        queued = self._queued.get(peer)
        if queued is None:
            return 0
        frames = queued.frames
        # ZeroMQ sends a peer's frames in order, so the released ones are at the front.
        while frames and frames[0][0].done:
            queued.size -= frames.popleft()[1]
        if not frames:
            del self._queued[peer]
            self._disown(peer)
            return 0
        return queued.size

    def account_bytes(self, account: int) -> int:
        """Bytes of tracked frames ZeroMQ still holds for the connections of ``account``."""
        connections = self._connections.get(account)
        if not connections:  # almost always: only large frames are tracked
            return 0
        return sum(self.queued_bytes(peer) for peer in list(connections))

    def account_full(self, account: int) -> bool:
        """Whether the connections of ``account`` hold more than it may, together."""
        return self.account_bytes(account) > ACCOUNT_CONNECTIONS * self.max_bytes

    def full(self, peer: bytes) -> bool:
        """Whether ``peer`` has more queued than its budget: it is not reading."""
        return self.queued_bytes(peer) > self.max_bytes

    def has_room(self, peer: bytes, size: int) -> bool:
        """Whether a frame of ``size`` bytes may be queued for ``peer`` now."""
        return size < TRACKED_BYTES or not self.full(peer)

    def queued(
        self, peer: bytes, tracker: zmq.MessageTracker, size: int, account: int | None
    ) -> None:
        """Count a tracked frame just handed to ZeroMQ until it is released, for the
        account signed in on the connection (None: none)."""
        if tracker.done:
            return
        queued = self._queued.setdefault(peer, _Queued())
        queued.frames.append((tracker, size))
        queued.size += size
        if account is not None and peer not in self._owner:
            self._owner[peer] = account
            self._connections.setdefault(account, set()).add(peer)

    def _disown(self, peer: bytes) -> None:
        account = self._owner.pop(peer, None)
        if account is not None:
            connections = self._connections[account]
            connections.discard(peer)
            if not connections:
                del self._connections[account]

    def forget_released(self) -> None:
        """Drop the accounting of connections whose frames are all released (a peer that
        left: ZeroMQ releases what it held for it)."""
        for peer in list(self._queued):
            self.queued_bytes(peer)

    # --- requests waiting for their answer ----------------------------------------------

    def busy(self, peer: bytes, size: int) -> bool:
        """Whether ``peer`` has so many requests waiting, or so many bytes of them, that one
        more of ``size`` bytes must wait; one request alone always goes."""
        count, held = self._in_flight.get(peer, (0, 0))
        return count >= self.max_in_flight or (count > 0 and held + size > self.max_bytes)

    def started(self, peer: bytes, size: int) -> None:
        """Count a request of ``size`` bytes from ``peer`` as waiting for its answer."""
        count, held = self._in_flight.get(peer, (0, 0))
        self._in_flight[peer] = (count + 1, held + size)

    def answered(self, peer: bytes, size: int) -> None:
        """A request counted by ``started`` got its answer: it waits no more."""
        count, held = self._in_flight.get(peer, (1, size))
        if count > 1:
            self._in_flight[peer] = (count - 1, held - size)
        else:
            self._in_flight.pop(peer, None)
