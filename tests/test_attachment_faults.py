"""A server killed in the middle of an upload (SIGKILL: nothing is flushed, no shutdown code
runs) resumes it from what is on disk, and never shows half a file under a file's name. The
server runs as its own process, on SQLite in its data directory, as an admin runs it."""

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.errors import ProtocolError
from shared.protocol import UploadChunk
from tests.attachments import CHUNK, begin, download, send_chunks, sha256_of
from tests.server_process import ServerProcess, started_in
from tests.support import PASSWORD, WAIT, TestClient

CHUNKS = 40  # a 10 MiB file
KILL_AFTER = 15  # chunks answered before the server is killed


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    async with started_in(tmp_path) as srv:
        yield srv


async def registered(server: ServerProcess) -> TestClient:
    client = TestClient(server.connection())
    await client.conn.open()
    await client.conn.wait_ready(WAIT)
    await client.conn.register("alice", PASSWORD, "laptop")
    return client


def named_files(server: ServerProcess) -> dict[str, bytes]:
    """The files under a stored file's name, by name, with their bytes."""
    return {p.name: p.read_bytes() for p in (server.data_dir / "files").glob("??/*")}


async def test_an_upload_killed_midway_resumes_from_the_disk(server: ServerProcess) -> None:
    client = await registered(server)
    data = os.urandom(CHUNKS * CHUNK)
    sha = sha256_of(data)
    await begin(client, data, "video.mp4")

    answered = 0
    killed = asyncio.Event()

    async def chunk(offset: int) -> None:
        nonlocal answered
        await client.request(UploadChunk(sha256=sha, offset=offset, data=data[offset:][:CHUNK]))
        answered += 1
        if answered == KILL_AFTER:
            killed.set()

    # Every chunk is sent at once, so that many are on their way when the server dies.
    sending = [asyncio.ensure_future(chunk(o)) for o in range(0, len(data), CHUNK)]
    await asyncio.wait_for(killed.wait(), WAIT)
    await server.kill()
    for task in sending:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, ProtocolError):
        await asyncio.gather(*sending, return_exceptions=False)
    assert named_files(server) == {}, "half a file under a file's name"

    await server.start()
    state = await begin(client, data, "video.mp4")  # the connection comes back by itself
    assert not state.complete
    assert KILL_AFTER * CHUNK <= state.stored < len(data)
    assert state.stored % CHUNK == 0  # whole chunks: each one is written in one go
    assert (await send_chunks(client, data, state.stored)).complete
    assert named_files(server) == {sha: data}
    assert await download(client, sha, len(data)) == data
    assert list((server.data_dir / "files" / "partial").iterdir()) == []
    await client.conn.close()


async def test_a_server_killed_as_a_file_is_put_in_place_shows_it_whole_or_not_at_all(
    server: ServerProcess,
) -> None:
    client = await registered(server)
    data = os.urandom(CHUNKS * CHUNK)
    sha = sha256_of(data)
    await begin(client, data)
    last = len(data) - CHUNK
    await send_chunks(client, data, 0, last)
    finishing = asyncio.ensure_future(
        client.request(UploadChunk(sha256=sha, offset=last, data=data[last:]))
    )
    await _until_written(server, sha, len(data))  # then the hash is being checked
    await server.kill()
    finishing.cancel()
    with contextlib.suppress(asyncio.CancelledError, ProtocolError):
        await finishing
    assert named_files(server) in ({}, {sha: data})

    await server.start()
    state = await begin(client, data)
    if not state.complete:
        assert (await send_chunks(client, data, state.stored)).complete
    assert named_files(server) == {sha: data}
    assert await download(client, sha, len(data)) == data
    await client.conn.close()


async def _until_written(server: ServerProcess, sha: str, size: int) -> None:
    """Wait until the upload's bytes are all on disk (or already put in place)."""
    partial = next((server.data_dir / "files" / "partial").glob(f"*-{sha}"), None)
    async with asyncio.timeout(WAIT):
        while partial is not None and partial.exists() and partial.stat().st_size < size:
            await asyncio.sleep(0.001)
