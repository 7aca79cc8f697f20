"""Do not disturb and muting, as the window offers them. One ``DndControl`` per window is
the one source of truth on screen: it follows the engine (``QuietChanged``, from this device
or pushed from another) and the clock (do not disturb ending, quiet hours beginning and
ending), and every menu that shows do not disturb (the Account menu, the tray's, the
notifications page) is made by it and changes with it. Changes go to the
engine, which keeps them on the server for all of the user's devices where it can."""

import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QWidget

from desktop.core.quiet import Quiet, active, now_ms
from desktop.core.quiet_hours import next_change
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.quiet_hours_text import schedule_text
from desktop.ui.tasks import spawn
from shared.client import ConnectionClosed
from shared.errors import ProtocolError
from shared.protocol import UNTIL_TURNED_OFF, QuietHours

HOUR_MS = 3_600_000
MORNING_HOUR = 8  # "until tomorrow morning" ends at this local hour
MAX_TIMER_MS = 24 * HOUR_MS  # a far end is checked again daily (Qt timers are 32-bit)


def tomorrow_morning(now_ms_: int) -> int:
    """Ms since the epoch of the next morning, local time, at ``MORNING_HOUR``."""
    now = dt.datetime.fromtimestamp(now_ms_ / 1000).astimezone()
    morning = (now + dt.timedelta(days=1)).replace(
        hour=MORNING_HOUR, minute=0, second=0, microsecond=0
    )
    return int(morning.timestamp() * 1000)


def until_text(until: int, now: int | None = None) -> str:
    """When something quiet ends, for people: "until 14:30", "until Tue 08:00"."""
    if until == UNTIL_TURNED_OFF:
        return tr("until you turn it off")
    end = dt.datetime.fromtimestamp(until / 1000).astimezone()
    today = dt.datetime.fromtimestamp((now or now_ms()) / 1000).astimezone().date()
    if end.date() == today:
        return tr("until {time}").format(time=end.strftime("%H:%M"))
    return tr("until {day} {time}").format(day=end.strftime("%a"), time=end.strftime("%H:%M"))


def dnd_choices() -> list[tuple[str, str]]:
    """The choices every do-not-disturb menu offers, as (key, label)."""
    return [
        ("off", tr("Off")),
        ("hour", tr("For 1 hour")),
        ("morning", tr("Until tomorrow morning")),
        ("forever", tr("Until I turn it off")),
    ]


def dnd_until_for(choice: str, now: int) -> int:
    """The time a choice of ``dnd_choices`` turns do not disturb on until (0: off)."""
    return {
        "off": 0,
        "hour": now + HOUR_MS,
        "morning": tomorrow_morning(now),
        "forever": UNTIL_TURNED_OFF,
    }[choice]


def mute_choices() -> list[tuple[str, int | None]]:
    """The chat menu's mutes, as (label, how long in ms; None: until unmuted)."""
    return [
        (tr("For 1 hour"), HOUR_MS),
        (tr("For 8 hours"), 8 * HOUR_MS),
        (tr("For 1 week"), 7 * 24 * HOUR_MS),
        (tr("Always"), None),
    ]


