"""The window against a server of the first release, which offers no replies, reactions,
edits, deletions or receipts: their actions are not offered, and chatting works as before."""

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from desktop.core.loop_thread import LoopThread
from desktop.core.notify_policy import NotificationPolicy
from desktop.ui.bridge import EngineBridge
from desktop.ui.idle import IdleMonitor
from desktop.ui.main_window import MainWindow
from desktop.ui.outbox import OutboxDialog
from desktop.ui.settings.privacy import PrivacyPage
from shared.client import Connection, Credentials
from tests.desktop.test_engine_old_server import CHAT, start_old_server
from tests.desktop.ui.test_message_actions import right_click, shown
from tests.desktop.ui.test_window import until
from tests.support import WAIT


@dataclass
class Olga:
    window: MainWindow


def test_a_server_without_replies_or_changes_gets_no_such_actions(
    qtbot, qloop, net: LoopThread, tmp_path: Path
):
    server, stop = net.submit(start_old_server()).result(WAIT)

    def engine() -> SyncEngine:
        connection = Connection(
            server.endpoint,
            server_key=server.public_key,
            credentials=Credentials(1, "token"),
            request_timeout=WAIT,
        )
        return SyncEngine(Cache.open(tmp_path / "olga.sqlite3", "olga"), connection)

    bridge = EngineBridge(engine)
    idle = IdleMonitor()
    notes: list[tuple[str, str]] = []

    async def scenario() -> MainWindow:
        await bridge.start()
        window = MainWindow(
            bridge, "olga", NotificationPolicy(bridge.cache, lambda *n: notes.append(n)), idle
        )
        window.show()
        await bridge.wait(bridge.engine.wait_caught_up(WAIT))
        window.open_channel(CHAT)
        olga = Olga(window)
        await until(lambda: [m.text for m in shown(olga)] == ["hello olga", "how are you?"])

        assert list(right_click(olga, 2)) == ["copy", "select"]  # no reply, react...
        assert not PrivacyPage(bridge).read_receipts.isEnabled()  # it keeps no receipts
        attach = window.pane.composer.attach_button
        assert not attach.isEnabled() and attach.toolTip() == "This server does not take files."
        edit = window.pane.composer.edit
        qtbot.keyClicks(edit, "fine, thanks")  # a plain message still goes
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        await until(lambda: [e.text for e in server.events][-1:] == ["fine, thanks"])
        await until(lambda: shown(olga)[-1].seq == 3)
        assert list(right_click(olga, 3)) == ["copy", "select"]  # no edit or delete either
        qtbot.keyClick(edit, Qt.Key.Key_Up)
        assert not window.pane.composer.bar.isVisible() and edit.toPlainText() == ""
        assert not {"react", "edit", "delete"} & {body["type"] for body in server.asked}

        # A reaction queued while the server still offered them (it was downgraded since)
        # is refused here, and the list of unsent messages says what it was.
        engine = bridge.engine
        await bridge.call(lambda: engine.cache.queue_change(CHAT, "reaction", 1, emoji="👍"))
        await bridge.wait(engine.settle(WAIT))
        await until(lambda: "1 not sent" in window.state_label.text())
        dialog = OutboxDialog(window, bridge)
        assert dialog.list.item(0).text().startswith("bob — Reaction 👍\nnot sent: the server")
        dialog.close()
        return window

    try:
        window = qloop.run_until_complete(scenario())
    finally:
        bridge.stop()
        net.call(stop).result(WAIT)
    window.hide()
    window.deleteLater()
    idle.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
