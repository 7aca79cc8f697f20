"""The server stops and starts again: nothing acknowledged is lost, clients carry on."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from shared.protocol import History, OpenDirect, Send, Sync
from syncserver.config import ServerConfig
from syncserver.server import SyncServer
from tests.support import WAIT, ClientFactory, new_id, same_place


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_restart_keeps_messages_key_and_sequence(server_config: ServerConfig) -> None:
    first = SyncServer(server_config)
    await first.start()
    factory = ClientFactory(first)
    alice = await factory.register("alice")
    bob = await factory.register("bob")
    channel = (await alice.request(OpenDirect(user="bob"))).channel
    before = await alice.request(Send(channel=channel.id, client_id=new_id(), text="before"))
    await first.stop()

    second = SyncServer(same_place(first))
    await second.start()
    try:
        assert second.keys == first.keys  # the key pair survives, so pins stay valid
        # The same connections carry on: ZeroMQ redials, the client says hello again.
        after = await alice.request(Send(channel=channel.id, client_id=new_id(), text="after"))
        assert after.seq == before.seq + 1 and after.pos > before.pos
        # Bob may not have said hello again before "after" was stored, so a push is not
        # guaranteed; his sync cursor is.
        page = await bob.request(Sync(after=before.pos))
        assert [e.text for e in page.events] == ["after"]
        history = await bob.request(History(channel=channel.id))
        assert [e.text for e in history.events if e.kind == "message"] == ["before", "after"]
    finally:
        await factory.close_all()
        await second.stop()


async def _tidings_server(data: Path, port: int, *options: str) -> asyncio.subprocess.Process:
    """``tidings-server`` as an admin starts it, its output readable line by line."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "syncserver",
        "--data",
        str(data),
        "--listen",
        f"tcp://127.0.0.1:{port}",
        *options,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def test_command_line_server_prints_fingerprint_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = await _tidings_server(tmp_path / "data", port)
    assert proc.stdout is not None  # stdout=PIPE
    try:
        lines: list[str] = []
        async with asyncio.timeout(WAIT):
            while not lines or not lines[-1].startswith("Server key fingerprint"):
                lines.append((await proc.stdout.readline()).decode().strip())
        assert lines[0] == f"Tidings sync server listening on tcp://127.0.0.1:{port}"
        assert lines[1] == f"Key service on tcp://127.0.0.1:{port + 1}"
        assert lines[2].startswith("Server key fingerprint: SHA256:")
        assert (tmp_path / "data" / "server.key").stat().st_mode & 0o077 == 0
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_plaintext_needs_its_insecure_flag(tmp_path: Path) -> None:
    port = free_port()
    proc = await _tidings_server(tmp_path / "data", port, "--insecure-plaintext")
    assert proc.stdout is not None  # stdout=PIPE
    try:
        async with asyncio.timeout(WAIT):
            lines = [(await proc.stdout.readline()).decode().strip() for _ in range(2)]
        assert lines[1] == "WARNING: encryption is OFF (--insecure-plaintext)"
        assert not (tmp_path / "data" / "server.key").exists()
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
