"""Write load for tests: a device sending messages without pause, and what got stored."""

import asyncio
import sqlite3
from pathlib import Path

from shared.protocol import Send, Sent
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
            reply = await self.client.request(
                Send(channel=self.channel, client_id=new_id(), text=text)
            )
            assert isinstance(reply, Sent)
            self.acked.append(text)
            self.progress.set()

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
