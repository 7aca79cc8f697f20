"""What runs in a benchmark's client processes. Each worker is its own process with its own
ZeroMQ context and blocking sockets (see ``device.py``), so clients and server never share an
interpreter and the clients spend as little CPU per message as they can.

Timestamps are ``time.monotonic_ns()``: on Linux every process reads the same clock, so a
send time written into a message by one worker can be compared with the receive time in
another."""

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import zmq

from shared.protocol import (
    FEATURE_BUNDLES,
    Error,
    EventPush,
    Heartbeat,
    HeartbeatAck,
    ReceiptPush,
    Send,
    Sent,
    Sync,
    SyncPage,
    Welcome,
)
from syncserver.bench.device import DeviceCredentials, PlacedDevice, RawDevice, Target

POLL_MS = 1  # the pacing granularity of a steady sender
# Thousands of sockets are swept with non-blocking receives: a poller would pass every one of
# them to the kernel on each call.
SWEEP_PAUSE = 0.01  # secs between sweeps
HELLO_TIMEOUT = 300.0  # secs for every device of a worker to be greeted
CONFIRM_DELAY = (0.5, 1.0)  # secs from a push to confirming it, as the app waits (at random)
RECEIPTS_WAIT = 2.0  # secs a sender goes on counting receipts after a run


def _open(placed: Iterable[PlacedDevice]) -> tuple[zmq.Context, list[RawDevice]]:
    """Devices connected (each to its own node) and greeted in parallel: each says hello
    before any waits. Each reads what the app reads (receipts, bundles), and bundles what it
    sends together where the server reads bundles, as the app does."""
    placed = list(placed)
    ctx = zmq.Context()
    ctx.set(zmq.MAX_SOCKETS, len(placed) + 64)
    devices = [RawDevice(ctx, p.target, p.creds) for p in placed]
    waiting = {d: d.send_hello(tolerant=True) for d in devices}
    deadline = time.monotonic() + HELLO_TIMEOUT
    while waiting:
        if time.monotonic() > deadline:
            _timeout("hello", len(waiting))
        time.sleep(SWEEP_PAUSE)
        for d in list(waiting):
            for message in d.drain():
                if d in waiting and getattr(message, "rid", None) == waiting[d]:
                    if isinstance(message, Error):
                        raise RuntimeError(f"hello refused: {message.message}")
                    if isinstance(message, Welcome):
                        d.cursor = message.sync_cursor
                        d.bundles = FEATURE_BUNDLES in message.features
                    del waiting[d]
    return ctx, devices


def _timeout(what: str, left: int) -> list:
    raise TimeoutError(f"{left} devices got no answer to {what}")


def _poller(devices: list[RawDevice]) -> zmq.Poller:
    poller = zmq.Poller()
    for d in devices:
        poller.register(d.sock, zmq.POLLIN)
    return poller


def _close(ctx: zmq.Context, devices: list[RawDevice]) -> None:
    for d in devices:
        d.close()
    ctx.term()


def flood(devices: list[tuple[PlacedDevice, int]], commands) -> None:
    """Each (device, channel) keeps a window of sends in flight, sending the next as soon as
    one is acknowledged. ("run", seconds, window) answers with the counts."""
    ctx, devs = _open(p for p, _ in devices)
    lanes = {d.sock: (d, channel) for d, (_, channel) in zip(devs, devices, strict=True)}
    poller = _poller(devs)
    commands.send("ready")
    _, seconds, window = commands.recv()

    def send(d: RawDevice, channel: int, count: int) -> None:
        text = "benchmark message"
        d.send_many(
            [Send(channel=channel, client_id=d.next_client_id(), text=text) for _ in range(count)]
        )

    for d, channel in lanes.values():
        send(d, channel, window)
    acked = refused = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for sock, _ in poller.poll(100):
            d, channel = lanes[sock]
            answered = 0
            for message in d.drain():
                if isinstance(message, Sent):
                    acked += 1
                elif isinstance(message, Error):
                    refused += 1
                else:
                    continue
                answered += 1
            if answered:  # as many new sends, made together as an app's outbox makes them
                send(d, channel, answered)
    commands.send({"acked": acked, "refused": refused})
    commands.recv()
    _close(ctx, devs)


@dataclass
class _Arrivals:
    """Messages received, by tag: (message number, sent at, received at) in ns."""

    by_tag: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)

    def record(self, text: str, now: int) -> None:
        tag, number, sent = text.split()
        self.by_tag.setdefault(tag, []).append((int(number), int(sent), now))


