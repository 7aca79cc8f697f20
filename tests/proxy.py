"""A TCP proxy between a client and the server, to watch the bytes or cut the line."""

import asyncio
from contextlib import suppress


class RecordingProxy:
    """A loopback TCP proxy to ``target`` that keeps every byte in each direction, and can
    cut the line: from then on nothing passes either way and nothing is closed, as when a
    network silently drops everything; and mend it again."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("tcp://").rsplit(":", 1)
        self._target = (host, int(port))
        self.upstream = bytearray()  # client to server
        self.downstream = bytearray()  # server to client
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task] = set()
        self.endpoint = ""
        self.dropped = 0  # bytes that came while the line was cut, which went nowhere
        self._cut = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.endpoint = f"tcp://127.0.0.1:{port}"

    def cut(self) -> None:
        """Stop passing bytes, in both directions and on new connections, closing nothing."""
        self._cut.set()

    def mend(self) -> None:
        """Let bytes pass again. The connections held while cut are closed, as a network
        that comes back finds them gone; new ones pass."""
        self._cut.clear()
        for task in self._pipes:
            task.cancel()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        if self._cut.is_set():
            await self._cut_off(client_w)
            return
        server_r, server_w = await asyncio.open_connection(*self._target)
        pipes = [
            asyncio.ensure_future(self._pipe(client_r, server_w, self.upstream)),
            asyncio.ensure_future(self._pipe(server_r, client_w, self.downstream)),
        ]
        self._pipes.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        for writer in (client_w, server_w):
            writer.close()

    async def _cut_off(self, writer: asyncio.StreamWriter) -> None:
        """Hold a connection open without a byte passing, until the proxy stops."""
        task = asyncio.current_task()
        if task is not None:
            self._pipes.add(task)
        try:
            await asyncio.Event().wait()
        finally:
            writer.close()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, log: bytearray
    ):
        with suppress(ConnectionError):
            while data := await reader.read(65536):
                if self._cut.is_set():
                    self.dropped += len(data)
                    await self._cut_off(writer)
                    return
                log += data
                writer.write(data)
                await writer.drain()
        with suppress(OSError):
            writer.close()

    def seen(self) -> bytes:
        return bytes(self.upstream) + b"\n" + bytes(self.downstream)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._pipes:
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
