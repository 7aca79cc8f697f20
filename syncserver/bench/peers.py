"""``python -m syncserver.bench.peers [--runs 3] [--size quick] [--json FILE] [--markdown FILE]``

Tidings beside Prosody on this machine: runs the Prosody side (``python -m
syncserver.bench.prosody``) and ``tidings-bench throughput latency fanout`` alternately, each
run its own process, then prints one table of both with each figure's median over the runs,
the ratio Tidings/Prosody, throughput's run-to-run spread and the day's raw ZeroMQ echo
baseline, and writes the table as JSON and as Markdown.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from syncserver.bench.comparison import compare, markdown_table, text_table
from syncserver.bench.prosody.scenarios import SCENARIOS
from syncserver.bench.prosody.server import missing
from syncserver.bench.scenarios import SIZES

SIDES = {
    "Prosody": ["-m", "syncserver.bench.prosody"],
    # tidings-bench, by module, so that it is this interpreter's.
    "Tidings": ["-m", "syncserver.bench", *SCENARIOS],
}


def _run_side(side: str, run: int, runs: int, size: str, out: Path) -> dict:
    """One run of one side, its lines printed as they come; its figures."""
    print(f"== {side}, run {run} of {runs} ==", flush=True)
    done = subprocess.run(
        [sys.executable, *SIDES[side], "--size", size, "--json", str(out)], check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {side} side failed (exit status {done.returncode})")
    figures: dict = json.loads(out.read_text(encoding="utf-8"))
    return figures


def run_both(runs: int, size: str) -> tuple[list[dict], list[dict]]:
    """Prosody run 1, Tidings run 1, Prosody run 2, ...: both sides' figures, by run."""
    by_side: dict[str, list[dict]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory(prefix="tidings-peers-") as folder:
        for run in range(1, runs + 1):
            for side in SIDES:
                out = Path(folder) / f"{side}-{run}.json"
                by_side[side].append(_run_side(side, run, runs, size, out))
    return by_side["Tidings"], by_side["Prosody"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m syncserver.bench.peers", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (default 3)")
    parser.add_argument("--size", choices=SIZES, default="quick", help="as tidings-bench's")
    parser.add_argument("--json", metavar="FILE", default="build/bench-peers.json")
    parser.add_argument("--markdown", metavar="FILE", default="build/bench-peers.md")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    reason = missing()
    if reason is not None:
        print(f"cannot run Prosody: {reason}", file=sys.stderr)
        return 1
    tidings, prosody = run_both(args.runs, args.size)
    comparison = compare(tidings, prosody)
    print(f"\n== Tidings beside {prosody[0]['prosody']['version']}, --size {args.size} ==")
    print(text_table(comparison))
    results = {
        "size": args.size,
        "prosody": prosody[0]["prosody"],
        "machine": tidings[0]["machine"],
        **comparison,
        "tidings_results": tidings,
        "prosody_results": prosody,
    }
    for path, text in (
        (args.json, json.dumps(results, indent=2)),
        (args.markdown, markdown_table(comparison)),
    ):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    print(f"\n(JSON: {args.json}; Markdown: {args.markdown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
