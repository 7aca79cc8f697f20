"""Why this device is no longer signed in, and the way out: sign in again, or quit."""

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop.core.events import SignedOutReason
from desktop.ui.i18n import tr


def signed_out_text(reason: SignedOutReason) -> str:
    """What happened, in the user's words."""
    if reason == SignedOutReason.REVOKED:
        return tr(
            "This device was signed out: it was removed from your account on another "
            "device, or by the server's administrator. The server no longer lets it in."
        )
    return tr(
        "The server no longer knows this device (its database may have been replaced), "
        "so it cannot connect as before."
    )


class SignedOutDialog(QDialog):
    """Accepted: sign in again (what this device kept of the account is removed first);
    rejected: quit, leaving it as it is until the next start."""

    def __init__(self, reason: SignedOutReason, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Signed out"))
        self.resize(460, 200)
        text = QLabel(signed_out_text(reason))
        text.setWordWrap(True)
        after = QLabel(
            tr(
                "To use Tidings here again, sign in again. The messages, unsent messages "
                "and sign-in details this device kept are removed first; your account "
                "keeps its messages on the server."
            )
        )
        after.setWordWrap(True)
        after.setStyleSheet("color: #4b5563;")
        self.buttons = QDialogButtonBox()
        self.sign_in = self.buttons.addButton(
            tr("Sign in again"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.quit = self.buttons.addButton(tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(after)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
