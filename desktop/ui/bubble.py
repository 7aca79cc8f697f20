"""What a message row shows and where: its text as rich text (mentions highlighted, links
clickable) and the layout of the row (sender, quote, text, footer, receipt mark, reaction
chips), computed once and shared by sizing, painting, clicks, tooltips and the selectable
text laid over a bubble, so they always agree."""

import datetime
import html
import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QColor, QFont, QFontMetrics, QFontMetricsF, QTextDocument
from PySide6.QtWidgets import QStyleOptionViewItem

from desktop.cache.views import MentionView, MessageView
from desktop.ui.bubble_files import FileSlot, file_sizes, place_files
from desktop.ui.i18n import tr
from shared.mentions import find_mentions

PAD = 8  # px inside a bubble
GAP = 4  # px between rows
SEPARATOR_HEIGHT = 30  # px for a day separator or the new-messages marker
BUBBLE_SHARE = 0.68  # of the view's width a bubble may take
LINE_CHARS = 65  # and at most about this many characters wide: longer lines tire the eye
QUOTE_PAD = 4  # px above and below the lines of the quote of a replied-to message
QUOTE_BAR = 3  # px of the quote's coloured left edge
QUOTE_LEFT = 10  # px from the quote's left edge (its bar) to its text
QUOTE_RIGHT = 6  # px after the quote's text
MARK_WIDTH = 24  # px for the receipt mark after the time
CHIP_GAP = 4  # px between reaction chips, and between the chips and the bubble
MIN_BUBBLE = 120  # px: the narrowest a bubble's maximum width gets
DOCUMENTS_KEPT = 512  # laid-out message texts kept for reuse
ROWS_KEPT = 4096  # row layouts kept for reuse: Qt asks for every row's size at each new row

OWN_BUBBLE = QColor("#d3e5ff")
OTHER_BUBBLE = QColor("#eef0f3")
TEXT = QColor("#111827")
MUTED_TEXT = QColor("#6b7280")
ACCENT = QColor("#1f6feb")
FAILED = QColor("#c62828")
MENTION_OF_ME = QColor("#ffe8a3")
HIGHLIGHT = QColor("#fff4c2")  # a message just scrolled to from a quote
CLIP = "📎"  # before what stands for a message's files on one line
SENDER_COLORS = ["#1f6feb", "#8250df", "#bf3989", "#0a7d5a", "#b35900", "#2f6f9f"]

# A link is what people type as one: a scheme or "www.", up to white space; punctuation
# that ends a sentence is not part of it.
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
LINK_TAIL = ".,;:!?)]}'\""


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


def sender_color(name: str) -> QColor:
    return QColor(SENDER_COLORS[sum(map(ord, name)) % len(SENDER_COLORS)])


