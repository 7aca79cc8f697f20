"""Moving files with raw protocol requests, as a client would (docs/protocol.md,
"Attachments"): at most ``MAX_CHUNKS_IN_FLIGHT`` chunk requests unanswered."""

import asyncio
import hashlib
from collections.abc import Awaitable

from shared import limits
from shared.protocol import (
    Attachment,
    Download,
    FileChunk,
    ReplyT,
    Request,
    Send,
    UploadBegin,
    UploadChunk,
    UploadState,
)
from tests.support import TestClient, new_id

CHUNK = limits.MAX_CHUNK_BYTES


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachment(data: bytes, name: str = "notes.txt", mime: str = "text/plain") -> Attachment:
    return Attachment(sha256=sha256_of(data), size=len(data), name=name, mime=mime)


async def begin(client: TestClient, data: bytes, name: str = "notes.txt") -> UploadState:
    return await client.request(UploadBegin(sha256=sha256_of(data), size=len(data), name=name))


async def send_chunks(
    client: TestClient, data: bytes, start: int = 0, end: int | None = None
) -> UploadState:
    """Send ``data[start:end]`` in chunks, a few in flight; the last state the server gave."""
    sha256 = sha256_of(data)
    offsets = range(start, len(data) if end is None else end, CHUNK)
    chunks = (UploadChunk(sha256=sha256, offset=o, data=data[o : o + CHUNK]) for o in offsets)
    states: list[UploadState] = await _pipelined(client, chunks)
    return max(states, key=lambda s: s.stored)


async def upload(client: TestClient, data: bytes, name: str = "notes.txt") -> UploadState:
    """The whole file, from where the server's upload stands."""
    state = await begin(client, data, name)
    if state.complete:
        return state
    return await send_chunks(client, data, state.stored)


async def download(client: TestClient, sha256: str, size: int) -> bytes:
    """The whole stored file, checked against its hash."""
    requests = (Download(sha256=sha256, offset=o) for o in range(0, max(size, 1), CHUNK))
    chunks: list[FileChunk] = await _pipelined(client, requests)
    data = b"".join(c.data for c in sorted(chunks, key=lambda c: c.offset))
    assert sha256_of(data) == sha256
    return data


async def _pipelined(client: TestClient, requests) -> list:
    """Every request's reply, keeping ``MAX_CHUNKS_IN_FLIGHT`` of them in flight."""
    slots = asyncio.Semaphore(limits.MAX_CHUNKS_IN_FLIGHT)

    async def one(req: Request[ReplyT]) -> ReplyT:
        try:
            return await client.request(req)
        finally:
            slots.release()

    tasks: list[Awaitable] = []
    for req in requests:
        await slots.acquire()  # the next request leaves when an answer came
        tasks.append(asyncio.ensure_future(one(req)))
    return list(await asyncio.gather(*tasks))


async def send_file(
    client: TestClient, channel: int, data: bytes, name: str = "notes.txt", text: str = ""
) -> int:
    """Upload ``data`` and send it in a message; the message's seq."""
    assert (await upload(client, data, name)).complete
    sent = await client.request(
        Send(channel=channel, client_id=new_id(), text=text, attachments=[attachment(data, name)])
    )
    return sent.seq
