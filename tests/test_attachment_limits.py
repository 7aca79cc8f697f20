"""Bad input and limits of attachments (docs/protocol.md, "Attachments"): each refused with
a clear error before anything is stored, and the server keeps serving."""

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Callable

import msgspec
import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    PROTOCOL_TAG,
    Download,
    Error,
    FileChunk,
    Heartbeat,
    Hello,
    OpenDirect,
    Send,
    UploadBegin,
    UploadChunk,
    Welcome,
    decode_server_message,
    encode,
)
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.attachments import CHUNK, attachment, begin, send_chunks, sha256_of, upload
from tests.support import WAIT, ClientFactory, TestClient, bare_socket, new_id

BURST = 20  # new uploads a device may begin in a row here


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """Small limits, so that passing them takes little data."""
    return dataclasses.replace(
        server_config,
        max_file_bytes=4 * CHUNK,
        user_quota_bytes=6 * CHUNK,
        max_storage_bytes=10 * CHUNK,
        upload_burst=BURST,
        upload_rate=0.01,
    )


def partials(server: SyncServer) -> list[str]:
    return sorted(p.name for p in (server.config.files_path / "partial").iterdir())


async def refused(client: TestClient, request: UploadBegin | UploadChunk) -> ProtocolError:
    with pytest.raises(ProtocolError) as err:
        await client.request(request)
    return err.value