def first_line(text: str) -> str:
    """What a quote or a bar shows of a message: its first line that is not empty."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def links(text: str) -> list[tuple[int, int, str]]:
    """The links in ``text``: (start, end, address to open), in order."""
    found = []
    for match in LINK.finditer(text):
        shown = match.group().rstrip(LINK_TAIL)
        target = shown if "://" in shown else "https://" + shown
        found.append((match.start(), match.start() + len(shown), target))
    return found


def shown_mentions(m: MessageView, members: Iterable[str]) -> tuple[MentionView, ...]:
    """Whom the text names: as the server found it, or, before this device heard what the
    server found (a message or an edit still in the outbox, or stored from the server's
    acknowledgement until the server's copy comes), as the server does
    (``shared.mentions``)."""
    pending_edit = any(c.kind == "edit" and c.state == "pending" for c in m.changes)
    if m.mentions or (m.seq is not None and m.mentions_known and not pending_edit):
        return m.mentions
    return tuple(MentionView(x.user, x.start, x.end) for x in find_mentions(m.text, members))


def text_html(m: MessageView, me: str, mentions: tuple[MentionView, ...]) -> str:
    """A message's text as rich text: mentions stand out (more so the user's own name),
    links are anchors; white space and line breaks as written. A deleted message and a kind
    this version does not know say so in italics instead."""
    if m.deleted or m.unknown:
        note = tr("message deleted") if m.deleted else placeholder_text()
        return f'<i style="color: {MUTED_TEXT.name()}">{html.escape(note)}</i>'
    spans: list[tuple[int, int, str]] = []
    for mention in mentions:
        if 0 <= mention.start < mention.end <= len(m.text):
            background = f"background-color: {MENTION_OF_ME.name()};" if mention.user == me else ""
            style = f"color: {ACCENT.name()}; font-weight: 600; {background}"
            spans.append((mention.start, mention.end, f'<span style="{style}">'))
    taken = [(s, e) for s, e, _ in spans]
    for start, end, target in links(m.text):
        if not any(start < e and s < end for s, e in taken):
            anchor = f'<a href="{html.escape(target, quote=True)}" style="color: {ACCENT.name()}">'
            spans.append((start, end, anchor))
    parts, at = [], 0
    for start, end, opening in sorted(spans):
        if start < at:
            continue  # overlapping mentions from a server: the first one shows
        closing = "</a>" if opening.startswith("<a") else "</span>"
        parts += [html.escape(m.text[at:start]), opening, html.escape(m.text[start:end]), closing]
        at = end
    parts.append(html.escape(m.text[at:]))
    return f'<div style="white-space: pre-wrap">{"".join(parts)}</div>'


def placeholder_text() -> str:
    return tr("a message this version of Tidings cannot show")


def make_document(rich: str, font: QFont, width: int) -> QTextDocument:
    """``rich`` laid out no wider than ``width``, then narrowed to what it needs, so the
    bubble fits its text and a selectable view over it wraps the same."""
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setDefaultFont(font)
    document.setHtml(rich)
    document.setTextWidth(width)
    document.setTextWidth(min(width, math.ceil(document.idealWidth())))
    return document


def line_height(font: QFont, text: str) -> int:
    """The height of one line of ``text``: taller than the font's own line when a glyph
    comes from a fallback font (Hangul next to Latin), which would otherwise be cut."""
    metrics = QFontMetrics(font)
    return max(metrics.height(), metrics.boundingRect(QRect(0, 0, 10**6, 10**6), 0, text).height())


def bubble_text_width(font: QFont, view_width: int) -> int:
    """The widest a bubble's text may be in a view ``view_width`` wide: a share of the view,
    and no more than LINE_CHARS average characters on a wide one."""
    share = max(MIN_BUBBLE, int(view_width * BUBBLE_SHARE))
    return min(share, LINE_CHARS * QFontMetrics(font).averageCharWidth() + 2 * PAD) - 2 * PAD


@dataclass(frozen=True)
class Chip:
    """One emoji under a bubble: who put it there, and whether the user is among them."""

    emoji: str
    users: tuple[str, ...]
    mine: bool
    rect: QRect

    @property
    def label(self) -> str:
        return f"{self.emoji} {len(self.users)}"


@dataclass(frozen=True)
class Hit:
    """What is under a point of a row."""

    kind: Literal["chip", "quote", "link", "text", "mark", "file", "button", "bubble"]
    value: str | int | None = None


@dataclass(frozen=True)
class RowLayout:
    """Where each part of one timeline row goes, in the view's coordinates."""

    height: int
    new_day: bool
    marker: bool
    top: int  # below the separators
    bubble: QRect | None  # None for a membership change (a centred sentence)
    sender: QRect | None
    quote: QRect | None
    text: QRect
    footer: QRect
    mark: QRect | None
    chips: tuple[Chip, ...]
    failure: QRect | None
    document: QTextDocument | None  # None when there is no text (files without a caption)
    files: tuple[FileSlot, ...] = ()

    def moved(self, dy: int) -> "RowLayout":
        """The same row ``dy`` pixels lower."""

        def down(rect: QRect) -> QRect:
            return rect.translated(0, dy)

        def maybe(rect: QRect | None) -> QRect | None:
            return None if rect is None else rect.translated(0, dy)

        return RowLayout(
            self.height, self.new_day, self.marker, self.top + dy, maybe(self.bubble),
            maybe(self.sender), maybe(self.quote), down(self.text), down(self.footer),
            maybe(self.mark), tuple(replace(c, rect=down(c.rect)) for c in self.chips),
            maybe(self.failure), self.document,
            tuple(replace(f, rect=down(f.rect), button=down(f.button)) for f in self.files),
        )  # fmt: skip

    def hit(self, at: QPoint) -> Hit | None:
        """What a click or a hover at ``at`` is on (a file's index for a file or its round
        button)."""
        for chip in self.chips:
            if chip.rect.contains(at):
                return Hit("chip", chip.emoji)
        if self.quote is not None and self.quote.contains(at):
            return Hit("quote")
        if self.mark is not None and self.mark.contains(at):
            return Hit("mark")
        for slot in self.files:
            if slot.button.contains(at):
                return Hit("button", slot.index)
            if slot.rect.contains(at):
                return Hit("file", slot.index)
        if self.document is not None and self.text.contains(at):
            inside = at - self.text.topLeft()
            anchor = self.document.documentLayout().anchorAt(inside.toPointF())
            return Hit("link", anchor) if anchor else Hit("text")
        if self.bubble is not None and self.bubble.contains(at):
            return Hit("bubble")
        return None


