"""Write load for tests: a device sending messages without pause, and what got stored."""

import asyncio
import sqlite3
from pathlib import Path

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import Reply, Send, Sent
from tests.support import WAIT, TestClient, new_id


class Sender:
    """Sends numbered messages on several requests at once until stopped, and records the
    text of each one acknowledged, in the order the acknowledgements came."""

    def __init__(self, client: TestClient, channel: int, lanes: int = 4) -> None:
        self.client = client
        self.channel = channel
        self.acked: list[str] = []
        self.progress = asyncio.Event()
        self._stopping = False
        self._count = 0
        self._tasks = [asyncio.create_task(self._lane()) for _ in range(lanes)]

    async def _lane(self) -> None:
        while not self._stopping:
            self._count += 1
            text = f"message {self._count}"
            reply = await self._send(Send(channel=self.channel, client_id=new_id(), text=text))
            assert isinstance(reply, Sent)
            self.acked.append(text)
            self.progress.set()

    async def _send(self, send: Send) -> Reply:
        """Send, waiting out the server's request budget as the app does: the same send
        again after the ``retry_after`` it names."""
        while True:
            try:
                return await self.client.request(send)
            except ProtocolError as e:
                if e.code != ErrorCode.RATE_LIMITED:
                    raise
                await asyncio.sleep(e.retry_after or 0.0)

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            while len(self.acked) < count:
                self.progress.clear()
                await self.progress.wait()

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.gather(*self._tasks)


def stored_texts(database: Path) -> list[str]:
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT text FROM event WHERE kind = 'message' ORDER BY pos")
        return [row[0] for row in rows]
    finally:
        db.close()
