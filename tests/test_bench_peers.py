"""The Prosody side of the benchmark measures every figure against a real Prosody at its
smallest size."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from syncserver.bench.prosody.client import split_bodies
from syncserver.bench.prosody.server import missing


def test_message_bodies_split_across_reads() -> None:
    stream = (
        b"<message type='chat'><body>steady 1 100</body></message><presence/>"
        b"<message type='chat'><body>steady 2 200</body></message>"
    )
    for cut in range(len(stream)):
        first, pending = split_bodies(stream[:cut])
        second, _ = split_bodies(pending + stream[cut:])
        assert first + second == [b"steady 1 100", b"steady 2 200"], cut


@pytest.mark.skipif(
    missing() is not None,
    reason=f"{missing()}; tests/system_packages.sh installs it when run as root",
)
@pytest.mark.timeout(120)
def test_prosody_side_measures_every_figure_at_smoke_size(tmp_path: Path) -> None:
    out = tmp_path / "prosody.json"
    run = subprocess.run(
        [sys.executable, "-m", "syncserver.bench.prosody", "--size", "smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["prosody"]["version"].startswith("Prosody ")
    throughput = results["throughput"]
    assert throughput["delivered_per_s"] > 0 and throughput["clients"] == 8
    assert throughput["delivered"] == throughput["sent"] > 0
    latency = results["latency"]
    assert latency["delivered"] == latency["sent"] == 1_000
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["p999_ms"]
    first_step = latency["sweep"][0]
    assert first_step["rate"] == 2_000 and first_step["delivered"] == first_step["sent"]
    fanout = results["fanout"]
    assert fanout["listeners"] == 100 and fanout["messages"] == 20
    assert fanout["deliveries"] == fanout["expected_deliveries"] == 2_000
    assert 0 < fanout["p50_ms"] <= fanout["p99_ms"]
    assert "fanout" in run.stdout and "delivered_per_s" in run.stdout
