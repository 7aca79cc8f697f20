"""Painting: message bubbles with day separators and the new-messages marker, and chat rows."""

import datetime

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.cache.views import ChannelView, MessageView
from desktop.ui.i18n import tr
from desktop.ui.models import ChannelRole, MessageRole, PresenceRole

PAD = 8  # px inside a bubble
GAP = 4  # px between rows
SEPARATOR_HEIGHT = 30  # px for a day separator or the new-messages marker
BUBBLE_SHARE = 0.68  # of the view's width a bubble may take
OWN_BUBBLE = QColor("#d3e5ff")
OTHER_BUBBLE = QColor("#eef0f3")
MUTED_TEXT = QColor("#6b7280")
ACCENT = QColor("#1f6feb")
FAILED = QColor("#c62828")
PRESENCE_COLORS = {"online": QColor("#2ea043"), "away": QColor("#d29922")}
SENDER_COLORS = ["#1f6feb", "#8250df", "#bf3989", "#0a7d5a", "#b35900", "#2f6f9f"]


def day_label(ts: int) -> str:
    day = datetime.date.fromtimestamp(ts / 1000)
    today = datetime.date.today()
    if day == today:
        return tr("Today")
    if day == today - datetime.timedelta(days=1):
        return tr("Yesterday")
    return day.strftime("%Y-%m-%d")


def clock(ts: int) -> str:
    return datetime.datetime.fromtimestamp(ts / 1000).strftime("%H:%M")


def event_sentence(m: MessageView) -> str:
    """A membership change, said in words."""
    if m.kind == "created":
        if m.name:
            return tr("{sender} created the group “{name}”").format(sender=m.sender, name=m.name)
        return tr("{sender} started the chat").format(sender=m.sender)
    templates = {
        "member_added": tr("{sender} added {subject}"),
        "member_removed": tr("{sender} removed {subject}"),
        "member_left": tr("{subject} left"),
        "renamed": tr("{sender} renamed the group to “{name}”"),
    }
    return templates.get(m.kind, m.kind).format(sender=m.sender, subject=m.subject, name=m.name)


