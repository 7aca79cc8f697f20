"""Every string the window shows has a Korean translation, and the compiled file works."""

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import translations  # noqa: E402


def test_every_string_is_translated_to_korean() -> None:
    assert translations.missing_translations(ROOT / "resources/i18n/tidings_ko.ts") == []


def test_korean_is_picked_from_the_locale(qapp) -> None:
    translator = QTranslator()
    korean = QLocale(QLocale.Language.Korean, QLocale.Country.SouthKorea)
    assert translator.load(korean, "tidings", "_", str(ROOT / "resources/i18n"))
    QCoreApplication.installTranslator(translator)
    try:
        from desktop.ui.i18n import tr

        assert tr("Up to date") == "최신 상태"
        assert tr("%n member(s)", "", 3) == "멤버 3명"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert tr("Up to date") == "Up to date"


@pytest.mark.parametrize("language", [QLocale.Language.English, QLocale.Language.German])
def test_other_languages_fall_back_to_english(qapp, language) -> None:
    assert not QTranslator().load(QLocale(language), "tidings", "_", str(ROOT / "resources/i18n"))
