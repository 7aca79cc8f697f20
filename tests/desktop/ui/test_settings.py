"""The Settings window's device pages and its Privacy and Storage pages, with a real server,
real profile files and real widgets (offscreen)."""

import asyncio
import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from desktop.app import Running, install_translator
from desktop.core.preferences import PREFERENCES_FILE, Preferences
from desktop.platform import autostart
from desktop.ui.i18n import tr
from desktop.ui.settings.general import GeneralPage
from desktop.ui.settings.privacy import PrivacyPage
from desktop.ui.settings.storage import StoragePage
from desktop.ui.settings.window import SettingsWindow
from shared.protocol import OpenDirect
from tests.desktop.ui.test_window import badge, last, send_as, texts, type_and_send, until


def page(running: Running, title: str) -> QWidget:
    running.settings.show_page(title)
    found = running.settings.page(title)
    assert found is not None, f"no page {title!r}"
    return found


def saved(profile_dir: Path) -> dict:
    path = profile_dir / PREFERENCES_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


async def answer(parent: QWidget, action: str) -> None:
    """Click ``action`` in the confirmation ``parent`` is asking."""
    await until(lambda: parent.findChild(QMessageBox, "confirmation") is not None)
    box = parent.findChild(QMessageBox, "confirmation")
    assert box is not None
    [button] = [b for b in box.findChildren(QPushButton) if b.text() == action]
    button.click()


