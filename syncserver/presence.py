"""Presence from heartbeats: online while any device beats, away when all report idle,
offline after the timeout. Only changes are published, so a short drop does not flap."""

from shared.protocol import PresenceState
from syncserver.sessions import SessionTable


class Presence:
    def __init__(self, sessions: SessionTable) -> None:
        self._sessions = sessions
        self._published: dict[int, PresenceState] = {}

    def state_of(self, user_id: int) -> PresenceState:
        devices = self._sessions.of_user(user_id)
        if not devices:
            return "offline"
        return "away" if all(s.idle for s in devices) else "online"

    def refresh(self, user_id: int) -> tuple[PresenceState, PresenceState] | None:
        """Recompute a user's state; (old, new) if it changed since last published."""
        new = self.state_of(user_id)
        old = self._published.get(user_id, "offline")
        if new == old:
            return None
        if new == "offline":
            self._published.pop(user_id, None)
        else:
            self._published[user_id] = new
        return old, new
