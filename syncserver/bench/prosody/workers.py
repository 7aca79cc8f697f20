"""What runs in the Prosody side's client processes: one asyncio loop each, driven through a
pipe as the Tidings side's workers are (``syncserver/bench/workers.py``), answering "ready"
once every client has a session.

Message bodies are the Tidings side's texts: ``"benchmark message"`` in ``flood``, and
``"TAG NUMBER SENT_NS"`` in the paced runs, where SENT_NS is ``time.monotonic_ns()``, the clock
every process on the machine shares."""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from syncserver.bench.prosody.client import XmppClient
from syncserver.bench.prosody.server import PASSWORD

CONNECTING = 10  # sessions set up at once by a worker (each costs Prosody a password hash)
PACE_S = 0.001  # the pacing granularity of a steady sender, as on the Tidings side
FLOOD_TEXT = "benchmark message"

Arrival = tuple[int, int, int]  # message number, sent at, received at (ns)


def flood(port: int, lanes: list[tuple[str, str]], commands: Connection) -> None:
    """Each (user, partner) lane keeps ``window`` messages on their way to the partner (sent,
    not yet delivered: Prosody acknowledges nothing), sending more as soon as some arrive.
    Both ends of every lane are clients of this worker. ("run", seconds, window, drain_s)
    answers with the counts once everything sent was delivered or ``drain_s`` passed."""
    asyncio.run(_flood(port, lanes, commands))


def send_steadily(
    port: int, lanes: list[tuple[str, str]], room: str | None, commands: Connection
) -> None:
    """Clients that send at a given total rate, round robin over their (user, to) lanes;
    with a ``room``, they enter it and send to it. ("run", tag, rate, seconds) answers once
    every message was written, with the number sent and when the first was."""
    asyncio.run(_send_steadily(port, lanes, room, commands))


def receive(port: int, users: list[str], room: str | None, commands: Connection) -> None:
    """Clients that record every message that comes to them (having entered ``room`` if
    given). ("collect", tag, expected, timeout) answers with the arrivals of ``tag`` once
    ``expected`` came or the timeout passed; ("stop",) ends the worker."""
    asyncio.run(_receive(port, users, room, commands))


