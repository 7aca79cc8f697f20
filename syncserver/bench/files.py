"""``tidings-bench attachments``: files through the server, against raw ZeroMQ.

Measured: the upload and the download of one large file, and of many small ones, by one
device keeping ``MAX_CHUNKS_IN_FLIGHT`` chunk requests in flight, each as a ratio to a raw
CURVE DEALER moving frames of the same size to and from a bare ROUTER between the same kind
of processes; and the server's memory while ten devices upload a large file each at once,
then download it, and while one device asks for chunks without reading them.

File bytes are made chunk by chunk from a seed (``_chunk``), so no process holds a whole
file and every device's file differs (the server would store identical ones once).
"""

import hashlib
import multiprocessing
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import zmq

from shared import limits
from shared.errors import ErrorCode
from shared.keys import KeyPair
from shared.protocol import (
    Download,
    Error,
    Reply,
    Request,
    UploadBegin,
    UploadChunk,
    UploadState,
    decode_server_message,
)
from syncserver.bench.device import DeviceCredentials, RawDevice, Target
from syncserver.bench.harness import ServerHandle, free_port_pair, new_data_dir, start_server
from syncserver.bench.seed import seed_devices
from syncserver.bench.workers import curve_router

if TYPE_CHECKING:
    from syncserver.bench.scenarios import Size

CHUNK = limits.MAX_CHUNK_BYTES
WINDOW = limits.MAX_CHUNKS_IN_FLIGHT
UPLOADERS = 10  # devices uploading at once in the memory phase
SAMPLE = 0.05  # secs between samples of the server's memory
FILE_OPTIONS = (
    *("--device-rate", "1000000"),
    *("--account-rate", "1000000"),
    *("--address-burst", "100000"),
    *("--upload-rate", "1000000"),
    *("--upload-burst", "1000000"),
    *("--user-quota-bytes", "0"),
)


def _chunk(seed: int, index: int, size: int) -> bytes:
    """Bytes ``index * CHUNK`` onwards of file ``seed`` of ``size`` bytes."""
    length = min(CHUNK, size - index * CHUNK)
    return random.Random(seed * 1_000_003 + index).randbytes(length)


def _sha256(seed: int, size: int) -> str:
    digest = hashlib.sha256()
    for index in range(_chunks(size)):
        digest.update(_chunk(seed, index, size))
    return digest.hexdigest()


