"""``python -m syncserver.bench.prosody [SCENARIO ...] [--size smoke|quick|full] [--json FILE]``

Runs ``tidings-bench``'s throughput, latency and fan-out loads against Prosody (Debian's
``prosody``, started here on a free loopback port as the ``prosody`` user, with its
configuration and data in a temporary folder; c2s only, no TLS, no rate limits, tuned), with
XMPP clients in worker processes, and prints a line per scenario as ``tidings-bench`` does.
"""

import argparse
import json
import sys
from typing import Any

from syncserver.bench.prosody.config import TUNING
from syncserver.bench.prosody.scenarios import SCENARIOS
from syncserver.bench.prosody.server import missing, prosody_version
from syncserver.bench.report import line, machine
from syncserver.bench.scenarios import SIZES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m syncserver.bench.prosody", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--size", choices=SIZES, default="quick", help="as tidings-bench's")
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}")
    reason = missing()
    if reason is not None:
        print(f"cannot run Prosody: {reason}", file=sys.stderr)
        return 1
    results: dict[str, Any] = {
        "machine": machine(),
        "size": args.size,
        "prosody": {"version": prosody_version(), "tuning": list(TUNING)},
    }
    print(f"{results['prosody']['version']}, tuned: {'; '.join(TUNING)}", flush=True)
    for name in args.scenarios or list(SCENARIOS):
        results[name] = SCENARIOS[name](SIZES[args.size])
        print(line(name, results[name]), flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