def receive(placed: list[PlacedDevice], commands) -> None:
    """Devices that record every message pushed to them. Commands on the pipe:
    ("collect", tag, expected, timeout): answer with the arrivals of ``tag`` once
    ``expected`` have come (or the timeout passed); ("stop",)."""
    _receive(placed, commands, None)


def receive_and_confirm(placed: list[PlacedDevice], commands) -> None:
    """``receive``, by devices that read tolerantly and confirm what was pushed to them
    as the app does: ``CONFIRM_DELAY`` after a push, a sync from the device's cursor (which
    brings the pushed events again), then a heartbeat confirming where that ended."""
    _receive(placed, commands, _Confirming())


class _Confirming:
    """Each device's confirmation in progress: due at a time, or a sync in flight."""

    def __init__(self) -> None:
        self.due: dict[RawDevice, float] = {}
        self.syncing: dict[RawDevice, int] = {}  # the sync's request id

    def pushed(self, d: RawDevice) -> None:
        if d not in self.due and d not in self.syncing:
            self.due[d] = time.monotonic() + random.uniform(*CONFIRM_DELAY)

    def answered(self, d: RawDevice, page: SyncPage) -> None:
        if self.syncing.get(d) != page.rid:
            return
        del self.syncing[d]
        d.cursor = page.next
        if page.more:
            self.syncing[d] = d.send(Sync(after=d.cursor, limit=1000))
        else:
            d.send(Heartbeat(cursor=d.cursor))

    def start_due(self) -> None:
        now = time.monotonic()
        for d in [d for d, at in self.due.items() if at <= now]:
            del self.due[d]
            self.syncing[d] = d.send(Sync(after=d.cursor, limit=1000))


def _receive(placed: list[PlacedDevice], commands, confirming: "_Confirming | None") -> None:
    ctx, devs = _open(placed)
    by_sock = {d.sock: d for d in devs}
    poller = _poller(devs)
    arrivals = _Arrivals()
    commands.send("ready")
    pending: tuple[str, int, float] | None = None
    while True:
        for sock, _ in poller.poll(10):
            d = by_sock[sock]
            for message in d.drain():
                if isinstance(message, EventPush):
                    arrivals.record(message.event.text, time.monotonic_ns())
                    if confirming is not None:
                        confirming.pushed(d)
                elif isinstance(message, SyncPage) and confirming is not None:
                    confirming.answered(d, message)
        if confirming is not None:
            confirming.start_due()
        if pending is None and commands.poll():
            command = commands.recv()
            if command[0] == "stop":
                break
            _, tag, expected, timeout = command
            pending = (tag, expected, time.monotonic() + timeout)
        if pending is not None:
            tag, expected, until = pending
            got = arrivals.by_tag.get(tag, [])
            if len(got) >= expected or time.monotonic() > until:
                commands.send(arrivals.by_tag.pop(tag, []))
                pending = None
    _close(ctx, devs)


def send_steadily(devices: list[tuple[PlacedDevice, int]], commands) -> None:
    """Devices that send at a given total rate, round robin, each message carrying its tag,
    number and send time. Commands: ("run", tag, rate, seconds) answers with a dict of
    counts once every send was acknowledged or refused; ("stop",)."""
    _send_steadily(devices, commands, receipts=False)


def send_steadily_with_receipts(devices: list[tuple[PlacedDevice, int]], commands) -> None:
    """``send_steadily``, waiting after each run for its messages' receipts, counted as
    ``receipts``."""
    _send_steadily(devices, commands, receipts=True)


def _send_steadily(devices: list[tuple[PlacedDevice, int]], commands, receipts: bool) -> None:
    ctx, devs = _open(p for p, _ in devices)
    lanes = [(d, channel) for d, (_, channel) in zip(devs, devices, strict=True)]
    poller = _poller(devs)
    commands.send("ready")
    while True:
        command = commands.recv()
        if command[0] == "stop":
            break
        _, tag, rate, seconds = command
        counts = _paced_run(lanes, poller, tag, rate, seconds)
        if receipts:  # the last messages' receipts come once their readers confirmed them
            counts["receipts"] += _count_receipts([d for d, _ in lanes], poller, RECEIPTS_WAIT)
        commands.send(counts)
    _close(ctx, devs)


