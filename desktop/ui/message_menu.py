"""What can be done with a message, and the menu and emoji picker that offer it.

An action shows only where the server and the chat allow it: replying, reacting, editing and
deleting need a server that offers them (``FEATURE_LIFECYCLE``), a stored message that is not
deleted and a chat the user is still in; editing is for the user's own messages, deleting for
those and for any message of a group the user owns."""

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QMenu, QToolButton, QWidget

from desktop.cache.views import ChannelView, MessageView
from desktop.ui.i18n import tr

# The emoji the picker offers: the ones chat apps put first (all taken as reactions as they
# are; see shared.emoji).
COMMON_EMOJI = ("👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "🔥", "👀", "✅", "👏", "😄")
PICKER_COLUMNS = 6


@dataclass(frozen=True)
class Allowed:
    """Which of a message's actions to offer."""

    reply: bool = False
    react: bool = False
    edit: bool = False
    delete: bool = False
    copy: bool = False
    select: bool = False

    @property
    def any(self) -> bool:
        return any((self.reply, self.react, self.edit, self.delete, self.copy, self.select))


def allowed(m: MessageView, channel: ChannelView, me: str, lifecycle: bool) -> Allowed:
    """The actions ``me`` may take on ``m`` in ``channel``; ``lifecycle`` says whether the
    server offers replies, reactions, edits and deletions."""
    shows_text = m.kind == "message" and not m.deleted and bool(m.text)
    shows_files = m.kind == "message" and not m.deleted and bool(m.attachments)
    changeable = lifecycle and channel.active and m.seq is not None and (shows_text or shows_files)
    own = m.sender == me
    owner = channel.kind == "group" and channel.owner == me
    return Allowed(
        reply=changeable,
        react=changeable,
        edit=changeable and own and shows_text,  # a caption; files stay as they were sent
        delete=changeable and (own or owner),
        copy=shows_text,
        select=shows_text and m.seq is not None,
    )


def message_menu(parent: QWidget, offer: Allowed, handlers: dict[str, Callable[[], None]]) -> QMenu:
    """The context menu of a message: each allowed action (named for ``handlers``: reply,
    react, edit, delete, copy, select), grouped as changes, then text."""
    menu = QMenu(parent)
    entries = (
        ("reply", tr("Reply"), offer.reply),
        ("react", tr("React…"), offer.react),
        ("edit", tr("Edit"), offer.edit),
        ("delete", tr("Delete"), offer.delete),
        (None, "", True),
        ("copy", tr("Copy text"), offer.copy),
        ("select", tr("Select text"), offer.select),
    )
    for name, text, shown in entries:
        if name is None:
            if menu.actions():
                menu.addSeparator()
            continue
        if shown:
            action = menu.addAction(text)
            action.setObjectName(name)
            action.triggered.connect(handlers[name])
    return menu


class EmojiPicker(QFrame):
    """A small popup of common emoji; ``picked`` carries the one chosen. Those the user has
    already put on the message show pressed (choosing one takes it back)."""

    picked = Signal(str)

    def __init__(self, parent: QWidget, mine: frozenset[str]) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for n, emoji in enumerate(COMMON_EMOJI):
            button = QToolButton()
            button.setText(emoji)
            button.setAutoRaise(True)
            button.setCheckable(True)
            button.setChecked(emoji in mine)
            button.setStyleSheet("QToolButton { font-size: 16pt; padding: 2px 4px; }")
            button.setAccessibleName(emoji)
            button.clicked.connect(lambda _=False, e=emoji: self._choose(e))
            grid.addWidget(button, n // PICKER_COLUMNS, n % PICKER_COLUMNS)
            self.buttons[emoji] = button

    def _choose(self, emoji: str) -> None:
        self.picked.emit(emoji)
        self.close()

    def show_at(self, at: QPoint) -> None:
        """Open with its top left corner at ``at`` (global), kept on the screen."""
        self.adjustSize()
        screen = self.screen().availableGeometry()
        x = min(at.x(), screen.right() - self.width())
        y = min(at.y(), screen.bottom() - self.height())
        self.move(max(x, screen.left()), max(y, screen.top()))
        self.show()
