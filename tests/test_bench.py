"""The benchmark works end to end. Its figures come from running it (docs/performance.md);
here it runs at its smallest size and the test checks that every scenario measured what it
says, not how fast."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from syncserver.bench.scenarios import percentile
from syncserver.bench.scratch import scratch_database


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


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--nodes", "2"], "--nodes above 1 needs --database-url"),
        (["--database-url", "sqlite:///bench.db"], "must be a PostgreSQL URL"),
        (
            ["catchup", "--database-url", "postgresql://postgres@127.0.0.1/x"],
            "catchup runs on one server on SQLite",
        ),
        (["--workers", "0"], "--workers: must be 1 or more, not 0"),
    ],
)
def test_bench_refuses_setups_it_cannot_run_with_the_reason(args: list[str], reason: str) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "syncserver.bench", *args], capture_output=True, text=True
    )
    assert refused.returncode == 2 and reason in refused.stderr


def test_a_scratch_database_is_made_beside_the_named_one_and_dropped_after(
    postgres_url: str,
) -> None:
    with scratch_database(postgres_url) as scratch:
        assert urlsplit(scratch).netloc == urlsplit(postgres_url).netloc
        assert urlsplit(scratch).path != urlsplit(postgres_url).path
        conn = psycopg2.connect(scratch)
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE written (n integer)")
        conn.close()
    with pytest.raises(psycopg2.OperationalError, match="does not exist"):
        psycopg2.connect(scratch)
    named = psycopg2.connect(postgres_url)  # the named database is there, and untouched
    with named, named.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'written'")
        assert cur.fetchone() == (0,)
    named.close()


def _with_password(url: str) -> tuple[str, str]:
    """``url`` with a password in it (PostgreSQL's trust authentication ignores one), and
    that password."""
    parts = urlsplit(url)
    if parts.password is not None:
        return url, parts.password
    secret = "never-shown-anywhere"
    netloc = f"{parts.username}:{secret}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc)), secret


@pytest.mark.timeout(180)
def test_throughput_latency_and_fanout_run_on_two_nodes_sharing_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    out = tmp_path / "results.json"
    url, password = _with_password(postgres_url)
    scenarios = ["throughput", "latency", "fanout", "--size", "smoke"]
    on_nodes = ["--nodes", "2", "--database-url", url, "--json", str(out)]
    run = subprocess.run(
        [sys.executable, "-m", "syncserver.bench", *scenarios, *on_nodes],
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    text = out.read_text()
    assert password not in text + run.stdout + run.stderr
    results = json.loads(text)
    assert (results["nodes"], results["database"], results["workers"]) == (2, "postgresql", 2)
    assert results["baseline"]["echoes_per_s"] > 0
    throughput = results["throughput"]
    assert throughput["acked_per_s"] > 0 and throughput["refused"] == 0
    assert throughput["ratio_to_baseline"] > 0
    latency = results["latency"]
    assert all(step["delivered"] == step["sent"] > 0 for step in latency["sweep"])
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["p999_ms"]
    fanout = results["fanout"]
    assert fanout["delivered"] == fanout["messages"] * 99 > 0  # every member got every one
    assert 0 < fanout["p50_ms"] <= fanout["p99_ms"]
    assert "nodes 2, database postgresql" in run.stdout


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
    assert (results["nodes"], results["database"]) == (1, "sqlite")
    assert results["baseline"]["echoes_per_s"] > 0
    throughput = results["throughput"]
    assert throughput["acked_per_s"] > 0 and throughput["refused"] == 0
    latency = results["latency"]
    steady = latency["sweep"][0]
    assert steady["delivered"] == steady["sent"] > 0
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["p999_ms"]
    fanout = results["fanout"]
    assert fanout["members"] == 100 and 0 < fanout["p50_ms"] <= fanout["p99_ms"]
    assert fanout["delivered"] == fanout["messages"] * 99
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
