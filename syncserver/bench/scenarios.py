"""The benchmark's scenarios. Each starts its own server process on a freshly seeded data
directory (or several nodes on a scratch PostgreSQL database: ``cluster.py``), runs client
worker processes against it and returns a dict of figures."""

import json
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import zmq

from shared.keys import KeyPair
from shared.limits import HEARTBEAT_INTERVAL
from shared.protocol import ChannelReply, CreateGroup, OpenDirect
from syncserver.bench import workers
from syncserver.bench.cluster import Cluster, Servers
from syncserver.bench.device import DeviceCredentials, PlacedDevice, RawDevice, Target
from syncserver.bench.harness import free_port_pair

WORKERS = 2  # client processes by default, one per core
# Sends in flight per device in ``throughput``: enough that the server, not the round trip,
# sets the pace, and the window the Prosody side keeps (syncserver.bench.prosody).
WINDOW = 32
ECHO_WINDOW = 8  # frames in flight per client of the echo baseline, as in every earlier run
LATENCY_LIMIT_MS = 50.0  # the sweep's bar: the highest rate held with p99 under this
SWEEP = (2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000)  # messages/s
HELD = 0.95  # a rate is held when this share of it was acknowledged within the time
FANOUT_RATE = 50.0  # group messages/s: one at a time, so each measures the fan-out alone
E2E_RATE = 10.0  # messages/s typed and sent with Enter in ``desktop-e2e``: a brisk chat
COLLECT_TIMEOUT = 30.0  # secs to wait for the last pushes of a phase
# Every benchmark client comes from loopback, and each sends as fast as it can: per-device,
# per-account and per-address budgets would measure themselves instead of the server.
SERVER_OPTIONS = (
    *("--device-rate", "1000000"),
    *("--account-rate", "1000000"),
    *("--address-burst", "100000"),
)

mp = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Size:
    """How long and how big each scenario runs."""

    seconds: float  # throughput's run, and the latency steady phase
    sweep_seconds: float  # each step of the latency sweep
    pairs: int  # direct chats in throughput and latency
    fanout_messages: int
    catchup: int  # messages the offline device catches up on
    connections: int  # idle devices
    idle_seconds: float  # heartbeat phase of ``connections``
    desktop_messages: int
    desktop_channels: int
    large_file: int  # bytes of the large file in ``attachments``, and of each uploader's
    small_file: int  # bytes of each small file
    small_files: int
    e2e_messages: int  # messages sent from one app window to the other in ``desktop-e2e``


SIZES = {
    "smoke": Size(1.0, 0.5, 4, 20, 2_000, 40, 1.0, 2_000, 20, 1_000_000, 2_000, 20, 5),
    "quick": Size(
        5.0, 2.0, 50, 300, 100_000, 10_000, 10.0, 1_000_000, 200, 10**8, 10_000, 1_000, 200
    ),
    "full": Size(
        30.0, 10.0, 50, 3_000, 100_000, 10_000, 60.0, 1_000_000, 200, 10**8, 10_000, 1_000, 1_000
    ),
}


@dataclass(frozen=True)
class Setup:
    """What a run stands on beside its size: the servers, and how many client worker
    processes load them (``latency`` and ``fanout`` add one that sends)."""

    servers: Servers = field(default_factory=Servers)
    workers: int = WORKERS

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"a benchmark needs at least one worker process, not {self.workers}")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (``share`` 0.99 for p99)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def split(items: list, parts: int = WORKERS) -> list[list]:
    """``items`` dealt round robin into ``parts`` lists, one per worker process."""
    return [items[i::parts] for i in range(parts)]


