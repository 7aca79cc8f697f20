"""A conversation's rows are laid out once and kept: Qt's list view asks for every row's
size whenever a row is added, and paints every row on screen at each new message. What is
kept follows every change that moves a row: a new version of the message, the row above,
the width, display names; a row further down is the same row moved."""

import dataclasses

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from desktop.cache.views import AttachmentView, MessageView, QuoteView, ReactionView
from desktop.ui.bubble import BubbleLayout, RowLayout

LONG = "a message long enough to wrap over several lines in a narrow view " * 4
TS = 1_700_000_000_000


class CountingLayout(BubbleLayout):
    """Counts the rows it really lays out."""

    def __init__(self) -> None:
        super().__init__("alice", group=True, marker_seq=3)
        self.laid_out = 0

    def _lay_out(
        self, option: QStyleOptionViewItem, m: MessageView, above: MessageView | None
    ) -> RowLayout:
        self.laid_out += 1
        return super()._lay_out(option, m, above)


def _option(width: int, top: int = 0) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.font = QApplication.font()
    option.rect = QRect(0, top, width, 0)
    return option


def test_a_row_is_laid_out_once_while_nothing_changes(qapp: QApplication) -> None:
    rows = CountingLayout()
    first = MessageView(1, 1, "message", "bob", "hi", TS)
    second = MessageView(1, 2, "message", "bob", LONG, TS + 1000)
    heights = [rows.height(_option(700), second, first) for _ in range(50)]
    painted = [rows.layout(_option(700, top), second, first) for top in range(0, 500, 10)]
    assert rows.laid_out == 1
    assert heights == [painted[0].height] * 50
    assert [row.top - painted[0].top for row in painted] == list(range(0, 500, 10))


def test_a_changed_message_narrower_view_or_new_row_above_is_laid_out_again(
    qapp: QApplication,
) -> None:
    rows = CountingLayout()
    above = MessageView(1, 1, "message", "bob", "hi", TS)
    short = MessageView(1, 2, "message", "bob", "ok", TS + 1000)
    wide = _option(700)
    before = rows.height(wide, short, above)
    edited = dataclasses.replace(short, text=LONG, edited=True)  # a new version: a new object
    assert rows.height(wide, edited, above) > before
    assert rows.height(_option(200), edited, above) > rows.height(wide, edited, above)
    # Another sender above: the sender's name now shows over the bubble, which is taller.
    other = dataclasses.replace(above, sender="carol")
    assert rows.height(wide, short, other) > before
    assert rows.laid_out == 5


def test_display_names_lay_the_rows_out_again(qapp: QApplication) -> None:
    rows = CountingLayout()
    m = MessageView(1, 1, "message", "bob", "hi", TS)
    rows.height(_option(700), m, None)
    rows.names = {"bob": "Bob Builder"}
    rows.height(_option(700), m, None)
    assert rows.laid_out == 2


def test_a_row_moved_down_is_the_row_laid_out_there(qapp: QApplication) -> None:
    photo = AttachmentView(0, "ab" * 32, 2048, "a.png", "image/png", 40, 30, b"", None)
    card = AttachmentView(1, "cd" * 32, 4096, "b.pdf", "application/pdf", None, None, b"")
    shapes = [
        MessageView(1, 3, "message", "bob", LONG, TS),  # the first unread: a marker above
        MessageView(1, 4, "message", "alice", "mine", TS,
                    reactions=(ReactionView("👍", ("bob",)),)),
        MessageView(1, 5, "message", "bob", "a reply", TS, reply_to=1,
                    quote=QuoteView(1, "carol", "the original", False, False)),
        MessageView(1, None, "message", "alice", "no", TS, "failed", "c1", "not a member"),
        MessageView(1, 6, "message", "bob", "files", TS, attachments=(photo, card)),
        MessageView(1, 7, "member_added", "alice", "", TS, subject="dave"),
    ]  # fmt: skip
    rows = CountingLayout()
    above = MessageView(1, 2, "message", "carol", "before", TS - 2 * 86_400_000)
    for m in shapes:
        for top in (0, 37, 1200):
            assert rows.layout(_option(700, top), m, above) == rows._lay_out(
                _option(700, top), m, above
            )