class DndControl(QObject):
    """Do not disturb for one window. ``changed`` carries the ``Quiet`` now shown, when the
    engine says it changed, when its time ran out, or when quiet hours began or ended."""

    changed = Signal(object)

    def __init__(self, parent: QWidget, bridge: EngineBridge) -> None:
        super().__init__(parent)
        self.window = parent
        self.bridge = bridge
        self.quiet = bridge.engine.quiet if bridge.started else Quiet()
        self._menus: list[tuple[QAction, QAction, dict[str, QAction]]] = []
        self._ends = QTimer(self)  # fires when do not disturb or quiet hours begin or end
        self._ends.setSingleShot(True)
        self._ends.timeout.connect(lambda: self.show(self.quiet))
        self.show(self.quiet)

    @property
    def on(self) -> bool:
        return self.quiet.dnd_on()

    def show(self, quiet: Quiet) -> None:
        """Show ``quiet`` in every menu made here, and say so; wake up when it ends."""
        self.quiet = quiet
        for status, schedule, actions in self._menus:
            self._show_in(status, schedule, actions)
        self._ends.stop()
        now = now_ms()
        ends = [next_change(quiet.hours, now)]
        if self.on and quiet.dnd_until != UNTIL_TURNED_OFF:
            ends.append(quiet.dnd_until)
        wake = min((end for end in ends if end is not None), default=None)
        if wake is not None:
            self._ends.start(min(max(wake - now, 0) + 50, MAX_TIMER_MS))
        self.changed.emit(quiet)

    def choice(self) -> str | None:
        """Which choice the menus check: "off", "forever", or none for a time (the status
        line says until when)."""
        if not self.on:
            return "off"
        return "forever" if self.quiet.dnd_until == UNTIL_TURNED_OFF else None

    def status(self) -> str:
        """ "Do not disturb until 14:30", "Quiet hours until 07:00" (this device's time),
        or empty while neither holds."""
        if self.on:
            return tr("Do not disturb {until}").format(until=until_text(self.quiet.dnd_until))
        hours_end = self.quiet.quiet_hours_until()
        if hours_end is not None:
            return tr("Quiet hours {until}").format(until=until_text(hours_end))
        return ""

    def _show_in(self, status: QAction, schedule: QAction, actions: dict[str, QAction]) -> None:
        status.setText(self.status() or tr("Do not disturb is off"))
        schedule.setText(schedule_text(self.quiet.hours))
        schedule.setVisible(self.quiet.hours.on)
        key = self.choice()
        for name, action in actions.items():
            action.setChecked(name == key)

    def fill(self, menu: QMenu) -> None:
        """Put a line saying how it is and the choices into ``menu``, checked as do not
        disturb is now; they follow every change."""
        status = menu.addAction("")
        status.setEnabled(False)
        status.setObjectName("dnd-status")
        schedule = menu.addAction("")  # the quiet hours, while they are on
        schedule.setEnabled(False)
        schedule.setObjectName("dnd-schedule")
        menu.addSeparator()
        actions: dict[str, QAction] = {}
        for key, label in dnd_choices():
            action = QAction(label, menu, checkable=True)
            action.setObjectName(f"dnd-{key}")
            action.triggered.connect(lambda _=False, k=key: self.choose(k))
            menu.addAction(action)
            actions[key] = action
        self._show_in(status, schedule, actions)
        self._menus.append((status, schedule, actions))

    def choose(self, key: str) -> None:
        """The user chose a do-not-disturb choice (``dnd_choices``)."""
        spawn(self.set_until(dnd_until_for(key, now_ms())))

    async def set_until(self, until: int) -> None:
        """Turn do not disturb on until ``until`` (0: off) through the engine; a refusal or
        an unreachable server is shown, and the menus go back to what holds."""
        engine = self.bridge.engine
        await self._change(
            engine.set_do_not_disturb, until, tr("Do not disturb cannot be changed now")
        )

    async def set_hours(self, hours: QuietHours) -> None:
        """Set the quiet hours through the engine, as ``set_until`` does do not disturb."""
        engine = self.bridge.engine
        await self._change(engine.set_quiet_hours, hours, tr("Quiet hours cannot be changed now"))

    async def _change(
        self, operation: Callable[[Any], Coroutine[Any, Any, Quiet]], value: Any, failed: str
    ) -> None:
        try:
            quiet = await self.bridge.ask(operation, value)
        except (ProtocolError, TimeoutError, ConnectionClosed) as e:
            self.show(self.quiet)
            not_changed(self.window, failed, e)
            return
        self.show(quiet)


async def mute(window: QWidget, bridge: EngineBridge, channel_id: int, span: int | None) -> None:
    """Mute a chat for ``span`` ms (None: until unmuted; 0: unmute it) through the engine;
    a refusal or an unreachable server is shown."""
    until = 0 if span == 0 else UNTIL_TURNED_OFF if span is None else now_ms() + span
    try:
        await bridge.ask(bridge.engine.mute_chat, channel_id, until)
    except (ProtocolError, TimeoutError, ConnectionClosed, LookupError) as e:
        not_changed(window, tr("The chat cannot be muted now"), e)


def muted_text(until: int) -> str:
    """The chat menu's line about a muted chat: "Muted until 14:30"."""
    if not active(until, now_ms()):
        return ""
    return tr("Muted {until}").format(until=until_text(until))


def not_changed(window: QWidget, title: str, error: Exception) -> None:
    reason = error.message if isinstance(error, ProtocolError) else str(error)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        title,
        reason or tr("The server cannot be reached right now."),
        parent=window,
    )
    box.open()  # not exec(): no nested event loop


class MuteMenu(QMenu):
    """The chat menu's **Mute this chat**: for how long, or unmute; a line says until when
    the open chat is muted."""

    def __init__(self, window: QWidget, bridge: EngineBridge) -> None:
        super().__init__(tr("Mute this chat"), window)
        self.setObjectName("muteMenu")
        self.window_ = window
        self.bridge = bridge
        self.channel_id: int | None = None
        self.status = self.addAction("")
        self.status.setEnabled(False)
        self.addSeparator()
        for label, span in mute_choices():
            self.addAction(label).triggered.connect(lambda _=False, s=span: self._mute(s))
        self.addSeparator()
        self.unmute = self.addAction(tr("Unmute"))
        self.unmute.triggered.connect(lambda: self._mute(0))
        self.show_channel(None, 0)

    def show_channel(self, channel_id: int | None, muted_until: int) -> None:
        """The chat open now (None: none) and until when it is muted (0: not)."""
        self.channel_id = channel_id
        self.setEnabled(channel_id is not None)
        text = muted_text(muted_until)
        self.status.setText(text or tr("Not muted"))
        self.unmute.setEnabled(bool(text))

    def _mute(self, span: int | None) -> None:
        if self.channel_id is not None:
            spawn(mute(self.window_, self.bridge, self.channel_id, span))


class DndIndicator(QLabel):
    """The status bar's sign that do not disturb is on, and until when; hidden while off."""

    def __init__(self, dnd: DndControl) -> None:
        super().__init__()
        self.setObjectName("dndIndicator")
        self.setStyleSheet(
            "QLabel { background: #4338ca; color: white; border-radius: 8px; padding: 1px 8px; }"
        )
        self._dnd = dnd
        dnd.changed.connect(self.follow)
        self.follow()

    def follow(self, *_: object) -> None:
        text = self._dnd.status()
        self.setText("🌙 " + text)
        self.setVisible(bool(text))
