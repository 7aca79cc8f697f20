"""The Server panel (hosting) and the Connection panel (every device), against a real
embedded server and the real window."""

import asyncio
from collections.abc import Callable

from PySide6.QtWidgets import QLabel

from desktop.core.addresses import reachable_at
from desktop.ui.connection_panel import ConnectionPanel
from desktop.ui.server_panel import ServerPanel
from shared.endpoints import server_endpoint
from shared.keys import fingerprint
from tests.support import WAIT


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def shown_texts(dialog) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel)]


def listed(panel: ServerPanel) -> list[str]:
    return [panel.connected.item(r).text() for r in range(panel.connected.count())]


def test_lan_addresses_are_what_the_join_dialog_takes() -> None:
    lan = reachable_at("tcp://0.0.0.0:7744")
    assert not lan.local_only
    for address in lan.addresses:
        host, port = address.rsplit(":", 1)
        assert port == "7744" and not host.startswith("127.")
        assert server_endpoint(address) == f"tcp://{address}"
    local = reachable_at("tcp://127.0.0.1:7745")
    assert local.local_only and local.addresses == ("127.0.0.1:7745",)


def test_server_panel_shows_key_registration_and_who_is_connected(
    qtbot, qloop, host, profiles, windows
):
    async def scenario() -> None:
        panel = ServerPanel(None, host.server)
        qtbot.addWidget(panel)
        panel.show()
        texts = shown_texts(panel)
        assert host.hosted.fingerprint in texts
        assert any(t.startswith("Only this computer can connect") for t in texts)
        assert any(t.startswith("Open: anyone") for t in texts)
        await until(lambda: listed(panel) == ["Nobody is connected."])

        await windows(profiles("alice", "laptop", create=True))
        await until(lambda: listed(panel) == ["alice — laptop"])

    qloop.run_until_complete(scenario())


def test_connection_panel_shows_the_pinned_key_and_the_state(qtbot, qloop, host, profiles, windows):
    async def scenario() -> None:
        profile = profiles("bob", "desk", create=True)
        running = await windows(profile)
        panel = ConnectionPanel(running.window, running.bridge, profile)
        panel.show()
        texts = shown_texts(panel)
        assert fingerprint(host.hosted.public_key) in texts
        assert host.hosted.endpoint in texts
        assert "desk" in texts and "bob" in texts
        assert panel.state.text().startswith("Up to date")
        host.stop()
        await until(lambda: not panel.state.text().startswith("Up to date"))
        assert panel.state.text().startswith(("Connecting…", "Offline — showing saved messages"))

    qloop.run_until_complete(scenario())


def test_server_menu_offers_the_server_panel_only_when_hosting(qtbot, qloop, profiles, windows):
    async def scenario() -> None:
        running = await windows(profiles("carol", "laptop", create=True))
        menus = {a.text(): a.menu() for a in running.window.menuBar().actions()}
        server_menu = menus["&Server"]
        assert [a.text() for a in server_menu.actions()] == ["Connection…"]

    qloop.run_until_complete(scenario())
