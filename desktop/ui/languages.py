"""The app's language: its own strings (``tidings_LANG``), Qt's (``qtbase_LANG``: OK,
Cancel, Yes, No, the text field's menu) and English plurals (``plurals_en``, "1 member",
"2 members"), loaded for the system's locale."""

from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N = Path(__file__).resolve().parent.parent.parent / "resources" / "i18n"


def qt_translations_dir() -> Path:
    """Where Qt's own .qm files are: as Qt reports it, else beside PySide6's modules (a
    packaged app carries them there, see packaging/tidings.spec)."""
    reported = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if (reported / "qtbase_ko.qm").exists():
        return reported
    return Path(PySide6.__file__).resolve().parent / "Qt" / "translations"


def install_translations(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Install the translators for ``locale`` (the system's by default), the app's own last
    so that it is asked first. Returns those installed; the app's own is the last one when
    the app has the language."""
    locale = locale or QLocale()
    installed: list[QTranslator] = []
    for name, folder in (
        ("plurals", I18N),
        ("qtbase", qt_translations_dir()),
        ("tidings", I18N),
    ):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", str(folder)) or (
            name == "plurals" and translator.load("plurals_en", str(I18N))
        ):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
