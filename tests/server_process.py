"""A sync server run as a separate process, as an admin runs it, for tests that kill, pause
or measure it. Its ports are fixed so that it can be started again where clients look."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from shared.client import Connection
from shared.keys import KeyPair
from syncserver.bench.harness import free_port_pair
from tests.support import WAIT


class ServerProcess:
    """``python -m syncserver`` on a data directory and a fixed loopback port."""

    def __init__(self, data_dir: Path, port: int, *extra_args: str) -> None:
        self.data_dir = data_dir
        self.port = port
        self.endpoint = f"tcp://127.0.0.1:{port}"
        self.key_endpoint = f"tcp://127.0.0.1:{port + 1}"
        self.extra_args = extra_args
        self.proc: asyncio.subprocess.Process | None = None
        self.keys: KeyPair | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        """Start the server and wait until it says it is listening."""
        self.starts += 1
        log = open(self.data_dir.parent / f"server-{self.starts}.log", "wb")  # noqa: SIM115
        with log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "syncserver",
                "--data",
                str(self.data_dir),
                "--listen",
                self.endpoint,
                *self.extra_args,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        lines: list[str] = []
        assert self.proc.stdout is not None  # stdout=PIPE
        async with asyncio.timeout(WAIT):
            while not lines or not lines[-1].startswith("Server key fingerprint"):
                line = await self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"the server exited at start: {lines}")
                lines.append(line.decode().strip())
        assert lines[0] == f"Tidings sync server listening on {self.endpoint}"
        public, secret = (self.data_dir / "server.key").read_text().split()[:2]
        self.keys = KeyPair(public, secret)

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, nothing is flushed."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.proc.wait(), WAIT)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), WAIT)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    def rss_bytes(self) -> int:
        """The server's resident memory, from the kernel's accounting."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in the process status")

    def connection(self, **overrides: Any) -> Connection:
        """A client connection pinned to this server's key."""
        assert self.keys is not None
        options: dict[str, Any] = {
            "server_key": self.keys.public,
            "key_endpoint": self.key_endpoint,
            "request_timeout": WAIT,
        }
        options.update(overrides)
        return Connection(self.endpoint, **options)


@asynccontextmanager
async def started_in(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """A server process on a new data directory under ``tmp_path``, started, and stopped
    when the block ends."""
    data = tmp_path / "server"
    data.mkdir()
    server = ServerProcess(data, free_port_pair())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
