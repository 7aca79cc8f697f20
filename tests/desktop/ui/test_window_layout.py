"""The main window's layout: narrow windows elide instead of scrolling sideways, bubbles stay
readable on wide ones, emoji are drawn at the size of the text, and the window's size,
place and split come back after a restart."""

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from desktop.app import DesktopApp
from desktop.ui.bubble import LINE_CHARS, make_document
from desktop.ui.window_layout import LAYOUT_FILE
from shared.protocol import OpenDirect
from tests.desktop.ui.test_window import send_as, until
from tests.support import WAIT

LONG_NAME = "bartholomew_of_the_longest_names"  # 32 characters, the most a name may have
LONG_TEXT = " ".join(["a long message that wraps into many lines"] * 12)


async def long_chat(net, profiles, people, windows):
    """Alice's window with the chat of someone with a long name open, showing a long message
    and a reply to it being written."""
    alice = await windows(profiles("alice", "laptop", create=True))
    other = people(LONG_NAME)
    channel = net.submit(other.request(OpenDirect(user="alice"))).result(WAIT).channel
    send_as(net, other, channel.id, LONG_TEXT)
    await until(lambda: alice.window.channels.row_of(channel.id) is not None)
    alice.window.open_channel(channel.id)
    model = alice.window.pane.model
    await until(lambda: model is not None and model.rowCount() == 2)
    alice.window.pane.start_reply(model.message_at(1).seq)
    return alice


def test_a_narrow_window_elides_names_and_previews(qtbot, qloop, net, profiles, people, windows):
    async def scenario() -> None:
        window = (await long_chat(net, profiles, people, windows)).window
        window.resize(480, 360)
        qtbot.waitUntil(lambda: window.size() == QSize(480, 360))  # nothing holds it wider
        title = window.pane.title
        assert title.text() == LONG_NAME and title.shown_text().endswith("…")
        assert window.pane.composer.bar.title.shown_text().endswith("…")
        bar = window.channel_list.horizontalScrollBar()
        assert bar.maximum() == 0  # the chat list does not scroll sideways
        assert window.pane.view.horizontalScrollBar().maximum() == 0

    qloop.run_until_complete(scenario())


def test_bubbles_stay_about_65_characters_wide(qtbot, qloop, net, profiles, people, windows):
    async def scenario() -> None:
        window = (await long_chat(net, profiles, people, windows)).window
        window.resize(1920, 1080)
        view = window.pane.view
        qtbot.waitUntil(lambda: view.width() > 1400)
        delegate = view.itemDelegate()
        row = delegate.layout_in(view, window.pane.model.index(1))
        average = QFontMetrics(view.font()).averageCharWidth()
        assert LINE_CHARS * average * 0.9 <= row.text.width() <= LINE_CHARS * average
        assert row.bubble.width() < view.width() / 2  # not the two thirds of a narrow one

    qloop.run_until_complete(scenario())


def ink_height(draw) -> int:
    """How many rows of pixels ``draw`` paints on a white image."""
    image = QImage(300, 120, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    draw(painter)
    painter.end()
    white = QColor("white")
    rows = [y for y in range(image.height()) if any(
        image.pixelColor(x, y) != white for x in range(image.width()))]  # fmt: skip
    return max(rows) - min(rows) + 1 if rows else 0


def test_emoji_are_drawn_at_the_size_of_the_text(qapp) -> None:
    """In a bubble's text and in what the chat list draws, at two sizes: an emoji is about
    as tall as a capital letter with its descent, neither a dot nor a block."""
    for points in (9, 14):
        font = QFont(qapp.font())
        font.setPointSizeF(points)
        capital = QFontMetrics(font).capHeight()

        def in_bubble(text: str, f: QFont = font):
            return lambda p: make_document(text, f, 280).drawContents(p)

        def in_list(text: str, f: QFont = font):
            def draw(p: QPainter) -> None:
                p.setFont(f)
                p.drawText(QRect(0, 0, 300, 120), 0, text)

            return draw

        for drawn in (in_bubble, in_list):
            emoji = ink_height(drawn("😀"))
            assert capital <= emoji <= 2 * capital, (points, drawn.__name__, emoji, capital)


def test_size_place_and_split_come_back(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        first = await windows(profile)
        first.window.resize(700, 500)
        first.window.move(QPoint(40, 30))
        first.window.splitter.setSizes([180, 520])
        qtbot.waitUntil(lambda: first.window.size() == QSize(700, 500))
        sizes = first.window.splitter.sizes()
        DesktopApp.shut_down(first)  # quitting saves it
        assert (profile.dir / LAYOUT_FILE).exists()

        again = (await windows(profile)).window
        assert again.size() == QSize(700, 500)
        assert again.pos() == QPoint(40, 30)
        qtbot.waitUntil(lambda: again.splitter.sizes() == sizes)

        other = (await windows(profiles("bob", "laptop", create=True))).window
        assert other.size() != QSize(700, 500)  # another profile keeps its own

    qloop.run_until_complete(scenario())


def test_an_unreadable_layout_leaves_the_defaults(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        profile = profiles("alice", "laptop", create=True)
        (profile.dir / LAYOUT_FILE).write_text('{"geometry": "not base64!"}', encoding="utf-8")
        window = (await windows(profile)).window
        assert window.size() == QSize(1040, 700)
        assert window.splitter.sizes()[0] == 300

    qloop.run_until_complete(scenario())
