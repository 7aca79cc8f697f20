"""``tidings-bench [SCENARIO ...] [--size smoke|quick|full] [--json FILE] [--workers K]
[--nodes N --database-url URL]``

Starts a real sync server process (SQLite, CURVE on) and client worker processes on
loopback, runs the scenarios, prints a table and optionally writes the results as JSON.
Every run first measures a raw ZeroMQ ROUTER/DEALER echo (CURVE on) between the same kind of
processes, and reports throughputs also as a ratio to it, so runs on noisy machines compare.
With a PostgreSQL URL, throughput, latency and fanout run on N server processes (nodes)
sharing a scratch database made beside the one named, their devices spread over the nodes.
"""

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from syncserver.bench import files, scenarios
from syncserver.bench.cluster import Servers
from syncserver.bench.report import line, machine
from syncserver.bench.scratch import ScratchError, check_url, scheme_of, scratch_database

Scenario = Callable[[scenarios.Size, scenarios.Setup], dict]


def _on_one_server(scenario: Callable[[scenarios.Size], dict]) -> Scenario:
    """A scenario that always runs on one server of its own, on SQLite (``ON_NODES`` keeps
    other setups from reaching it)."""
    return lambda size, _setup: scenario(size)


SCENARIOS: dict[str, Scenario] = {
    "throughput": scenarios.throughput,
    "latency": scenarios.latency,
    "fanout": scenarios.fanout,
    "receipts": scenarios.receipts,
    "connections": scenarios.connections,
    "catchup": _on_one_server(scenarios.catchup),
    "desktop": _on_one_server(scenarios.desktop),
    "desktop-e2e": _on_one_server(scenarios.desktop_e2e),
    "attachments": _on_one_server(files.attachments),
}
# The scenarios that run on several nodes, and on PostgreSQL: the others run on one server,
# on SQLite.
ON_NODES = ("throughput", "latency", "fanout")


def _at_least_one(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


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
    parser.add_argument(
        "--workers",
        type=_at_least_one,
        default=scenarios.WORKERS,
        metavar="K",
        help=f"client worker processes (default {scenarios.WORKERS}, one per core of a small "
        "machine; latency, fanout and receipts add one that sends)",
    )
    parser.add_argument(
        "--nodes",
        type=_at_least_one,
        default=1,
        metavar="N",
        help="server processes sharing the database of --database-url (default 1)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL database: each run makes a scratch database beside it on the same "
        "server (and drops it after), never writing this one (default: SQLite)",
    )
    args = parser.parse_args(argv)
    names = _scenarios(parser, args)
    setup = scenarios.Setup(Servers(args.nodes, args.database_url), args.workers)
    if args.database_url is not None:
        try:  # a URL that leads nowhere fails now, not after the baseline
            with scratch_database(args.database_url):
                pass
        except ScratchError as e:
            parser.exit(2, f"tidings-bench: {e}\n")
    size = scenarios.SIZES[args.size]
    results: dict[str, Any] = {
        "machine": machine(),
        "size": args.size,
        "nodes": args.nodes,
        "database": scheme_of(args.database_url),
        "workers": args.workers,
    }
    shown = ("nodes", "database", "workers")
    print(line("servers", {k: results[k] for k in shown}), flush=True)
    results["baseline"] = scenarios.baseline(size, setup)
    print(line("baseline", results["baseline"]), flush=True)
    for name in names:
        results[name] = SCENARIOS[name](size, setup)
        print(line(name, results[name]), flush=True)
    if "throughput" in results:
        ratio = results["throughput"]["acked_per_s"] / results["baseline"]["echoes_per_s"]
        results["throughput"]["ratio_to_baseline"] = ratio
        print(f"throughput is {ratio:.1%} of the raw ZeroMQ echo on this machine")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


def _scenarios(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The scenarios to run, in order; exits with the reason where the arguments do not
    make a run."""
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}")
    if args.nodes > 1 and args.database_url is None:
        parser.error("--nodes above 1 needs --database-url: nodes share one PostgreSQL database")
    if args.database_url is None:
        return args.scenarios or list(SCENARIOS)
    try:
        check_url(args.database_url)
    except ScratchError as e:
        parser.error(str(e))
    one_server = [s for s in args.scenarios if s not in ON_NODES]
    if one_server:
        parser.error(
            f"--nodes and --database-url apply to {', '.join(ON_NODES)} only; "
            f"{', '.join(one_server)} runs on one server on SQLite"
        )
    return args.scenarios or list(ON_NODES)


if __name__ == "__main__":
    sys.exit(main())
