"""Bubble rows are tall enough for what they show: a line with Hangul, drawn from a fallback
font taller than the interface font, is not cut at the bottom."""

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

from desktop.cache.views import MessageView
from desktop.ui.delegates import MessageDelegate
from desktop.ui.models import MessageRole


def _row_height(message: MessageView) -> int:
    model = QStandardItemModel()
    item = QStandardItem()
    item.setData(message, MessageRole)
    model.appendRow(item)
    option = QStyleOptionViewItem()
    option.font = QApplication.font()
    option.rect = QRect(0, 0, 700, 0)
    delegate = MessageDelegate("alice", group=False, marker_seq=None)
    return delegate.sizeHint(option, model.index(0, 0)).height()


def test_a_refusal_in_hangul_gets_the_height_its_line_needs(qapp: QApplication) -> None:
    metrics = QFontMetrics(QApplication.font())
    latin, hangul = "not a member", "회원이 아닙니다"
    taller = metrics.boundingRect(QRect(0, 0, 10**6, 10**6), 0, hangul).height() - (
        metrics.boundingRect(QRect(0, 0, 10**6, 10**6), 0, latin).height()
    )
    if taller <= 0:
        pytest.skip("no installed font draws Hangul taller than the interface font")

    def failed(error: str) -> MessageView:
        return MessageView(1, None, "message", "alice", "hi", 0, "failed", "c1", error)

    assert _row_height(failed(hangul)) - _row_height(failed(latin)) == taller