def _count_receipts(devs: list[RawDevice], poller: zmq.Poller, seconds: float) -> int:
    """Receipt pushes that arrive within ``seconds``."""
    by_sock = {d.sock: d for d in devs}
    count = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for sock, _ in poller.poll(10):
            count += sum(isinstance(m, ReceiptPush) for m in by_sock[sock].drain())
    return count


def _paced_run(
    lanes: list[tuple[RawDevice, int]], poller: zmq.Poller, tag: str, rate: float, seconds: float
) -> dict:
    by_sock = {d.sock: d for d, _ in lanes}
    total = int(rate * seconds)
    sent = acked = refused = receipts = 0
    start = time.monotonic()
    while acked + refused < total:
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            d, channel = lanes[sent % len(lanes)]
            sent += 1
            text = f"{tag} {sent} {time.monotonic_ns()}"
            d.send(Send(channel=channel, client_id=d.next_client_id(), text=text))
        for sock, _ in poller.poll(POLL_MS):
            for message in by_sock[sock].drain():
                if isinstance(message, Sent):
                    acked += 1
                elif isinstance(message, Error):
                    refused += 1
                elif isinstance(message, ReceiptPush):
                    receipts += 1
        if time.monotonic() - start > seconds + 60:
            break
    elapsed = time.monotonic() - start
    counts = {"sent": sent, "acked": acked, "refused": refused, "receipts": receipts}
    return {**counts, "seconds": elapsed}


def idle(placed: list[PlacedDevice], interval: float, commands) -> None:
    """Connected devices that only send heartbeats, spread evenly over ``interval``.
    Answers "ready" once all said hello; ("count",) answers with the heartbeats sent and
    acknowledged so far."""
    ctx, devs = _open(placed)
    commands.send("ready")
    beats = acks = 0
    step = interval / len(devs)
    start = time.monotonic()
    while True:
        due = int((time.monotonic() - start) / step)
        while beats < due:
            devs[beats % len(devs)].send(Heartbeat())
            beats += 1
        for d in devs:
            acks += sum(isinstance(m, HeartbeatAck) for m in d.drain())
        if commands.poll(SWEEP_PAUSE):
            if commands.recv()[0] == "stop":
                break
            commands.send({"heartbeats": beats, "acks": acks})
    _close(ctx, devs)


def echo_clients(
    target: Target, creds: list[DeviceCredentials], seconds: float, window: int, go, out
) -> None:
    """The baseline's clients: raw DEALERs pipelining ``window`` frames each to the echo
    server. Puts the number of echoes."""
    ctx = zmq.Context()
    devs = [RawDevice(ctx, target, c) for c in creds]
    poller = _poller(devs)
    frame = [b"tidings/1", b"x" * 100]
    go.wait()
    for d in devs:
        for _ in range(window):
            d.sock.send_multipart(frame)
    echoes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for sock, _ in poller.poll(100):
            while True:
                try:
                    sock.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                echoes += 1
                sock.send_multipart(frame)
    _close(ctx, devs)
    out.put(echoes)


def echo_latency(
    target: Target, creds: DeviceCredentials, rate: float, seconds: float, out
) -> None:
    """The baseline's latency: one raw DEALER sending ``rate`` frames a second to the echo
    server; puts the round-trip times in ms."""
    ctx = zmq.Context()
    device = RawDevice(ctx, target, creds)
    device.sock.send_multipart([b"tidings/1", b"warm up"])
    device.sock.recv_multipart()
    times = []
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        pause = start + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sent = time.monotonic_ns()
        device.sock.send_multipart([b"tidings/1", b"x" * 100])
        device.sock.recv_multipart()
        times.append((time.monotonic_ns() - sent) / 1e6)
    _close(ctx, [device])
    out.put(times)


def echo_server(endpoint: str, public_key: str, secret_key: str, ready) -> None:
    """The baseline: a blocking CURVE ROUTER that sends every frame straight back, draining
    what is queued before waiting again. Runs until its process is terminated."""
    sock = curve_router(zmq.Context(), endpoint, public_key, secret_key)
    ready.set()
    while True:
        frames = sock.recv_multipart()
        while True:
            sock.send_multipart(frames)
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break


def curve_router(ctx: zmq.Context, endpoint: str, public_key: str, secret_key: str) -> zmq.Socket:
    """A bare CURVE ROUTER bound to ``endpoint``, for the raw figures runs are compared to."""
    sock: zmq.Socket = ctx.socket(zmq.ROUTER)
    sock.curve_server = True
    sock.curve_publickey, sock.curve_secretkey = public_key.encode(), secret_key.encode()
    sock.bind(endpoint)
    return sock
