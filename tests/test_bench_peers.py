"""Tidings beside Prosody (``make bench-peers``): the Prosody side measures every figure
against a real Prosody at its smallest size, and the runner's table takes medians, ratios
and spreads of the figures it is given."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from syncserver.bench.comparison import compare, markdown_table, median, ratio, spread, text_table
from syncserver.bench.prosody.client import split_bodies
from syncserver.bench.prosody.server import missing, version_in


def _tidings_run(acked: float, p50: float, highest: float, echoes: float) -> dict:
    return {
        "baseline": {
            "echoes_per_s": echoes,
            "round_trip_p50_ms": p50 / 4,
            "round_trip_p99_ms": p50 / 2,
        },
        "throughput": {"acked_per_s": acked},
        "latency": {"p50_ms": p50, "p99_ms": 2 * p50, "highest_rate_p99_under_50ms": highest},
        "fanout": {"p50_ms": 4.0, "p99_ms": 6.0},
    }


def _prosody_run(delivered: float, p50: float, highest: float) -> dict:
    return {
        "throughput": {"delivered_per_s": delivered},
        "latency": {"p50_ms": p50, "p99_ms": 2 * p50, "highest_rate_p99_under_50ms": highest},
        "fanout": {"p50_ms": 8.0, "p99_ms": 24.0},
    }


def test_median_ratio_and_spread_of_runs() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([None, 4.0, None]) == 4.0  # a run that measured nothing does not count
    assert median([None]) is None
    assert ratio(10.0, 4.0) == 2.5
    assert ratio(10.0, 0.0) is None and ratio(None, 4.0) is None
    assert spread([10_000.0, 12_500.0, 11_000.0]) == 1.25
    assert spread([0.0, 5.0]) is None


def test_comparison_takes_medians_and_ratios_per_figure() -> None:
    tidings = [
        _tidings_run(12_000.0, 0.8, 10_000.0, 40_000.0),
        _tidings_run(15_000.0, 0.6, 5_000.0, 50_000.0),
        _tidings_run(13_000.0, 1.0, 10_000.0, 45_000.0),
    ]
    prosody = [
        _prosody_run(30_000.0, 0.2, 20_000.0),
        _prosody_run(24_000.0, 0.3, 20_000.0),
        _prosody_run(26_000.0, 0.25, 15_000.0),
    ]
    comparison = compare(tidings, prosody)
    by_name = {f["figure"]: f for f in comparison["figures"]}
    throughput = by_name["throughput"]
    assert (throughput["tidings"], throughput["prosody"]) == (13_000.0, 26_000.0)
    assert throughput["ratio"] == 0.5
    assert throughput["tidings_runs"] == [12_000.0, 15_000.0, 13_000.0]
    p99 = by_name["latency at 1,000 messages/s, p99"]
    assert (p99["tidings"], p99["prosody"]) == (1.6, 0.5)
    assert p99["ratio"] == pytest.approx(3.2)
    held = by_name["highest rate held with p99 under 50 ms"]
    assert (held["tidings"], held["prosody"], held["ratio"]) == (10_000.0, 20_000.0, 0.5)
    assert by_name["fan-out to 100, p99"]["ratio"] == 0.25
    # Beside them, what the day's echo gives alone: its rate, its round trip, and a third
    # of its frames (two an echo) for the rate held, where each message takes three.
    assert throughput["echo"] == 45_000.0
    assert by_name["latency at 1,000 messages/s, p50"]["echo"] == 0.2
    assert p99["echo"] == 0.4
    assert held["echo"] == 30_000.0
    assert by_name["fan-out to 100, p99"]["echo"] is None
    assert comparison["throughput_spread"] == {"tidings": 1.25, "prosody": 1.25}
    assert comparison["baseline"] == {
        "echoes_per_s": 45_000.0,
        "runs": [40_000.0, 50_000.0, 45_000.0],
    }


def test_tables_show_medians_ratios_spread_and_baseline() -> None:
    comparison = compare(
        [_tidings_run(13_000.0, 0.8, 10_000.0, 45_000.0)],
        [_prosody_run(26_000.0, 0.2, 0.0)],  # held no rate: no ratio to show
    )
    text = text_table(comparison).splitlines()
    throughput = next(row for row in text if row.startswith("throughput (messages/s)"))
    assert throughput.split()[-4:] == ["13,000", "26,000", "0.50", "45,000"]
    held = next(row for row in text if row.startswith("highest rate held"))
    assert held.split()[-4:] == ["10,000", "0", "-", "30,000"]
    fanout = next(row for row in text if row.startswith("fan-out to 100, p99"))
    assert fanout.split()[-4:] == ["6.00", "24.00", "0.25", "-"]
    assert any(row.startswith("throughput, run-to-run spread") for row in text)
    assert text[-1] == "raw CURVE ZeroMQ echo (tidings-bench's baseline): 45,000 messages/s"
    markdown = markdown_table(comparison)
    assert "| latency at 1,000 messages/s, p50 (ms) | 0.80 | 0.20 | 4.00 | 0.20 |" in markdown
    assert markdown.splitlines()[1] == "|---|---:|---:|---:|---:|"


def test_message_bodies_split_across_reads() -> None:
    stream = (
        b"<message type='chat'><body>steady 1 100</body></message><presence/>"
        b"<message type='chat'><body>steady 2 200</body></message>"
    )
    for cut in range(len(stream)):
        first, pending = split_bodies(stream[:cut])
        second, _ = split_bodies(pending + stream[cut:])
        assert first + second == [b"steady 1 100", b"steady 2 200"], cut


def test_prosody_version_is_read_past_its_warnings() -> None:
    about = (
        "**************************\nProsody was unable to find lua-unbound\n"
        "This package can be obtained in the following ways:\n\n"
        "# Prosody installation\nProsody 0.12.3\n\n# Prosody directories\n"
    )
    assert version_in(about) == "Prosody 0.12.3"
    assert version_in("Prosody was unable to find lua-unbound\n") == "Prosody (version unknown)"


def test_runner_refuses_no_runs() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "syncserver.bench.peers", "--runs", "0"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "--runs must be at least 1" in refused.stderr


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