async def test_a_chunk_of_no_upload_of_ones_own_is_refused(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    data = os.urandom(100)
    chunk = UploadChunk(sha256=sha256_of(data), offset=0, data=data)
    never = await refused(alice, chunk)
    assert never.code == ErrorCode.NO_SUCH_UPLOAD and "upload_begin" in never.message
    await begin(bob, data)
    # Bob's upload is Bob's: Alice's chunk for the same file is not taken into it.
    assert (await refused(alice, chunk)).code == ErrorCode.NO_SUCH_UPLOAD
    assert (await begin(bob, data)).stored == 0
    await alice.request(Heartbeat())  # and the server goes on serving


async def test_chunks_go_in_order_without_gaps_or_overlaps(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    data = os.urandom(3 * CHUNK)
    sha = sha256_of(data)
    await begin(alice, data)
    second = data[CHUNK : 2 * CHUNK]
    ahead = await refused(alice, UploadChunk(sha256=sha, offset=CHUNK, data=second))
    assert (ahead.code, ahead.offset) == (ErrorCode.UPLOAD_OFFSET, 0)
    assert "offset 0" in ahead.message
    await send_chunks(alice, data, 0, CHUNK)
    overlap = await refused(alice, UploadChunk(sha256=sha, offset=10, data=data[10:CHUNK]))
    assert (overlap.code, overlap.offset) == (ErrorCode.UPLOAD_OFFSET, CHUNK)
    # A chunk sent twice (a retry) is stored once; the repeat says where to go on.
    repeat = await refused(alice, UploadChunk(sha256=sha, offset=0, data=data[:CHUNK]))
    assert repeat.offset == CHUNK
    assert (await begin(alice, data)).stored == CHUNK
    assert (await send_chunks(alice, data, CHUNK)).complete


async def test_bytes_past_the_size_begun_with_are_refused(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    data = os.urandom(1000)
    await begin(alice, data)
    longer = data + b"more"
    err = await refused(alice, UploadChunk(sha256=sha256_of(data), offset=0, data=longer))
    assert err.code == ErrorCode.UPLOAD_TOO_LONG and "1,000 bytes" in err.message
    assert (await begin(alice, data)).stored == 0


async def test_bytes_that_do_not_match_the_hash_are_removed(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    notes = (await alice.request(OpenDirect(user="alice"))).channel.id
    data = os.urandom(CHUNK + 5)
    claimed = sha256_of(b"something else entirely")
    await alice.request(UploadBegin(sha256=claimed, size=len(data), name="x.bin"))
    await alice.request(UploadChunk(sha256=claimed, offset=0, data=data[:CHUNK]))
    err = await refused(alice, UploadChunk(sha256=claimed, offset=CHUNK, data=data[CHUNK:]))
    assert err.code == ErrorCode.HASH_MISMATCH and claimed in err.message
    assert partials(server) == []
    assert not list(server.config.files_path.glob("??/*"))
    again = await alice.request(UploadBegin(sha256=claimed, size=len(data), name="x.bin"))
    assert (again.stored, again.complete) == (0, False)
    with pytest.raises(ProtocolError) as sent:
        lie = msgspec.structs.replace(attachment(data), sha256=claimed)
        await alice.request(Send(channel=notes, client_id=new_id(), text="", attachments=[lie]))
    assert sent.value.code == ErrorCode.NO_SUCH_FILE


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../etc/passwd", "path separators"),
        ("a\\b.txt", "path separators"),
        ("bell\x07.txt", "control characters"),
        ("x" * 10_000, "1 to 255 characters"),
        ("", "1 to 255 characters"),
        ("..", "'.' or '..'"),
    ],
)
async def test_file_names_that_break_a_rule_are_refused(
    server: SyncServer, clients: ClientFactory, name: str, rule: str
) -> None:
    alice = await clients.register("alice")
    err = await refused(alice, UploadBegin(sha256=sha256_of(b"x"), size=1, name=name))
    assert err.code == ErrorCode.INVALID and rule in err.message
    assert partials(server) == []
    assert (await begin(alice, b"x", "fine name (1).txt")).stored == 0


async def test_files_past_the_limits_are_refused_before_a_byte_is_stored(
    server: SyncServer, clients: ClientFactory
) -> None:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    carol = await clients.register("carol")
    big = await refused(alice, UploadBegin(sha256=sha256_of(b"big"), size=4 * CHUNK + 1, name="b"))
    assert big.code == ErrorCode.FILE_TOO_LARGE and f"{4 * CHUNK:,} bytes" in big.message

    assert (await upload(alice, os.urandom(4 * CHUNK))).complete
    over = await refused(alice, UploadBegin(sha256=sha256_of(b"q"), size=3 * CHUNK, name="q"))
    assert over.code == ErrorCode.QUOTA_EXCEEDED
    assert f"{4 * CHUNK:,} of your {6 * CHUNK:,} bytes" in over.message
    # An unfinished upload counts as begun: room is kept for all of it.
    await begin(bob, os.urandom(4 * CHUNK))
    full = await refused(carol, UploadBegin(sha256=sha256_of(b"c"), size=3 * CHUNK, name="c"))
    assert full.code == ErrorCode.STORAGE_FULL and f"{8 * CHUNK:,} of" in full.message
    assert len(partials(server)) == 1  # Bob's; none of the refused ones
    assert (await upload(carol, os.urandom(2 * CHUNK))).complete


async def test_a_device_may_not_begin_thousands_of_uploads(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    for n in range(BURST):
        assert (await upload(alice, b"%d" % n)).complete
    err = await refused(alice, UploadBegin(sha256=sha256_of(b"one more"), size=8, name="m"))
    assert err.code == ErrorCode.RATE_LIMITED and err.retry_after is not None
    assert "new uploads from this device" in err.message
    # What is under way goes on: resuming, and files the user has, are not limited.
    assert (await begin(alice, b"0")).complete
    phone = await clients.login("alice", "phone")  # another device has its own budget
    assert (await upload(phone, b"one more")).complete


async def test_a_connection_that_does_not_read_its_downloads_is_held_back(
    server: SyncServer, clients: ClientFactory
) -> None:
    """Downloads pipelined without reading the answers: past 4 MiB waiting unread at the
    server, each is refused, so what the server holds for the connection stays bounded."""
    alice = await clients.register("alice")
    data = os.urandom(4 * CHUNK)
    await upload(alice, data)
    assert server.keys is not None
    sock = bare_socket(
        server.endpoint, server.keys.public, alice.conn.client_keys, RCVHWM=1, RCVBUF=CHUNK
    )
    try:
        creds = alice.credentials
        hello = Hello(rid=1, device_id=creds.device_id, token=creds.token)
        await sock.send_multipart([PROTOCOL_TAG, encode(hello)])
        assert isinstance(await _next_reply(sock), Welcome)
        asks = 200  # 50 MiB asked for, far more than sockets buffer between the two
        for rid in range(2, 2 + asks):
            offset = (rid % 4) * CHUNK
            download = Download(rid=rid, sha256=sha256_of(data), offset=offset)
            await sock.send_multipart([PROTOCOL_TAG, encode(download)])
        peer = _peer_of(server)
        held = await _peak_until_still(lambda: server.backlog.queued_bytes(peer))
        assert server.config.max_queued_bytes / 2 < held
        assert held <= server.config.max_queued_bytes + CHUNK + 1024
        replies = [await _next_reply(sock) for _ in range(asks)]
    finally:
        sock.close(linger=0)
    chunks = [r for r in replies if isinstance(r, FileChunk)]
    backlog = [r for r in replies if isinstance(r, Error)]
    assert chunks and backlog and len(chunks) + len(backlog) == asks
    assert {r.code for r in backlog} == {ErrorCode.BACKLOG_FULL}


def _peer_of(server: SyncServer) -> bytes:
    """The routing id of the one connection that said hello over a bare socket: the
    device's newest session."""
    [session] = server.ctx.sessions.of_user(1)  # Alice, the first user
    return session.routing_id


async def _peak_until_still(measure: Callable[[], int]) -> int:
    """The highest value ``measure`` gives until it has stayed the same for half a second
    (the server answered everything it was asked)."""
    peak, last, still = 0, -1, 0
    async with asyncio.timeout(WAIT):
        while still < 50:
            value = measure()
            peak = max(peak, value)
            still = still + 1 if value == last else 0
            last = value
            await asyncio.sleep(0.01)
    return peak


async def _wait(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.01)


async def _next_reply(sock) -> object:
    async with asyncio.timeout(WAIT):
        while True:
            _, body = await sock.recv_multipart()
            message = decode_server_message(body)
            if not hasattr(message, "rid"):
                continue  # a push
            return message


@pytest.fixture
async def expiring(server_config: ServerConfig) -> AsyncIterator[tuple[SyncServer, ClientFactory]]:
    """A server whose uploads expire after a fraction of a second of idleness."""
    server = SyncServer(dataclasses.replace(server_config, upload_expiry=0.4))
    await server.start()
    factory = ClientFactory(server)
    try:
        yield server, factory
    finally:
        await factory.close_all()
        await server.stop()


async def test_an_upload_left_idle_is_removed(
    expiring: tuple[SyncServer, ClientFactory],
) -> None:
    server, clients = expiring
    alice = await clients.register("alice")
    notes = (await alice.request(OpenDirect(user="alice"))).channel.id
    idle, unsent, sent = os.urandom(2 * CHUNK), os.urandom(300), os.urandom(400)
    await begin(alice, idle)
    await send_chunks(alice, idle, 0, CHUNK)
    assert (await upload(alice, unsent)).complete
    assert (await upload(alice, sent)).complete
    await alice.request(
        Send(channel=notes, client_id=new_id(), text="", attachments=[attachment(sent)])
    )
    stored = server.config.files_path

    def kept() -> list[str]:
        return [p.name for p in stored.glob("??/*")]

    # The idle upload goes with its bytes, and so does the file no message carries.
    await _wait(lambda: not partials(server) and kept() == [sha256_of(sent)])
    err = await refused(alice, UploadChunk(sha256=sha256_of(idle), offset=CHUNK, data=b"x"))
    assert err.code == ErrorCode.NO_SUCH_UPLOAD and "idle" in err.message
    assert await download_whole(alice, sent) == sent


async def download_whole(client: TestClient, data: bytes) -> bytes:
    reply = await client.request(Download(sha256=sha256_of(data)))
    return reply.data
