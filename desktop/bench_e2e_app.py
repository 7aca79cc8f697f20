"""Inside each app process of the ``desktop-e2e`` benchmark (``desktop.bench_e2e``).

``python -m desktop.bench_e2e_app sender|receiver --profile DIR --channel C --messages N --rate R``

The app starts through its own start-up code (``DesktopApp``, as ``desktop.app.run`` does),
with the device secret read from the first line of standard input and kept in memory. Once
the engine has caught up, the chat is chosen in the chat list, as a click does, and the
process says ``ready``. The sender then waits for ``go`` and, for each message, types its
text into the composer with Qt's test key events and presses Enter on schedule, noting the
time of each press; on ``stop`` it says those times and when each message was painted in its
own window. The receiver says when each message was painted in its message view, once all
were. Times are ``time.monotonic()`` (one clock for every process on Linux).
"""

import argparse
import asyncio
import json
import random
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QListView

from desktop.app import DesktopApp, Running, start_qt
from desktop.bench import MemoryCredentials
from desktop.bench_e2e import DRAIN_TIMEOUT, READY, START_TIMEOUT
from desktop.core.events import AppEvent, MessageAdded, MessageUpdated
from desktop.core.profile import Profile
from desktop.platform.credentials import DeviceSecret
from desktop.ui.composer import MessageEdit
from desktop.ui.main_window import MainWindow

VOCABULARY = (
    "sure ok thanks the meeting moved to three can you review my branch before lunch "
    "deploy went fine coffee later I will look at the ticket tomorrow tests are green"
)


def message_texts(count: int) -> list[str]:
    """The messages the sender types, each its own (latencies are matched by text): short
    chat lines of a few words, numbered."""
    rng = random.Random(count)
    words = VOCABULARY.split()
    return [
        f"{n} " + " ".join(rng.choice(words) for _ in range(rng.choice((2, 4, 6, 9))))
        for n in range(1, count + 1)
    ]


class PaintClock(QObject):
    """When each awaited text was first painted in a message view: at a paint of the view's
    viewport that covers the text's row, the time once that paint is done (a zero timer fires
    after the paint pass, flush included). ``all_painted`` is set once every one was."""

    def __init__(self, view: QListView, awaited: list[str]) -> None:
        super().__init__(view)
        self.view = view
        self.awaited = set(awaited)
        self.painted: dict[str, float] = {}
        self.began: dict[str, float] = {}  # the paint event that covers it came
        self._seen: set[str] = set()  # in a paint whose end is not stamped yet
        self.all_painted = asyncio.Event()
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QPaintEvent):
            began = time.monotonic()
            shown = self._newly_shown(event.rect())
            if shown:
                self._seen.update(shown)
                self.began.update(dict.fromkeys(shown, began))
                QTimer.singleShot(0, partial(self._stamp, shown))
        return False

    def _newly_shown(self, area: QRect) -> list[str]:
        """Awaited texts in rows that ``area`` covers, from the bottom up to the top of the
        viewport (new messages come at the bottom)."""
        model = self.view.model()
        if model is None:
            return []
        shown = []
        for row in range(model.rowCount() - 1, -1, -1):
            index = model.index(row, 0)
            rect = self.view.visualRect(index)
            if rect.bottom() < 0:
                break
            text = index.data()
            if text in self.awaited and text not in self._seen and rect.intersects(area):
                shown.append(text)
        return shown

    def _stamp(self, texts: list[str]) -> None:
        now = time.monotonic()
        for text in texts:
            self.painted[text] = now
        if len(self.painted) == len(self.awaited):
            self.all_painted.set()


class Stages:
    """When each awaited message passed the steps between Enter and paint that the app
    tells of: in the sender, queued in the outbox and acknowledged by the server (heard on
    the engine's thread as it says so); in the receiver, stored from the server's push
    (likewise) and inserted in the open chat's model (heard on the GUI thread, after the
    window, which inserts it, heard it)."""

    def __init__(self, awaited: list[str]) -> None:
        self.awaited = set(awaited)
        self.times: dict[str, dict[str, float]] = {}  # by stage, then text

    @classmethod
    async def heard(cls, running: Running, awaited: list[str]) -> "Stages":
        """Stages listening to ``running``'s engine from now on."""
        stages = cls(awaited)
        bridge = running.bridge
        await bridge.call(bridge.engine.subscribe, stages._engine_event)
        bridge.engine_event.connect(stages._gui_event)
        return stages

    def _engine_event(self, event: AppEvent) -> None:
        """On the engine's thread."""
        now = time.monotonic()
        m = event.message if isinstance(event, MessageAdded | MessageUpdated) else None
        if m is None or m.text not in self.awaited:
            return
        if isinstance(event, MessageUpdated):
            self._note("queued" if m.seq is None else "acked", m.text, now)
        else:
            self._note("stored", m.text, now)

    def _gui_event(self, event: AppEvent) -> None:
        if isinstance(event, MessageAdded) and event.message.text in self.awaited:
            self._note("inserted", event.message.text, time.monotonic())

    def _note(self, stage: str, text: str, now: float) -> None:
        """The first time only: an event can come again (a sync after a push)."""
        self.times.setdefault(stage, {}).setdefault(text, now)


