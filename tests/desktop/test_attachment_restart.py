"""A server killed (SIGKILL, nothing flushed) while a file goes up: after its restart the
upload goes on from what the server had, and the message arrives once."""

import asyncio
from collections.abc import Callable
from pathlib import Path

from desktop.core.account import sign_in
from desktop.core.engine import SyncEngine
from desktop.core.events import UploadProgress
from desktop.platform.credentials import CredentialStore
from shared.client import ConnectionState
from shared.protocol import History, ListChannels
from syncserver.bench.harness import free_port_pair
from tests.desktop.test_attachments import MB, random_file, recorder, sha256
from tests.desktop.test_engine import started, until
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT


async def test_a_server_killed_mid_upload_takes_it_up_again_after_restart(
    tmp_path: Path, credentials: CredentialStore, engines: Callable[..., SyncEngine]
):
    data = tmp_path / "server"
    data.mkdir()
    server = ServerProcess(data, free_port_pair())
    await server.start()
    bob = server.connection()
    try:
        profile = await sign_in(
            tmp_path / "alice",
            server.endpoint,
            "alice",
            PASSWORD,
            "laptop",
            create_account=True,
            credentials=credentials,
            trust=lambda _server, _fingerprint: True,
            key_endpoint=server.key_endpoint,
        )
        await bob.open()
        await bob.wait_ready(WAIT)
        await bob.register("bob", PASSWORD, "desk")
        alice = await started(engines(profile))
        channel = (await alice.open_direct("bob")).id
        size = 16 * MB  # the kill comes while most of it has yet to go up
        dump = random_file(tmp_path / "dump.bin", size)
        uploads = recorder(alice, UploadProgress)
        going = asyncio.Event()
        alice.subscribe(
            lambda e: (
                going.set() if isinstance(e, UploadProgress) and e.stored >= 0.25 * size else None
            )
        )

        queued = await alice.send_files(channel, "after the crash", [dump])
        async with asyncio.timeout(60):
            await going.wait()
        await server.kill()
        stored_at_kill, heard = uploads[-1].stored, len(uploads)
        assert stored_at_kill < size  # killed while the file was still going up
        await server.start()

        await until(lambda: not alice.cache.outbox(), timeout=60)
        resumed = [u.stored for u in uploads[heard:]]
        assert resumed and min(resumed) >= stored_at_kill  # not from zero
        await until(lambda: bob.state == ConnectionState.ONLINE, timeout=30)
        [chat] = (await bob.request(ListChannels())).channels
        events = (await bob.request(History(channel=chat.id))).events
        mine = [e for e in events if e.client_id == queued.client_id]
        assert len(mine) == 1  # once, whatever was sent again
        [file] = mine[0].attachments
        assert (file.sha256, file.size, mine[0].text) == (sha256(dump), size, "after the crash")
    finally:
        await bob.close()
        await server.stop()