class _Inbox:
    """The coordinator's commands, read without blocking the loop."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.queue: asyncio.Queue[tuple] = asyncio.Queue()
        asyncio.get_running_loop().add_reader(pipe.fileno(), self._read)

    def _read(self) -> None:
        while self.pipe.poll():
            self.queue.put_nowait(self.pipe.recv())

    async def next(self) -> tuple:
        return await self.queue.get()

    def answer(self, value: Any) -> None:
        self.pipe.send(value)


async def _connect_all(
    port: int, users: list[str], room: str | None = None
) -> dict[str, XmppClient]:
    """Sessions for ``users``, at most ``CONNECTING`` being set up at a time."""
    gate = asyncio.Semaphore(CONNECTING)

    async def one(user: str) -> XmppClient:
        async with gate:
            client = await XmppClient.connect(port, user, PASSWORD)
            if room is not None:
                await client.join(room)
            return client

    clients = await asyncio.gather(*(one(u) for u in users))
    return {c.user: c for c in clients}


async def _close_all(clients: dict[str, XmppClient]) -> None:
    await asyncio.gather(*(c.close() for c in clients.values()))


class _Flood:
    """The lanes of ``flood``: what each user sent and was delivered, and the windows."""

    def __init__(self, clients: dict[str, XmppClient], lanes: list[tuple[str, str]]) -> None:
        self.clients = clients
        self.lanes = lanes
        self.sent = dict.fromkeys(clients, 0)
        self.delivered = dict.fromkeys(clients, 0)
        self.total_delivered = 0
        self.arrived = {user: asyncio.Event() for user in clients}  # for the partner's lane
        self.running = False
        self.all_delivered = asyncio.Event()  # set once sending stopped and all arrived

    def count(self, client: XmppClient, bodies: list[bytes], _: int) -> None:
        self.delivered[client.user] += len(bodies)
        self.total_delivered += len(bodies)
        self.arrived[client.user].set()
        if not self.running and self.total_delivered >= sum(self.sent.values()):
            self.all_delivered.set()

    async def run(self, seconds: float, window: int, drain_s: float) -> dict:
        """Sends for ``seconds``, then waits up to ``drain_s`` for the last deliveries."""
        self.running = True
        tasks = [asyncio.create_task(self._lane(u, p, window)) for u, p in self.lanes]
        before = self.total_delivered
        await asyncio.sleep(seconds)  # the measured window
        in_window = self.total_delivered - before
        self.running = False
        for event in self.arrived.values():
            event.set()  # a lane waiting for deliveries sees that the run is over
        await asyncio.gather(*tasks)
        if self.total_delivered < sum(self.sent.values()):
            with contextlib.suppress(TimeoutError):  # the coordinator sees fewer delivered
                await asyncio.wait_for(self.all_delivered.wait(), drain_s)
        return {
            "sent": sum(self.sent.values()),
            "delivered": self.total_delivered,
            "in_window": in_window,
        }

    async def _lane(self, user: str, partner: str, window: int) -> None:
        client, to = self.clients[user], self.clients[partner].jid
        while self.running:
            room = window - (self.sent[user] - self.delivered[partner])
            if room > 0:
                client.send(to, "chat", [FLOOD_TEXT] * room)
                self.sent[user] += room
                await client.drain()
            else:
                self.arrived[partner].clear()
                await self.arrived[partner].wait()


async def _flood(port: int, lanes: list[tuple[str, str]], commands: Connection) -> None:
    inbox = _Inbox(commands)
    clients = await _connect_all(port, [user for user, _ in lanes])
    flood = _Flood(clients, lanes)
    for client in clients.values():
        client.listen(flood.count)
    inbox.answer("ready")
    _, seconds, window, drain_s = await inbox.next()
    inbox.answer(await flood.run(seconds, window, drain_s))
    await inbox.next()  # ("stop",)
    await _close_all(clients)


async def _send_steadily(
    port: int, lanes: list[tuple[str, str]], room: str | None, commands: Connection
) -> None:
    inbox = _Inbox(commands)
    clients = await _connect_all(port, [user for user, _ in lanes], room)
    kind = "groupchat" if room is not None else "chat"
    targets = [(clients[user], to) for user, to in lanes]
    for client in clients.values():
        client.listen(_ignore)  # a room sends the sender its own messages too
    inbox.answer("ready")
    while (command := await inbox.next())[0] != "stop":
        _, tag, rate, seconds = command
        inbox.answer(await _paced(targets, kind, tag, rate, seconds))
    await _close_all(clients)


async def _paced(
    targets: list[tuple[XmppClient, str]], kind: str, tag: str, rate: float, seconds: float
) -> dict:
    total = int(rate * seconds)
    sent = 0
    start_ns = time.monotonic_ns()
    while sent < total:
        due = min(total, int((time.monotonic_ns() - start_ns) * rate / 1e9) + 1)
        written = set()
        while sent < due:
            client, to = targets[sent % len(targets)]
            sent += 1
            client.send(to, kind, [f"{tag} {sent} {time.monotonic_ns()}"])
            written.add(client)
        await asyncio.gather(*(c.drain() for c in written))
        await asyncio.sleep(PACE_S)
    return {"sent": sent, "start_ns": start_ns}


def _ignore(client: XmppClient, bodies: list[bytes], now: int) -> None:
    pass


@dataclass
class _Arrivals:
    """Messages received, by tag, and a waiter for a number of them."""

    by_tag: dict[str, list[Arrival]] = field(default_factory=dict)
    waiting: tuple[str, int, asyncio.Event] | None = None

    def record(self, _: XmppClient, bodies: list[bytes], now: int) -> None:
        for body in bodies:
            tag, number, sent = body.split()
            self.by_tag.setdefault(tag.decode(), []).append((int(number), int(sent), now))
        if self.waiting is not None:
            tag_wanted, expected, event = self.waiting
            if len(self.by_tag.get(tag_wanted, [])) >= expected:
                event.set()

    async def collect(self, tag: str, expected: int, timeout: float) -> list[Arrival]:
        """The arrivals of ``tag`` once ``expected`` came, or what came by ``timeout``."""
        event = asyncio.Event()
        self.waiting = (tag, expected, event)
        if len(self.by_tag.get(tag, [])) < expected:
            with contextlib.suppress(TimeoutError):  # the coordinator sees fewer than expected
                await asyncio.wait_for(event.wait(), timeout)
        self.waiting = None
        return self.by_tag.pop(tag, [])


async def _receive(port: int, users: list[str], room: str | None, commands: Connection) -> None:
    inbox = _Inbox(commands)
    clients = await _connect_all(port, users, room)
    arrivals = _Arrivals()
    for client in clients.values():
        client.listen(arrivals.record)
    inbox.answer("ready")
    while (command := await inbox.next())[0] != "stop":
        _, tag, expected, timeout = command
        inbox.answer(await arrivals.collect(tag, expected, timeout))
    await _close_all(clients)
