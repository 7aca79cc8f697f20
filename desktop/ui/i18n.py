"""Every user-visible string goes through ``tr``: one translation context for the app, so
``pyside6-lupdate`` finds them all and a translation is made once per phrase."""

from PySide6.QtCore import QCoreApplication

CONTEXT = "Tidings"


def tr(text: str, disambiguation: str = "", n: int = -1) -> str:
    """``text`` in the user's language. With ``n``, ``text`` holds ``%n`` and is translated
    in the plural form the language uses for ``n`` (Qt's numerus forms; English too, from
    ``plurals_en``)."""
    return QCoreApplication.translate(CONTEXT, text, disambiguation or None, n)
