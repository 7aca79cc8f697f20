"""``tidings-bench [SCENARIO ...] [--size quick|full] [--json FILE]``

Starts a real sync server process (SQLite, CURVE on) and client worker processes on
loopback, runs the scenarios, prints a table and optionally writes the results as JSON.
Every run first measures a raw ZeroMQ ROUTER/DEALER echo (CURVE on) between the same kind of
processes, and reports throughputs also as a ratio to it, so runs on noisy machines compare.
"""

import argparse
import json
import multiprocessing
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from shared.endpoints import key_endpoint_for
from shared.keys import KeyPair
from syncserver.bench import workers
from syncserver.bench.harness import free_port_pair, start_server

SIZES = {
    "quick": {"seconds": 5.0, "pairs": 50, "catchup": 20_000},
    "full": {"seconds": 30.0, "pairs": 50, "catchup": 100_000},
}
WORKERS = 2  # client processes, one per core
WINDOW = 8  # sends in flight per device
SERVER_OPTIONS = ("--device-rate", "100000", "--address-burst", "100000")

mp = multiprocessing.get_context("spawn")


def _split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts)]


def baseline(size: dict) -> dict:
    keys = KeyPair.generate()
    endpoint = f"tcp://127.0.0.1:{free_port_pair()}"
    ready = mp.Event()
    server = mp.Process(
        target=workers.echo_server, args=(endpoint, keys.public, keys.secret, ready)
    )
    server.start()
    ready.wait(10)
    target = workers.Target(endpoint, key_endpoint_for(endpoint), keys.public)
    go, out = mp.Event(), mp.Queue()
    clients = [
        mp.Process(
            target=workers.echo_baseline, args=(target, 50, size["seconds"], WINDOW, go, out)
        )
        for _ in range(WORKERS)
    ]
    for c in clients:
        c.start()
    time.sleep(1.0)  # let the CURVE handshakes finish before the clock starts
    go.set()
    echoes = sum(out.get() for _ in clients)
    for c in clients:
        c.join()
    server.terminate()
    server.join()
    return {"echoes_per_s": echoes / size["seconds"]}


def throughput(size: dict) -> dict:
    server = start_server(*SERVER_OPTIONS)
    try:
        target = workers.Target(server.endpoint, server.key_endpoint, server.public_key)
        pairs = [(f"a{i}", f"b{i}") for i in range(size["pairs"])]
        go, out = mp.Event(), mp.Queue()
        clients = [
            mp.Process(
                target=workers.senders, args=(target, part, size["seconds"], WINDOW, go, out)
            )
            for part in _split(pairs, WORKERS)
        ]
        for c in clients:
            c.start()
        for _ in clients:
            assert out.get(timeout=300) == "ready"
        cpu_before = server.cpu_seconds()
        go.set()
        acked = sum(out.get(timeout=size["seconds"] + 120) for _ in clients)
        cpu = server.cpu_seconds() - cpu_before
        for c in clients:
            c.join()
        return {
            "devices": 2 * size["pairs"],
            "acked_per_s": acked / size["seconds"],
            "server_cpu_s_per_s": cpu / size["seconds"],
            "server_rss_mb": server.rss_bytes() / 2**20,
        }
    finally:
        server.stop()


def catchup(size: dict) -> dict:
    server = start_server(*SERVER_OPTIONS)
    try:
        target = workers.Target(server.endpoint, server.key_endpoint, server.public_key)
        out = mp.Queue()
        worker = mp.Process(target=workers.catchup, args=(target, size["catchup"], out))
        worker.start()
        seconds = out.get(timeout=600)
        worker.join()
        return {"messages": size["catchup"], "seconds": seconds, "per_s": size["catchup"] / seconds}
    finally:
        server.stop()


SCENARIOS: dict[str, Callable[[dict], dict]] = {"throughput": throughput, "catchup": catchup}
PENDING = ("latency", "fanout", "connections", "desktop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tidings-bench", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--size", choices=SIZES, default="quick")
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        not_yet = [s for s in unknown if s in PENDING]
        parser.error(
            f"unknown scenario {', '.join(unknown)}" + (" (not written yet)" if not_yet else "")
        )
    size = SIZES[args.size]
    results: dict[str, Any] = {
        "machine": {
            "cpus": multiprocessing.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "size": args.size,
        "baseline": baseline(size),
    }
    print(
        f"baseline   raw CURVE ROUTER/DEALER echo: {results['baseline']['echoes_per_s']:,.0f}/s",
        flush=True,
    )
    for name in args.scenarios or list(SCENARIOS):
        results[name] = SCENARIOS[name](size)
        line = ", ".join(
            f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in results[name].items()
        )
        print(f"{name:<10} {line}", flush=True)
    if "throughput" in results:
        ratio = results["throughput"]["acked_per_s"] / results["baseline"]["echoes_per_s"]
        results["throughput"]["ratio_to_baseline"] = ratio
        print(f"throughput is {ratio:.1%} of the raw ZeroMQ echo on this machine")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
