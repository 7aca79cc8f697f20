"""Painting: message bubbles (quotes, mentions, links, "edited", receipt marks, reaction
chips) with day separators and the new-messages marker, the selectable text laid over a
bubble, and chat rows."""

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QToolTip,
    QWidget,
)

from desktop.cache.receipts import MessageReceipt
from desktop.cache.views import ChannelView, MessageView
from desktop.ui.bubble import (
    ACCENT,
    FAILED,
    HIGHLIGHT,
    MUTED_TEXT,
    OTHER_BUBBLE,
    OWN_BUBBLE,
    QUOTE_BAR,
    QUOTE_LEFT,
    QUOTE_PAD,
    QUOTE_RIGHT,
    SEPARATOR_HEIGHT,
    TEXT,
    BubbleLayout,
    Chip,
    RowLayout,
    clock,
    day_label,
    first_line,
    placeholder_text,
    sender_color,
)
from desktop.ui.file_paint import Thumbnails, cancellable, paint_files
from desktop.ui.file_words import summary
from desktop.ui.i18n import tr
from desktop.ui.marks import describe, mark_for, paint_mark
from desktop.ui.models import (
    ChannelRole,
    DraftRole,
    EndedRole,
    HighlightRole,
    MessageListModel,
    MessageRole,
    PresenceRole,
    ReceiptRole,
    SenderRole,
    TransferRole,
    TypingRole,
)
from desktop.ui.sizes import size_text

Index = QModelIndex | QPersistentModelIndex
PRESENCE_COLORS = {"online": QColor("#2ea043"), "away": QColor("#d29922")}
DRAFT_COLOR = QColor("#c62828")
__all__ = ["FAILED", "ChannelDelegate", "MessageDelegate", "SelectableText", "clock"]


def event_sentence(m: MessageView, shown: Callable[[str], str] = str) -> str:
    """A membership change, said in words, each person as ``shown`` names them (their
    display name)."""
    sender = shown(m.sender)
    if m.kind == "created":
        if m.name:
            return tr("{sender} created the group “{name}”").format(sender=sender, name=m.name)
        return tr("{sender} started the chat").format(sender=sender)
    templates = {
        "member_added": tr("{sender} added {subject}"),
        "member_removed": tr("{sender} removed {subject}"),
        "member_left": tr("{subject} left"),
        "renamed": tr("{sender} renamed the group to “{name}”"),
    }
    subject = shown(m.subject) if m.subject else m.subject
    return templates.get(m.kind, m.kind).format(sender=sender, subject=subject, name=m.name)


class SelectableText(QTextBrowser):
    """A message's text laid exactly over its bubble while the pointer is on it, so it can be
    selected like any text (drag, double-click, Ctrl+C) and its links followed. Transparent,
    read-only, wrapped at the bubble's width; the conversation scrolls through it."""

    def __init__(self, parent: QWidget, font: QFont) -> None:
        super().__init__(parent)
        self.setFont(font)
        # No focus policy: the list view focuses an open editor whenever the pointer moves
        # over its row, which would take the composer's keys; a click focuses it instead.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QTextBrowser.LineWrapMode.FixedPixelWidth)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.setOpenLinks(False)
        self.anchorClicked.connect(open_link)
        self.setStyleSheet("QTextBrowser { background: transparent; border: none; }")
        self.viewport().setAutoFillBackground(False)
        self.setContentsMargins(0, 0, 0, 0)
        self.setViewportMargins(0, 0, 0, 0)
        self.document().setDocumentMargin(0)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Text, TEXT)
        self.setPalette(palette)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # for Ctrl+C on what gets selected
        super().mousePressEvent(event)

    def has_selection(self) -> bool:
        return self.textCursor().hasSelection()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # to the conversation, which scrolls


def file_tooltip(m: MessageView, index: int, button: bool) -> str:
    """What hovering a file says: its name and size, and what a click does."""
    a = m.attachments[index]
    if button and cancellable(m):
        return tr("Cancel sending")
    what = f"{a.name} — {size_text(a.size)}"
    if m.seq is None:
        return what
    action = tr("Click to open") if a.path is not None else tr("Click to download and open")
    return f"{what}\n{action}"


