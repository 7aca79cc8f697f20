"""Presence from heartbeats: online while any device beats, away when all report idle,
offline after the timeout. Only changes are published, so a short drop does not flap.

Where servers share a database, a user's devices may be on several nodes. Each node tells
the others what its own devices say of their users (``syncserver.relay``), again every sweep
for every user it has devices of, and each node shows the best state any node reports. What a
node said lapses when it has not said it again within the presence timeout, so the users of a
node that died, or whose word was lost, go offline then.
"""

from shared.protocol import PresenceState
from syncserver.sessions import SessionTable

_RANK: dict[PresenceState, int] = {"offline": 0, "away": 1, "online": 2}


class Presence:
    def __init__(self, sessions: SessionTable) -> None:
        self._sessions = sessions
        self._published: dict[int, PresenceState] = {}
        # What other nodes said: node -> user -> (state, when it was last said)
        self._elsewhere: dict[str, dict[int, tuple[PresenceState, float]]] = {}

    def here(self, user_id: int) -> PresenceState:
        """The user's state from the devices connected to this node alone."""
        devices = self._sessions.of_user(user_id)
        if not devices:
            return "offline"
        return "away" if all(s.idle for s in devices) else "online"

    def everyone_here(self) -> dict[int, PresenceState]:
        """The state of every user with a device connected to this node."""
        return {user_id: self.here(user_id) for user_id in self._sessions.online_users()}

    def state_of(self, user_id: int) -> PresenceState:
        """The user's state: the best that this node or any other reports."""
        best = self.here(user_id)
        for said in self._elsewhere.values():
            there = said.get(user_id)
            if there is not None and _RANK[there[0]] > _RANK[best]:
                best = there[0]
        return best

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

    def node_said(self, node: str, states: dict[int, PresenceState], now: float) -> list[int]:
        """Record what another node says of its devices' users (at monotonic time ``now``);
        the users it spoke of."""
        said = self._elsewhere.setdefault(node, {})
        for user_id, state in states.items():
            if state == "offline":
                said.pop(user_id, None)
            else:
                said[user_id] = (state, now)
        return list(states)

    def lapse(self, now: float, timeout: float) -> list[int]:
        """Forget what other nodes said more than ``timeout`` seconds ago; the users that
        concerned."""
        lapsed: list[int] = []
        for node, said in list(self._elsewhere.items()):
            old = [user_id for user_id, (_, when) in said.items() if now - when > timeout]
            for user_id in old:
                del said[user_id]
            lapsed += old
            if not said:
                del self._elsewhere[node]
        return lapsed
