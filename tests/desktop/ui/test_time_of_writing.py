"""The window shows a message at the time it was written, in the other person's window too."""

import asyncio

from desktop.ui.delegates import MessageDelegate, clock
from shared.protocol import OpenDirect
from tests.desktop.ui.test_window import last, texts, type_and_send, until


def test_the_other_persons_bubble_shows_when_a_message_was_written_offline(
    qtbot, qloop, host, profiles, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = await windows(profiles("bob", "laptop", create=True))
        reply = await alice.bridge.ask(alice.bridge.engine.request, OpenDirect(user="bob"))
        channel_id = reply.channel.id
        alice.window.open_channel(channel_id)
        await until(lambda: bob.window.channels.row_of(channel_id) is not None)
        bob.window.open_channel(channel_id)

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
