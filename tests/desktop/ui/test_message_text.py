"""What a bubble's text shows and lets the user do: mentions highlighted (the user's own at
once, and the chat list's "@" while one is unread), links that open, text selected with the
mouse or from the menu and copied, and a placeholder for a kind of event this version cannot
show."""

from dataclasses import replace

from PySide6.QtCore import QObject, QPoint, QRect, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QTextCursor
from PySide6.QtWidgets import QApplication, QMenu, QStyleOptionViewItem

from desktop.cache.views import ChannelView, MentionView, MessageView
from desktop.core.events import AppEvent, MessageUpdated
from desktop.ui.bubble import ACCENT, MENTION_OF_ME, BubbleLayout, links, shown_mentions
from desktop.ui.delegates import ChannelDelegate, SelectableText, badges
from desktop.ui.dialogs import FormDialog
from shared.protocol import CreateGroup, OpenDirect
from tests.desktop.ui.test_message_actions import by_seq, index_of, layout_of, right_click, shown
from tests.desktop.ui.test_outbox_window import _shown
from tests.desktop.ui.test_window import badge, send_as, type_and_send, until
from tests.support import WAIT


class Opened(QObject):
    """Receives the links the app asks the system to open (``QDesktopServices``)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_a_mention_of_me_stands_out_and_marks_the_chat_until_read(
    qtbot, qloop, net, profiles, people, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        group = net.submit(bob.request(CreateGroup(name="crew", members=["alice"]))).result(WAIT)
        group_id = group.channel.id
        send_as(net, bob, group_id, "@alice can you bring the map?")
        send_as(net, bob, group_id, "no rush")
        channels = alice.window.channels

        def row() -> ChannelView:
            found = channels.row_of(group_id)
            assert found is not None
            channel: ChannelView = channels.channel_at(found)
            return channel

        await until(lambda: channels.row_of(group_id) is not None and row().unread == 2)
        assert row().unread_mentions == 1 and badges(row()) == ["@", "2"]

        alice.window.open_channel(group_id)  # in front and scrolled down: read
        await until(lambda: badge(alice, group_id) == 0)
        assert badges(row()) == []
        [mention] = [m for m in shown(alice) if m.text.startswith("@alice")]
        assert mention.mentions_me and mention.mentions[0].user == "alice"
        document = layout_of(alice, mention.seq).document
        assert document is not None
        named = QTextCursor(document)
        named.setPosition(3)  # inside "@alice"
        assert named.charFormat().background().color() == MENTION_OF_ME
        assert named.charFormat().foreground().color() == ACCENT
        after = QTextCursor(document)
        after.setPosition(10)  # "can"
        assert after.charFormat().background().color() != MENTION_OF_ME

    qloop.run_until_complete(scenario())


def accented_at(running, seq: int | None, position: int) -> bool:
    """Whether the text of message ``seq`` is drawn as a mention at ``position``."""
    document = layout_of(running, seq).document
    assert document is not None
    cursor = QTextCursor(document)
    cursor.setPosition(position)
    return cursor.charFormat().foreground().color() == ACCENT


def test_a_first_mention_in_a_new_group_stands_out_at_once(
    qtbot, qloop, net, profiles, people, windows
):
    """The user's own message is stored from the server's acknowledgement before the
    server's copy (which says whom it names) comes with the next sync: meanwhile it shows
    whom it names as the server finds it, as while it waited in the outbox."""

    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        alice.window.new_group()
        form = await _shown(alice.window, FormDialog)
        form.edits[0].setText("crew")
        form.edits[1].setText("bob")
        form.accept()
        await until(lambda: alice.window.pane.channel is not None)
        group_id = alice.window.pane.channel.id
        seen: list[tuple[bool, bool]] = []  # (the server's finding known, drawn as mention)

        def acknowledged(event: AppEvent) -> None:
            m = event.message if isinstance(event, MessageUpdated) else None
            if m is not None and m.seq is not None and m.kind == "message":
                seen.append((m.mentions_known, accented_at(alice, m.seq, 3)))

        alice.bridge.engine_event.connect(acknowledged)  # after the window's own slot
        type_and_send(qtbot, alice, "@bob can you bring the map?")
        await until(lambda: bool(seen))
        assert seen == [(False, True)]

        send_as(net, bob, group_id, "sure")  # alice confirms it with a sync: her copy comes
        [mine] = [m for m in shown(alice) if m.sender == "alice"]
        await until(lambda: by_seq(alice, mine.seq).mentions_known)
        assert by_seq(alice, mine.seq).mentions == (MentionView("bob", 0, 4),)
        assert accented_at(alice, mine.seq, 3) and not accented_at(alice, mine.seq, 10)

    qloop.run_until_complete(scenario())


def test_links_open_and_text_is_selected_and_copied(qtbot, qloop, net, profiles, people, windows):
    opened = Opened()
    # PySide6 takes the slot's name as str (its stub says bytes, which it refuses).
    QDesktopServices.setUrlHandler("https", opened, "open")  # type: ignore[arg-type]

    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = people("bob")
        chat = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        text = "the map is at https://maps.example/harbour. bring it"
        sent = send_as(net, bob, chat, text)
        send_as(net, bob, chat, "thanks")
        await until(lambda: badge(alice, chat) == 2)
        alice.window.open_channel(chat)
        await until(lambda: any(m.seq == sent.seq for m in shown(alice)))

        view = alice.window.pane.view
        layout = layout_of(alice, sent.seq)
        assert layout.document is not None
        link = _anchor_point(layout.document, layout.text, "https://maps.example/harbour")
        hit = layout.hit(link)
        assert hit is not None and hit.value == "https://maps.example/harbour"
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=link)
        await until(lambda: opened.urls == ["https://maps.example/harbour"])

        # The pointer over the text lays selectable text exactly over it.
        alice.window.pane.composer.edit.setFocus()
        qtbot.mouseMove(view.viewport(), layout.text.topLeft() + QPoint(2, 2))
        await until(lambda: isinstance(view.indexWidget(index_of(alice, sent.seq)), SelectableText))
        editor = view.indexWidget(index_of(alice, sent.seq))
        assert isinstance(editor, SelectableText)
        assert editor.geometry() == layout_of(alice, sent.seq).text
        assert editor.toPlainText() == text and not editor.has_selection()
        qtbot.mouseMove(view.viewport(), layout.text.topLeft() + QPoint(6, 3))
        assert alice.window.pane.composer.edit.hasFocus()  # typing still goes to the composer
        before = set(alice.window.pane.findChildren(QMenu))
        editor.customContextMenuRequested.emit(QPoint(3, 3))  # a right-click on the text
        [menu] = [m for m in alice.window.pane.findChildren(QMenu) if m not in before]
        assert [a.objectName() for a in menu.actions() if a.objectName()][-2:] == ["copy", "select"]
        menu.hide()

        right_click(alice, sent.seq)["select"].trigger()
        assert editor.textCursor().selectedText() == text and editor.hasFocus()
        qtbot.keySequence(editor, QKeySequence.StandardKey.Copy)
        assert QApplication.clipboard().text() == text

        # A press outside it ends the selection (and the overlay).
        empty = QPoint(view.viewport().width() - 5, layout_of(alice, sent.seq).top + 2)
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=empty)
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=empty)
        await until(lambda: view.indexWidget(index_of(alice, sent.seq)) is None)

    try:
        qloop.run_until_complete(scenario())
    finally:
        QDesktopServices.unsetUrlHandler("https")


def _anchor_point(document, rect: QRect, href: str) -> QPoint:
    """A point of ``rect`` (where ``document`` is drawn) on the link to ``href``."""
    block = document.begin()
    while block.isValid():
        fragment_iter = block.begin()
        while not fragment_iter.atEnd():
            fragment = fragment_iter.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position() + 2)
                line = block.layout().lineForTextPosition(cursor.positionInBlock())
                x, _ = line.cursorToX(cursor.positionInBlock())
                y = block.layout().position().y() + line.y() + line.height() / 2
                return rect.topLeft() + QPoint(int(x), int(y))
            fragment_iter += 1
        block = block.next()
    raise AssertionError(f"no link to {href}")


def test_links_are_what_people_type_as_links() -> None:
    found = [t for _, _, t in links("see www.example.org/a, or (https://x.example/b?c=1).")]
    assert found == ["https://www.example.org/a", "https://x.example/b?c=1"]


def test_a_message_not_stored_yet_shows_whom_it_names(qapp) -> None:
    pending = MessageView(5, None, "message", "alice", "ask @bob and @carol", 0, "pending", "c1")
    named = shown_mentions(pending, ("alice", "bob"))
    assert [(m.user, m.start, m.end) for m in named] == [("bob", 4, 8)]
    acknowledged = replace(pending, seq=3, state="sent", mentions_known=False)
    assert shown_mentions(acknowledged, ("alice", "bob")) == named
    copied = replace(acknowledged, mentions_known=True)  # the server found none after all
    assert shown_mentions(copied, ("alice", "bob")) == ()


def test_a_kind_this_version_cannot_show_has_a_placeholder(qapp) -> None:
    poll = MessageView(5, 7, "poll", "bob", "", 1_700_000_000_000)
    assert poll.unknown
    option = QStyleOptionViewItem()
    option.font = QApplication.font()
    option.rect = QRect(0, 0, 700, 0)
    layout = BubbleLayout("alice", group=False, marker_seq=None).layout(option, poll, None)
    assert layout.bubble is not None and layout.document is not None
    assert layout.document.toPlainText() == "a message this version of Tidings cannot show"
    channel = ChannelView(5, "direct", "", "bob", ("alice", "bob"), None, True, 7, 7, 0, 0,
                          False, poll)  # fmt: skip
    assert ChannelDelegate("alice")._preview(channel) == (
        "a message this version of Tidings cannot show"
    )
