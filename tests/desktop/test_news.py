"""Which synced messages are news to a device (``MessageAdded.filled`` False), that is,
worth a notification: not what waited on the server before a cache started from a
snapshot, but what arrives while it runs, and what an existing cache missed while away."""

import asyncio
from collections.abc import Callable

from desktop.core.engine import RECENT_PAGE, SyncEngine
from desktop.core.events import AppEvent, MessageAdded
from shared.protocol import OpenDirect, Send
from tests.support import WAIT, ClientFactory, TestClient, new_id


async def until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def recording(engine: SyncEngine) -> dict[str, bool]:
    """Each message text the engine announces, with whether it was news."""
    news: dict[str, bool] = {}

    def record(event: AppEvent) -> None:
        if isinstance(event, MessageAdded) and event.message.kind == "message":
            news[event.message.text] = not event.filled

    engine.subscribe(record)
    return news


async def say(bob: TestClient, chat: int, *texts: str) -> None:
    for text in texts:
        await bob.request(Send(channel=chat, client_id=new_id(), text=text))


async def started(engine: SyncEngine) -> SyncEngine:
    await engine.start()
    await engine.wait_caught_up(WAIT)
    return engine


async def test_a_new_device_notifies_only_what_arrives_while_it_runs(
    make_profile, engines, clients: ClientFactory
):
    await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    chat = (await bob.request(OpenDirect(user="alice"))).channel.id
    await say(bob, chat, "before the phone")
    phone = await make_profile("alice", "phone")
    await say(bob, chat, "while the phone signs in")
    engine = engines(phone)
    news = recording(engine)
    await started(engine)
    await say(bob, chat, "while it runs")
    await until(lambda: "while it runs" in news)
    assert news == {
        "before the phone": False,
        "while the phone signs in": False,
        "while it runs": True,
    }


async def test_a_cache_started_again_does_not_notify_what_it_syncs_past_its_snapshot(
    make_profile, engines, clients: ClientFactory
):
    """More waits than the snapshot's recent page holds: the rest comes by sync, and is
    not news either."""
    profile = await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    chat = (await bob.request(OpenDirect(user="alice"))).channel.id
    first = await started(engines(profile))
    await first.stop()
    waiting = [f"waiting {i}" for i in range(RECENT_PAGE + 5)]
    await say(bob, chat, *waiting)
    first.cache.set_setting("sync_cursor", str(10**9))  # the server knows less: a snapshot
    again = engines(profile)
    news = recording(again)
    await started(again)
    await say(bob, chat, "after the start")
    await until(lambda: "after the start" in news)
    assert news == {**dict.fromkeys(waiting, False), "after the start": True}


async def test_what_a_device_missed_while_away_is_still_news(
    make_profile, engines, clients: ClientFactory
):
    profile = await make_profile("alice", "laptop", create=True)
    bob = await clients.register("bob")
    chat = (await bob.request(OpenDirect(user="alice"))).channel.id
    first = await started(engines(profile))
    await first.stop()
    await say(bob, chat, "while it was away")
    again = engines(profile)
    news = recording(again)
    await started(again)
    assert news == {"while it was away": True}
