"""What crosses the wire: a recording proxy between a real client and a real server shows
that after the CURVE handshake nothing readable is left, and that the recording would have
seen the words had they been sent in the clear."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from shared.client import Connection
from shared.protocol import EventPush, History, OpenDirect, Send
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.proxy import RecordingProxy
from tests.support import PASSWORD, WAIT, TestClient, new_id

SECRET_TEXT = "the eagle lands at midnight 7f3a"
USERS = ("wintermute", "neuromancer")


@asynccontextmanager
async def chat_through_proxy(config: ServerConfig) -> AsyncIterator[tuple[RecordingProxy, str]]:
    """Start a server, register two users through a recording proxy, and have one send
    ``SECRET_TEXT`` to the other; yields the proxy once the text has arrived."""
    server = SyncServer(config)
    await server.start()
    proxy = RecordingProxy(server.endpoint)
    await proxy.start()
    made: list[TestClient] = []
    try:
        for _ in USERS:
            conn = Connection(
                proxy.endpoint,
                server_key=server.keys.public if server.keys else None,
                plaintext=server.keys is None,
                key_endpoint=server.key_endpoint,
                heartbeat_interval=config.heartbeat_interval,
                request_timeout=WAIT,
            )
            made.append(TestClient(conn))
            await conn.open()
            await conn.wait_ready(WAIT)
        sender, receiver = made
        for client, user in zip(made, USERS, strict=True):
            await client.conn.register(user, PASSWORD, f"{user}-laptop")
        channel = (await sender.request(OpenDirect(user=USERS[1]))).channel
        sent = await sender.request(Send(channel=channel.id, client_id=new_id(), text=SECRET_TEXT))
        push = await receiver.wait_push(
            lambda p: isinstance(p, EventPush) and p.event.text == SECRET_TEXT
        )
        assert isinstance(push, EventPush) and push.event.seq == sent.seq
        page = await receiver.request(History(channel=channel.id))
        assert [e.text for e in page.events if e.kind == "message"] == [SECRET_TEXT]
        yield proxy, server.fingerprint or ""
    finally:
        for client in made:
            await client.conn.close()
        await proxy.stop()
        await server.stop()


def secrets() -> list[bytes]:
    words = [SECRET_TEXT, "eagle lands", PASSWORD, *USERS, *(f"{u}-laptop" for u in USERS)]
    return [w.encode() for w in words]


async def test_nothing_readable_crosses_the_wire(tmp_path: Path) -> None:
    config = ServerConfig(
        data_dir=tmp_path / "server",
        listen="tcp://127.0.0.1:0",
        key_listen="tcp://127.0.0.1:0",
        heartbeat_interval=0.2,
        presence_timeout=1.0,
    )
    async with chat_through_proxy(config) as (proxy, _):
        seen = proxy.seen()
    assert len(proxy.upstream) > 1000 and len(proxy.downstream) > 1000  # the chat went through
    assert b"CURVE" in seen  # the ZMTP greeting names the mechanism; all after it is sealed
    for secret in secrets():
        assert secret not in seen, secret
    assert b"tidings/1" not in seen  # not even the protocol tag of a frame
    assert b"msgpack" not in seen and b"send" not in seen


async def test_the_recording_would_see_plaintext(tmp_path: Path) -> None:
    """The control: the same conversation with encryption off is readable in the capture."""
    config = ServerConfig(
        data_dir=tmp_path / "server",
        listen="tcp://127.0.0.1:0",
        key_listen="tcp://127.0.0.1:0",
        insecure_plaintext=True,
        heartbeat_interval=0.2,
        presence_timeout=1.0,
    )
    async with chat_through_proxy(config) as (proxy, fingerprint):
        seen = proxy.seen()
    assert fingerprint == ""
    assert b"CURVE" not in seen and b"NULL" in seen
    for secret in secrets():
        assert secret in seen, secret
    assert SECRET_TEXT.encode() in bytes(proxy.upstream)  # sent by one client
    assert SECRET_TEXT.encode() in bytes(proxy.downstream)  # pushed to the other
