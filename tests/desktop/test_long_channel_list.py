"""A device of a user in more channels than one frame can list reads every page of the list:
a new one starts with all of them, and reconciling with a restored server keeps them all."""

from collections.abc import Callable

import pytest

from desktop.core.epoch import reconcile
from shared.protocol import CreateGroup
from syncserver.bench.seed import seed_devices
from syncserver.config import ServerConfig
from tests.desktop.test_engine import started
from tests.support import ClientFactory

GROUPS = 120  # of 100 members with long names: 1.1 MB as one list


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """A data directory whose database already holds 99 users with long names (29
    three-byte characters each), written directly: registering them would cost 99 password
    hashes. The shared ``server`` fixture starts on it."""
    server_config.data_dir.mkdir(parents=True)
    seed_devices(server_config.data_dir, [f"{n:03d}" + "\u6f22" * 29 for n in range(99)])
    return server_config


async def test_a_new_device_reads_every_page_of_a_long_channel_list(
    make_profile: Callable, engines: Callable, clients: ClientFactory
) -> None:
    await make_profile("alice", "laptop", create=True)
    phone = await clients.login("alice", "phone")
    members = [f"{n:03d}" + "\u6f22" * 29 for n in range(99)]
    for n in range(GROUPS):
        await phone.request(CreateGroup(name=f"group {n}", members=members))

    tablet = await started(engines(await make_profile("alice", "tablet")))
    names = sorted(c.name for c in tablet.cache.channels())
    assert names == sorted(f"group {n}" for n in range(GROUPS))

    # Reconciling with a restored server reads every page too: no channel past the first
    # page is taken for one the user is no longer in.
    await reconcile(tablet.cache, tablet.conn, "a restored database")
    assert all(c.active for c in tablet.cache.channels())
