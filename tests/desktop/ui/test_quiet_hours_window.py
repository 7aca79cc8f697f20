"""Quiet hours in the window: the Notifications page sets the schedule (on or off, from, to,
days) for every device of the account and follows it when another device changes it; the
status bar and the do-not-disturb menus say when quiet hours hold now. Screens are saved to
``TIDINGS_SHOTS`` (a folder) when it is set, to look at."""

import datetime as dt

from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMenu, QToolButton

from desktop.core.quiet_hours import hh_mm
from desktop.ui.quiet_hours_box import CHOSEN_COLOUR
from desktop.ui.settings_notifications import NotificationsPage
from shared.client import Connection
from shared.protocol import QuietHours, SettingsPush, UpdateSettings
from tests.desktop.ui.test_do_not_disturb_window import checked, shot
from tests.desktop.ui.test_window import until
from tests.support import PASSWORD, WAIT

WEEKDAYS = 0b0011111


def around_now() -> QuietHours:
    """Quiet hours every day from an hour ago to an hour from now, this computer's time."""
    now = dt.datetime.now()
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
    return QuietHours(on=True, start=start.hour * 60 + start.minute, end=end.hour * 60 + end.minute)


def looks_chosen(day: QToolButton) -> bool:
    """Whether the day button shows in the chosen days' colour (some pixels of it)."""
    image = day.grab().toImage()
    chosen = QColor(CHOSEN_COLOUR).rgb()
    pixels = (image.pixel(x, y) for x in range(image.width()) for y in range(image.height()))
    return any(pixel == chosen for pixel in pixels)


def test_the_page_sets_quiet_hours_and_follows_another_device(qtbot, qloop, net, profiles, windows):
    async def phone_of(profile) -> tuple[Connection, list]:
        pushes: list = []
        phone = Connection(
            profile.server, server_key=profile.server_key, key_endpoint=profile.key_endpoint
        )
        phone.on_push = pushes.append
        await phone.open()
        await phone.wait_ready(WAIT)
        await phone.login("alice", PASSWORD, "phone")
        return phone, pushes

    def pushed_hours(pushes: list) -> list[QuietHours | None]:
        return [p.settings.quiet_hours for p in pushes if isinstance(p, SettingsPush)]

    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        alice = await windows(profile)
        window = alice.window
        phone, pushes = net.submit(phone_of(profile)).result(WAIT)
        page = NotificationsPage(window.dnd, window.policy, profile.dir)
        box = page.quiet_hours
        assert box.hours() == QuietHours()  # off, 22:00 to 07:00, every day
        assert not box.start.isEnabled() and not box.days[0].isEnabled()
        assert not looks_chosen(box.days[0])  # greyed as the times are, though it is chosen
        shot(page, "notifications-page-quiet-hours-off")
        assert "time zone" in box.note.text() and "this device only" not in box.note.text()

        on_its_box = QPoint(6, box.on.height() // 2)  # the widget is wider than its label
        qtbot.mouseClick(box.on, Qt.MouseButton.LeftButton, pos=on_its_box)
        await until(lambda: window.dnd.quiet.hours.on)
        assert box.start.isEnabled() and looks_chosen(box.days[0])
        for weekend_day in box.days[5:]:
            weekend_day.setChecked(False)
        box.start.setTime(QTime(23, 30))
        box.start.editingFinished.emit()  # as leaving the field does
        nights = QuietHours(on=True, start=23 * 60 + 30, end=7 * 60, days=WEEKDAYS)
        await until(lambda: window.dnd.quiet.hours == nights)
        await until(lambda: nights in pushed_hours(pushes))  # the phone heard
        [account_dnd] = [m for m in window.findChildren(QMenu) if m.title() == "Do not disturb"]
        schedule = next(a for a in account_dnd.actions() if a.objectName() == "dnd-schedule")
        assert schedule.isVisible() and schedule.text() == "Quiet hours 23:30 to 07:00, Mon to Fri"
        shot(page, "notifications-page-quiet-hours")

        # The phone sets hours that hold now: the page, the status bar and the menus follow.
        now_quiet = around_now()
        net.submit(phone.request(UpdateSettings(quiet_hours=now_quiet))).result(WAIT)
        await until(lambda: box.hours() == now_quiet)
        assert window.dnd_label.isVisibleTo(window)
        assert window.dnd_label.text().startswith("🌙 Quiet hours until")
        assert hh_mm(now_quiet.end) in window.dnd_label.text()
        status, ticks = checked(account_dnd)
        assert status.startswith("Quiet hours until") and ticks == ["dnd-off"]
        shot(window, "window-quiet-hours-now")
        account_dnd.adjustSize()
        shot(account_dnd, "menu-quiet-hours-now")

        box.on.setChecked(False)  # off again, from the page: hours and days are kept
        await until(lambda: not window.dnd.quiet.hours.on)
        assert not window.dnd_label.isVisibleTo(window) and not schedule.isVisible()
        assert window.dnd.quiet.hours.start == now_quiet.start
        net.submit(phone.close()).result(WAIT)

    qloop.run_until_complete(scenario())
