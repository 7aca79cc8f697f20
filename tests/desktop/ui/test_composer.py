"""The composer: Enter sends, the length limit shows before the server would refuse."""

from PySide6.QtCore import Qt

from desktop.ui.composer import Composer
from shared import limits


def test_limit_is_shown_and_enforced(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    sent: list[str] = []
    composer.send_text.connect(sent.append)
    composer.edit.setPlainText("x" * (limits.MAX_TEXT_CHARS + 1))
    assert not composer.counter.isHidden() and "100,001 / 100,000" in composer.counter.text()
    assert not composer.button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == [] and len(composer.edit.toPlainText()) == limits.MAX_TEXT_CHARS + 1
    composer.edit.setPlainText("short")
    assert composer.counter.isHidden() and composer.button.isEnabled()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    assert sent == ["short"] and composer.edit.toPlainText() == ""
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)  # nothing to send
    assert sent == ["short"]


def test_blank_text_cannot_be_sent(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    sent: list[str] = []
    composer.send_text.connect(sent.append)
    for blank in ("\u200b", "\x00", " \u3164 "):
        composer.edit.setPlainText(blank)
        assert not composer.button.isEnabled()
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        assert sent == []
