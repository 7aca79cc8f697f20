"""Which device is behind which connection, and which devices are online."""

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Session:
    routing_id: bytes
    device_id: int
    user_id: int
    user_name: str
    last_beat: float  # monotonic secs of the last frame from the device
    sync_cursor: int = 0  # last cursor the device confirmed, as stored
    idle: bool = False
    created: int | None = None  # when the device was created (ms), once the writer needed it
    # The app reads fields, push types and event kinds it does not know (FEATURE_TOLERANT);
    # apps of the first release do not, and get what protocol 1 first had.
    tolerant: bool = False
    bundles: bool = False  # the app reads several messages in one frame (FEATURE_BUNDLES)
    device_name: str = ""  # as the device was named when it signed in


@dataclass(frozen=True)
class ConnectedDevice:
    """A device connected now, as a server's host is shown it."""

    user: str
    device: str


@dataclass
class SessionTable:
    _by_route: dict[bytes, Session] = field(default_factory=dict)
    _by_user: dict[int, dict[int, Session]] = field(default_factory=dict)

    def get(self, routing_id: bytes) -> Session | None:
        return self._by_route.get(routing_id)

    def bind(self, session: Session) -> None:
        """Make ``session`` the device's one live connection, dropping any older one."""
        self.drop(session.routing_id)
        old = self._by_user.get(session.user_id, {}).get(session.device_id)
        if old is not None:
            self.drop(old.routing_id)
        self._by_route[session.routing_id] = session
        self._by_user.setdefault(session.user_id, {})[session.device_id] = session

    def drop(self, routing_id: bytes) -> Session | None:
        session = self._by_route.pop(routing_id, None)
        if session is not None:
            devices = self._by_user.get(session.user_id, {})
            devices.pop(session.device_id, None)
            if not devices:
                self._by_user.pop(session.user_id, None)
        return session

    def of_device(self, user_id: int, device_id: int) -> Session | None:
        return self._by_user.get(user_id, {}).get(device_id)

    def of_user(self, user_id: int) -> list[Session]:
        return list(self._by_user.get(user_id, {}).values())

    def of_users(self, user_ids: Iterable[int]) -> Iterable[Session]:
        for user_id in user_ids:
            yield from self._by_user.get(user_id, {}).values()

    def connected(self) -> list[ConnectedDevice]:
        """Every device with a live connection, by user and device name."""
        found = (ConnectedDevice(s.user_name, s.device_name) for s in self._by_route.values())
        return sorted(found, key=lambda d: (d.user, d.device))

    def online_users(self) -> list[int]:
        return list(self._by_user)

    def expired(self, now: float, timeout: float) -> list[Session]:
        return [s for s in self._by_route.values() if now - s.last_beat > timeout]
