"""The desktop benchmark's scenarios at a tiny size: they run, their JSON is sane, and the
caches they measure really hold the messages. The figures come from running it at full size
(docs/performance.md), not from the suite."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.bench_e2e import STEPS, figures
from syncserver.bench.harness import new_data_dir, start_server
from syncserver.bench.scenarios import SIZES, desktop_e2e


def bench(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "desktop.bench", *args], capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, done.stderr
    figures: dict = json.loads(done.stdout)
    return figures


def test_catchup_fills_a_real_cache() -> None:
    server = start_server(new_data_dir(), "--device-rate", "100000", "--address-burst", "100000")
    try:
        result = bench(
            "catchup",
            "--endpoint",
            server.endpoint,
            f"--server-key={server.public_key}",
            "--messages",
            "2000",
        )
    finally:
        server.stop()
    assert result["messages"] == result["in_cache"] == 2000
    assert 0 < result["seconds"] < 60
    assert result["per_s"] == result["messages"] / result["seconds"]


def test_files_go_up_and_come_down_through_the_client_core() -> None:
    server = start_server(new_data_dir())
    try:
        result = bench(
            "files", "--endpoint", server.endpoint, f"--server-key={server.public_key}",
            "--megabytes", "3",
        )  # fmt: skip
    finally:
        server.stop()
    assert result["megabytes"] == 3
    for phase in ("take_in_s", "upload_s", "download_s"):
        assert 0 < result[phase] < 60
    assert result["upload_mb_per_s"] == 3 / result["upload_s"]
    assert 0 < result["thumbnail_bytes"] <= 16 * 1024 and result["thumbnail_ms"] > 0


def test_desktop_opens_the_biggest_chat_of_a_seeded_cache(tmp_path: Path) -> None:
    args = ("desktop", "--messages", "2000", "--channels", "20", "--cache-dir", str(tmp_path))
    first = bench(*args)
    assert first["seed_seconds"] > 0
    assert 0 < first["start_to_paint_s"] < 60
    assert 0 < first["open_biggest_ms"] < 60_000
    assert first["open_rows"] >= 30  # at least the first page is on screen
    assert first["peak_rss_mb"] > 10
    (seeded,) = tmp_path.glob("*.sqlite3")
    with sqlite3.connect(seeded) as db:
        assert db.execute("SELECT COUNT(*) FROM message").fetchone()[0] == 2000
        assert db.execute("SELECT COUNT(*) FROM channel").fetchone()[0] == 20
        indexed = "SELECT COUNT(*) FROM message_fts WHERE message_fts MATCH 'the'"
        assert db.execute(indexed).fetchone()[0] > 0
    again = bench(*args)
    assert again["seed_seconds"] == 0  # the seeded cache is kept between runs


def test_e2e_paints_every_message_typed_in_one_window_in_the_other() -> None:
    result = desktop_e2e(SIZES["smoke"])  # a server, and two apps signed in to it
    assert result["delivered"] == result["messages"] == 5
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"] < 60_000
    for name in STEPS.values():  # every step from Enter to paint was seen, in both apps
        assert result[f"{name}_p50_ms"] <= result[f"{name}_p99_ms"]
        if name != "queued_to_stored":  # one app's stages follow each other
            assert result[f"{name}_p50_ms"] >= 0, name
    # Across the two apps no order is certain: the sender hears on its engine's thread that
    # its message was queued, and the message may be on its way (or stored by the other
    # app, 0.9 ms earlier in one run) before that thread runs.
    assert result["sender_gui_cpu_ms"] > 0 and result["receiver_gui_cpu_ms"] > 0


def test_e2e_fails_when_a_message_is_not_painted() -> None:
    cpu = {"process_s": 0.1, "gui_s": 0.05}
    sent = {"times": {"pressed": {"1 hi": 10.0, "2 ok": 10.1}}, "cpu": cpu}
    arrived = {"1 hi": 10.02}
    with pytest.raises(RuntimeError, match="2 of 2 messages were sent, 1 painted"):
        figures(sent, {"times": {"painted": arrived}, "cpu": cpu}, 2)
    arrived["2 ok"] = 10.13
    assert figures(sent, {"times": {"painted": arrived}, "cpu": cpu}, 2)["max_ms"] == (
        pytest.approx(30.0)
    )