def _chunks(size: int) -> int:
    return max(1, -(-size // CHUNK))


@dataclass
class _Transfer:
    """One device moving one file, a window of chunk requests at a time. A download refused
    as ``backlog_full`` is asked again once an answer came, as the app does."""

    device: RawDevice
    seed: int
    size: int
    sha256: str
    upload: bool
    next_index: int = 0
    answered_count: int = 0
    refusals: int = 0
    pending: dict[int, Request] = field(default_factory=dict)  # by request id
    refused: list[Request] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.answered_count == _chunks(self.size)

    def pump(self) -> None:
        while len(self.pending) < WINDOW and (self.refused or self.next_index < _chunks(self.size)):
            req = self.refused.pop(0) if self.refused else self._next()
            self.pending[self.device.send(req)] = req

    def _next(self) -> Request:
        offset = self.next_index * CHUNK
        self.next_index += 1
        if not self.upload:
            return Download(sha256=self.sha256, offset=offset)
        data = _chunk(self.seed, self.next_index - 1, self.size)
        return UploadChunk(sha256=self.sha256, offset=offset, data=data)

    def answered(self, reply: Reply) -> None:
        req = self.pending.pop(reply.rid)
        if isinstance(reply, Error):
            if reply.code != ErrorCode.BACKLOG_FULL:
                raise RuntimeError(f"a transfer was refused: {reply.code}: {reply.message}")
            self.refusals += 1
            self.refused.append(req)
            if self.pending:
                return  # ask again once an answer came
        else:
            self.answered_count += 1
        if self.done and self.upload and not (isinstance(reply, UploadState) and reply.complete):
            raise RuntimeError("an upload's last chunk did not complete it")
        self.pump()


def _run(transfers: list[_Transfer]) -> float:
    """Run transfers side by side to their end; the seconds it took."""
    by_socket = {t.device.sock: t for t in transfers}
    poller = zmq.Poller()
    for t in transfers:
        poller.register(t.device.sock, zmq.POLLIN)
    started = time.monotonic()
    for t in transfers:
        t.pump()
    while not all(t.done for t in transfers):
        for sock, _ in poller.poll(1000):
            transfer = by_socket[sock]
            for message in transfer.device.drain():
                if isinstance(message, Reply):
                    transfer.answered(message)
    return time.monotonic() - started


def _begin(device: RawDevice, seed: int, size: int) -> str:
    """Begin an upload of file ``seed``; its hash. Says hello again first: a device silent
    through an earlier phase is no longer signed in."""
    sha256 = _sha256(seed, size)
    device.greet()
    device.call(UploadBegin(sha256=sha256, size=size, name=f"file-{seed}.bin"))
    return sha256


class _Memory:
    """The server's peak resident memory while a block runs, sampled on a thread."""

    def __init__(self, server: ServerHandle) -> None:
        self.server = server
        self.before = server.rss_bytes()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "_Memory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(SAMPLE):
            self.peak = max(self.peak, self.server.rss_bytes())


def attachments(size: "Size") -> dict:
    """The scenario's figures (see the module's doc)."""
    raw = _raw_throughput(size)
    data_dir = new_data_dir()
    users = [f"u{i}" for i in range(UPLOADERS)]
    creds = seed_devices(data_dir, users, 1)
    server = start_server(data_dir, *FILE_OPTIONS)
    target = Target(server.endpoint, server.public_key)
    ctx = zmq.Context()
    devices = [RawDevice(ctx, target, c) for c in creds]
    try:
        figures = _one_device(devices[0], size, raw)
        figures.update(_many_devices(server, devices, size))
    finally:
        for device in devices:
            device.close()
        ctx.term()
        server.stop()
    return figures


def _one_device(device: RawDevice, size: "Size", raw: dict) -> dict:
    """Throughput of one large file and of many small ones, up and down, by one device."""
    large = size.large_file
    sha256 = _begin(device, 1, large)
    up = large / _run([_Transfer(device, 1, large, sha256, upload=True)]) / 1e6
    downloading = _Transfer(device, 1, large, sha256, upload=False)
    down = large / _run([downloading]) / 1e6
    small = [(seed, _sha256(seed, size.small_file)) for seed in range(100, 100 + size.small_files)]
    small_up = size.small_files / _upload_small(device, small, size.small_file)
    started = time.monotonic()
    for _, sha256 in small:
        device.call(Download(sha256=sha256))
    small_down = size.small_files / (time.monotonic() - started)
    return {
        "file_mb": size.large_file / 1e6,
        "upload_mb_per_s": up,
        "download_mb_per_s": down,
        "upload_ratio_to_raw": up / raw["raw_upload_mb_per_s"],
        "download_ratio_to_raw": down / raw["raw_download_mb_per_s"],
        "download_asked_again": downloading.refusals,
        "small_files": size.small_files,
        "small_uploads_per_s": small_up,
        "small_downloads_per_s": small_down,
        **raw,
    }


def _upload_small(device: RawDevice, files: list[tuple[int, str]], size: int) -> float:
    """Upload small files of one chunk each, a window of them at a time (each a begin, then
    its chunk once the begin is answered); the seconds it took."""
    waiting = list(reversed(files))
    pending: dict[int, tuple[int, str, bool]] = {}  # request id: seed, hash, is the chunk

    def begin_next() -> None:
        seed, sha256 = waiting.pop()
        rid = device.send(UploadBegin(sha256=sha256, size=size, name=f"{seed}.txt"))
        pending[rid] = (seed, sha256, False)

    started = time.monotonic()
    while waiting and len(pending) < WINDOW:
        begin_next()
    while pending:
        reply = decode_server_message(device.sock.recv_multipart()[1])
        if not isinstance(reply, Reply):
            continue
        if isinstance(reply, Error):
            raise RuntimeError(f"a small upload was refused: {reply.code}: {reply.message}")
        seed, sha256, was_chunk = pending.pop(reply.rid)
        if not was_chunk:
            chunk = UploadChunk(sha256=sha256, offset=0, data=_chunk(seed, 0, size))
            pending[device.send(chunk)] = (seed, sha256, True)
        elif waiting:
            begin_next()
    return time.monotonic() - started


def _many_devices(server: ServerHandle, devices: list[RawDevice], size: "Size") -> dict:
    """The server's memory while every device uploads a large file of its own at once,
    then downloads it; and while one device asks for chunks it does not read."""
    seeds = range(1000, 1000 + len(devices))
    shas = [_begin(d, seed, size.large_file) for d, seed in zip(devices, seeds, strict=True)]
    with _Memory(server) as uploading:
        _run(
            [
                _Transfer(d, seed, size.large_file, sha, upload=True)
                for d, seed, sha in zip(devices, seeds, shas, strict=True)
            ]
        )
    downloads = [
        _Transfer(d, seed, size.large_file, sha, upload=False)
        for d, seed, sha in zip(devices, seeds, shas, strict=True)
    ]
    with _Memory(server) as downloading:
        _run(downloads)
    with _Memory(server) as hoarding:
        refused = _hoard(server, devices[0].creds, shas[0], size)
    mib = 2**20
    return {
        "uploaders": len(devices),
        "rss_before_mb": uploading.before / mib,
        "rss_uploading_peak_mb": uploading.peak / mib,
        "rss_downloading_peak_mb": downloading.peak / mib,
        "downloads_asked_again": sum(d.refusals for d in downloads),
        "rss_unread_peak_mb": hoarding.peak / mib,
        "unread_downloads_refused": refused,
    }


def _hoard(server: ServerHandle, creds: DeviceCredentials, sha256: str, size: "Size") -> int:
    """Ask for every chunk of a file without reading, then read: how many were refused. A
    device of its own that reads nothing ahead, so that what it does not read waits at the
    server."""
    ctx = zmq.Context()
    device = RawDevice(ctx, Target(server.endpoint, server.public_key), creds, receive_ahead=1)
    try:
        device.greet()
        return _ask_unread(device, sha256, size)
    finally:
        device.close()
        ctx.term()


def _ask_unread(device: RawDevice, sha256: str, size: "Size") -> int:
    asks = _chunks(size.large_file)
    for index in range(asks):
        device.send(Download(sha256=sha256, offset=index * CHUNK))
    time.sleep(1.0)  # the server answers what it may meanwhile; nothing is read
    refused = 0
    for _ in range(asks):
        if not device.sock.poll(60_000):
            raise TimeoutError("the server did not answer every download")
        refused += isinstance(decode_server_message(device.sock.recv_multipart()[1]), Error)
    return refused


# --- the raw ZeroMQ figure ------------------------------------------------------------------


def _raw_throughput(size: "Size") -> dict:
    """MB/s of chunk-sized frames through a bare CURVE ROUTER, a window of them in flight:
    up (the ROUTER answers each with a few bytes) and down (it answers a few bytes with a
    chunk)."""
    keys = KeyPair.generate()
    endpoint = f"tcp://127.0.0.1:{free_port_pair()}"
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    server = spawn.Process(target=bulk_server, args=(endpoint, keys.public, keys.secret, ready))
    server.start()
    ready.wait(10)
    ctx = zmq.Context()
    client = KeyPair.generate()
    creds = DeviceCredentials("", 0, "", client.public, client.secret)
    device = RawDevice(ctx, Target(endpoint, keys.public), creds)
    try:
        up = _raw_pass(device, size.large_file, b"x" * CHUNK)
        down = _raw_pass(device, size.large_file, b"?")
        device.sock.send_multipart([b"stop", b""])
        server.join(10)
    finally:
        device.close()
        ctx.term()
    return {"raw_upload_mb_per_s": up, "raw_download_mb_per_s": down}


def _raw_pass(device: RawDevice, total: int, frame: bytes) -> float:
    frames = _chunks(total)
    started = time.monotonic()
    sent = received = 0
    while received < frames:
        while sent < frames and sent - received < WINDOW:
            device.sock.send_multipart([b"tidings/1", frame])
            sent += 1
        device.sock.recv_multipart()
        received += 1
    return total / (time.monotonic() - started) / 1e6


def bulk_server(endpoint: str, public_key: str, secret_key: str, ready) -> None:
    """A bare CURVE ROUTER in a process of its own, as the server is: a chunk-sized frame
    gets a few bytes back, a few bytes a chunk. Runs until told to stop."""
    ctx = zmq.Context()
    sock = curve_router(ctx, endpoint, public_key, secret_key)
    ready.set()
    chunk = b"y" * CHUNK
    for peer, tag, body in _frames(sock):
        if tag == b"stop":
            break
        sock.send_multipart([peer, tag, b"ok" if len(body) > 1 else chunk])
    sock.close(linger=0)
    ctx.term()


def _frames(sock: zmq.Socket) -> Iterator[list[bytes]]:
    while True:
        yield sock.recv_multipart()
