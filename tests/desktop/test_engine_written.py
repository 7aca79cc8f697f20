"""A message written offline is shown at the time it was written on every device, the
writer's other devices and the other person's alike; and the time of writing goes only to a
server that said it keeps it."""

from functools import partial

import msgspec

from desktop.cache.views import MessageView
from desktop.cli import message_json
from desktop.core.engine import SyncEngine
from shared.protocol import History, OpenDirect, Welcome, decode_server_message
from syncserver.server import SyncServer
from tests.desktop.test_engine import started, until
from tests.support import ClientFactory, same_place


def the_message(engine: SyncEngine, channel_id: int, text: str) -> MessageView:
    """The stored message with this text; fails if there is none."""
    [found] = [m for m in engine.cache.messages(channel_id) if m.text == text]
    return found


def has_sent(engine: SyncEngine, channel_id: int, text: str) -> bool:
    """Whether the engine's cache holds the message as stored by the server."""
    found = [m for m in engine.cache.messages(channel_id) if m.text == text]
    return bool(found) and found[0].state == "sent"


async def test_a_message_written_offline_shows_its_time_of_writing_everywhere(
    make_profile, engines, clients: ClientFactory, server: SyncServer
):
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    phone = await started(engines(await make_profile("alice", "phone")))
    bob = await started(engines(await make_profile("bob", "laptop", create=True)))
    tablet = await clients.login("bob", "tablet")
    channel = (await tablet.request(OpenDirect(user="alice"))).channel.id
    await until(lambda: all(e.cache.channel(channel) for e in (laptop, phone, bob)))

    await server.stop()
    queued = laptop.send(channel, "written on the train")
    assert queued.state == "pending" and queued.written is not None
    replacement = SyncServer(same_place(server))
    await replacement.start()
    try:
        for engine in (laptop, phone, bob):
            await until(partial(has_sent, engine, channel, "written on the train"))
        for engine in (laptop, phone, bob):
            shown = the_message(engine, channel, "written on the train")
            assert shown.ts > queued.written  # the server got it later...
            assert shown.written == queued.written  # ...and it shows when it was written
            assert shown.shown_ts == queued.written
            data = message_json(shown)  # what `history --json` prints
            assert (data["ts"], data["written"]) == (shown.ts, queued.written)
    finally:
        await replacement.stop()


def older_welcome(welcome: Welcome) -> Welcome:
    """The welcome of a server that predates times of writing, as such a server encodes it."""
    sent_then = {
        "type": "welcome",
        "rid": welcome.rid,
        "user": welcome.user,
        "device_id": welcome.device_id,
        "sync_cursor": welcome.sync_cursor,
        "head": welcome.head,
    }
    decoded = decode_server_message(msgspec.msgpack.encode(sent_then))
    assert isinstance(decoded, Welcome)
    return decoded


async def test_no_time_of_writing_goes_to_a_server_that_did_not_announce_it(
    make_profile, engines, clients: ClientFactory
):
    """An older server refuses a request field it does not know: the engine leaves the time
    of writing out when the welcome does not announce it, and keeps its own."""
    laptop = await started(engines(await make_profile("alice", "laptop", create=True)))
    bob = await clients.register("bob")
    channel = (await bob.request(OpenDirect(user="alice"))).channel.id
    await until(lambda: laptop.cache.channel(channel) is not None)
    assert laptop.conn.welcome is not None and laptop.conn.welcome.written
    laptop.conn.welcome = older_welcome(laptop.conn.welcome)

    queued = laptop.send(channel, "to an older server")
    await until(lambda: not laptop.cache.outbox())
    page = await bob.request(History(channel=channel))
    assert [(e.text, e.written) for e in page.events[-1:]] == [("to an older server", None)]
    assert the_message(laptop, channel, "to an older server").written == queued.written