class MessageDelegate(QStyledItemDelegate):
    """Draws one timeline row. ``marker_seq`` is the first unread event when the chat opened."""

    def __init__(self, me: str, group: bool, marker_seq: int | None) -> None:
        super().__init__()
        self.me = me
        self.group = group
        self.marker_seq = marker_seq

    # --- layout -----------------------------------------------------------------------------

    def _neighbours(
        self, index: QModelIndex | QPersistentModelIndex
    ) -> tuple[MessageView, MessageView | None]:
        message = index.data(MessageRole)
        above = index.model().index(index.row() - 1, 0) if index.row() > 0 else None
        return message, above.data(MessageRole) if above is not None else None

    def _headers(self, m: MessageView, above: MessageView | None) -> tuple[bool, bool]:
        new_day = above is None or day_label(above.shown_ts) != day_label(m.shown_ts)
        marker = self.marker_seq is not None and m.seq == self.marker_seq
        return new_day, marker

    def _shows_sender(self, m: MessageView, above: MessageView | None, new_day: bool) -> bool:
        return (
            self.group
            and m.sender != self.me
            and (new_day or above is None or above.sender != m.sender or above.kind != "message")
        )

    def _line(self, option: QStyleOptionViewItem, text: str) -> int:
        """The height of one line of ``text``: taller than the font's own line when a glyph
        comes from a fallback font (Hangul next to Latin), which would otherwise be cut."""
        metrics = QFontMetrics(option.font)
        return max(
            metrics.height(), metrics.boundingRect(QRect(0, 0, 10**6, 10**6), 0, text).height()
        )

    def _failure(self, m: MessageView) -> str:
        return tr("Not sent: {reason} — click to retry, right-click to discard").format(
            reason=m.error or ""
        )

    def _text_rect(self, option: QStyleOptionViewItem, m: MessageView) -> QRect:
        width = max(120, int(option.rect.width() * BUBBLE_SHARE)) - 2 * PAD
        metrics = QFontMetrics(option.font)
        return metrics.boundingRect(QRect(0, 0, width, 10**7), Qt.TextFlag.TextWordWrap, m.text)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        m, above = self._neighbours(index)
        new_day, marker = self._headers(m, above)
        height = GAP + SEPARATOR_HEIGHT * (int(new_day) + int(marker))
        line = QFontMetrics(option.font).height()
        if m.kind != "message":
            return QSize(option.rect.width(), height + line + PAD)
        # The text, then the time line.
        height += (
            self._text_rect(option, m).height() + 2 * PAD + self._line(option, self._footer(m))
        )
        if self._shows_sender(m, above, new_day):
            height += self._line(option, m.sender)
        if m.state == "failed":
            height += self._line(option, self._failure(m)) + 2
        return QSize(option.rect.width(), height)

    # --- painting ---------------------------------------------------------------------------

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        m, above = self._neighbours(index)
        new_day, marker = self._headers(m, above)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = option.rect.top() + GAP
        if new_day:
            self._separator(painter, option, top, day_label(m.shown_ts), MUTED_TEXT)
            top += SEPARATOR_HEIGHT
        if marker:
            self._separator(painter, option, top, tr("New messages"), ACCENT)
            top += SEPARATOR_HEIGHT
        if m.kind == "message":
            self._bubble(painter, option, top, m, self._shows_sender(m, above, new_day))
        else:
            painter.setPen(MUTED_TEXT)
            rect = QRect(option.rect.left(), top, option.rect.width(), option.rect.bottom() - top)
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, event_sentence(m)
            )
        painter.restore()

    def _separator(
        self, painter: QPainter, option: QStyleOptionViewItem, top: int, text: str, color: QColor
    ) -> None:
        rect = QRect(option.rect.left(), top, option.rect.width(), SEPARATOR_HEIGHT)
        metrics = QFontMetrics(option.font)
        width = metrics.horizontalAdvance(text) + 24
        mid = rect.center().y()
        painter.setPen(color)
        painter.drawLine(rect.left() + 16, mid, rect.center().x() - width // 2, mid)
        painter.drawLine(rect.center().x() + width // 2, mid, rect.right() - 16, mid)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _bubble(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        top: int,
        m: MessageView,
        sender: bool,
    ) -> None:
        own = m.sender == self.me
        metrics = QFontMetrics(option.font)
        text = self._text_rect(option, m)
        footer = self._footer(m)
        footer_line = self._line(option, footer)
        sender_line = self._line(option, m.sender) if sender else 0
        inner_width = max(
            text.width(),
            metrics.horizontalAdvance(footer),
            metrics.horizontalAdvance(m.sender) if sender else 0,
        )
        height = text.height() + 2 * PAD + footer_line + sender_line
        left = option.rect.right() - 12 - inner_width - 2 * PAD if own else option.rect.left() + 12
        bubble = QRect(left, top, inner_width + 2 * PAD, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OWN_BUBBLE if own else OTHER_BUBBLE)
        painter.drawRoundedRect(bubble, 10, 10)
        y = top + PAD
        if sender:
            bold = QFont(option.font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.setPen(QColor(SENDER_COLORS[sum(map(ord, m.sender)) % len(SENDER_COLORS)]))
            painter.drawText(
                QRect(left + PAD, y, inner_width, sender_line), Qt.AlignmentFlag.AlignLeft, m.sender
            )
            painter.setFont(option.font)
            y += sender_line
        painter.setPen(QColor("#111827"))
        painter.drawText(
            QRect(left + PAD, y, text.width(), text.height()), Qt.TextFlag.TextWordWrap, m.text
        )
        y += text.height()
        painter.setPen(FAILED if m.state == "failed" else MUTED_TEXT)
        painter.drawText(
            QRect(left + PAD, y, inner_width, footer_line), Qt.AlignmentFlag.AlignRight, footer
        )
        if m.state == "failed":
            reason = self._failure(m)
            width = option.rect.width() - 24
            line = self._line(option, reason)
            painter.drawText(
                QRect(option.rect.left() + 12, bubble.bottom() + 2, width, line),
                Qt.AlignmentFlag.AlignRight if own else Qt.AlignmentFlag.AlignLeft,
                reason,
            )

    def _footer(self, m: MessageView) -> str:
        if m.state == "pending":
            return tr("sending…")
        if m.state == "failed":
            return tr("not sent")
        return clock(m.shown_ts) + ("  ✓" if m.sender == self.me else "")


class ChannelDelegate(QStyledItemDelegate):
    """A chat in the sidebar: presence dot, title, preview, time, unread badge, mute sign."""

    ROW_HEIGHT = 58

    def __init__(self, me: str) -> None:
        super().__init__()
        self.me = me

    def _preview(self, channel: ChannelView) -> str:
        m = channel.preview
        if m is None:
            return ""
        text = m.text.replace("\n", " ")
        if m.sender == self.me:
            return tr("You: {text}").format(text=text)
        return f"{m.sender}: {text}" if channel.kind == "group" else text

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), self.ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        channel: ChannelView = index.data(ChannelRole)
        presence = index.data(PresenceRole)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QColor("#e3edff"))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor("#f3f4f6"))
        self._avatar(painter, rect, channel, presence)
        metrics = QFontMetrics(option.font)
        left = rect.left() + 60
        right = rect.right() - 10
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#111827"))
        title = channel.title + ("  🔕" if channel.muted else "")
        time_text = clock(channel.last_ts) if channel.last_ts else ""
        time_width = metrics.horizontalAdvance(time_text) + 8
        painter.drawText(
            QRect(left, rect.top() + 9, right - left - time_width, 20),
            Qt.AlignmentFlag.AlignLeft,
            QFontMetrics(bold).elidedText(
                title, Qt.TextElideMode.ElideRight, right - left - time_width
            ),
        )
        painter.setFont(option.font)
        painter.setPen(MUTED_TEXT)
        painter.drawText(
            QRect(right - time_width, rect.top() + 9, time_width, 20),
            Qt.AlignmentFlag.AlignRight,
            time_text,
        )
        preview = self._preview(channel)
        badge = str(channel.unread) if channel.unread else ""
        badge_width = metrics.horizontalAdvance(badge) + 14 if badge else 0
        painter.drawText(
            QRect(left, rect.top() + 31, right - left - badge_width - 6, 20),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(
                preview, Qt.TextElideMode.ElideRight, right - left - badge_width - 6
            ),
        )
        if badge:
            pill = QRect(right - badge_width, rect.top() + 32, badge_width, 18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(MUTED_TEXT if channel.muted else ACCENT)
            painter.drawRoundedRect(pill, 9, 9)
            painter.setPen(QColor("white"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
        painter.restore()

    @staticmethod
    def _avatar(painter: QPainter, rect: QRect, channel: ChannelView, presence: str | None) -> None:
        circle = QRect(rect.left() + 10, rect.top() + 9, 40, 40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(SENDER_COLORS[sum(map(ord, channel.title)) % len(SENDER_COLORS)]))
        painter.drawEllipse(circle)
        painter.setPen(QColor("white"))
        bold = QFont(painter.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.2)
        painter.setFont(bold)
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, (channel.title[:1] or "#").upper())
        if presence in PRESENCE_COLORS:
            dot = QRect(circle.right() - 11, circle.bottom() - 11, 13, 13)
            painter.setBrush(PRESENCE_COLORS[presence])
            painter.setPen(QColor("white"))
            painter.drawEllipse(dot)
