"""The Tidings scenarios' loads (``syncserver/bench/scenarios.py``) on Prosody. Each starts its
own Prosody with the users it needs, runs client worker processes against it and returns a
dict of figures.

Prosody acknowledges nothing (no stream management), so where a Tidings figure counts
acknowledged messages, the Prosody one counts messages delivered to their receivers."""

from syncserver.bench.prosody import workers
from syncserver.bench.prosody.config import DOMAIN, MUC_DOMAIN
from syncserver.bench.prosody.server import ProsodyServer, start_prosody
from syncserver.bench.scenarios import (
    COLLECT_TIMEOUT,
    FANOUT_RATE,
    WINDOW,
    Size,
    Workers,
    arrivals_of,
    percentile,
    receiving_workers,
    split,
    steady_then_sweep,
)

LISTENERS = 100  # the room's occupants that receive in ``fanout``, beside the one sending
ROOM = f"bench@{MUC_DOMAIN}"


def _pair_users(count: int) -> list[tuple[str, str]]:
    return [(f"a{i}", f"b{i}") for i in range(count)]


def _jid(user: str) -> str:
    return f"{user}@{DOMAIN}"


def throughput(size: Size) -> dict:
    """Every client of ``pairs`` direct chats sends to its partner as fast as Prosody
    delivers, for ``size.seconds``: messages delivered per second."""
    pairs = _pair_users(size.pairs)
    with start_prosody([u for pair in pairs for u in pair]) as server:
        # Both ends of a chat in the same worker, so that a sender sees its deliveries.
        pool = Workers(
            [
                (workers.flood, server.port, [lane for a, b in part for lane in ((a, b), (b, a))])
                for part in split(pairs)
            ]
        )
        try:
            cpu_before = server.cpu_seconds()
            for pipe in pool.pipes:
                # As many in flight per sender as the Tidings side keeps unacknowledged,
                # counted to delivery here (Prosody acknowledges nothing).
                pipe.send(("run", size.seconds, WINDOW, COLLECT_TIMEOUT))
            counts = [pool.answer(i, size.seconds + 120) for i in range(len(pool.procs))]
            cpu = server.cpu_seconds() - cpu_before
        finally:
            pool.stop()
        return {
            "clients": 2 * size.pairs,
            "delivered_per_s": sum(c["in_window"] for c in counts) / size.seconds,
            "sent": sum(c["sent"] for c in counts),
            "delivered": sum(c["delivered"] for c in counts),
            # Includes delivering what was on its way when the window closed.
            "server_cpu": cpu / size.seconds,
            "server_rss_mb": server.rss_bytes() / 2**20,
        }


def _latency_phase(
    pool: Workers, receivers_of: list[int], tag: str, rate: float, seconds: float
) -> dict:
    """One steady phase: the sender (worker 0) sends, the receivers (workers 1..) report.
    ``achieved`` is messages delivered per second from the first send to the last
    delivery, where the Tidings side counts acknowledgements."""
    counts = pool.ask(0, "run", tag, rate, seconds)
    arrivals = arrivals_of(pool, receivers_of, tag, counts["sent"])
    latencies = [(received - sent) / 1e6 for _, sent, received in arrivals]
    last = max((received for _, _, received in arrivals), default=counts["start_ns"])
    span = max(last - counts["start_ns"], 1) / 1e9
    return {
        "rate": rate,
        "achieved": len(arrivals) / span,
        "delivered": len(latencies),
        "p50_ms": percentile(latencies, 0.50) if latencies else None,
        "p99_ms": percentile(latencies, 0.99) if latencies else None,
        "p999_ms": percentile(latencies, 0.999) if latencies else None,
        "sent": counts["sent"],
    }


def latency(size: Size) -> dict:
    """Send-to-delivered time at a steady 1,000 messages/s, then the highest steady rate
    whose p99 stays under ``LATENCY_LIMIT_MS``. Senders and receivers are different
    processes."""
    pairs = _pair_users(size.pairs)
    with start_prosody([u for pair in pairs for u in pair]) as server:
        parts = split(list(enumerate(b for _, b in pairs)))
        pool = Workers(
            [(workers.send_steadily, server.port, [(a, _jid(b)) for a, b in pairs], None)]
            + [(workers.receive, server.port, [b for _, b in part], None) for part in parts]
        )
        try:
            figures, steady = steady_then_sweep(
                size, receiving_workers(parts), pool, _latency_phase
            )
        finally:
            pool.stop()
        return {**figures, "sent": steady["sent"], "delivered": steady["delivered"]}


def fanout(size: Size) -> dict:
    """One occupant of a room of ``LISTENERS`` others sends; the time until the last of them
    has each message."""
    sender, listeners = "m0", [f"m{i}" for i in range(1, LISTENERS + 1)]
    with start_prosody([sender, *listeners]) as server:
        parts = split(listeners)
        pool = Workers(
            [(workers.send_steadily, server.port, [(sender, ROOM)], ROOM)]
            + [(workers.receive, server.port, part, ROOM) for part in parts]
        )
        try:
            cpu_before = server.cpu_seconds()
            seconds = size.fanout_messages / FANOUT_RATE
            counts = pool.ask(0, "run", "fan", FANOUT_RATE, seconds)
            last: dict[int, tuple[int, int]] = {}
            deliveries = 0
            for worker, part in enumerate(parts, start=1):
                expected = counts["sent"] * len(part)
                arrivals = pool.ask(worker, "collect", "fan", expected, COLLECT_TIMEOUT)
                deliveries += len(arrivals)
                for number, sent, received in arrivals:
                    last[number] = (sent, max(received, last.get(number, (0, 0))[1]))
            cpu = server.cpu_seconds() - cpu_before
        finally:
            pool.stop()
        return _fan_out_figures(server, counts["sent"], deliveries, last, cpu / seconds)


def _fan_out_figures(
    server: ProsodyServer, sent: int, deliveries: int, last: dict[int, tuple[int, int]], cpu: float
) -> dict:
    spans = [(received - sent_at) / 1e6 for sent_at, received in last.values()]
    return {
        "listeners": LISTENERS,
        "messages": sent,
        "deliveries": deliveries,
        "expected_deliveries": sent * LISTENERS,
        "p50_ms": percentile(spans, 0.50),
        "p99_ms": percentile(spans, 0.99),
        "server_cpu": cpu,
        "server_rss_mb": server.rss_bytes() / 2**20,
    }


SCENARIOS = {"throughput": throughput, "latency": latency, "fanout": fanout}
