"""A reply's quote, clicked, scrolls to the message it answers: also one far back in a chat
this device joined late, which it does not hold yet (fetched from the server first)."""

import uuid

import pytest
from PySide6.QtCore import Qt

import desktop.app
from desktop.core.account import open_engine
from desktop.core.engine import SyncEngine
from desktop.core.profile import Profile
from desktop.platform.credentials import CredentialStore
from shared.protocol import OpenDirect, Send
from tests.desktop.ui.test_message_actions import delegate_of, layout_of, shown
from tests.desktop.ui.test_window import send_as, until
from tests.support import WAIT

BETWEEN = 150  # messages between the original and the reply: more than a device starts with


@pytest.fixture
def without_background_filling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows whose engine fills holes only when asked (as tidings-cli's does), so what the
    device lacks stays lacking until the window asks for it."""

    def opened(profile: Profile, credentials: CredentialStore) -> SyncEngine:
        engine = open_engine(profile, credentials)
        engine.fill_in_background = False
        return engine

    monkeypatch.setattr(desktop.app, "open_engine", opened)


def test_clicking_a_quote_fetches_and_shows_an_original_this_device_lacks(
    qtbot, qloop, net, profiles, people, windows, without_background_filling
):
    async def scenario() -> None:
        bob = people("bob")
        profiles("alice", "phone", create=True)
        chat = net.submit(bob.request(OpenDirect(user="alice"))).result(WAIT).channel.id
        original = send_as(net, bob, chat, "the original question").seq
        for n in range(BETWEEN):
            send_as(net, bob, chat, f"chatter {n}")
        answer = Send(channel=chat, client_id=uuid.uuid4().hex, text="see above", reply_to=original)
        reply = net.submit(bob.request(answer)).result(WAIT).seq

        alice = await windows(profiles("alice", "laptop"))  # a new device: the newest only
        alice.window.open_channel(chat)
        await until(lambda: any(m.seq == reply for m in shown(alice)))
        assert alice.bridge.cache.message(chat, original) is None
        quoted = next(m for m in shown(alice) if m.seq == reply)
        assert quoted.quote is None and quoted.reply_to == original, quoted
        assert delegate_of(alice).bubbles.quote_lines(quoted)[0] == "An earlier message"

        view = alice.window.pane.view
        quote = layout_of(alice, reply).quote
        assert quote is not None
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=quote.center())
        model = alice.window.pane.model
        assert model is not None
        await until(lambda: model.highlighted == original)
        row = model.row_of_seq(original)
        assert row is not None and model.message_at(row).text == "the original question"
        shown_rect = view.visualRect(model.index(row))
        assert view.viewport().rect().contains(shown_rect.center())  # scrolled to it
        await until(lambda: next(m for m in shown(alice) if m.seq == reply).quote is not None)
        assert delegate_of(alice).bubbles.quote_lines(
            next(m for m in shown(alice) if m.seq == reply)
        ) == ("bob", "the original question")
        await until(lambda: model.highlighted is None)  # the mark fades

    qloop.run_until_complete(scenario())
