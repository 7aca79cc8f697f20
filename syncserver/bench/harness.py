"""Processes for a benchmark: the server as an admin runs it, and client worker processes."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 20.0  # secs for the server to say it listens
DATABASE_ENV = "TIDINGS_DATABASE_URL"
PROFILE = (
    ["-m", "cProfile", "-o", os.environ["TIDINGS_BENCH_PROFILE"]]
    if os.environ.get("TIDINGS_BENCH_PROFILE")
    else []
)


def free_port_pair() -> int:
    """A loopback port that is free, with the next one free too (the key service)."""
    for _ in range(100):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two adjacent free loopback ports")


def rss_bytes(pid: int) -> int:
    """The resident memory of process ``pid``."""
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+)", text)
    if found is None:
        raise RuntimeError(f"no VmRSS in /proc/{pid}/status")
    return int(found.group(1)) * 1024


def cpu_seconds(pid: int, main_thread: bool = False) -> float:
    """CPU time of process ``pid``, or of its main thread only."""
    where = f"/proc/{pid}" + (f"/task/{pid}" if main_thread else "")
    fields = Path(f"{where}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class ServerHandle:
    proc: subprocess.Popen
    endpoint: str
    key_endpoint: str
    public_key: str
    data_dir: Path

    def rss_bytes(self) -> int:
        return rss_bytes(self.proc.pid)

    def cpu_seconds(self, main_thread: bool = False) -> float:
        """CPU time of the whole process, or of its main thread only (the socket loop;
        ZeroMQ's I/O thread, which does the encryption, is another)."""
        return cpu_seconds(self.proc.pid, main_thread)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def new_data_dir() -> Path:
    """An empty data directory for a server; ``ServerHandle.stop`` removes it."""
    return Path(tempfile.mkdtemp(prefix="tidings-bench-"))


def start_server(data_dir: Path, *options: str, database_url: str | None = None) -> ServerHandle:
    """``python -m syncserver`` on ``data_dir`` and free loopback ports, on ``database_url``
    (SQLite in ``data_dir`` if None)."""
    # Given in the environment: a command line, which anyone may read, would show its password.
    # One the caller's environment sets is left out: a run on SQLite must not use it.
    env = {k: v for k, v in os.environ.items() if k != DATABASE_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    if database_url is not None:
        env[DATABASE_ENV] = database_url
    port = free_port_pair()
    endpoint = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable,
            *PROFILE,
            "-m",
            "syncserver",
            "--data",
            str(data_dir),
            "--listen",
            endpoint,
            # Every benchmark client comes from loopback: per-address throttles would stop them.
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    deadline = time.monotonic() + START_TIMEOUT
    assert proc.stdout is not None  # stdout=PIPE
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the server exited while starting")
        if line.startswith("Server key fingerprint"):
            break
    public = (data_dir / "server.key").read_text().split()[0]
    return ServerHandle(proc, endpoint, f"tcp://127.0.0.1:{port + 1}", public, data_dir)
