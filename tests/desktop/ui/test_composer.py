"""The composer: Enter sends, the length limit shows before the server would refuse, files
are attached as the server takes them."""

from pathlib import Path

from PySide6.QtCore import Qt

from desktop.ui.attach_tray import FileRules, PickedFile
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


def test_files_are_attached_only_as_the_server_takes_them(qtbot, qloop, tmp_path: Path) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    tray = composer.files
    sent: list[tuple[str, list[PickedFile]]] = []
    composer.send_files.connect(lambda text, files: sent.append((text, files)))
    note = tmp_path / "note.txt"
    note.write_text("hi")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2500)

    async def scenario() -> None:
        assert not composer.attach_button.isEnabled()  # a server that takes no files
        await tray.add_paths([note])
        assert tray.cards == [] and tray.note.text() == "This server does not take files."

        composer.set_file_rules(FileRules(available=True, max_bytes=1000))
        assert composer.attach_button.isEnabled()
        await tray.add_paths([note, big, tmp_path, tmp_path / "gone.txt"])
        assert [card.picked.path for card in tray.cards] == [note]
        assert tray.note.text() == (
            "big.bin is 2.5 KB; this server takes files of up to 1 KB. "
            f"{tmp_path.name} is not a file: only files can be attached. "
            "gone.txt cannot be read."
        )
        await tray.add_paths([note] * limits.MAX_ATTACHMENTS_PER_MESSAGE)
        assert len(tray.cards) == 1 and tray.note.text() == "A message carries at most 10 files."
        tray.cards[0].remove_button.click()
        assert tray.cards == [] and tray.note.text() == ""
        assert not composer.button.isEnabled()

        await tray.add_paths([note])
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)  # files need no caption
        [(text, files)] = sent
        assert text == "" and [f.path for f in files] == [note] and tray.cards == []

    qloop.run_until_complete(scenario())