async def _line() -> str:
    """The next line from the benchmark, read off the GUI thread."""
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


def _say(line: str) -> None:
    print(line, flush=True)


async def _until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def _listed(window: MainWindow, channel_id: int) -> int:
    """The chat's row in the chat list, once the list shows it: the window reads the list
    again a moment after the engine has stored a new chat."""
    listed = asyncio.Event()

    def look() -> None:
        if window.channels.row_of(channel_id) is not None:
            listed.set()

    window.channels.modelReset.connect(look)
    look()
    try:
        async with asyncio.timeout(START_TIMEOUT):
            await listed.wait()
    finally:
        window.channels.modelReset.disconnect(look)
    row = window.channels.row_of(channel_id)
    assert row is not None  # the list was read on this thread since it was seen there
    return row


async def _open_chat(window: MainWindow, channel_id: int) -> None:
    """Choose the chat in the list (as a click does) and wait until the conversation has
    been painted at its newest message."""
    row = await _listed(window, channel_id)
    painted = asyncio.Event()

    class Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if isinstance(event, QPaintEvent) and window.pane.is_at_bottom():
                painted.set()
            return False

    watch = Painted(window)
    window.pane.view.viewport().installEventFilter(watch)
    window.channel_list.setCurrentIndex(window.filtered.mapFromSource(window.channels.index(row)))
    window.activateWindow()
    async with asyncio.timeout(START_TIMEOUT):
        await painted.wait()
    window.pane.view.viewport().removeEventFilter(watch)


async def _press(edit: MessageEdit, texts: list[str], rate: float) -> dict[str, float]:
    """Type each text into the composer half a period before its turn, then press Enter on
    the beat; returns the time of each press. The typing stays clear of the moments measured:
    a person types the next message while the last one travels, not in a burst after it."""
    edit.setFocus()
    start = time.monotonic() + 1 / rate
    pressed: dict[str, float] = {}
    for n, text in enumerate(texts):
        due = start + n / rate
        await _until(due - 0.5 / rate)
        QTest.keyClicks(edit, text)
        await _until(due)
        pressed[text] = time.monotonic()
        QTest.keyClick(edit, Qt.Key.Key_Return)
    return pressed


class CpuClock:
    """The CPU time this process, and its GUI thread alone, spent since it was made (to be
    read on the GUI thread)."""

    def __init__(self) -> None:
        self._process, self._gui = time.process_time(), time.thread_time()

    def spent(self) -> dict[str, float]:
        return {
            "process_s": time.process_time() - self._process,
            "gui_s": time.thread_time() - self._gui,
        }


async def _sender(running: Running, texts: list[str], rate: float) -> dict[str, Any]:
    clock = PaintClock(running.window.pane.view, texts)  # its own window shows each at once
    stages = await Stages.heard(running, texts)
    _say(READY)
    if await _line() != "go":
        raise RuntimeError("the benchmark did not say go")
    cpu = CpuClock()
    pressed = await _press(running.window.pane.composer.edit, texts, rate)
    if await _line() != "stop":
        raise RuntimeError("the benchmark did not say stop")
    times = {"pressed": pressed, "echoed": clock.painted, **stages.times}
    return {"times": times, "cpu": cpu.spent()}


async def _receiver(running: Running, texts: list[str], rate: float) -> dict[str, Any]:
    clock = PaintClock(running.window.pane.view, texts)
    stages = await Stages.heard(running, texts)
    _say(READY)
    cpu = CpuClock()
    try:
        async with asyncio.timeout(len(texts) / rate + DRAIN_TIMEOUT):
            await clock.all_painted.wait()
    except TimeoutError:
        pass  # the benchmark says how many are missing
    times = {"painted": clock.painted, "paint_began": clock.began, **stages.times}
    return {"times": times, "cpu": cpu.spent()}


async def run(app: DesktopApp, role: str, channel_id: int, messages: int, rate: float) -> dict:
    """Start the app, open the chat, play ``role``; returns what it measured."""
    running = await app.start()
    if running is None:
        raise RuntimeError("the app did not start")
    try:
        bridge = running.bridge
        await bridge.wait(bridge.engine.wait_caught_up(START_TIMEOUT))
        await _open_chat(running.window, channel_id)
        play = _sender if role == "sender" else _receiver
        return await play(running, message_texts(messages), rate)
    finally:
        DesktopApp.shut_down(running)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.bench_e2e_app", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("role", choices=("sender", "receiver"))
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--channel", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    args = parser.parse_args(argv)
    credentials = MemoryCredentials()
    profile = Profile.load(args.profile)
    credentials.save(profile.keyring_account, DeviceSecret(**json.loads(sys.stdin.readline())))

    app, loop = start_qt(sys.argv[:1])
    desktop_app = DesktopApp(app, args.profile, credentials)
    with loop:
        result = loop.run_until_complete(
            run(desktop_app, args.role, args.channel, args.messages, args.rate)
        )
    _say(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
