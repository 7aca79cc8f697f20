"""The desktop side of ``tidings-bench attachments``: files through the real client core.

``python -m desktop.bench files --endpoint E --server-key=K --megabytes N``
    Against a running server: a sender's and a receiver's desktop profiles, each with its
    real sync engine and cache. Measured: taking an N MB file in (copied into the profile and
    hashed) and making a thumbnail of a 12-megapixel photo, the upload from queueing until
    the server acknowledged the message, and the receiver's download, each in seconds and
    MB/s, so they can be set beside what the server does for a bare protocol client.
"""

import asyncio
import hashlib
import os
import time
import uuid
from pathlib import Path
from typing import Any

from PIL import Image

from desktop.cache.views import MessageView
from desktop.core.account import open_engine, sign_in
from desktop.core.engine import SyncEngine
from desktop.core.events import AppEvent, MessageAdded, MessageUpdated
from desktop.core.profile import Profile
from desktop.core.thumbnails import describe
from desktop.platform.credentials import CredentialStore
from shared.keys import fingerprint

MB = 1000 * 1000
PHOTO = (4000, 3000)  # a 12-megapixel phone photo
TIMEOUT = 600.0  # secs any one phase may take before the run counts as failed


async def files(
    endpoint: str,
    server_key: str,
    key_endpoint: str,
    megabytes: int,
    workdir: Path,
    credentials: CredentialStore,
    password: str,
) -> dict[str, Any]:
    """Send a file of ``megabytes`` from one desktop profile to another and download it."""
    tag = uuid.uuid4().hex[:8]  # fresh names, so runs against one server do not collide
    sender, receiver = f"sender-{tag}", f"receiver-{tag}"

    async def device(user: str) -> SyncEngine:
        profile: Profile = await sign_in(
            workdir / user, endpoint, user, password, "desktop", create_account=True,
            credentials=credentials, key_endpoint=key_endpoint,
            trust=lambda _server, offered: offered == fingerprint(server_key),
        )  # fmt: skip
        engine = open_engine(profile, credentials)
        await engine.start()
        await engine.wait_caught_up(60.0)
        return engine

    alice, bob = await device(sender), await device(receiver)
    try:
        channel = (await alice.open_direct(receiver)).id
        big = random_file(workdir / "big.bin", megabytes * MB)
        photo = workdir / "photo.jpg"
        Image.effect_noise(PHOTO, 64).convert("RGB").save(photo, quality=90)
        result = {"megabytes": megabytes, **_thumbnail_figures(photo)}
        result.update(await _send(alice, bob, channel, big))
        return result
    finally:
        for engine in (alice, bob):
            await engine.stop()
            engine.cache.close()


async def _send(alice: SyncEngine, bob: SyncEngine, channel: int, big: Path) -> dict[str, Any]:
    size = big.stat().st_size
    sent, arrived = asyncio.Event(), asyncio.Event()
    queued: list[MessageView] = []

    def on_sent(event: AppEvent) -> None:
        m = event.message if isinstance(event, MessageUpdated) else None
        if m is not None and queued and m.client_id == queued[0].client_id and m.seq:
            sent.set()

    def on_arrived(event: AppEvent) -> None:
        if isinstance(event, MessageAdded) and event.message.attachments:
            arrived.set()

    alice.subscribe(on_sent)
    bob.subscribe(on_arrived)
    start = time.perf_counter()
    queued.append(await alice.send_files(channel, "", [big]))
    taken = time.perf_counter()
    await asyncio.wait_for(sent.wait(), TIMEOUT)
    uploaded = time.perf_counter()
    await asyncio.wait_for(arrived.wait(), TIMEOUT)
    [message] = [m for m in bob.cache.messages(channel) if m.attachments]
    assert message.seq is not None
    before = time.perf_counter()
    path = await bob.download(channel, message.seq)
    downloaded = time.perf_counter()
    if file_sha256(path) != file_sha256(big):
        raise RuntimeError("the downloaded file differs from the one sent")
    return {
        "take_in_s": taken - start,
        "upload_s": uploaded - taken,
        "upload_mb_per_s": size / MB / (uploaded - taken),
        "download_s": downloaded - before,
        "download_mb_per_s": size / MB / (downloaded - before),
    }


def _thumbnail_figures(photo: Path) -> dict[str, Any]:
    start = time.perf_counter()
    facts = describe(photo, photo.name)
    return {
        "thumbnail_ms": (time.perf_counter() - start) * 1000,
        "thumbnail_bytes": len(facts.thumbnail),
    }


def random_file(path: Path, size: int) -> Path:
    """A file of ``size`` random bytes (which no compression or deduplication shortens),
    written a megabyte at a time."""
    with path.open("wb") as f:
        for start in range(0, size, 1 << 20):
            f.write(os.urandom(min(1 << 20, size - start)))
    return path


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
