"""The benchmark works end to end. Its figures come from running it (docs/performance.md);
here it runs at its smallest size and the test checks that every scenario measured what it
says, not how fast."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from syncserver.bench.scenarios import percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.999) == 3.0


def test_bench_refuses_unknown_scenarios() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "syncserver.bench", "warp"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "unknown scenario warp" in refused.stderr


@pytest.mark.timeout(300)
def test_every_scenario_runs_at_smoke_size(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "syncserver.bench", "--size", "smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=280,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},  # the seeded desktop cache
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["baseline"]["echoes_per_s"] > 0
    throughput = results["throughput"]
    assert throughput["acked_per_s"] > 0 and throughput["refused"] == 0
    latency = results["latency"]
    steady = latency["sweep"][0]
    assert steady["delivered"] == steady["sent"] > 0
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["p999_ms"]
    fanout = results["fanout"]
    assert fanout["members"] == 100 and 0 < fanout["p50_ms"] <= fanout["p99_ms"]
    assert fanout["receipts_to_sender"] == 0  # its devices confirm nothing they were pushed
    receipts = results["receipts"]
    assert receipts["members"] == 100 and 0 < receipts["p50_ms"] <= receipts["p99_ms"]
    assert receipts["receipts_to_sender"] > 0
    connections = results["connections"]
    assert connections["devices"] == 40 and connections["heartbeat_acks_per_s"] > 0
    assert results["catchup"]["in_cache"] == results["catchup"]["messages"] == 2_000
    desktop = results["desktop"]
    assert desktop["messages"] == 2_000 and desktop["open_rows"] > 0
    e2e = results["desktop-e2e"]
    assert e2e["delivered"] == e2e["messages"] == 5  # every message painted in the other app
    assert 0 < e2e["p50_ms"] <= e2e["p99_ms"] <= e2e["max_ms"]
    assert e2e["receiver_gui_cpu_ms"] > 0
    files = results["attachments"]
    assert files["upload_mb_per_s"] > 0 and files["download_mb_per_s"] > 0
    assert files["raw_upload_mb_per_s"] > 0 and files["raw_download_mb_per_s"] > 0
    assert files["small_uploads_per_s"] > 0 and files["small_downloads_per_s"] > 0
    assert files["uploaders"] == 10
    assert files["rss_uploading_peak_mb"] >= files["rss_before_mb"] > 0
    assert "throughput is" in run.stdout
