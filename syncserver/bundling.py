"""Frames held while the server handles what arrived together, then sent to each connection
as few frames as its app reads (docs/protocol.md, "Bundles").

A group commit answers dozens of sends and pushes their messages to the same few devices at
once. Each frame costs ZeroMQ, CURVE and the kernel about as much as the work behind it, so a
connection whose app named FEATURE_BUNDLES gets everything for it from one turn as one frame
(or a few). Nothing waits for a later turn: what is held goes out when the turn ends, before
the loop waits again.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from shared.bundles import BUNDLE_BYTES, frames_of

SendFn = Callable[[bytes, bytes], bool]  # (routing id, body) -> False if it could not go


class Outgoing:
    """Holds small frames per connection while ``corked``; ``flush`` sends them, bundled for
    connections that read bundles (``bundles(routing_id)``), one by one for the others."""

    def __init__(self, send: SendFn, bundles: Callable[[bytes], bool]) -> None:
        self._send = send
        self._bundles = bundles
        self._depth = 0
        self._held: dict[bytes, list[bytes]] = {}

    @contextmanager
    def corked(self) -> Iterator[None]:
        """Hold frames for the duration of the block (blocks nest); send them at its end."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.flush()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Send what is held, and send at once during the block: for a wait inside a corked
        block, so that nothing sent meanwhile (by other tasks) waits for it."""
        depth, self._depth = self._depth, 0
        self.flush()
        try:
            yield
        finally:
            self._depth = depth

    def hold(self, routing_id: bytes, body: bytes) -> bool:
        """Keep ``body`` for ``routing_id`` if corked and small; False if it must go now (after
        what is held for the connection, which ``release`` sends)."""
        if self._depth == 0 or len(body) >= BUNDLE_BYTES:
            return False
        self._held.setdefault(routing_id, []).append(body)
        return True

    def release(self, routing_id: bytes) -> None:
        """Send what is held for one connection, so that a frame sent now follows it."""
        bodies = self._held.pop(routing_id, None)
        if bodies:
            self._send_all(routing_id, bodies)

    def flush(self) -> None:
        """Send everything held."""
        while self._held:
            held, self._held = self._held, {}
            for routing_id, bodies in held.items():
                self._send_all(routing_id, bodies)

    def _send_all(self, routing_id: bytes, bodies: list[bytes]) -> None:
        if len(bodies) == 1 or not self._bundles(routing_id):
            for body in bodies:
                self._send(routing_id, body)
            return
        for frame in frames_of(bodies):
            self._send(routing_id, frame)
