"""A conversation's row heights are laid out once and kept: Qt's list view asks for every
row's height whenever a row is added. What is kept follows every change that moves a row's
height: a new version of the message, the row above, the width, display names."""

import dataclasses

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from desktop.cache.views import MessageView
from desktop.ui.bubble import BubbleLayout, RowLayout

LONG = "a message long enough to wrap over several lines in a narrow view " * 4


class CountingLayout(BubbleLayout):
    """Counts the rows it really lays out."""

    def __init__(self) -> None:
        super().__init__("alice", group=True, marker_seq=None)
        self.laid_out = 0

    def layout(
        self, option: QStyleOptionViewItem, m: MessageView, above: MessageView | None
    ) -> RowLayout:
        self.laid_out += 1
        return super().layout(option, m, above)


def _option(width: int) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.font = QApplication.font()
    option.rect = QRect(0, 0, width, 0)
    return option


def test_a_row_is_laid_out_once_while_nothing_changes(qapp: QApplication) -> None:
    rows = CountingLayout()
    first = MessageView(1, 1, "message", "bob", "hi", 1_700_000_000_000)
    second = MessageView(1, 2, "message", "bob", LONG, 1_700_000_001_000)
    option = _option(700)
    heights = [rows.height(option, second, first) for _ in range(50)]
    assert rows.laid_out == 1
    assert heights == [rows.layout(option, second, first).height] * 50


def test_a_changed_message_narrower_view_or_new_row_above_is_laid_out_again(
    qapp: QApplication,
) -> None:
    rows = CountingLayout()
    above = MessageView(1, 1, "message", "bob", "hi", 1_700_000_000_000)
    short = MessageView(1, 2, "message", "bob", "ok", 1_700_000_001_000)
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
    m = MessageView(1, 1, "message", "bob", "hi", 1_700_000_000_000)
    option = _option(700)
    rows.height(option, m, None)
    rows.names = {"bob": "Bob Builder"}
    rows.height(option, m, None)
    assert rows.laid_out == 2
