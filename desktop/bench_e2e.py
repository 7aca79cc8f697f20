"""The desktop side of ``tidings-bench desktop-e2e``: Enter in one app window to the message
painted in another.

``python -m desktop.bench e2e --endpoint E --server-key=K --channel C --messages N --rate R``
    Against a running server, with the credentials of two of its devices on standard input
    (``{"sender": {...}, "receiver": {...}}``, as ``syncserver.bench.seed`` makes them), the
    two people of the direct chat C. Each gets a profile of its own, and the real app starts
    on each in a process of its own, offscreen (``desktop.bench_e2e_app``). Once both have
    the chat open, the sender types N messages into its composer and presses Enter at R a
    second; the receiver notes when each is painted in its message view. Both take their
    times from the same monotonic clock (``CLOCK_MONOTONIC`` is one clock for the whole
    machine on Linux), so a message's latency is its paint time there less its press time
    here, matched by its text.

Each app process is driven through its standard input and answers on its standard output,
one line at a time: its device secret goes in first; it says ``ready`` once its window shows
the chat with the engine caught up; the sender starts pressing on ``go``, and says what it
measured on ``stop``; the receiver says what it measured once every message was painted.
"""

import asyncio
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desktop.core.profile import Profile
from desktop.platform.credentials import DeviceSecret

ROLES = ("sender", "receiver")
READY = "ready"
ANSWER_LIMIT = 1 << 26  # bytes of an app's one-line answer: every message's times, in JSON
# ``TIDINGS_BENCH_PROFILE_APPS=DIR`` runs each app under cProfile (its GUI thread), writing
# ``DIR/sender.prof`` and ``DIR/receiver.prof``.
PROFILE_APPS = "TIDINGS_BENCH_PROFILE_APPS"
START_TIMEOUT = 120.0  # secs for an app to start, sign in and catch up
DRAIN_TIMEOUT = 60.0  # secs, after the last press, for the last message to be painted
# The steps between Enter and paint that the apps tell of (``bench_e2e_app.Stages``), each
# reported as p50/p99 under its name: Enter to queued in the sender's outbox, to painted
# there (the sender's own copy), to acknowledged by the server; queued to stored by the
# receiver from the server's push, stored to inserted in its open chat, inserted to the paint
# event that covers its row, and that paint until done. Each app's CPU time while the
# messages came, a message, is reported too (``ROLE_cpu_ms``, and of its GUI thread alone
# ``ROLE_gui_cpu_ms``): steadier than latencies on a busy machine.
STEPS = {
    ("pressed", "queued"): "enter_to_queued",
    ("pressed", "echoed"): "enter_to_echo",
    ("queued", "acked"): "queued_to_acked",
    ("queued", "stored"): "queued_to_stored",
    ("stored", "inserted"): "stored_to_inserted",
    ("inserted", "paint_began"): "inserted_to_paint",
    ("paint_began", "painted"): "paint",
}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (``share`` 0.99 for p99), as the server
    benchmark computes it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class AppProcess:
    """One app, in a child process, driven one line at a time. What it writes to its
    standard error (Qt's warnings, a traceback) goes to a file beside its profile, shown
    when it fails."""

    def __init__(self, role: str, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.role = role
        self.proc = proc
        self.log = log

    @classmethod
    async def start(
        cls, role: str, profile: Profile, secret: DeviceSecret, *args: str
    ) -> "AppProcess":
        profiles = os.environ.get(PROFILE_APPS)
        profiling = ["-m", "cProfile", "-o", f"{profiles}/{role}.prof"] if profiles else []
        log = profile.dir.with_name(f"{role}.log")
        with log.open("wb") as errors:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *profiling,
                "-m",
                "desktop.bench_e2e_app",
                role,
                "--profile",
                str(profile.dir),
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
                limit=ANSWER_LIMIT,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            )
        app = cls(role, proc, log)
        app.tell(json.dumps(asdict(secret)))
        return app

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None  # stdin=PIPE
        self.proc.stdin.write(line.encode() + b"\n")

    async def expect(self, timeout: float) -> str:
        """The app's next line of its own (anything else it prints is skipped)."""
        assert self.proc.stdout is not None  # stdout=PIPE
        try:
            async with asyncio.timeout(timeout):
                while line := (await self.proc.stdout.readline()).decode():
                    if line == READY + "\n" or line.startswith("{"):
                        return line.strip()
            why = f"exited (code {await self.proc.wait()})"
        except TimeoutError:
            why = f"said nothing for {timeout:.0f} s"
        said = self.log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the {self.role}'s app {why}; it wrote:\n{said}")

    async def result(self, timeout: float) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(await self.expect(timeout))
        return answer

    async def finish(self) -> None:
        """Wait for the app to exit, ending it if it does not."""
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def _profile(
    workdir: Path, endpoint: str, server_key: str, key_endpoint: str, device: dict
) -> Profile:
    profile = Profile(
        dir=workdir / device["user"],
        endpoints=(endpoint,),
        key_endpoint=key_endpoint,
        server_key=server_key,
        user=device["user"],
        device_id=device["device_id"],
        device_name="bench",
    )
    profile.dir.mkdir(parents=True)
    profile.save()
    return profile


