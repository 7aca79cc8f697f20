"""The desktop's profile (settings, the cache of messages with its log and shared memory)
is its owner's only, whatever the umask."""

from pathlib import Path

from desktop.core.engine import SyncEngine
from shared.protocol import OpenDirect
from tests.desktop.test_engine import started, until
from tests.private_files import common_umask, readable_by_others
from tests.support import ClientFactory


async def test_profile_and_cache_are_private(make_profile, engines, clients: ClientFactory):
    with common_umask():
        profile = await make_profile("alice", "laptop", create=True)
        engine: SyncEngine = await started(engines(profile))
        bob = await clients.register("bob")
        channel = (await bob.request(OpenDirect(user="alice"))).channel
        await until(lambda: engine.cache.channel(channel.id) is not None)
        engine.send(channel.id, "kept to myself")
        await until(lambda: not engine.cache.outbox())
        assert Path(str(profile.cache_path) + "-wal").exists()
        assert readable_by_others(profile.dir) == []