def test_the_window_lists_its_pages_and_takes_more(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        settings = alice.settings
        titles = [settings.pages.item(r).text() for r in range(settings.pages.count())]
        assert titles[:4] == ["General", "Notifications", "Privacy", "Storage"]
        extra = QWidget()
        settings.add_page("Extra", extra)  # as another part of the app adds one
        settings.show_page("Extra")
        assert settings.isVisible() and settings.page("Extra") is extra
        assert settings.stack.currentWidget().isAncestorOf(extra)

    qloop.run_until_complete(scenario())


def test_the_window_opens_centred_over_the_main_window_and_on_its_screen(qtbot):
    screen = QApplication.primaryScreen().availableGeometry()
    main = QWidget()
    qtbot.addWidget(main)
    main.setGeometry(screen.left() + 60, screen.top() + 120, 700, 560)
    main.show()
    settings = SettingsWindow(main)
    settings.resize(500, 400)
    settings.show_page()
    assert settings.isVisible()
    assert abs(settings.frameGeometry().center().x() - main.frameGeometry().center().x()) <= 2
    assert abs(settings.frameGeometry().center().y() - main.frameGeometry().center().y()) <= 2
    settings.close()

    main.move(screen.right() - 300, screen.bottom() - 200)  # mostly off the screen's corner
    settings.show_page()
    assert screen.contains(settings.frameGeometry())


def test_language_is_saved_in_the_profile_and_used_at_the_next_start(
    qtbot, qloop, qapp, profiles, windows
):
    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        alice = await windows(profile)
        general = page(alice, "General")
        assert isinstance(general, GeneralPage)
        assert not general.language_note.isVisible()
        general.language.setCurrentIndex(general.language.findData("ko"))
        await until(lambda: saved(profile.dir).get("language") == "ko")
        assert general.language_note.isVisible()  # it says when the language changes

        # What the next start does with it: Korean whatever the system asks for.
        translators = install_translator(qapp, Preferences.load(profile.dir).language)
        try:
            assert tr("Privacy") == "개인정보"
        finally:
            for translator in translators:
                qapp.removeTranslator(translator)
        translators = install_translator(qapp, "en")
        try:
            assert tr("Privacy") == "Privacy"
        finally:
            for translator in translators:
                qapp.removeTranslator(translator)

    qloop.run_until_complete(scenario())


def test_start_minimised_is_honoured_at_start(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        Preferences(start_minimised=True).save(profile.dir)
        alice = await windows(profile)
        if alice.tray is not None:  # waits in the tray
            assert not alice.window.isVisible()
        else:  # no tray here: on the task bar
            assert alice.window.isMinimized()
        general = page(alice, "General")
        assert isinstance(general, GeneralPage) and general.start_minimised.isChecked()
        general.start_minimised.click()
        await until(lambda: saved(profile.dir).get("start_minimised") is False)

    qloop.run_until_complete(scenario())


@pytest.mark.skipif(not autostart.supported(), reason="no XDG autostart on this platform")
def test_start_at_login_writes_and_removes_the_autostart_entry(
    qtbot, qloop, tmp_path, monkeypatch, profiles, windows
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        alice = await windows(profile)
        general = page(alice, "General")
        assert isinstance(general, GeneralPage)
        entry = autostart.entry_path(profile.dir)
        assert entry.parent == tmp_path / "config" / "autostart" and not entry.exists()
        general.start_at_login.click()
        await until(entry.exists)
        text = entry.read_text(encoding="utf-8")
        assert "Type=Application" in text and f"--profile {profile.dir}" in text
        await until(lambda: saved(profile.dir).get("start_at_login") is True)
        general.start_at_login.click()
        await until(lambda: not entry.exists())
        await until(lambda: saved(profile.dir).get("start_at_login") is False)

    qloop.run_until_complete(scenario())


def test_a_refused_autostart_entry_is_said_and_unchecked(
    qtbot, qloop, tmp_path, monkeypatch, profiles, windows
):
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config directory should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))

    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        general = page(alice, "General")
        assert isinstance(general, GeneralPage)
        if not general.start_at_login.isEnabled():
            assert not autostart.supported()
            return
        general.start_at_login.click()
        await until(lambda: general.error.text() != "")
        assert not general.start_at_login.isChecked()

    qloop.run_until_complete(scenario())


def test_read_receipts_are_on_the_privacy_page_and_kept_on_the_server(
    qtbot, qloop, profiles, windows
):
    async def scenario() -> None:
        laptop = await windows(profiles("alice", "laptop", create=True))
        phone = await windows(profiles("alice", "phone"))
        mine, other = page(laptop, "Privacy"), page(phone, "Privacy")
        assert isinstance(mine, PrivacyPage) and isinstance(other, PrivacyPage)
        assert mine.read_receipts.isEnabled() and mine.read_receipts.isChecked()
        mine.read_receipts.click()
        # The account's setting: the other device follows.
        await until(lambda: not other.read_receipts.isChecked())
        settings = phone.bridge.engine.settings
        assert settings is not None and not settings.read_receipts

    qloop.run_until_complete(scenario())


def test_clearing_the_cache_keeps_the_outbox_and_fetches_the_chats_again(
    qtbot, qloop, net, host, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        channel = net.submit(bob.request(OpenDirect(user="alice"))).result(10).channel
        send_as(net, bob, channel.id, "before clearing")
        await until(lambda: badge(alice, channel.id) == 1)
        alice.window.open_channel(channel.id)
        await asyncio.to_thread(host.stop)
        await until(lambda: "Offline" in alice.window.state_label.text())
        type_and_send(qtbot, alice, "not sent yet")
        await until(lambda: texts(alice) == ["before clearing", "not sent yet"])

        storage = page(alice, "Storage")
        assert isinstance(storage, StoragePage)
        assert storage.location.text() == str(alice.bridge.cache.path)
        await until(lambda: storage.size_label.text() not in ("", "…"))
        storage.clear_button.click()
        await answer(storage, "Clear cache")
        await until(lambda: storage.status.text().startswith("Cleared"))

        cache = alice.bridge.cache
        assert cache.messages(channel.id, None, 50) == [m for m in cache.outbox()]
        assert [m.text for m in cache.outbox()] == ["not sent yet"]
        assert cache.sync_cursor() is None and cache.channel(channel.id) is not None
        await until(lambda: texts(alice) == ["not sent yet"])  # the window shows the cache

        await asyncio.to_thread(host.restart)
        await until(lambda: texts(alice) == ["before clearing", "not sent yet"], timeout=30)
        await until(lambda: last(alice).state == "sent", timeout=30)
        assert cache.sync_cursor() is not None

    qloop.run_until_complete(scenario())


def test_cancelling_the_question_clears_nothing(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        await alice.bridge.ask(alice.bridge.engine.open_direct, "alice")
        cursor = alice.bridge.cache.sync_cursor()
        storage = page(alice, "Storage")
        assert isinstance(storage, StoragePage)
        storage.clear_button.click()
        await answer(storage, QApplication.translate("QPlatformTheme", "Cancel"))
        await until(lambda: storage.findChild(QMessageBox, "confirmation") is None)
        assert alice.bridge.cache.sync_cursor() == cursor and storage.status.text() == ""

    qloop.run_until_complete(scenario())
