"""Refusals in the user's words, a confirmation before removing someone, a removed member's
group kept readable, plurals and "last seen", against a real server (signing a device out
is confirmed on the Account page: tests/desktop/ui/test_settings_account.py)."""

import datetime

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QMessageBox

from desktop.ui.dialogs import FormDialog, MembersDialog
from desktop.ui.languages import install_translations
from desktop.ui.last_seen import last_seen_text
from desktop.ui.refusals import Action, Attempt, explain
from shared.errors import ErrorCode, ProtocolError
from tests.desktop.ui.test_outbox_window import _shown
from tests.desktop.ui.test_window import until

NOW = datetime.datetime(2024, 5, 17, 16, 0)


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_last_seen_reads_as_people_say_it(qapp) -> None:
    minutes = datetime.timedelta(minutes=1)
    assert last_seen_text(_ms(NOW - 20 * datetime.timedelta(seconds=1)), NOW) == (
        "last seen just now"
    )
    assert last_seen_text(_ms(NOW - minutes), NOW) == "last seen 1 minute ago"
    assert last_seen_text(_ms(NOW - 5 * minutes), NOW) == "last seen 5 minutes ago"
    assert last_seen_text(_ms(NOW.replace(hour=14, minute=29)), NOW) == "last seen today at 14:29"
    yesterday = NOW.replace(hour=14, minute=29) - datetime.timedelta(days=1)
    assert last_seen_text(_ms(yesterday), NOW) == "last seen yesterday at 14:29"
    assert "14:29" not in last_seen_text(_ms(NOW.replace(month=3, hour=14, minute=29)), NOW)


def test_korean_plurals_and_last_seen(qapp) -> None:
    installed = install_translations(qapp, QLocale(QLocale.Language.Korean))
    try:
        assert last_seen_text(_ms(NOW - datetime.timedelta(minutes=5)), NOW) == "5분 전 접속"
        yesterday = NOW.replace(hour=14, minute=29) - datetime.timedelta(days=1)
        assert last_seen_text(_ms(yesterday), NOW) == "어제 14:29 접속"
        refused = ProtocolError(ErrorCode.INVALID, "a password has at least 8 characters")
        attempt = Attempt(Action.CREATE_ACCOUNT, names=("alice",), password="short")
        assert explain(refused, attempt) == "비밀번호는 8자 이상입니다."
    finally:
        for translator in installed:
            qapp.removeTranslator(translator)


def test_refusals_name_what_matters(qapp) -> None:
    def said(code: str, message: str, attempt: Attempt) -> str:
        return explain(ProtocolError(code, message), attempt)

    short = Attempt(Action.CREATE_ACCOUNT, names=("alice",), password="short", device="pc")
    assert said("invalid", "a password has at least 8 characters", short) == (
        "A password has at least 8 characters."
    )
    adding = Attempt(Action.ADD_MEMBERS, names=("bob", "bobby"))
    assert said("no_such_user", "no such user: bobby", adding) == (
        "There is no user named bobby. Check the spelling."
    )
    myself = Attempt(Action.REMOVE_MEMBER, names=("alice",), me="alice")
    assert said("invalid", "to remove yourself, leave the group", myself) == (
        "To remove yourself, use Leave group."
    )
    full = Attempt(Action.ADD_MEMBERS, names=("carol",))
    assert said("group_full", "a group holds at most 3 members", full) == (
        "A group holds at most 3 members on this server."
    )
    assert "ProtocolError" not in explain(TimeoutError(), full)


def test_a_refused_new_chat_stays_open_with_what_was_typed(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        alice.window.new_chat()
        form = await _shown(alice.window, FormDialog)
        form.edits[0].setText("bobby")
        form.accept()
        await until(lambda: form.isVisible() and "bobby" in form.error.text())
        assert form.error.text() == "There is no user named bobby. Check the spelling."
        assert form.edits[0].text() == "bobby"
        form.reject()

    qloop.run_until_complete(scenario())


async def _answer(parent, button_text: str) -> None:
    """Click ``button_text`` in the confirmation ``parent`` opened."""
    await until(lambda: any(b.isVisible() for b in parent.findChildren(QMessageBox)))
    box = next(b for b in parent.findChildren(QMessageBox) if b.isVisible())
    [button] = [b for b in box.buttons() if b.text() == button_text]
    button.click()


def test_removing_a_member_is_confirmed_and_leaves_their_chat_readable(
    qtbot, qloop, profiles, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = await windows(profiles("bob", "laptop", create=True))
        group = await alice.bridge.ask(alice.bridge.engine.create_group, "club", ["bob"])
        await until(lambda: bob.window.channels.row_of(group.id) is not None)
        bob.window.open_channel(group.id)
        assert bob.window.pane.subtitle.text() == "2 members"

        alice.window.open_channel(group.id)
        dialog = MembersDialog(alice.window, alice.bridge, alice.bridge.cache.channel(group.id))
        dialog.open()
        row = [dialog.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(2)]
        dialog.list.setCurrentRow(row.index("bob"))
        dialog.remove_button.click()
        await _answer(dialog, "Cancel")
        assert dialog.list.count() == 2  # nothing was done

        dialog.remove_button.click()
        await _answer(dialog, "Remove")
        await until(lambda: dialog.list.count() == 1)
        assert dialog.isVisible() and "1 member" in dialog.windowTitle()
        assert dialog.list.item(0).data(Qt.ItemDataRole.UserRole) == "alice"

        # Bob keeps the group, readable, and cannot write there any more.
        composer = bob.window.pane.composer
        await until(lambda: not composer.edit.isEnabled())
        assert composer.edit.placeholderText() == "You were removed from this group"
        assert bob.window.channels.row_of(group.id) is not None
        assert not bob.window.pane.members_button.isVisible()

    qloop.run_until_complete(scenario())
