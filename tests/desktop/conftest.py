"""Desktop core tests: real server, real cache files, real keyring (Secret Service on a
private D-Bus session)."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from desktop.core.account import open_engine, sign_in
from desktop.core.engine import SyncEngine
from desktop.core.profile import Profile
from desktop.platform.credentials import CredentialStore
from syncserver.server import SyncServer
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.notification_service import (
    NotificationService,
    notification_bus,  # noqa: F401  (fixture)
)
from tests.support import PASSWORD


@pytest.fixture
def database_url() -> None:
    """The client core does not care which store the server uses: SQLite only here."""
    return None


@pytest.fixture
def credentials(secret_service: str) -> CredentialStore:  # noqa: F811
    return CredentialStore(service=f"tidings-test-{id(secret_service)}")


@pytest.fixture
def bus(notification_bus: NotificationService) -> NotificationService:  # noqa: F811
    """The recording notification server, with what earlier tests sent forgotten."""
    notification_bus.clear()
    return notification_bus


ProfileMaker = Callable[..., "Profile"]


@pytest.fixture
async def make_profile(
    server: SyncServer, tmp_path: Path, credentials: CredentialStore
) -> Callable:
    """Sign a new device profile in: ``await make_profile("alice", "laptop", create=True)``."""

    async def make(user: str, device: str, create: bool = False) -> Profile:
        return await sign_in(
            tmp_path / f"{user}-{device}",
            server.endpoint,
            user,
            PASSWORD,
            device,
            create_account=create,
            credentials=credentials,
            trust=lambda _server, _fingerprint: True,
            key_endpoint=server.key_endpoint,
        )

    return make


@pytest.fixture
async def engines(credentials: CredentialStore) -> AsyncIterator[Callable]:
    """Open engines for profiles; all are stopped and their caches closed afterwards."""
    opened: list[SyncEngine] = []

    def open_for(profile: Profile) -> SyncEngine:
        engine = open_engine(profile, credentials)
        opened.append(engine)
        return engine

    yield open_for
    for engine in opened:
        await engine.stop()
        engine.cache.close()
