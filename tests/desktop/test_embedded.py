"""The server the desktop app hosts on a thread of its own, used by a real client over CURVE."""

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from zmq.auth.thread import AuthenticationThread

from desktop.embedded import (
    THREAD_NAME,
    EmbeddedServer,
    HostedServer,
    ServerStartError,
    lan_listen,
)
from shared.client import Connection
from shared.keys import fingerprint
from shared.protocol import History, OpenDirect, Send, Sent
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from syncserver.store.checkpoints import THREAD_NAME as CHECKPOINT_THREAD
from tests.support import PASSWORD, WAIT, new_id

ANY_PORT = "tcp://127.0.0.1:0"


def server_threads() -> list[threading.Thread]:
    """Threads an embedded server owns: its own, its CURVE authenticator's and its
    checkpointer's."""
    return [
        t
        for t in threading.enumerate()
        if t.name in (THREAD_NAME, CHECKPOINT_THREAD) or isinstance(t, AuthenticationThread)
    ]


@pytest.fixture
def embedded() -> Iterator[list[EmbeddedServer]]:
    """Servers a test made; each is stopped afterwards even if the test failed midway."""
    made: list[EmbeddedServer] = []
    yield made
    for server in made:
        server.stop()


def new_server(made: list[EmbeddedServer], data_dir: Path, **options: str) -> EmbeddedServer:
    options.setdefault("listen", ANY_PORT)
    options.setdefault("key_listen", ANY_PORT)
    server = EmbeddedServer(data_dir, **options)
    made.append(server)
    return server


def pinned_connection(hosted: HostedServer) -> Connection:
    return Connection(
        hosted.endpoint,
        server_key=hosted.public_key,
        key_endpoint=hosted.key_endpoint,
        request_timeout=WAIT,
    )


async def test_client_chats_through_embedded_server_then_it_stops(
    tmp_path: Path, embedded: list[EmbeddedServer]
) -> None:
    server = new_server(embedded, tmp_path / "server")
    assert not server.running
    hosted = await asyncio.to_thread(server.start)
    assert server.running
    assert hosted.endpoint.startswith("tcp://127.0.0.1:") and not hosted.endpoint.endswith(":0")
    assert hosted.fingerprint == fingerprint(hosted.public_key)

    conn = pinned_connection(hosted)
    await conn.open()
    try:
        await conn.wait_ready(WAIT)
        await conn.register("alice", PASSWORD, "laptop")
        notes = (await conn.request(OpenDirect(user="alice"))).channel
        sent = await conn.request(Send(channel=notes.id, client_id=new_id(), text="note to self"))
        assert isinstance(sent, Sent)
        page = await conn.request(History(channel=notes.id))
        assert [e.text for e in page.events if e.kind == "message"] == ["note to self"]
    finally:
        await conn.close()

    await asyncio.to_thread(server.stop)
    assert not server.running
    assert server_threads() == []
    server.stop()  # a second stop is harmless
    assert not server.running


async def test_port_in_use_is_a_clear_error_and_leaves_no_thread(
    tmp_path: Path, embedded: list[EmbeddedServer]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"tcp://127.0.0.1:{taken.getsockname()[1]}"
        server = new_server(embedded, tmp_path / "server", listen=address)
        with pytest.raises(ServerStartError, match="already in use") as caught:
            await asyncio.to_thread(server.start)
    assert address in str(caught.value) and caught.value.address == address
    assert not server.running
    assert server_threads() == []
    server.stop()  # stopping a server that never started does nothing


async def test_a_data_dir_in_use_is_a_clear_error(
    tmp_path: Path, embedded: list[EmbeddedServer]
) -> None:
    # Another process's server holds the directory, as a second copy of the app would find.
    other = SyncServer(ServerConfig(data_dir=tmp_path / "server", listen="tcp://127.0.0.1:0"))
    await other.start()
    try:
        server = new_server(embedded, tmp_path / "server")
        with pytest.raises(ServerStartError, match="is Tidings already open") as caught:
            await asyncio.to_thread(server.start)
        assert f"process {os.getpid()}" in str(caught.value)
        assert not server.running
    finally:
        await other.stop()
    assert server_threads() == []  # nothing of the refused start is left


async def test_key_service_port_in_use_releases_what_was_opened(
    tmp_path: Path, embedded: list[EmbeddedServer]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"tcp://127.0.0.1:{taken.getsockname()[1]}"
        server = new_server(embedded, tmp_path / "server", key_listen=address)
        with pytest.raises(ServerStartError, match="key service could not listen") as caught:
            await asyncio.to_thread(server.start)
    assert caught.value.address == address
    assert server_threads() == []
    # The chat socket and database the failed start had opened are free again.
    again = new_server(embedded, tmp_path / "server")
    await asyncio.to_thread(again.start)
    assert again.running


async def test_restart_in_the_same_process_keeps_the_key(
    tmp_path: Path, embedded: list[EmbeddedServer]
) -> None:
    first = new_server(embedded, tmp_path / "server")
    before = await asyncio.to_thread(first.start)
    await asyncio.to_thread(first.stop)

    second = new_server(embedded, tmp_path / "server")
    after = await asyncio.to_thread(second.start)
    assert after.fingerprint == before.fingerprint
    assert after.public_key == before.public_key


async def test_one_embedded_server_per_process(
    tmp_path: Path, embedded: list[EmbeddedServer]
) -> None:
    first = new_server(embedded, tmp_path / "one")
    await asyncio.to_thread(first.start)
    second = new_server(embedded, tmp_path / "two")
    with pytest.raises(RuntimeError, match="already hosts"):
        await asyncio.to_thread(second.start)
    assert first.running and not second.running


def test_lan_listen_binds_every_interface() -> None:
    assert lan_listen(7744) == "tcp://0.0.0.0:7744"