class _Run:
    """Servers on freshly seeded accounts, stopped on leaving the ``with``. Each device has
    its node (``Cluster``); ``target`` is the first, for scenarios that run on one server."""

    def __init__(
        self, users: list[str], devices_per_user: int = 1, servers: Servers | None = None
    ) -> None:
        self.cluster = Cluster(servers or Servers(), users, devices_per_user, *SERVER_OPTIONS)
        self.devices = self.cluster.devices
        self.target = self.cluster.targets[0]

    def __enter__(self) -> "_Run":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cluster.stop()

    def open_directs(self, pairs: list[tuple[PlacedDevice, PlacedDevice]]) -> list[int]:
        """A direct chat for each pair, opened by its first device."""
        return [self._call(a, OpenDirect(user=b.creds.user)).channel.id for a, b in pairs]

    def create_group(self, owner: PlacedDevice, members: list[PlacedDevice]) -> int:
        names = [m.creds.user for m in members]
        reply = self._call(owner, CreateGroup(name="bench", members=names))
        assert isinstance(reply, ChannelReply)
        return reply.channel.id

    def _call(self, placed: PlacedDevice, req):
        device = RawDevice(zmq.Context.instance(), placed.target, placed.creds)
        try:
            device.greet()
            return device.call(req)
        finally:
            device.close()


def _pairs(run: _Run) -> tuple[list[tuple[PlacedDevice, int]], list[PlacedDevice]]:
    """The run's devices as direct-chat pairs: (first device, chat) lanes, second devices.
    Seeded one after the other, the two of a pair are on different nodes where there are
    several."""
    pairs = list(zip(run.devices[0::2], run.devices[1::2], strict=True))
    chats = run.open_directs(pairs)
    return [(a, chat) for (a, _), chat in zip(pairs, chats, strict=True)], [b for _, b in pairs]


def _pair_users(count: int) -> list[str]:
    return [name for i in range(count) for name in (f"a{i}", f"b{i}")]


