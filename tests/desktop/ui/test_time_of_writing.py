"""The window shows a message at the time it was written, in the other person's window too."""

import asyncio

from desktop.ui.delegates import MessageDelegate, clock
from tests.desktop.ui.test_window import direct_chat_open, last, texts, type_and_send, until


def test_the_other_persons_bubble_shows_when_a_message_was_written_offline(
    qtbot, qloop, host, profiles, windows
):
    async def scenario() -> None:
        alice, bob = await direct_chat_open(profiles, windows)

        await asyncio.to_thread(host.stop)
        await until(lambda: "Offline" in alice.window.state_label.text())
        type_and_send(qtbot, alice, "written in the tunnel")
        await until(lambda: texts(alice) == ["written in the tunnel"])
        written = last(alice).written
        assert written is not None

        await asyncio.to_thread(host.restart)
        await until(lambda: texts(bob) == ["written in the tunnel"], timeout=30)
        shown = last(bob)
        assert shown.ts > written and shown.written == written
        delegate = bob.window.pane.view.itemDelegate()
        assert isinstance(delegate, MessageDelegate)
        assert delegate._footer(shown) == clock(written)

    qloop.run_until_complete(scenario())
