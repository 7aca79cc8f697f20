"""Display names in the window, with a real server: Alice sets hers in Settings > Account,
and Bob's window shows it wherever Alice is shown (the chat list and its tooltip, the
chat's header, her messages' labels in a group, who is typing, the members dialog, beside
her user name there), follows her changes as they are pushed, and falls back to her user
name once she clears it. A name breaking a rule is refused in the field, saying why."""

from PySide6.QtCore import Qt

from desktop.ui.dialogs import MembersDialog
from desktop.ui.settings.display_name import DisplayNameBox
from shared.protocol import CreateGroup, OpenDirect, Send
from tests.desktop.ui.test_settings_account import account_page
from tests.desktop.ui.test_window import until
from tests.support import new_id


def listed(running, channel_id: int, role=Qt.ItemDataRole.DisplayRole):
    """What Bob's chat list says of the chat in ``role``."""
    model = running.window.channels
    row = model.row_of(channel_id)
    return None if row is None else model.data(model.index(row), role)


async def set_name(box: DisplayNameBox, typed: str) -> None:
    box.status.clear()  # what came of the last one
    box.field.setText(typed)
    box.save_button.click()
    await until(lambda: box.status.text().startswith(("Saved", "A display name")))


def members(dialog: MembersDialog) -> list[str]:
    items = [dialog.list.item(r) for r in range(dialog.list.count())]
    return [item.text() for item in items if item is not None]


def test_the_other_members_window_shows_the_display_name_and_follows_it(
    qtbot, qloop, profiles, windows
):
    async def scenario() -> None:
        alice = await windows(profiles("alice", "laptop", create=True))
        bob = await windows(profiles("bob", "laptop", create=True))
        ask = alice.bridge.ask
        direct = (await ask(alice.bridge.engine.request, OpenDirect(user="bob"))).channel.id
        group = await ask(alice.bridge.engine.request, CreateGroup(name="club", members=["bob"]))
        said = Send(channel=group.channel.id, client_id=new_id(), text="hello club")
        await ask(alice.bridge.engine.request, said)
        await until(lambda: listed(bob, direct) == "alice")

        box = account_page(alice).display_name
        assert box.field.placeholderText() == "alice" and box.field.isEnabled()
        await set_name(box, "  Alice Liddell ")
        assert box.status.text() == "Saved. Others now see you as Alice Liddell."
        assert box.field.text() == "Alice Liddell"
        await until(lambda: listed(bob, direct) == "Alice Liddell")
        assert listed(bob, direct, Qt.ItemDataRole.ToolTipRole) == "@alice"

        bob.window.open_channel(direct)
        pane = bob.window.pane
        assert pane.title.text() == "Alice Liddell" and pane.title.toolTip() == "@alice"
        bob.window.open_channel(group.channel.id)
        await until(lambda: pane.model is not None and pane.model.rowCount() >= 2)
        delegate = pane.view.itemDelegate()
        assert delegate.bubbles.shown("alice") == "Alice Liddell"
        assert delegate.bubbles.shown("bob") == "bob"  # none set: the user name
        alice.bridge.post(alice.bridge.engine.typing, group.channel.id)
        await until(lambda: pane.subtitle.text() == "Alice Liddell is typing…")
        dialog = MembersDialog(bob.window, bob.bridge, bob.bridge.cache.channel(group.channel.id))
        assert members(dialog) == ["Alice Liddell (@alice) (owner)   online", "bob   online"]
        dialog.deleteLater()

        await set_name(box, "앨리스")  # changed: pushed to Bob's open window
        await until(lambda: delegate.bubbles.shown("alice") == "앨리스")
        await until(lambda: listed(bob, direct) == "앨리스")

        await set_name(box, "   ")  # cleared: shown by user name again
        assert box.status.text() == "Saved. Others now see your user name."
        await until(lambda: listed(bob, direct) == "alice")
        assert delegate.bubbles.shown("alice") == "alice"

        await set_name(box, "x" * 65)
        assert box.status.text() == "A display name has at most 64 characters."
        await set_name(box, "Al\u0007ice")
        assert box.status.text() == "A display name may not contain control characters."
        assert alice.bridge.engine.display_name == ""

    qloop.run_until_complete(scenario())
