"""Every user-visible string goes through ``tr``: one translation context for the app, so
``pyside6-lupdate`` finds them all and a translation is made once per phrase."""

from PySide6.QtCore import QCoreApplication

CONTEXT = "Tidings"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)
