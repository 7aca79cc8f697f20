"""Fixtures: a real sync server on a loopback port (CURVE on), on SQLite and on PostgreSQL
(see tests/postgres_server.py for where its server comes from)."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests import keyring_session, notification_service, postgres_server, tray_desktop
from tests.postgres_server import PostgresPlan
from tests.support import ClientFactory

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # widgets render without a display

POSTGRES = pytest.StashKey[PostgresPlan]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[POSTGRES] = postgres_server.plan()


def pytest_report_header(config: pytest.Config) -> str:
    """One line naming the real services this session's tests use (or why some are missing)."""
    return "real services: " + "; ".join(
        (
            config.stash[POSTGRES].description,
            keyring_session.describe(),
            notification_service.describe(),
            tray_desktop.describe(),
        )
    )


@pytest.fixture(scope="session")
def postgres_admin_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The admin URL of the session's PostgreSQL server (started now if it is a throwaway)."""
    plan = request.config.stash[POSTGRES]
    if plan.url is not None:
        yield plan.url
    elif plan.bin_dir is not None:
        with postgres_server.throwaway_server(plan.bin_dir) as url:
            yield url
    else:
        pytest.skip(plan.skip_reason or "no PostgreSQL server")


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database of the test's own, dropped after it."""
    with postgres_server.new_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None selects the server's default (SQLite in its data dir)."""
    if request.param == "sqlite":
        yield None
    else:
        with postgres_server.new_database(request.getfixturevalue("postgres_admin_url")) as url:
            yield url


@pytest.fixture
def server_config(tmp_path: Path, database_url: str | None) -> ServerConfig:
    return ServerConfig(
        data_dir=tmp_path / "server",
        listen="tcp://127.0.0.1:0",
        key_listen="tcp://127.0.0.1:0",
        database_url=database_url,
        heartbeat_interval=0.2,
        presence_timeout=1.0,
        # Every test client comes from 127.0.0.1: the per-address throttle would count them
        # all as one sender. tests/test_rate_limits.py checks it with its own settings.
        address_burst=10_000,
    )


@pytest.fixture
async def server(server_config: ServerConfig) -> AsyncIterator[SyncServer]:
    srv = SyncServer(server_config)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def clients(server: SyncServer) -> AsyncIterator[ClientFactory]:
    factory = ClientFactory(server)
    try:
        yield factory
    finally:
        await factory.close_all()