def option_in(view: QAbstractItemView, index: Index) -> QStyleOptionViewItem:
    """The style option ``view`` paints the row at ``index`` with."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index.model().index(index.row(), 0))
    return option


def messages_at(index: Index) -> tuple[MessageView, MessageView | None]:
    """The message of the row at ``index`` and the one above it (None for the first row).
    A conversation's are read from its rows: Qt asks for every row's size whenever a row is
    added, and asking the model for them as item data took longer than the rest."""
    model, row = index.model(), index.row()
    if isinstance(model, MessageListModel):
        return model.message_at(row), model.message_at(row - 1) if row > 0 else None
    above = model.index(row - 1, 0).data(MessageRole) if row > 0 else None
    return index.data(MessageRole), above


def open_link(url: QUrl) -> None:
    """A link in a message, opened by the system (the browser, the mail app...)."""
    QDesktopServices.openUrl(url)


class MessageDelegate(QStyledItemDelegate):
    """Draws one timeline row. ``marker_seq`` is the first unread event when the chat opened;
    ``members`` are the chat's (for mentions the server has not found yet)."""

    def __init__(
        self, me: str, group: bool, marker_seq: int | None, members: tuple[str, ...] = ()
    ) -> None:
        super().__init__()
        self.me = me
        self.group = group
        self.bubbles = BubbleLayout(me, group, marker_seq, members)
        self.thumbnails = Thumbnails()

    # --- layout -----------------------------------------------------------------------------

    def layout(self, option: QStyleOptionViewItem, index: Index) -> RowLayout:
        """Where everything of the row at ``index`` goes, for a row at ``option.rect``."""
        return self.bubbles.layout(option, *messages_at(index))

    def layout_in(self, view: QAbstractItemView, index: Index) -> RowLayout:
        """Where everything of the row at ``index`` is in ``view``'s viewport."""
        return self.layout(option_in(view, index), index)

    def _footer(self, m: MessageView) -> str:
        return self.bubbles.footer(m)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(option.rect.width(), self.bubbles.height(option, *messages_at(index)))

    # --- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        m: MessageView = index.data(MessageRole)
        row = self.layout(option, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if row.new_day:
            self._separator(painter, option, row, 0, day_label(m.shown_ts), MUTED_TEXT)
        if row.marker:
            self._separator(painter, option, row, int(row.new_day), tr("New messages"), ACCENT)
        if row.bubble is None:
            painter.setPen(MUTED_TEXT)
            painter.drawText(
                row.text, Qt.AlignmentFlag.AlignHCenter, event_sentence(m, self.bubbles.shown)
            )
        else:
            if index.data(HighlightRole):
                band = QRect(option.rect.left(), row.top - 2, option.rect.width(), 0)
                band.setBottom(row.bubble.bottom() + 2)
                painter.fillRect(band, HIGHLIGHT)
            self._bubble(painter, option, index, m, row)
        painter.restore()

    def _separator(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        row: RowLayout,
        place: int,
        text: str,
        color: QColor,
    ) -> None:
        first = row.top - SEPARATOR_HEIGHT * (int(row.new_day) + int(row.marker))
        rect = QRect(option.rect.left(), first + SEPARATOR_HEIGHT * place, option.rect.width(),
                     SEPARATOR_HEIGHT)  # fmt: skip
        width = QFontMetrics(option.font).horizontalAdvance(text) + 24
        mid = rect.center().y()
        painter.setPen(color)
        painter.drawLine(rect.left() + 16, mid, rect.center().x() - width // 2, mid)
        painter.drawLine(rect.center().x() + width // 2, mid, rect.right() - 16, mid)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _bubble(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        m: MessageView,
        row: RowLayout,
    ) -> None:
        assert row.bubble is not None
        own = m.sender == self.me
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OWN_BUBBLE if own else OTHER_BUBBLE)
        painter.drawRoundedRect(row.bubble, 10, 10)
        bold = QFont(option.font)
        bold.setBold(True)
        if row.sender is not None:
            painter.setFont(bold)
            painter.setPen(sender_color(m.sender))
            name = QFontMetrics(bold).elidedText(
                self.bubbles.shown(m.sender), Qt.TextElideMode.ElideRight, row.sender.width()
            )
            painter.drawText(row.sender, Qt.AlignmentFlag.AlignLeft, name)
            painter.setFont(option.font)
        if row.quote is not None:
            self._quote(painter, option, m, row.quote)
        if row.files:
            transfers = index.data(TransferRole) or {}
            paint_files(painter, option.font, m, row.files, transfers, self.thumbnails)
        if row.document is not None and not self._editing(option, index):
            painter.save()
            painter.translate(row.text.topLeft())
            context = QAbstractTextDocumentLayout.PaintContext()
            context.palette.setColor(QPalette.ColorRole.Text, TEXT)
            row.document.documentLayout().draw(painter, context)
            painter.restore()
        painter.setPen(FAILED if m.state == "failed" else MUTED_TEXT)
        painter.drawText(row.footer, Qt.AlignmentFlag.AlignRight, self.bubbles.footer(m))
        mark = self.mark(index)
        if row.mark is not None and mark is not None:
            paint_mark(painter, row.mark, mark)
        for chip in row.chips:
            self._chip(painter, chip)
        if row.failure is not None:
            painter.setPen(FAILED)
            side = Qt.AlignmentFlag.AlignRight if own else Qt.AlignmentFlag.AlignLeft
            painter.drawText(row.failure, side, self.bubbles.failure(m))

    @staticmethod
    def _editing(option: QStyleOptionViewItem, index: Index) -> bool:
        """Whether the selectable text is over this bubble (then it draws the text)."""
        view = option.widget
        return isinstance(view, QAbstractItemView) and view.isPersistentEditorOpen(index)

    def _quote(self, painter: QPainter, option: QStyleOptionViewItem, m: MessageView,
               rect: QRect) -> None:  # fmt: skip
        who, what = self.bubbles.quote_lines(m)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 16))
        painter.drawRoundedRect(rect, 6, 6)
        color = sender_color(who) if m.quote is not None else MUTED_TEXT
        painter.setBrush(color)
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), QUOTE_BAR, rect.height()), 1.5, 1.5)
        bold = QFont(option.font)
        bold.setBold(True)
        inner = rect.adjusted(QUOTE_LEFT, QUOTE_PAD, -QUOTE_RIGHT, -QUOTE_PAD)
        half = QFontMetrics(bold).height()
        painter.setFont(bold)
        painter.setPen(color)
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), half),
                         Qt.AlignmentFlag.AlignLeft,
                         QFontMetrics(bold).elidedText(who, Qt.TextElideMode.ElideRight,
                                                       inner.width()))  # fmt: skip
        italic = QFont(option.font)
        italic.setItalic(m.quote is None or m.quote.deleted)
        painter.setFont(italic)
        painter.setPen(MUTED_TEXT)
        below = QRect(inner.left(), inner.top() + half, inner.width(), inner.height() - half)
        elided = QFontMetrics(italic).elidedText(what, Qt.TextElideMode.ElideRight, inner.width())
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, elided)
        painter.setFont(option.font)

    def _chip(self, painter: QPainter, chip: Chip) -> None:
        painter.setPen(ACCENT if chip.mine else QColor("#d0d7de"))
        painter.setBrush(QColor("#e7f0ff") if chip.mine else QColor("white"))
        painter.drawRoundedRect(chip.rect.adjusted(0, 0, -1, -1), 10, 10)
        painter.setPen(ACCENT if chip.mine else TEXT)
        painter.drawText(chip.rect, Qt.AlignmentFlag.AlignCenter, chip.label)

    def mark(self, index: Index) -> MessageReceipt | None:
        """The receipt mark of the row's message; None for others' messages."""
        m: MessageView = index.data(MessageRole)
        if m.sender != self.me:
            return None
        return mark_for(m, index.data(ReceiptRole))

    # --- tooltips ---------------------------------------------------------------------------

    def tooltip(self, option: QStyleOptionViewItem, index: Index, at: QPoint) -> str:
        """What hovering at ``at`` explains: who reacted with a chip's emoji, what a receipt
        mark means (in a group, who read it)."""
        row = self.layout(option, index)
        hit = row.hit(at)
        if hit is None:
            return ""
        if hit.kind == "chip":
            chip = next(c for c in row.chips if c.emoji == hit.value)
            names = [tr("you") if u == self.me else self.bubbles.shown(u) for u in chip.users]
            return f"{chip.emoji} " + ", ".join(names)
        if hit.kind == "mark":
            mark = self.mark(index)
            return describe(mark, self.group, self.bubbles.shown) if mark is not None else ""
        if hit.kind == "quote":
            return tr("Show the message this one answers")
        if hit.kind in ("file", "button") and isinstance(hit.value, int):
            return file_tooltip(index.data(MessageRole), hit.value, hit.kind == "button")
        return ""

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        text = self.tooltip(option, index, event.pos())
        if text:
            QToolTip.showText(event.globalPos(), text, view)
        else:
            QToolTip.hideText()
        return True

    # --- the selectable text ----------------------------------------------------------------

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        return SelectableText(parent, option.font)

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, SelectableText):
            selected = editor.has_selection()
            rich = self.bubbles.html(index.data(MessageRole))
            if not selected or editor.property("rich") != rich:
                editor.setHtml(rich)
                editor.setProperty("rich", rich)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        """Read-only: nothing goes back to the model."""

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        row = self.layout(option, index)
        editor.setGeometry(row.text)
        if isinstance(editor, SelectableText):
            editor.setLineWrapColumnOrWidth(row.text.width())


