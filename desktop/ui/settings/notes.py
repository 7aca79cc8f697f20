"""The grey sentences under a setting that say what it does."""

from PySide6.QtWidgets import QLabel


def note(text: str) -> QLabel:
    """A sentence explaining the setting above it, wrapped to the page's width."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #6b7280;")
    return label