def baseline(size: Size, setup: Setup) -> dict:
    """A raw CURVE ROUTER/DEALER echo between processes like the scenarios' own."""
    keys = KeyPair.generate()
    port = free_port_pair()
    ready = mp.Event()
    server = mp.Process(
        target=workers.echo_server,
        args=(f"tcp://127.0.0.1:{port}", keys.public, keys.secret, ready),
    )
    server.start()
    ready.wait(10)
    target = Target(f"tcp://127.0.0.1:{port}", keys.public)
    clients = [
        DeviceCredentials("", 0, "", k.public, k.secret)
        for k in (KeyPair.generate() for _ in range(2 * size.pairs))
    ]
    go, out = mp.Event(), mp.Queue()
    procs = [
        mp.Process(
            target=workers.echo_clients, args=(target, part, size.seconds, ECHO_WINDOW, go, out)
        )
        for part in split(clients, setup.workers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let the CURVE handshakes finish before the clock starts
    go.set()
    echoes = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    # Round trips at the latency scenario's steady rate: the floor for its percentiles.
    pinger = mp.Process(
        target=workers.echo_latency, args=(target, clients[0], 1_000.0, size.seconds, out)
    )
    pinger.start()
    round_trips = out.get()
    pinger.join()
    server.terminate()
    server.join()
    return {
        "echoes_per_s": echoes / size.seconds,
        "round_trip_p50_ms": percentile(round_trips, 0.50),
        "round_trip_p99_ms": percentile(round_trips, 0.99),
    }


class Workers:
    """Worker processes driven through pipes, each answering "ready" once set up."""

    def __init__(self, jobs: list[tuple]) -> None:
        self.pipes, self.procs = [], []
        for target, *args in jobs:
            mine, theirs = mp.Pipe()
            proc = mp.Process(target=target, args=(*args, theirs))
            proc.start()
            self.pipes.append(mine)
            self.procs.append(proc)
        try:
            for index in range(len(self.procs)):
                if self.answer(index, 300) != "ready":
                    raise RuntimeError("a benchmark worker failed to start")
        except BaseException:
            # The others would keep the run waiting at exit for devices that never connect.
            for proc in self.procs:
                proc.terminate()
            raise

    def ask(self, index: int, *command: Any, timeout: float = 600) -> Any:
        self.pipes[index].send(command)
        return self.answer(index, timeout)

    def answer(self, index: int, timeout: float) -> Any:
        """The worker's next answer; raises if it died or took longer than ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self.pipes[index].poll(1.0):
            if not self.procs[index].is_alive():
                raise RuntimeError("a benchmark worker died; its traceback is above")
            if time.monotonic() > deadline:
                raise TimeoutError("a benchmark worker did not answer in time")
        return self.pipes[index].recv()

    def stop(self) -> None:
        for pipe, proc in zip(self.pipes, self.procs, strict=True):
            if proc.is_alive():
                pipe.send(("stop",))
            proc.join(30)


def throughput(size: Size, setup: Setup) -> dict:
    """Every device of ``pairs`` direct chats sends as fast as acknowledgements allow. Server
    figures are of every node together."""
    with _Run(_pair_users(size.pairs), servers=setup.servers) as run:
        lanes, seconds = _pairs(run)
        both = lanes + [(b, chat) for b, (_, chat) in zip(seconds, lanes, strict=True)]
        pool = Workers([(workers.flood, part) for part in split(both, setup.workers)])
        try:
            cpu_before = run.cluster.cpu_seconds()
            loop_before = run.cluster.cpu_seconds(main_thread=True)
            for pipe in pool.pipes:
                pipe.send(("run", size.seconds, WINDOW))
            counts = [pool.answer(i, size.seconds + 120) for i in range(len(pool.procs))]
            cpu = run.cluster.cpu_seconds() - cpu_before
            loop = run.cluster.cpu_seconds(main_thread=True) - loop_before
        finally:
            pool.stop()
        return {
            "devices": 2 * size.pairs,
            "acked_per_s": sum(c["acked"] for c in counts) / size.seconds,
            "refused": sum(c["refused"] for c in counts),
            "server_cpu": cpu / size.seconds,
            "server_loop_cpu": loop / size.seconds,
            "server_rss_mb": run.cluster.rss_bytes() / 2**20,
        }


def _latency_phase(
    pool: Workers, receivers_of: list[int], tag: str, rate: float, seconds: float
) -> dict:
    """One steady phase: the sender (worker 0) sends, the receivers (workers 1..) report."""
    counts = pool.ask(0, "run", tag, rate, seconds)
    latencies = [
        (received - sent) / 1e6
        for _, sent, received in arrivals_of(pool, receivers_of, tag, counts["sent"])
    ]
    return {
        "rate": rate,
        "achieved": counts["acked"] / counts["seconds"],
        "delivered": len(latencies),
        "p50_ms": percentile(latencies, 0.50) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "p999_ms": percentile(latencies, 0.999) if latencies else None,
        "sent": counts["sent"],
        "refused": counts["refused"],
    }


def arrivals_of(
    pool: Workers, receivers_of: list[int], tag: str, sent: int
) -> list[tuple[int, int, int]]:
    """What the receiving workers (1..) got of a phase's ``sent`` messages, each (number,
    sent at, received at) in ns: the sender sent them round robin over the lanes."""
    lanes = len(receivers_of)
    arrivals = []
    for worker in range(1, len(pool.procs)):
        expected = sum(1 for k in range(sent) if receivers_of[k % lanes] == worker)
        arrivals += pool.ask(worker, "collect", tag, expected, COLLECT_TIMEOUT)
    return arrivals


def held(phase: dict) -> bool:
    """Whether a step of the sweep held its rate: ``HELD`` of it done in time (acknowledged
    here, delivered on the Prosody side), everything delivered, p99 under the limit."""
    return bool(
        phase["achieved"] >= HELD * phase["rate"]
        and phase["delivered"] == phase["sent"]
        and phase["p99_ms"] is not None
        and phase["p99_ms"] < LATENCY_LIMIT_MS
    )


def latency(size: Size, setup: Setup) -> dict:
    """Send-to-delivered time at a steady 1,000 messages/s, then the highest steady rate
    whose p99 stays under ``LATENCY_LIMIT_MS``. Senders and receivers are different
    processes (and on different nodes, where there are several)."""
    with _Run(_pair_users(size.pairs), servers=setup.servers) as run:
        lanes, receivers = _pairs(run)
        parts = split(list(enumerate(receivers)), setup.workers)
        pool = Workers(
            [(workers.send_steadily, lanes)]
            + [(workers.receive, [c for _, c in part]) for part in parts]
        )
        try:
            figures, _ = steady_then_sweep(size, receiving_workers(parts), pool, _latency_phase)
        finally:
            pool.stop()
        return figures


Phase = Callable[[Workers, list[int], str, float, float], dict]


def receiving_workers(parts: list[list[tuple[int, Any]]]) -> list[int]:
    """For each lane, the worker that receives it: the parts of ``split`` over (lane, ...)
    pairs go to workers 1, 2, ... (worker 0 sends)."""
    receivers_of = [0] * sum(len(part) for part in parts)
    for worker, part in enumerate(parts, start=1):
        for lane, _ in part:
            receivers_of[lane] = worker
    return receivers_of


def steady_then_sweep(
    size: Size, receivers_of: list[int], pool: Workers, phase: Phase
) -> tuple[dict, dict]:
    """``latency``'s run, for either side of a comparison: the steady phase at 1,000
    messages/s, then the sweep up to the first rate not ``held``. The figures, and the
    steady phase."""
    steady = phase(pool, receivers_of, "steady", 1_000.0, size.seconds)
    sweep, highest = [], 0.0
    for step, rate in enumerate(SWEEP):
        result = phase(pool, receivers_of, f"s{step}", rate, size.sweep_seconds)
        sweep.append(result)
        if not held(result):
            break
        highest = rate
    figures = {
        "p50_ms": steady["p50_ms"],
        "p99_ms": steady["p99_ms"],
        "p999_ms": steady["p999_ms"],
        "highest_rate_p99_under_50ms": highest,
        "sweep": sweep,
    }
    return figures, steady


def fanout(size: Size, setup: Setup) -> dict:
    """One member of a 100-member group sends; the time until the last of the 99 others has
    each message. The members are spread over the nodes, where there are several."""
    return _fan_out(size, setup, workers.send_steadily, workers.receive)


def receipts(size: Size, setup: Setup) -> dict:
    """``fanout`` as the app does it with receipts: every device reads tolerantly and
    confirms what was pushed to it half a second later (a sync from its cursor, then a
    heartbeat), so the server works out each member's delivered position and pushes the
    sender its messages' receipts, coalesced."""
    return _fan_out(size, setup, workers.send_steadily_with_receipts, workers.receive_and_confirm)


def _fan_out(size: Size, setup: Setup, sender: Any, receiver: Any) -> dict:
    users = [f"m{i}" for i in range(100)]
    with _Run(users, servers=setup.servers) as run:
        owner, others = run.devices[0], run.devices[1:]
        group = run.create_group(owner, others)
        parts = split(others, setup.workers)
        pool = Workers([(sender, [(owner, group)])] + [(receiver, part) for part in parts])
        delivered = 0
        try:
            cpu_before = run.cluster.cpu_seconds()
            seconds = size.fanout_messages / FANOUT_RATE
            counts = pool.ask(0, "run", "fan", FANOUT_RATE, seconds)
            last: dict[int, tuple[int, int]] = {}
            for worker, part in enumerate(parts, start=1):
                expected = counts["sent"] * len(part)
                arrivals = pool.ask(worker, "collect", "fan", expected, COLLECT_TIMEOUT)
                delivered += len(arrivals)
                for number, sent, received in arrivals:
                    last[number] = (sent, max(received, last.get(number, (0, 0))[1]))
            cpu = run.cluster.cpu_seconds() - cpu_before
        finally:
            pool.stop()
        spans = [(received - sent) / 1e6 for sent, received in last.values()]
        return {
            "members": len(users),
            "messages": counts["sent"],
            "delivered": delivered,  # to each member: ``messages`` times the 99 others
            "p50_ms": percentile(spans, 0.50),
            "p99_ms": percentile(spans, 0.99),
            "server_cpu": cpu / counts["seconds"],
            "receipts_to_sender": counts["receipts"],
        }


def connections(size: Size, setup: Setup) -> dict:
    """As many idle devices as ``size.connections``, each sending heartbeats: server memory
    per connected device and the CPU the heartbeats cost."""
    users = [f"u{i}" for i in range(size.connections // 2)]
    with _Run(users, devices_per_user=2) as run:
        rss_before = run.cluster.rss_bytes()
        started = time.monotonic()
        parts = split(run.devices, setup.workers)
        pool = Workers([(workers.idle, part, HEARTBEAT_INTERVAL) for part in parts])
        connect_s = time.monotonic() - started
        try:
            before = [pool.ask(i, "count") for i in range(len(pool.procs))]
            cpu_before = run.cluster.cpu_seconds()
            time.sleep(size.idle_seconds)  # the measurement window: heartbeats only
            cpu = run.cluster.cpu_seconds() - cpu_before
            after = [pool.ask(i, "count") for i in range(len(pool.procs))]
            rss = run.cluster.rss_bytes()
        finally:
            pool.stop()
        devices = len(run.devices)
        beats = sum(a["heartbeats"] - b["heartbeats"] for a, b in zip(after, before, strict=True))
        acks = sum(a["acks"] - b["acks"] for a, b in zip(after, before, strict=True))
        return {
            "devices": devices,
            "connect_s": connect_s,
            "server_rss_mb": rss / 2**20,
            "kb_per_device": (rss - rss_before) / devices / 1024,
            "heartbeats_per_s": beats / size.idle_seconds,
            "heartbeat_acks_per_s": acks / size.idle_seconds,
            "server_cpu": cpu / size.idle_seconds,
        }


def catchup(size: Size) -> dict:
    """One device offline while ``size.catchup`` messages arrive in its chats: seconds from
    reconnecting until its desktop cache holds them all (``python -m desktop.bench``)."""
    with _Run([]) as run:
        return _desktop_bench(
            "catchup",
            "--endpoint",
            run.target.endpoint,
            # ``=`` keeps a Z85 key that starts with "-" from reading as an option.
            f"--server-key={run.target.public_key}",
            "--messages",
            str(size.catchup),
        )


def desktop(size: Size) -> dict:
    """The desktop app on a seeded cache: start to painted window, opening the biggest chat,
    memory (``python -m desktop.bench``)."""
    return _desktop_bench(
        "desktop",
        "--messages",
        str(size.desktop_messages),
        "--channels",
        str(size.desktop_channels),
    )


def desktop_e2e(size: Size) -> dict:
    """Two desktop app windows on one server, signed in as the two people of a direct chat
    open in both: from pressing Enter in one to the message painted in the other, at
    ``E2E_RATE`` messages/s (``python -m desktop.bench e2e``)."""
    with _Run(["alice", "bob"]) as run:
        sender, receiver = run.devices
        (chat,) = run.open_directs([(sender, receiver)])
        return _desktop_bench(
            "e2e",
            "--endpoint",
            run.target.endpoint,
            f"--server-key={run.target.public_key}",
            "--channel",
            str(chat),
            "--messages",
            str(size.e2e_messages),
            "--rate",
            str(E2E_RATE),
            # The seeded devices' credentials, on stdin: a command line is readable by all.
            given=json.dumps({"sender": asdict(sender.creds), "receiver": asdict(receiver.creds)}),
        )


def _desktop_bench(*args: str, given: str | None = None) -> dict:
    """The desktop side runs as its own program: the server package does not import the
    desktop app's. ``given`` is written to its standard input."""
    done = subprocess.run(
        [sys.executable, "-m", "desktop.bench", *args],
        input=given,
        stdout=subprocess.PIPE,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"desktop.bench {args[0]} failed; its traceback is above")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures
