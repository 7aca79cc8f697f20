"""Render the main window with a realistic conversation, and the Server panel, to PNG files
under docs/.

Run with ``make screenshots``. Everything is real (an embedded server, protocol clients for
the other people, the desktop window offscreen) except the keyring: the demo device's
credentials live in memory for the few seconds this takes.
"""

import asyncio
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from desktop.app import DesktopApp, install_translator
from desktop.core.account import sign_in
from desktop.core.loop_thread import LoopThread
from desktop.core.ports import free_port_pair
from desktop.embedded import EmbeddedServer, lan_listen
from desktop.platform.credentials import CredentialStore
from desktop.selftest import use_memory_keyring
from desktop.ui.server_panel import ServerPanel
from shared.client import Connection
from shared.endpoints import DEFAULT_PORT, key_endpoint_for
from shared.protocol import (
    AddMembers,
    CreateGroup,
    Delete,
    Edit,
    Heartbeat,
    MarkRead,
    OpenDirect,
    React,
    Send,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
PASSWORD = "demo password 1"

# The group chat: (sender, text, what happens to it). A reply names the index of the message
# it answers; "edit" is the text as first sent.
GROUP: list[tuple[str, str, dict]] = [
    ("mina", "Is everyone still up for the coast on Saturday?", {}),
    ("jun", "Yes! I can drive, there's room for three more.",
     {"react": [("mina", "👍"), ("sam", "👍"), ("alice", "👍"), ("sam", "🎉")]}),
    ("alice", "Count me in. I'll bring the thermos and the good sandwiches.", {}),
    ("mina", "Perfect. Weather says sunny until 4, then wind picks up.",
     {"edit": "Perfect. Weather says sunny until 3, then wind picks up."}),
    ("sam", "oops, wrong chat", {"delete": True}),
    ("sam", "Could we leave a bit earlier then? 7:30 at the station?", {"reply": 3}),
    ("jun", "7:30 works. Parking is free before 9: www.harbour.example/parking",
     {"react": [("alice", "❤️")]}),
    ("alice", "Great, see you all at 7:30", {"reply": 5}),
    ("mina", "@alice I booked the table at the fish place for 12:30, under my name.", {}),
]  # fmt: skip
DIRECT = [
    ("jun", "Hey, do you still have my camera charger?"),
    ("alice", "I do! I'll bring it on Saturday."),
    ("jun", "Lifesaver, thanks"),
]


def new_id() -> str:
    return os.urandom(8).hex()


async def group_chat(clients: dict[str, Connection], group_id: int) -> None:
    """The group's messages, with their replies, reactions, edits and deletions."""
    seqs: list[int] = []
    last = None
    for sender, text, then in GROUP:
        conn = clients[sender]
        first = then.get("edit", text)
        reply_to = seqs[then["reply"]] if "reply" in then else None
        sent = await conn.request(
            Send(channel=group_id, client_id=new_id(), text=first, reply_to=reply_to)
        )
        seqs.append(sent.seq)
        last = sent
        if "edit" in then:
            await conn.request(Edit(channel=group_id, seq=sent.seq, client_id=new_id(), text=text))
        if then.get("delete"):
            await conn.request(Delete(channel=group_id, seq=sent.seq, client_id=new_id()))
        for who, emoji in then.get("react", []):
            await clients[who].request(
                React(channel=group_id, seq=sent.seq, client_id=new_id(), emoji=emoji)
            )
    # Mina and Jun read it all; Sam's phone has it all, but he read only up to his question.
    assert last is not None
    for reader in ("mina", "jun"):
        await clients[reader].request(MarkRead(channel=group_id, seq=seqs[-1]))
    await clients["sam"].request(Heartbeat(cursor=last.pos))
    await clients["sam"].request(MarkRead(channel=group_id, seq=seqs[5]))


async def people(hosted, me_profile_dir: Path) -> int:
    """Create the other people and their messages; returns the group's id."""
    clients: dict[str, Connection] = {}
    for name in ("mina", "jun", "sam", "alice"):
        conn = Connection(
            hosted.endpoint, server_key=hosted.public_key, key_endpoint=hosted.key_endpoint
        )
        await conn.open()
        await conn.wait_ready()
        await conn.register(name, PASSWORD, "phone")
        clients[name] = conn
    group = (
        await clients["mina"].request(CreateGroup(name="Coast trip", members=["jun", "sam"]))
    ).channel
    await clients["mina"].request(AddMembers(channel=group.id, users=["alice"]))
    await group_chat(clients, group.id)
    direct = (await clients["jun"].request(OpenDirect(user="alice"))).channel
    for sender, text in DIRECT:
        sent = await clients[sender].request(Send(channel=direct.id, client_id=new_id(), text=text))
    await clients["alice"].request(MarkRead(channel=direct.id, seq=sent.seq))
    note = (await clients["sam"].request(OpenDirect(user="alice"))).channel
    await clients["sam"].request(
        Send(channel=note.id, client_id="s1", text="Sent you the playlist for the drive!")
    )
    for conn in clients.values():
        await conn.close()
    return group.id


SETTINGS_SHOT = "screenshot-settings.png"


async def render(
    app: QApplication,
    desktop: DesktopApp,
    profile,
    group_id: int,
    name: str,
    settings_shot: str | None = None,
) -> None:
    """The main window as ``name`` (and at 800x600 and a maximised size beside it), and the
    Settings window's Account page as ``settings_shot`` if given."""
    running = await desktop.show(profile, None)
    window = running.window
    window.resize(1040, 820)
    engine = window.bridge.engine
    await window.bridge.wait(engine.wait_caught_up(20))
    window._refresh_channels()
    window.open_channel(group_id)
    model = window.pane.model
    assert model is not None
    window.pane.start_reply(model.message_at(model.rowCount() - 1).seq)
    window.pane.composer.edit.setPlainText("Thanks! Bringing the frisbee too")
    await settle(app)
    DOCS.mkdir(exist_ok=True)
    window.grab().save(str(DOCS / name))
    print(f"wrote docs/{name}")
    stem = name.removesuffix(".png")
    for size, label in (((800, 600), "800x600"), ((1920, 1080), "maximised")):
        window.resize(*size)  # offscreen has no screen to maximise to: its size, then
        await settle(app)
        window.grab().save(str(DOCS / f"{stem}-{label}.png"))
        print(f"wrote docs/{stem}-{label}.png")
    if settings_shot is not None:
        running.settings.resize(800, 600)
        running.settings.show_page("Account")
        await settle(app)
        running.settings.grab().save(str(DOCS / settings_shot))
        print(f"wrote docs/{settings_shot}")
        running.settings.hide()
    window.hide()
    DesktopApp.shut_down(running)


async def settle(app: QApplication) -> None:
    """Let a resized window lay itself out and paint."""
    for _ in range(5):
        await asyncio.sleep(0.1)
        app.processEvents()


async def signed_in(endpoint: str, public_key: str, who: list[tuple[str, str]]) -> list[Connection]:
    """People logged in to the server at ``endpoint`` as (user, device), connected."""
    made = []
    for user, device in who:
        conn = Connection(endpoint, server_key=public_key, key_endpoint=key_endpoint_for(endpoint))
        await conn.open()
        await conn.wait_ready()
        await conn.login(user, PASSWORD, device)
        made.append(conn)
    return made


async def render_server_panel(app: QApplication, server: EmbeddedServer) -> None:
    """The Server panel of a server other computers on the network may join."""
    panel = ServerPanel(None, server)
    panel.resize(800, 600)
    panel.show()
    async with asyncio.timeout(20):
        while panel.connected.count() < 2:
            await asyncio.sleep(0.1)
    app.processEvents()
    panel.grab().save(str(DOCS / "screenshot-server-panel.png"))
    print("wrote docs/screenshot-server-panel.png")
    panel.close()


def main() -> int:
    use_memory_keyring()
    work = Path(tempfile.mkdtemp(prefix="tidings-shots-"))
    server = EmbeddedServer(work / "server", "tcp://127.0.0.1:0", "tcp://127.0.0.1:0")
    hosted = server.start()
    network = LoopThread("screenshots")
    network.start()
    try:
        group_id = network.submit(people(hosted, work)).result()
        profile = network.submit(
            sign_in(
                work / "alice",
                hosted.endpoint,
                "alice",
                PASSWORD,
                "laptop",
                create_account=False,
                credentials=CredentialStore(),
                trust=lambda *_: True,
                key_endpoint=hosted.key_endpoint,
            )
        ).result()
        app = QApplication(sys.argv)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            desktop = DesktopApp(app, work / "alice")
            plurals = install_translator(app, "en")  # English needs its plural forms
            english = render(app, desktop, profile, group_id, "screenshot-main.png", SETTINGS_SHOT)
            loop.run_until_complete(english)
            for translator in plurals:
                app.removeTranslator(translator)
            QLocale.setDefault(QLocale(QLocale.Language.Korean, QLocale.Country.SouthKorea))
            korean = install_translator(app)
            loop.run_until_complete(
                render(app, desktop, profile, group_id, "screenshot-main-ko.png")
            )
            for translator in korean:
                app.removeTranslator(translator)  # the panel in English
            server.stop()  # the same server again, now open to the network, on the usual port
            server = EmbeddedServer(work / "server", lan_listen(free_port_pair(DEFAULT_PORT)))
            hosted = server.start()
            local = hosted.endpoint.replace("0.0.0.0", "127.0.0.1")
            who = [("alice", "laptop"), ("mina", "phone"), ("jun", "desktop")]
            connected = network.submit(signed_in(local, hosted.public_key, who)).result()
            loop.run_until_complete(render_server_panel(app, server))
            for conn in connected:
                network.submit(conn.close()).result()
    finally:
        network.stop()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
