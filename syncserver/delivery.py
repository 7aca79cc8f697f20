"""Pushing events to connected devices. A push is a courtesy: ZeroMQ may drop it (queue full,
peer gone), and the device's sync cursor recovers anything dropped."""

from collections.abc import Callable, Iterable, Mapping

import msgspec

from shared.protocol import Event, EventPush, Push, encode
from syncserver.first_release import changes_for_first_release, first_release
from syncserver.relay import Relay, RelayedEvent, RelayedPush
from syncserver.sessions import Session, SessionTable

# (routing id, encoded message) -> False when the peer is gone or its queue is full
SendFn = Callable[[bytes, bytes], bool]


class Delivery:
    def __init__(self, sessions: SessionTable, send: SendFn, relay: Relay | None = None) -> None:
        """``relay``: where servers share the database, what passes on this node's pushes to
        the others (``syncserver.relay``)."""
        self._sessions = sessions
        self._send = send
        self._relay = relay

    def event_to_streams(
        self,
        event: Event,
        positions: Mapping[int, int],
        *,
        skip_device: int | None = None,
        relay: bool = True,
    ) -> None:
        """Push a stored event to every online device of the users in ``positions``, each
        user's copy with the event's position in their stream (encoded once per user); an
        app of the first release gets it as it reads it (``first_release``). Unless not
        ``relay`` (the other servers were told already), to theirs on the other servers."""
        if self._relay is not None and relay:
            self._relay.event(event, dict(positions), skip_device)
        self._event_here(event, positions, skip_device)

    def relayed_event(self, item: RelayedEvent) -> None:
        """An event another node stored, for this node's devices."""
        self._event_here(item.event, item.positions, item.skip_device)

    def relayed_push(self, item: RelayedPush) -> None:
        """A push another node made, for this node's devices."""
        for session in self._sessions.of_users(item.users):
            if session.device_id != item.skip_device:
                self._send(session.routing_id, item.body)

    def _event_here(
        self, event: Event, positions: Mapping[int, int], skip_device: int | None
    ) -> None:
        older = changes_for_first_release(event)
        for user_id, pos in positions.items():
            devices = [s for s in self._sessions.of_user(user_id) if s.device_id != skip_device]
            if not devices:
                continue
            mine = msgspec.structs.replace(event, pos=pos)
            body = old_body = None  # each encoded once, for the first device that gets it
            for session in devices:
                if older and not session.tolerant:
                    old_body = old_body or encode(EventPush(event=first_release(mine)))
                    self._send(session.routing_id, old_body)
                else:
                    body = body or encode(EventPush(event=mine))
                    self._send(session.routing_id, body)

    def to_users(
        self,
        user_ids: Iterable[int],
        push: Push,
        *,
        skip_device: int | None = None,
        relay: bool = True,
    ) -> None:
        """Push to every online device of these users, encoding the push once; and, unless
        not ``relay``, to theirs on the other nodes."""
        body: bytes | None = None
        if self._relay is not None and relay:
            user_ids = list(user_ids)
            body = encode(push)
            self._relay.push(user_ids, body, skip_device)
        for session in self._sessions.of_users(user_ids):
            if session.device_id != skip_device:
                body = body or encode(push)
                self._send(session.routing_id, body)

    def to_sessions(self, sessions: Iterable[Session], push: Push) -> None:
        """Push to these devices, encoding the push once."""
        body = encode(push)
        for session in sessions:
            self._send(session.routing_id, body)

    def to_session(self, session: Session, push: Push) -> bool:
        return self._send(session.routing_id, encode(push))
