"""New sign-ins to the account (``NewSignIn``), each told once: pushed while a device is
connected, and found in the devices list when it was away, also across restarts and a
cleared cache; a new device hears of none of the devices before it."""

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable

from desktop.core.engine import SyncEngine
from desktop.core.events import AppEvent, NewSignIn
from desktop.core.profile import Profile
from desktop.core.sign_ins import NEWEST_KNOWN
from tests.support import WAIT


def sign_ins(engine: SyncEngine) -> list[str]:
    """The names of the devices the engine tells of, as it tells them."""
    told: list[str] = []

    def record(event: AppEvent) -> None:
        if isinstance(event, NewSignIn):
            told.append(event.name)

    engine.subscribe(record)
    return told


async def stopped(engines: Callable[[Profile], SyncEngine], profile: Profile) -> list[str]:
    """Start an engine for ``profile``, wait until it caught up and stop it: what it told."""
    engine = engines(profile)
    told = sign_ins(engine)
    await engine.start()
    await engine.wait_caught_up(WAIT)
    await engine.stop()
    return told


async def test_a_sign_in_made_while_away_is_told_once_on_return(make_profile, engines):
    laptop = await make_profile("alice", "laptop", create=True)
    assert await stopped(engines, laptop) == []
    await make_profile("alice", "phone")  # while the laptop is off
    assert await stopped(engines, laptop) == ["phone"]
    assert await stopped(engines, laptop) == []  # told already: not again after a restart


async def test_a_pushed_sign_in_is_not_told_again_from_the_list(make_profile, engines):
    laptop = await make_profile("alice", "laptop", create=True)
    engine = engines(laptop)
    told = sign_ins(engine)
    pushed = asyncio.Event()
    engine.subscribe(lambda event: pushed.set() if isinstance(event, NewSignIn) else None)
    await engine.start()
    await engine.wait_caught_up(WAIT)
    await make_profile("alice", "phone")
    await asyncio.wait_for(pushed.wait(), WAIT)
    await engine.settle(WAIT)
    await engine.stop()
    assert told == ["phone"]
    assert await stopped(engines, laptop) == []


async def test_a_new_device_hears_of_none_before_it(make_profile, engines):
    await make_profile("alice", "laptop", create=True)
    await make_profile("alice", "phone")
    tablet = await make_profile("alice", "tablet")
    assert await stopped(engines, tablet) == []


async def test_a_new_device_hears_of_one_that_signed_in_before_it_first_connected(
    make_profile, engines
):
    tablet = await make_profile("alice", "tablet", create=True)
    await make_profile("alice", "phone")
    assert await stopped(engines, tablet) == ["phone"]


async def test_a_cleared_cache_keeps_what_it_was_told(make_profile, engines):
    laptop = await make_profile("alice", "laptop", create=True)
    assert await stopped(engines, laptop) == []
    await make_profile("alice", "phone")
    engine = engines(laptop)
    told = sign_ins(engine)
    await engine.start()
    await engine.wait_caught_up(WAIT)
    await engine.clear_cache()
    await engine.wait_caught_up(WAIT)
    await engine.stop()
    assert told == ["phone"]
    assert await stopped(engines, laptop) == []


async def test_a_cache_from_before_takes_the_list_as_it_finds_it(make_profile, engines):
    """A cache an earlier version kept holds no mark: the devices it finds are not news
    (it may have told of them already), but those after them are."""
    laptop = await make_profile("alice", "laptop", create=True)
    assert await stopped(engines, laptop) == []
    with contextlib.closing(sqlite3.connect(laptop.cache_path)) as db, db:
        db.execute("DELETE FROM setting WHERE key = ?", (NEWEST_KNOWN,))
    await make_profile("alice", "phone")
    assert await stopped(engines, laptop) == []
    await make_profile("alice", "tablet")
    assert await stopped(engines, laptop) == ["tablet"]
