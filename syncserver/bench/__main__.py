"""``tidings-bench [SCENARIO ...] [--size smoke|quick|full] [--json FILE]``

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
from collections.abc import Callable
from typing import Any

from syncserver.bench import files, scenarios
from syncserver.bench.report import line

SCENARIOS: dict[str, Callable[[scenarios.Size], dict]] = {
    "throughput": scenarios.throughput,
    "latency": scenarios.latency,
    "fanout": scenarios.fanout,
    "receipts": scenarios.receipts,
    "connections": scenarios.connections,
    "catchup": scenarios.catchup,
    "desktop": scenarios.desktop,
    "desktop-e2e": scenarios.desktop_e2e,
    "attachments": files.attachments,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tidings-bench", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--size",
        choices=scenarios.SIZES,
        default="quick",
        help="quick (default) runs each scenario in well under a minute; full runs longer; "
        "smoke only checks that the scenarios work",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}")
    size = scenarios.SIZES[args.size]
    results: dict[str, Any] = {
        "machine": {
            "cpus": multiprocessing.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "size": args.size,
        "baseline": scenarios.baseline(size),
    }
    print(line("baseline", results["baseline"]), flush=True)
    for name in args.scenarios or list(SCENARIOS):
        results[name] = SCENARIOS[name](size)
        print(line(name, results[name]), flush=True)
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
