"""What runs in the client processes of a benchmark. Each worker is its own process with its
own asyncio loop and ZeroMQ context, so clients and server do not share a Python interpreter."""

import asyncio
import time
import uuid
from dataclasses import dataclass

import zmq
import zmq.asyncio

from shared.client import Connection
from shared.keys import KeyPair
from shared.protocol import OpenDirect, Send, Sync

PASSWORD = "benchmark password"


@dataclass(frozen=True)
class Target:
    endpoint: str
    key_endpoint: str
    public_key: str


async def _device(target: Target, user: str, create: bool) -> Connection:
    conn = Connection(
        target.endpoint,
        server_key=target.public_key,
        key_endpoint=target.key_endpoint,
        request_timeout=60.0,
        heartbeat_interval=60.0,  # no presence traffic in the measurement
    )
    await conn.open()
    await conn.wait_ready(30.0)
    await (conn.register if create else conn.login)(user, PASSWORD, "bench")
    return conn


def echo_baseline(target: Target, clients: int, seconds: float, window: int, go, out) -> None:
    """Raw DEALER clients pipelining to the echo server; puts the number of echoes."""

    async def main() -> int:
        ctx = zmq.asyncio.Context()
        socks = []
        for _ in range(clients):
            keys = KeyPair.generate()
            sock = ctx.socket(zmq.DEALER)
            sock.curve_serverkey = target.public_key.encode()
            sock.curve_publickey, sock.curve_secretkey = keys.public.encode(), keys.secret.encode()
            sock.connect(target.endpoint)
            socks.append(sock)
        go.wait()
        deadline = time.monotonic() + seconds
        counts = await asyncio.gather(*(_echo_loop(s, deadline, window) for s in socks))
        ctx.destroy(linger=0)
        return sum(counts)

    out.put(asyncio.run(main()))


async def _echo_loop(sock, deadline: float, window: int) -> int:
    payload = b"x" * 100
    for _ in range(window):
        await sock.send_multipart([b"tidings/1", payload])
    done = 0
    while time.monotonic() < deadline:
        await sock.recv_multipart()
        done += 1
        await sock.send_multipart([b"tidings/1", payload])
    return done


def senders(
    target: Target, pairs: list[tuple[str, str]], seconds: float, window: int, go, out
) -> None:
    """Each pair registers two users with a direct chat; both send as fast as acknowledgements
    allow, ``window`` in flight each. Puts the number of acknowledged messages."""

    async def main() -> int:
        conns, chats = [], []
        for first, second in pairs:
            a = await _device(target, first, True)
            b = await _device(target, second, True)
            chat = (await a.request(OpenDirect(user=second))).channel.id
            conns += [a, b]
            chats += [chat, chat]
        out.put("ready")
        await asyncio.to_thread(go.wait)
        deadline = time.monotonic() + seconds
        counts = await asyncio.gather(
            *(_send_loop(c, chat, deadline, window) for c, chat in zip(conns, chats, strict=True))
        )
        for conn in conns:
            await conn.close()
        return sum(counts)

    out.put(asyncio.run(main()))


async def _send_loop(conn: Connection, channel: int, deadline: float, window: int) -> int:
    acked = 0

    async def one_lane() -> None:
        nonlocal acked
        while time.monotonic() < deadline:
            await conn.request(
                Send(channel=channel, client_id=uuid.uuid4().hex, text="benchmark message")
            )
            acked += 1

    await asyncio.gather(*(one_lane() for _ in range(window)))
    return acked


def catchup(target: Target, messages: int, out) -> None:
    """A device offline while ``messages`` arrive; puts the seconds from reconnecting until it
    has received all of them through its sync cursor."""

    async def main() -> float:
        sender = await _device(target, "sender", True)
        reader = await _device(target, "reader", True)
        chat = (await sender.request(OpenDirect(user="reader"))).channel.id
        credentials, keys = reader.credentials, reader.client_keys
        cursor = (await reader.request(Sync())).next
        await reader.request(Sync(after=cursor))
        await reader.close()
        lanes, per_lane = 50, messages // 50
        await asyncio.gather(*(_send_n(sender, chat, per_lane) for _ in range(lanes)))
        start = time.perf_counter()
        again = Connection(
            target.endpoint,
            server_key=target.public_key,
            key_endpoint=target.key_endpoint,
            client_keys=keys,
            credentials=credentials,
            request_timeout=60.0,
        )
        await again.open()
        await again.wait_ready(30.0)
        got, after = 0, again.welcome.sync_cursor
        while True:
            page = await again.request(Sync(after=after, limit=1000))
            got += sum(1 for e in page.events if e.kind == "message")
            after = page.next
            if not page.more:
                break
        elapsed = time.perf_counter() - start
        assert got == lanes * per_lane, f"caught up {got} of {lanes * per_lane}"
        await again.close()
        await sender.close()
        return elapsed

    out.put(asyncio.run(main()))


async def _send_n(conn: Connection, channel: int, n: int) -> None:
    for _ in range(n):
        await conn.request(Send(channel=channel, client_id=uuid.uuid4().hex, text="catch me up"))


def echo_server(endpoint: str, public_key: str, secret_key: str, ready) -> None:
    """The baseline: a blocking CURVE ROUTER that sends every frame straight back, draining
    what is queued before waiting again. Runs until its process is terminated."""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.ROUTER)
    sock.curve_server = True
    sock.curve_publickey, sock.curve_secretkey = public_key.encode(), secret_key.encode()
    sock.bind(endpoint)
    ready.set()
    while True:
        frames = sock.recv_multipart()
        while True:
            sock.send_multipart(frames)
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
