"""The Notifications page's quiet hours: a weekly do-not-disturb schedule, on or off, from a
time to a time on chosen days. It follows the window's ``DndControl`` (the account's
schedule, also when another device changes it) and sends each change through it, as a
whole schedule; the times are each device's own local time, and the box says so."""

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
)

from desktop.core.quiet import Quiet
from desktop.ui.i18n import tr
from desktop.ui.quiet_hours_text import day_names
from desktop.ui.quiet_menu import DndControl
from desktop.ui.tasks import spawn
from shared.protocol import QuietHours

# A chosen day stands out as the status bar's do-not-disturb sign does; while quiet hours
# are off it is greyed, as the times are.
CHOSEN_COLOUR = "#4338ca"
CHOSEN_DAY = (
    f"QToolButton:checked:enabled {{ background: {CHOSEN_COLOUR}; color: white;"
    " border-radius: 4px; }"
    " QToolButton:checked:disabled { background: #d1d5db; color: #6b7280;"
    " border-radius: 4px; }"
)


def _time_edit(name: str) -> QTimeEdit:
    edit = QTimeEdit()
    edit.setObjectName(name)
    edit.setDisplayFormat("HH:mm")
    return edit


def _minutes(time: QTime) -> int:
    return time.hour() * 60 + time.minute()


class QuietHoursBox(QGroupBox):
    """The schedule's controls; ``hours()`` is the schedule they show."""

    def __init__(self, dnd: DndControl) -> None:
        super().__init__(tr("Quiet hours"))
        self.setObjectName("quietHours")
        self.dnd = dnd
        self.on = QCheckBox(tr("Do not disturb at these hours every week"))
        self.on.setObjectName("quietOn")
        self.on.toggled.connect(self._changed)
        self.start = _time_edit("quietStart")
        self.end = _time_edit("quietEnd")
        for edit in (self.start, self.end):
            edit.editingFinished.connect(self._changed)
        times = QHBoxLayout()
        times.addWidget(QLabel(tr("From")))
        times.addWidget(self.start)
        times.addWidget(QLabel(tr("to")))
        times.addWidget(self.end)
        times.addStretch(1)
        self.days: list[QToolButton] = []
        week = QHBoxLayout()
        for i, name in enumerate(day_names()):
            day = QToolButton()
            day.setObjectName(f"quietDay{i}")
            day.setText(name)
            day.setCheckable(True)
            day.setStyleSheet(CHOSEN_DAY)
            day.toggled.connect(self._changed)
            week.addWidget(day)
            self.days.append(day)
        week.addStretch(1)
        self.note = QLabel()  # whose clock, and whether other devices share it
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #6b7280;")
        box = QVBoxLayout(self)
        box.addWidget(self.on)
        box.addLayout(times)
        box.addLayout(week)
        box.addWidget(self.note)
        dnd.changed.connect(self.show_quiet)
        self.show_quiet(dnd.quiet)

    def hours(self) -> QuietHours:
        """The schedule as the controls show it."""
        return QuietHours(
            on=self.on.isChecked(),
            start=_minutes(self.start.time()),
            end=_minutes(self.end.time()),
            days=sum(1 << i for i, day in enumerate(self.days) if day.isChecked()),
        )

    def show_quiet(self, quiet: Quiet) -> None:
        """Show the account's schedule (without sending it back)."""
        hours = quiet.hours
        widgets = [self.on, self.start, self.end, *self.days]
        for widget in widgets:
            widget.blockSignals(True)
        self.on.setChecked(hours.on)
        self.start.setTime(QTime(hours.start // 60, hours.start % 60))
        self.end.setTime(QTime(hours.end // 60, hours.end % 60))
        for i, day in enumerate(self.days):
            day.setChecked(bool(hours.days & (1 << i)))
        for widget in widgets:
            widget.blockSignals(False)
            widget.setEnabled(widget is self.on or hours.on)
        self.note.setText(self._note(quiet))

    @staticmethod
    def _note(quiet: Quiet) -> str:
        zone = tr(
            "The times are each device's own: a device in another time zone keeps them in "
            "its local time."
        )
        if quiet.hours_on_server:
            return zone
        return (
            zone
            + " "
            + tr(
                "Your server does not keep quiet hours for your other devices: they apply on "
                "this device only."
            )
        )

    def _changed(self) -> None:
        hours = self.hours()
        if hours != self.dnd.quiet.hours:
            spawn(self.dnd.set_hours(hours))