def _secret(device: dict) -> DeviceSecret:
    return DeviceSecret(device["device_id"], device["token"], device["public"], device["secret"])


async def e2e(
    endpoint: str,
    server_key: str,
    key_endpoint: str,
    devices: dict[str, dict],
    channel: int,
    messages: int,
    rate: float,
    workdir: Path,
) -> dict[str, Any]:
    """Run the two apps, have the sender send ``messages`` at ``rate`` a second, and return
    the latencies from Enter to painted at the receiver (and in the sender's own window)."""
    args = ("--channel", str(channel), "--messages", str(messages), "--rate", str(rate))
    apps: dict[str, AppProcess] = {}
    try:
        for role in ROLES:
            profile = _profile(workdir, endpoint, server_key, key_endpoint, devices[role])
            apps[role] = await AppProcess.start(role, profile, _secret(devices[role]), *args)
        for app in apps.values():
            if await app.expect(START_TIMEOUT) != READY:
                raise RuntimeError(f"the {app.role}'s app did not get ready")
        sender, receiver = apps["sender"], apps["receiver"]
        sender.tell("go")
        painted = await receiver.result(messages / rate + DRAIN_TIMEOUT)
        sender.tell("stop")
        sent = await sender.result(DRAIN_TIMEOUT)
        for app in apps.values():
            await app.finish()
    finally:
        for app in apps.values():
            if app.proc.returncode is None:
                app.proc.kill()
                await app.proc.wait()
    return figures(sent, painted, messages)


def figures(sent: dict[str, Any], painted: dict[str, Any], messages: int) -> dict[str, Any]:
    """The figures of a run from what the two apps said (``bench_e2e_app``); raises if any
    message was not sent or not painted at the receiver."""
    steps: dict[str, dict[str, float]] = {**sent["times"], **painted["times"]}
    presses, arrived = steps["pressed"], steps["painted"]
    missing = [text for text in presses if text not in arrived]
    if len(presses) != messages or missing:
        raise RuntimeError(
            f"{len(presses)} of {messages} messages were sent, "
            f"{len(presses) - len(missing)} painted at the receiver"
        )
    latencies = [(arrived[text] - pressed) * 1000 for text, pressed in presses.items()]
    times = sorted(presses.values())
    span = times[-1] - times[0]
    result: dict[str, Any] = {
        "messages": messages,
        "delivered": len(latencies),
        "rate": (len(times) - 1) / span if span > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
    }
    for (start, end), name in STEPS.items():
        spans = [
            (steps[end][text] - steps[start][text]) * 1000
            for text in presses
            if text in steps.get(start, {}) and text in steps.get(end, {})
        ]
        if spans:
            result[f"{name}_p50_ms"] = percentile(spans, 0.50)
            result[f"{name}_p99_ms"] = percentile(spans, 0.99)
    for role, said in (("sender", sent), ("receiver", painted)):
        result[f"{role}_cpu_ms"] = said["cpu"]["process_s"] * 1000 / messages
        result[f"{role}_gui_cpu_ms"] = said["cpu"]["gui_s"] * 1000 / messages
    return result
