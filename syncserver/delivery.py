"""Pushing events to connected devices. A push is a courtesy: ZeroMQ may drop it (queue full,
peer gone), and the device's sync cursor recovers anything dropped."""

from collections.abc import Callable, Iterable

from shared.protocol import Push, encode
from syncserver.sessions import Session, SessionTable

# (routing id, encoded message) -> False when the peer is gone or its queue is full
SendFn = Callable[[bytes, bytes], bool]
# user id -> the newest stream position stored that the user may see
StoredHeadFn = Callable[[int], int]


class Delivery:
    def __init__(self, sessions: SessionTable, send: SendFn, stored_head: StoredHeadFn) -> None:
        self._sessions = sessions
        self._send = send
        self._stored_head = stored_head
        # Newest stream position each user may see, reported in heartbeat acks so a device
        # that lost a push notices it is behind even when no later push arrives. Never the
        # server's own head: that would tell every user how much everyone else writes.
        self._heads: dict[int, int] = {}

    def head_of(self, user_id: int) -> int:
        """The newest stream position the user may see (looked up once, then followed)."""
        head = self._heads.get(user_id)
        if head is None:
            head = self._heads[user_id] = self._stored_head(user_id)
        return head

    def to_users(
        self,
        user_ids: Iterable[int],
        push: Push,
        *,
        pos: int | None = None,
        skip_device: int | None = None,
        first_release: Push | None = None,
    ) -> None:
        """Push to every online device of these users; ``pos`` marks a stored change.
        ``first_release`` is what apps of the first release get instead, where ``push``
        holds what they would misread."""
        user_ids = list(user_ids)
        if pos is not None:  # newer than anything stored, so the newest each of them may see
            for user_id in user_ids:
                self._heads[user_id] = max(self._heads.get(user_id, pos), pos)
        body = old_body = None  # each encoded once, for the first device that gets it
        for session in self._sessions.of_users(user_ids):
            if session.device_id == skip_device:
                continue
            if first_release is not None and not session.tolerant:
                old_body = old_body or encode(first_release)
                self._send(session.routing_id, old_body)
            else:
                body = body or encode(push)
                self._send(session.routing_id, body)

    def to_sessions(self, sessions: Iterable[Session], push: Push) -> None:
        """Push to these devices, encoding the push once."""
        body = encode(push)
        for session in sessions:
            self._send(session.routing_id, body)

    def to_session(self, session: Session, push: Push) -> bool:
        return self._send(session.routing_id, encode(push))
