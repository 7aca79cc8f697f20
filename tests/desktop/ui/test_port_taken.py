"""Host a server when its port is taken: a free port is offered, and nothing typed is lost."""

import asyncio
import socket
from pathlib import Path

import pytest

from desktop.app import DesktopApp
from desktop.core.ports import free_port_pair
from desktop.platform.credentials import CredentialStore
from desktop.ui.first_run import FirstRunDialog
from tests.desktop.ui.test_signed_out import appears, until
from tests.support import PASSWORD


def test_a_taken_port_offers_a_free_one_and_keeps_what_was_typed(
    qtbot, qapp, qloop, tmp_path: Path, credentials: CredentialStore, monkeypatch
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the hosted server's home
    taken = free_port_pair(41744, "127.0.0.1")
    other_program = socket.socket()
    other_program.bind(("127.0.0.1", taken))
    other_program.listen()

    qapp.setQuitOnLastWindowClosed(False)  # as ``desktop.app.run`` has it before start

    async def scenario() -> None:
        desktop = DesktopApp(qapp, tmp_path / "profile", credentials)
        starting = asyncio.ensure_future(desktop.start())
        dialog = await appears(FirstRunDialog)
        assert dialog.host.isChecked() and not dialog.lan.isChecked()
        dialog.port.setValue(taken)
        dialog.user.setText("alice")
        dialog.password.setText(PASSWORD)
        dialog.device.setText("laptop")
        dialog.buttons.accepted.emit()

        await until(lambda: "in use" in dialog.error.text() and dialog.isVisible())
        offered = dialog.port.value()
        assert offered != taken and f"Port {taken} is in use" in dialog.error.text()
        assert str(offered) in dialog.error.text()
        kept = (dialog.user.text(), dialog.password.text(), dialog.device.text())
        assert kept == ("alice", PASSWORD, "laptop")

        dialog.buttons.accepted.emit()  # the user accepts the port offered
        running = await starting
        assert running is not None and desktop.server is not None
        hosted = desktop.server.hosted
        assert hosted is not None and hosted.endpoint == f"tcp://127.0.0.1:{offered}"
        await desktop.finish()
        qapp.removeEventFilter(desktop.idle)

    try:
        qloop.run_until_complete(scenario())
    finally:
        other_program.close()
        qapp.setQuitOnLastWindowClosed(True)


@pytest.fixture(autouse=True)
def _no_stray_dialogs(qapp):
    yield
    for widget in qapp.topLevelWidgets():
        if isinstance(widget, FirstRunDialog):
            widget.close()
