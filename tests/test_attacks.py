"""One account attacks the server while another user chats: the attacker's devices pipeline
costly requests at the rate each device was once allowed, and two of them pipeline pages of
the longest messages without reading the answers (together, and the second alone). The other
user's service is measured before and during the attack, and so is the server's memory. The
server runs as its own process, and so does the attacker, so that neither's work slows the
measuring loop."""

import asyncio
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.protocol import Heartbeat, HeartbeatAck, OpenDirect, Send, Sent
from tests.server_process import ServerProcess, started_in
from tests.support import PASSWORD, WAIT, new_id

REPO = Path(__file__).resolve().parents[1]
BASELINE_SECS = 3.0
ATTACK_SECS = 8.0
ROUND = 0.05  # secs between the victim's requests
SLACK_MS = 20.0  # how much the victim's median answer time may grow under attack
MAX_GROWTH = 300 << 20  # bytes the server may grow by while attacked
ATTACK = {
    "user": "mallory",
    "flooders": 5,
    "flood_rate": 500.0,  # list_channels a second, per device: what a device was allowed
    "hoarders": 2,
    "hoard_rate": 40.0,  # history pages of about 1-2 MB a second, per device, never read
    "long_messages": 40,
    "secs": ATTACK_SECS,
}


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    async with started_in(tmp_path) as srv:
        yield srv


class Victim:
    """A user chatting: a message, then a heartbeat, every ``ROUND``, each timed from request
    to answer."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.conn = server.connection(heartbeat_interval=3600)  # only the measured ones

    async def start(self) -> None:
        await self.conn.open()
        await self.conn.wait_ready(WAIT)
        await self.conn.register("victim", PASSWORD, "laptop")
        friend = self.server.connection()
        await friend.open()
        await friend.wait_ready(WAIT)
        await friend.register("friend", PASSWORD, "laptop")
        await friend.close()
        self.channel = (await self.conn.request(OpenDirect(user="friend"))).channel.id

    async def measure(self, secs: float) -> list[float]:
        """Answer times in ms over ``secs``."""
        times: list[float] = []
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline:
            started = time.monotonic()
            sent = await self.conn.request(
                Send(channel=self.channel, client_id=new_id(), text="still here?")
            )
            assert isinstance(sent, Sent)
            middle = time.monotonic()
            ack = await self.conn.request(Heartbeat())
            assert isinstance(ack, HeartbeatAck)
            ended = time.monotonic()
            times += [(middle - started) * 1000, (ended - middle) * 1000]
            await asyncio.sleep(ROUND)
        return times


class Attacker:
    """``tests/attacker.py`` in its own process."""

    async def start(self, server: ServerProcess, attack: dict) -> None:
        assert server.keys is not None
        config = {**attack, "endpoint": server.endpoint, "server_key": server.keys.public}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.attacker",
            json.dumps(config),
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.stdout, self.stdin = self.proc.stdout, self.proc.stdin
        async with asyncio.timeout(60):
            line = await self.stdout.readline()
        assert line == b"ready\n", f"the attacker could not set up: {line!r}"

    async def attack(self) -> None:
        self.stdin.write(b"go\n")
        await self.stdin.drain()

    async def outcome(self) -> dict[str, dict[str, int]]:
        async with asyncio.timeout(60):
            line = await self.stdout.readline()
            await self.proc.wait()
        outcome: dict[str, dict[str, int]] = json.loads(line)
        return outcome

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


@dataclass
class Measured:
    baseline: list[float]  # the victim's answer times, ms
    attacked: list[float]
    rss_before: int
    rss_peak: int
    outcome: dict[str, dict[str, int]]  # what the attacker's devices were answered

    @property
    def slowdown(self) -> float:
        return statistics.median(self.attacked) - statistics.median(self.baseline)

    def report(self) -> str:
        mib = 1 << 20
        return (
            f"victim's median answer {statistics.median(self.baseline):.1f} ms before, "
            f"{statistics.median(self.attacked):.1f} ms during the attack (slowest "
            f"{max(self.attacked):.0f} ms); server RSS {self.rss_before / mib:.0f} MiB before, "
            f"peak {self.rss_peak / mib:.0f} MiB; attacker got {self.outcome}"
        )


async def under_attack(server: ServerProcess, attack: dict) -> Measured:
    """The victim's service before and during ``attack``, and the server's memory."""
    victim, attacker = Victim(server), Attacker()
    await victim.start()
    await attacker.start(server, attack)
    try:
        baseline = await victim.measure(BASELINE_SECS)
        rss_before = server.rss_bytes()
        peak = rss_before

        async def watch_memory() -> None:
            nonlocal peak
            while True:
                peak = max(peak, server.rss_bytes())
                await asyncio.sleep(0.1)

        watcher = asyncio.create_task(watch_memory())
        await attacker.attack()
        try:
            attacked = await victim.measure(ATTACK_SECS)
        finally:
            watcher.cancel()
        outcome = await attacker.outcome()
    finally:
        await attacker.stop()
        await victim.conn.close()
    measured = Measured(baseline, attacked, rss_before, peak, outcome)
    print("\n" + measured.report())
    return measured


async def test_one_account_cannot_starve_another_user_or_the_servers_memory(
    server: ServerProcess,
) -> None:
    measured = await under_attack(server, ATTACK)
    assert measured.slowdown < SLACK_MS, "the attack slowed another user down"
    assert measured.rss_peak - measured.rss_before < MAX_GROWTH, "the server's memory grew"
    assert measured.outcome["flood"].get("rate_limited", 0) > 0, "the flood was never held back"
    hoard = measured.outcome["hoard"]
    assert hoard.get("rate_limited", 0) + hoard.get("backlog_full", 0) > 0


async def test_unread_pages_do_not_grow_the_servers_memory(server: ServerProcess) -> None:
    """The memory attack alone: nothing else spends the attacker's budget, so the pages it
    asks for are served until its connections' byte budgets are full."""
    measured = await under_attack(server, {**ATTACK, "flooders": 0})
    assert measured.rss_peak - measured.rss_before < MAX_GROWTH, "the server's memory grew"
    assert measured.slowdown < SLACK_MS, "the attack slowed another user down"
    assert measured.outcome["hoard"].get("backlog_full", 0) > 0, "the byte budget never held"