class BubbleLayout:
    """Lays out rows of one conversation. ``marker_seq`` is the first unread event when the
    chat opened; ``members`` are the chat's, for mentions not found by the server yet."""

    def __init__(
        self, me: str, group: bool, marker_seq: int | None, members: Iterable[str] = ()
    ) -> None:
        self.me = me
        self.group = group
        self.marker_seq = marker_seq
        self.members = tuple(members)
        self._names: dict[str, str] = {}  # display names by user name (``Cache.people``)
        self._documents: OrderedDict[tuple, QTextDocument] = OrderedDict()
        # Rows laid out at the top of the view, by the id of the message: the message and
        # the one above it (held, so that the id is not reused while the entry is kept), the
        # left edge and width of the row, and its layout.
        self._rows: OrderedDict[int, tuple[MessageView, MessageView | None, int, int, RowLayout]]
        self._rows = OrderedDict()
        self._font = QFont()

    @property
    def names(self) -> dict[str, str]:
        """Display names by user name (``Cache.people``)."""
        return self._names

    @names.setter
    def names(self, names: dict[str, str]) -> None:
        self._names = names
        self._rows.clear()  # a sender's label may be wider or narrower now

    def shown(self, user: str) -> str:
        """How a sender is labelled: their display name, or their user name."""
        return self.names.get(user) or user

    def headers(self, m: MessageView, above: MessageView | None) -> tuple[bool, bool]:
        new_day = above is None or day_label(above.shown_ts) != day_label(m.shown_ts)
        marker = self.marker_seq is not None and m.seq == self.marker_seq
        return new_day, marker

    def shows_sender(self, m: MessageView, above: MessageView | None, new_day: bool) -> bool:
        return (
            self.group
            and m.sender != self.me
            and (new_day or above is None or above.sender != m.sender or above.kind != "message")
        )

    def footer(self, m: MessageView) -> str:
        """The line under the text: "edited", the time, or the state of an unsent one."""
        if m.state == "failed":
            return tr("not sent")
        edited = tr("edited") + "  " if m.edited and not m.deleted else ""
        return edited + clock(m.shown_ts)

    def failure(self, m: MessageView) -> str:
        return tr("Not sent: {reason} — click to retry, right-click to discard").format(
            reason=m.error or ""
        )

    def html(self, m: MessageView) -> str:
        return text_html(m, self.me, shown_mentions(m, self.members))

    def document(self, m: MessageView, font: QFont, width: int) -> QTextDocument:
        """The message's text laid out for a bubble at most ``width`` wide (reused while
        the message and the width stay the same)."""
        rich = self.html(m)
        key = (rich, font.key(), width)
        found = self._documents.get(key)
        if found is None:
            found = make_document(rich, font, width)
            self._documents[key] = found
            if len(self._documents) > DOCUMENTS_KEPT:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        return found

    def height(
        self, option: QStyleOptionViewItem, m: MessageView, above: MessageView | None
    ) -> int:
        """The height of the row of ``m`` (below ``above``)."""
        return self._kept(option, m, above).height

    def layout(
        self, option: QStyleOptionViewItem, m: MessageView, above: MessageView | None
    ) -> RowLayout:
        """Where everything of the row of ``m`` (below ``above``) goes, for a row at
        ``option.rect``."""
        kept = self._kept(option, m, above)
        top = option.rect.top()
        return kept.moved(top) if top else kept

    def _kept(
        self, option: QStyleOptionViewItem, m: MessageView, above: MessageView | None
    ) -> RowLayout:
        """The row laid out at the top of the view, kept while the message, the one above,
        the font and the row's place across stay the same: Qt's list view asks for every
        row's size whenever a row is added, and laying out a row in Python takes a fifth of
        a millisecond, so a chat of a few hundred rows took tens of milliseconds to show each
        new message. A message that changes is a new object (``MessageView`` is frozen), so
        its identity says it is the same."""
        rect = option.rect
        left, width = rect.left(), rect.width()
        if option.font != self._font:
            self._font = QFont(option.font)
            self._rows.clear()
        kept = self._rows.get(id(m))
        if kept is not None and kept[0] is m and kept[1] is above and kept[2:4] == (left, width):
            self._rows.move_to_end(id(m))
            return kept[4]
        at_top = QStyleOptionViewItem(option)
        at_top.rect = QRect(left, 0, width, rect.height())
        laid_out = self._lay_out(at_top, m, above)
        self._rows[id(m)] = (m, above, left, width, laid_out)
        if len(self._rows) > ROWS_KEPT:
            self._rows.popitem(last=False)
        return laid_out

    def _lay_out(
        self, option: QStyleOptionViewItem, m: MessageView, above: MessageView | None
    ) -> RowLayout:
        new_day, marker = self.headers(m, above)
        top = option.rect.top() + GAP + SEPARATOR_HEIGHT * (int(new_day) + int(marker))
        if m.kind != "message" and not m.unknown:
            line = QFontMetrics(option.font).height()
            text = QRect(option.rect.left(), top, option.rect.width(), line)
            return RowLayout(top + line + PAD - option.rect.top(), new_day, marker, top,
                             None, None, None, text, text, None, (), None, None)  # fmt: skip
        return self._bubble(option, m, above, new_day, marker, top)

    def _bubble(
        self,
        option: QStyleOptionViewItem,
        m: MessageView,
        above: MessageView | None,
        new_day: bool,
        marker: bool,
        top: int,
    ) -> RowLayout:
        font, own = option.font, m.sender == self.me
        metrics = QFontMetrics(font)
        bold = QFont(font)
        bold.setBold(True)
        widest = bubble_text_width(font, option.rect.width())
        files = m.attachments
        document = self.document(m, font, widest) if m.text or not files else None
        text_size = document.size().toSize() if document is not None else QSize(0, 0)
        boxes = file_sizes(files, font, widest)
        footer = self.footer(m)
        mark = MARK_WIDTH if own and not m.unknown and not m.deleted and m.state != "failed" else 0
        sender = self.shows_sender(m, above, new_day)
        sender_height = line_height(bold, self.shown(m.sender)) if sender else 0
        quote_size = self._quote_size(m, font, widest) if m.reply_to and not m.deleted else None
        inner = max(
            text_size.width(),
            metrics.horizontalAdvance(footer) + mark,
            # Rounded up: a label exactly as wide as its rounded advance may be elided.
            math.ceil(QFontMetricsF(bold).horizontalAdvance(self.shown(m.sender))) if sender else 0,
            quote_size[0] if quote_size else 0,
            max((size.width() for size in boxes), default=0),
        )
        inner = min(inner, widest)
        left = option.rect.right() - 12 - inner - 2 * PAD if own else option.rect.left() + 12
        y = top + PAD
        sender_rect = QRect(left + PAD, y, inner, sender_height) if sender else None
        y += sender_height
        quote = None
        if quote_size is not None:
            quote = QRect(left + PAD, y, inner, quote_size[1])
            y += quote_size[1] + QUOTE_PAD
        slots, y = place_files(files, boxes, left + PAD, y)
        text = QRect(left + PAD, y, text_size.width(), text_size.height())
        y += text_size.height()
        footer_height = line_height(font, footer)
        footer_rect = QRect(left + PAD, y, inner - mark, footer_height)
        mark_rect = QRect(left + PAD + inner - mark, y, mark, footer_height) if mark else None
        y += footer_height + PAD
        bubble = QRect(left, top, inner + 2 * PAD, y - top)
        chips, y = self._chips(m, metrics, bubble, own, widest + 2 * PAD)
        failure = None
        if m.state == "failed":
            line = line_height(font, self.failure(m))
            failure = QRect(option.rect.left() + 12, y + 2, option.rect.width() - 24, line)
            y += line + 2
        return RowLayout(y - option.rect.top(), new_day, marker, top, bubble, sender_rect,
                         quote, text, footer_rect, mark_rect, chips, failure,
                         document, slots)  # fmt: skip

    def quote_lines(self, m: MessageView) -> tuple[str, str]:
        """The two lines of a reply's quote: who wrote the original, and what it says now."""
        q = m.quote
        if q is None:
            return tr("An earlier message"), tr("Click to show it")
        if q.deleted:
            return self.shown(q.sender), tr("deleted message")
        # Only files carry no text: the quote says so (it does not know their names).
        return self.shown(q.sender), first_line(q.text) or f"{CLIP} " + tr("Attachment")

    def _quote_size(self, m: MessageView, font: QFont, widest: int) -> tuple[int, int]:
        who, what = self.quote_lines(m)
        bold = QFont(font)
        bold.setBold(True)
        width = max(
            QFontMetrics(bold).horizontalAdvance(who), QFontMetrics(font).horizontalAdvance(what)
        )
        height = line_height(bold, who) + line_height(font, what) + 2 * QUOTE_PAD
        return min(widest, width + QUOTE_LEFT + QUOTE_RIGHT), height

    def _chips(
        self, m: MessageView, metrics: QFontMetrics, bubble: QRect, own: bool, widest: int
    ) -> tuple[tuple[Chip, ...], int]:
        """The reaction chips under the bubble, in rows no wider than a bubble may be, on
        the bubble's side; returns them and the bottom of the last row."""
        y = bubble.bottom() + 1
        if not m.reactions or m.deleted:
            return (), y
        height = metrics.height() + 6
        rows: list[list[tuple[str, tuple[str, ...], int]]] = [[]]
        used = 0
        for r in m.reactions:
            width = metrics.horizontalAdvance(f"{r.emoji} {len(r.users)}") + 16
            if rows[-1] and used + width > widest:
                rows.append([])
                used = 0
            rows[-1].append((r.emoji, r.users, width))
            used += width + CHIP_GAP
        chips = []
        for row in rows:
            y += CHIP_GAP
            total = sum(w for _, _, w in row) + CHIP_GAP * (len(row) - 1)
            x = bubble.right() + 1 - total if own else bubble.left()
            for emoji, users, width in row:
                chips.append(Chip(emoji, users, self.me in users, QRect(x, y, width, height)))
                x += width + CHIP_GAP
            y += height
        return tuple(chips), y
