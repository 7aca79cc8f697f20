"""The benchmark's command line answers; its scenarios run in their own processes and take
minutes, so the figures come from running it (docs/performance.md), not from the suite."""

import subprocess
import sys


def test_bench_names_its_scenarios_and_refuses_unknown_ones() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "syncserver.bench", "--help"], capture_output=True, text=True
    )
    assert helped.returncode == 0 and "throughput" in helped.stdout and "catchup" in helped.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "syncserver.bench", "fanout"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "not written yet" in refused.stderr
