"""The installed Qt binding survives the way qasync drives it.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every ``QObject.killTimer``
call. qasync kills a timer for each callback it runs, so an app dies within seconds with
"Fatal Python error: none_dealloc". pyproject.toml pins PySide6-Essentials below 6.12 on
Python < 3.12 because of it; these tests catch an environment that slipped past the pin.
"""

import os
import subprocess
import sys

import pytest

# Runs in a child process: the failure this looks for is a fatal error that would take
# pytest down with it instead of failing one test.
CHURN_SCRIPT = r"""
import asyncio
import sys

import qasync
from PySide6.QtWidgets import QApplication

CALLBACKS = 20_000  # each one is a Qt timer started and killed by qasync
SLEEPS = 2_000
TIMERS = 300
MARGIN = 200  # None's count moves a little as objects come and go; the bug loses thousands


async def churn() -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    before = sys.getrefcount(None)
    callbacks_done = asyncio.Event()
    timers_done = asyncio.Event()
    remaining = CALLBACKS
    fired = 0

    def tick() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining:
            loop.call_soon(tick)
        else:
            callbacks_done.set()

    def timer() -> None:
        nonlocal fired
        fired += 1
        if fired == TIMERS:
            timers_done.set()

    loop.call_soon(tick)
    for i in range(TIMERS):
        loop.call_later(0.001 * (i % 50), timer)
    for _ in range(SLEEPS):
        await asyncio.sleep(0)
    await asyncio.wait_for(callbacks_done.wait(), 60)
    await asyncio.wait_for(timers_done.wait(), 60)
    return before, sys.getrefcount(None)


app = QApplication(sys.argv)
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
with loop:
    before, after = loop.run_until_complete(churn())
# On 3.12+ None is immortal and its count is a fixed sentinel; the check holds there too.
if before - after > MARGIN:
    print(f"None lost {before - after} references ({before} -> {after})", file=sys.stderr)
    sys.exit(1)
print("OK")
"""


def test_qasync_timer_churn_keeps_none_alive() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", CHURN_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0 and "OK" in result.stdout, (
        f"the qasync timer churn exited with {result.returncode}; is PySide6 6.12.0 installed "
        f"on Python < 3.12 despite the pin in pyproject.toml?\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_pyside_is_not_the_release_that_frees_none() -> None:
    import PySide6

    assert PySide6.__version__ != "6.12.0", (
        "PySide6 6.12.0 frees None through QObject.killTimer on Python < 3.12, which crashes "
        "qasync apps; pyproject.toml pins PySide6-Essentials<6.12 there. Reinstall within the "
        "pin (pip install -e '.[dev]')."
    )
