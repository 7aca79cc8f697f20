"""What the user does to messages in the open chat: the context menu, clicks on a reaction
chip (toggles the user's own), on a quote (shows the message answered, fetching it if this
device lacks it), on a link (opens it) and on a file (``desktop/ui/file_actions.py``), the
emoji picker, deleting after asking, copying and selecting text. Every change goes through
the engine's typed operations; a refusal is shown, not raised."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QMenu, QMessageBox

from desktop.cache.views import MessageView
from desktop.ui.delegates import open_link
from desktop.ui.file_paint import cancellable
from desktop.ui.i18n import tr
from desktop.ui.message_menu import EmojiPicker, allowed, message_menu
from desktop.ui.models import MessageListModel, MessageRole
from desktop.ui.tasks import spawn
from desktop.ui.text_overlay import row_layout
from shared.client import ConnectionClosed
from shared.errors import ProtocolError

if TYPE_CHECKING:
    from desktop.ui.conversation import ConversationPane

log = logging.getLogger(__name__)

HIGHLIGHT_MS = 1_500  # how long a message scrolled to from a quote stays marked


class MessageActions(QObject):
    """The actions on the messages of ``pane``'s chat. ``lifecycle``: the server offers
    replies, reactions, edits and deletions (else those actions are not offered)."""

    def __init__(self, pane: ConversationPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.lifecycle = False
        self.picker: EmojiPicker | None = None
        self.delete_box: QMessageBox | None = None
        self._unmark = QTimer(self)
        self._unmark.setSingleShot(True)
        self._unmark.timeout.connect(lambda: self._model_do(lambda m: m.highlight(None)))

    # --- the menu ---------------------------------------------------------------------------

    def menu_for(self, index: QModelIndex, at: QPoint | None = None) -> QMenu | None:
        """The context menu of the message at ``index`` (with the actions on its file at
        ``at``, in the viewport, when there is one); None when nothing is allowed."""
        m: MessageView | None = index.data(MessageRole) if index.isValid() else None
        channel = self.pane.channel
        if m is None or channel is None:
            return None
        offer = allowed(m, channel, self.pane.me, self.lifecycle)
        file = self._file_at(index, at)
        if not offer.any and file is None and not cancellable(m):
            return None
        seq = m.seq
        at = self._below(index)
        handlers: dict[str, Callable[[], None]] = {
            "reply": lambda: self.pane.start_reply(seq),
            "react": lambda: self.pick_reaction(seq, at),
            "edit": lambda: self.pane.start_edit(seq),
            "delete": lambda: self.ask_delete(seq),
            "copy": lambda: QGuiApplication.clipboard().setText(m.text),
            "select": lambda: self.select_text(seq),
        }
        menu = message_menu(self.pane, offer, handlers)
        self.pane.file_actions.add_to(menu, m, file)
        return menu

    def _file_at(self, index: QModelIndex, at: QPoint | None) -> int | None:
        """The index of the message's file at ``at``, if one is there."""
        layout = row_layout(self.pane.view, index) if at is not None else None
        hit = layout.hit(at) if layout is not None and at is not None else None
        if hit is not None and hit.kind in ("file", "button") and isinstance(hit.value, int):
            return hit.value
        return None

    def _below(self, index: QModelIndex) -> QPoint:
        """Where a popup about a row opens: under its bubble (global coordinates)."""
        layout = row_layout(self.pane.view, index)
        view = self.pane.view.viewport()
        if layout is None or layout.bubble is None:
            return view.mapToGlobal(self.pane.view.visualRect(index).bottomLeft())
        return view.mapToGlobal(layout.bubble.bottomLeft())

    # --- clicks -----------------------------------------------------------------------------

    def clicked(self, index: QModelIndex, at: QPoint) -> None:
        """A left click at ``at`` (in the viewport) on the row at ``index``."""
        m: MessageView = index.data(MessageRole)
        layout = row_layout(self.pane.view, index)
        hit = layout.hit(at) if layout is not None else None
        if hit is not None and hit.kind in ("file", "button") and isinstance(hit.value, int):
            self.pane.file_actions.clicked(m, hit.value, hit.kind == "button")
            return
        if hit is None or m.seq is None:
            return
        if hit.kind == "chip" and isinstance(hit.value, str) and self.lifecycle:
            self.toggle_reaction(m.seq, hit.value)
        elif hit.kind == "quote" and m.reply_to is not None:
            spawn(self.go_to(m.reply_to))
        elif hit.kind == "link" and isinstance(hit.value, str):
            open_link(QUrl(hit.value))

    # --- reactions --------------------------------------------------------------------------

    def pick_reaction(self, seq: int | None, at: QPoint) -> None:
        """Open the emoji picker for the message ``seq``; the emoji picked is toggled."""
        m = self._message(seq)
        if m is None or m.seq is None:
            return
        mine = frozenset(r.emoji for r in m.reactions if self.pane.me in r.users)
        self.picker = EmojiPicker(self.pane, mine)
        self.picker.picked.connect(lambda emoji, s=m.seq: self.toggle_reaction(s, emoji))
        self.picker.show_at(at)

    def toggle_reaction(self, seq: int, emoji: str) -> None:
        """Put ``emoji`` on the message ``seq``, or take it back if the user's is there."""
        m = self._message(seq)
        channel = self.pane.channel
        if m is None or channel is None:
            return
        mine = any(r.emoji == emoji and self.pane.me in r.users for r in m.reactions)
        spawn(self.run(self.pane.bridge.engine.react, channel.id, seq, emoji, mine))

    # --- deleting, copying, selecting -------------------------------------------------------

    def ask_delete(self, seq: int | None) -> None:
        """Ask before deleting the message ``seq`` for everyone (it cannot be undone)."""
        channel = self.pane.channel
        if seq is None or channel is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Delete message"),
            tr("Delete this message for everyone in the chat? This cannot be undone."),
            QMessageBox.StandardButton.NoButton,
            self.pane,
        )
        delete = box.addButton(tr("Delete for everyone"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        engine = self.pane.bridge.engine
        box.buttonClicked.connect(
            lambda button: (
                spawn(self.run(engine.delete, channel.id, seq)) if button is delete else None
            )
        )
        self.delete_box = box
        box.open()  # not exec(): no nested event loop

    def select_text(self, seq: int | None) -> None:
        """Select the whole text of the message ``seq``, ready to copy."""
        model = self.pane.model
        row = model.row_of_seq(seq) if model is not None and seq is not None else None
        if model is not None and row is not None:
            self.pane.overlay.select_all(model.index(row))

    # --- going to the message a reply answers ----------------------------------------------

    async def go_to(self, seq: int) -> None:
        """Scroll to the message ``seq`` and mark it a moment; older history is read from the
        cache, or fetched from the server, down to it when it is not shown yet."""
        model, channel = self.pane.model, self.pane.channel
        if model is None or channel is None:
            return
        if not model.load_down_to(seq) and channel.active:
            try:
                high = max(seq, model.oldest_seq() - 1)
                await self.pane.bridge.ask(self.pane.bridge.engine.fill, channel.id, seq, high)
            except (ProtocolError, TimeoutError, ConnectionClosed) as e:
                log.info("the message answered is not available now: %s", e)
            model.older_arrived()
            model.load_down_to(seq)
        if model is not self.pane.model:
            return  # another chat was opened meanwhile
        if not self.mark(seq):
            self.refused(tr("That message cannot be fetched right now."))

    def mark(self, seq: int) -> bool:
        """Scroll to the message ``seq`` shown and mark it a moment (a quote clicked, a
        search hit chosen); False if it is not shown."""
        model = self.pane.model
        row = model.row_of_seq(seq) if model is not None else None
        if model is None or row is None:
            return False
        self.pane.scroll_to_row(row, QAbstractItemView.ScrollHint.PositionAtCenter)
        model.highlight(seq)
        self._unmark.start(HIGHLIGHT_MS)
        return True

    # --- running engine operations ----------------------------------------------------------

    async def run(self, operation: Callable[..., Any], *args: Any) -> bool:
        """Run a typed engine operation; a refusal (``ValueError`` names what is wrong) is
        shown. Returns whether it was done."""
        try:
            await self.pane.bridge.call(operation, *args)
        except ValueError as e:
            self.refused(str(e))
            return False
        return True

    def refused(self, reason: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Not done"), reason, parent=self.pane)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _message(self, seq: int | None) -> MessageView | None:
        """The message ``seq`` as shown now."""
        model = self.pane.model
        row = model.row_of_seq(seq) if model is not None and seq is not None else None
        return model.message_at(row) if model is not None and row is not None else None

    def _model_do(self, action: Callable[[MessageListModel], None]) -> None:
        if self.pane.model is not None:
            action(self.pane.model)