def badges(channel: ChannelView) -> list[str]:
    """The pills a chat row ends with: "@" while an unread message mentions the user, then
    the unread count."""
    shown = ["@"] if channel.unread_mentions else []
    return shown + ([str(channel.unread)] if channel.unread else [])


class ChannelDelegate(QStyledItemDelegate):
    """A chat in the sidebar: presence dot, title, preview, time, unread badge, mute sign."""

    ROW_HEIGHT = 58

    def __init__(self, me: str) -> None:
        super().__init__()
        self.me = me

    def _preview(self, channel: ChannelView, sender: str | None = None) -> str:
        """The newest message, in a group after who wrote it (``sender``: as shown, their
        display name; by default their user name)."""
        m = channel.preview
        if m is None:
            return ""
        if m.deleted or m.unknown:
            text = tr("message deleted") if m.deleted else placeholder_text()
        else:
            text = summary(m) if m.text.strip() or m.attachments else m.text
        if m.sender == self.me:
            return tr("You: {text}").format(text=text)
        return f"{sender or m.sender}: {text}" if channel.kind == "group" else text

    def _second_line(
        self, index: QModelIndex | QPersistentModelIndex, channel: ChannelView, open_: bool
    ) -> tuple[str, QColor]:
        """Under the title: why nothing can be written there (a group the user was removed
        from), else who is typing, else the draft left there (not for the chat open beside
        the list, whose composer shows it), else the newest message."""
        ended = index.data(EndedRole)
        if ended:
            return ended, MUTED_TEXT
        typing = index.data(TypingRole)
        if typing:
            return typing, ACCENT
        draft = index.data(DraftRole)
        if draft and not open_:
            return tr("Draft: {text}").format(text=first_line(draft)), DRAFT_COLOR
        return self._preview(channel, index.data(SenderRole)), MUTED_TEXT

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(0, self.ROW_HEIGHT)  # as wide as the list: names and previews elide

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
        title = channel.shown_title + ("  🔕" if channel.muted else "")
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
        preview, color = self._second_line(
            index, channel, bool(option.state & QStyle.StateFlag.State_Selected)
        )
        x = right
        for badge in reversed(badges(channel)):
            width = max(18, metrics.horizontalAdvance(badge) + 14)
            x -= width
            pill = QRect(x, rect.top() + 32, width, 18)
            painter.setPen(Qt.PenStyle.NoPen)
            # A mention stands out even in a muted chat: it notified there too.
            loud = badge == "@" or not channel.muted
            painter.setBrush(ACCENT if loud else MUTED_TEXT)
            painter.drawRoundedRect(pill, 9, 9)
            painter.setPen(QColor("white"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
            x -= 4
        painter.setPen(color)
        painter.drawText(
            QRect(left, rect.top() + 31, x - left - 2, 20),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(preview, Qt.TextElideMode.ElideRight, x - left - 2),
        )
        painter.restore()

    @staticmethod
    def _avatar(painter: QPainter, rect: QRect, channel: ChannelView, presence: str | None) -> None:
        circle = QRect(rect.left() + 10, rect.top() + 9, 40, 40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(sender_color(channel.title))
        painter.drawEllipse(circle)
        painter.setPen(QColor("white"))
        bold = QFont(painter.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.2)
        painter.setFont(bold)
        initial = channel.shown_title[:1] or "#"
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, initial.upper())
        if presence in PRESENCE_COLORS:
            dot = QRect(circle.right() - 11, circle.bottom() - 11, 13, 13)
            painter.setBrush(PRESENCE_COLORS[presence])
            painter.setPen(QColor("white"))
            painter.drawEllipse(dot)
