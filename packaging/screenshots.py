"""Render the main window with a realistic conversation, a chat with files (one going up),
and the Server panel, to PNG files under docs/.

Run with ``make screenshots``. Everything is real (an embedded server, protocol clients for
the other people, the desktop window offscreen) except the keyring: the demo device's
credentials live in memory for the few seconds this takes.
"""

import asyncio
import hashlib
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PIL import Image, ImageDraw
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from desktop.app import DesktopApp, install_translator
from desktop.core.account import sign_in
from desktop.core.events import AppEvent, UploadProgress
from desktop.core.loop_thread import LoopThread
from desktop.core.ports import free_port_pair
from desktop.core.thumbnails import describe
from desktop.embedded import EmbeddedServer, lan_listen
from desktop.platform.credentials import CredentialStore
from desktop.selftest import use_memory_keyring
from desktop.ui.server_panel import ServerPanel
from shared import limits
from shared.client import Connection
from shared.endpoints import DEFAULT_PORT, key_endpoint_for
from shared.protocol import (
    AddMembers,
    Attachment,
    CreateGroup,
    Delete,
    Edit,
    Heartbeat,
    MarkRead,
    OpenDirect,
    React,
    Send,
    UploadBegin,
    UploadChunk,
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


# Jun's files in the direct chat: a photo (shown from its thumbnail) and a PDF.
PHOTO_CAPTION = "The view from the cliff path this evening"
PDF_CAPTION = "Tide times for Saturday"
UPLOAD_BYTES = 60_000_000  # Alice's file going up while the window is rendered
UPLOAD_SHOWN_AT = 0.35  # of it stored when the window is grabbed


def new_id() -> str:
    return os.urandom(8).hex()


def sunset(path: Path) -> Path:
    """A photo-like picture: an evening sky over the sea, a sun and a headland."""
    width, height = 1600, 1000
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.62)
    for y in range(horizon):
        t = y / horizon
        draw.line(
            [(0, y), (width, y)], fill=(int(70 + 180 * t), int(60 + 90 * t), int(140 - 40 * t))
        )
    for y in range(horizon, height):
        t = (y - horizon) / (height - horizon)
        draw.line(
            [(0, y), (width, y)], fill=(int(40 - 20 * t), int(70 - 30 * t), int(120 - 40 * t))
        )
    draw.ellipse([(980, horizon - 150), (1180, horizon + 50)], fill=(255, 205, 120))
    draw.rectangle([(0, horizon), (width, height)], fill=None)
    for y in range(horizon, height, 14):
        draw.line(
            [(1020 - (y - horizon) // 3, y), (1140 + (y - horizon) // 3, y)],
            fill=(230, 170, 100),
            width=3,
        )
    draw.polygon(
        [(0, horizon + 40), (0, 380), (260, 420), (520, 520), (700, horizon + 10)],
        fill=(35, 30, 45),
    )
    image.save(path, quality=90)
    return path


def tide_table(path: Path) -> Path:
    """A one-page PDF with a tide table."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.text((120, 120), "Tide times - Saturday", fill="black")
    for n, (when, height) in enumerate(
        [("05:12", "4.1 m"), ("11:31", "0.9 m"), ("17:40", "4.3 m")]
    ):
        draw.text((120, 200 + 40 * n), f"{when}   {height}", fill="black")
    page.save(path, "PDF", resolution=150)
    return path


async def attach(conn: Connection, path: Path) -> Attachment:
    """Upload a file as any client does, and describe it as the app does."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    await conn.request(UploadBegin(sha256=sha256, size=len(data), name=path.name))
    for offset in range(0, len(data), limits.MAX_CHUNK_BYTES):
        chunk = data[offset : offset + limits.MAX_CHUNK_BYTES]
        await conn.request(UploadChunk(sha256=sha256, offset=offset, data=chunk))
    facts = describe(path, path.name)
    return Attachment(
        sha256=sha256,
        size=len(data),
        name=path.name,
        mime=facts.mime,
        width=facts.width,
        height=facts.height,
        thumbnail=facts.thumbnail,
    )


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


async def people(hosted, work: Path) -> tuple[int, int]:
    """Create the other people and their messages (files made in ``work``); returns the
    group's id and that of Alice's direct chat with Jun."""
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
    for caption, path in ((PHOTO_CAPTION, sunset(work / "cliff-path.jpg")),
                          (PDF_CAPTION, tide_table(work / "tide-times.pdf"))):  # fmt: skip
        files = [await attach(clients["jun"], path)]
        sent = await clients["jun"].request(
            Send(channel=direct.id, client_id=new_id(), text=caption, attachments=files)
        )
    await clients["alice"].request(MarkRead(channel=direct.id, seq=sent.seq))
    note = (await clients["sam"].request(OpenDirect(user="alice"))).channel
    await clients["sam"].request(
        Send(channel=note.id, client_id="s1", text="Sent you the playlist for the drive!")
    )
    for conn in clients.values():
        await conn.close()
    return group.id, direct.id


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


async def render_files(
    app: QApplication, desktop: DesktopApp, profile, direct_id: int, name: str, work: Path
) -> None:
    """The direct chat with Jun's photo (from its thumbnail: not downloaded) and PDF
    (downloaded), a file of Alice's going up, and a picture attached in her composer; the
    window is grabbed as the upload passes ``UPLOAD_SHOWN_AT``, and the upload cancelled."""
    running = await desktop.show(profile, None)
    window = running.window
    window.resize(1040, 820)
    bridge = window.bridge
    await bridge.wait(bridge.engine.wait_caught_up(20))
    window._refresh_channels()
    window.open_channel(direct_id)
    model = window.pane.model
    assert model is not None
    [pdf] = [m for m in model.messages() if m.text == PDF_CAPTION]
    await bridge.ask(bridge.engine.download, direct_id, pdf.seq, 0)
    await window.pane.composer.files.add_paths([work / "cliff-path.jpg"])
    window.pane.composer.edit.setPlainText("Look at this one!")
    upload = work / "coast-photos.zip"
    upload.write_bytes(os.urandom(UPLOAD_BYTES))  # new bytes each time: no upload to resume
    grabbed = asyncio.Event()

    def grab_part_way(event: AppEvent) -> None:
        going = isinstance(event, UploadProgress) and not grabbed.is_set()
        if going and event.stored >= UPLOAD_SHOWN_AT * event.size:
            window.grab().save(str(DOCS / name))
            grabbed.set()

    await settle(app)
    bridge.engine_event.connect(grab_part_way)
    queued = await bridge.ask(
        bridge.engine.send_files, direct_id, "All the photos from today", [upload]
    )
    async with asyncio.timeout(120):
        await grabbed.wait()
    bridge.engine_event.disconnect(grab_part_way)
    await bridge.call(bridge.engine.cancel_upload, queued.client_id)
    print(f"wrote docs/{name}")
    composer = window.pane.composer
    composer.files.release(composer.files.take())
    composer.edit.clear()
    window.pane.drafts.save()  # no draft left behind for the other renders
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
        group_id, direct_id = network.submit(people(hosted, work)).result()
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
            shot = render_files(
                app, desktop, profile, direct_id, "screenshot-attachments.png", work
            )
            loop.run_until_complete(shot)
            for translator in plurals:
                app.removeTranslator(translator)
            QLocale.setDefault(QLocale(QLocale.Language.Korean, QLocale.Country.SouthKorea))
            korean = install_translator(app)
            loop.run_until_complete(
                render(app, desktop, profile, group_id, "screenshot-main-ko.png")
            )
            shot = render_files(
                app, desktop, profile, direct_id, "screenshot-attachments-ko.png", work
            )
            loop.run_until_complete(shot)
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
