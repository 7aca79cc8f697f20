"""Throttles: a flooding device or account is slowed with a retry-after hint, requests cost
what they cost the server, an account has at most so many devices; password guessing is
throttled per account and per address, before the password is checked.

Token buckets refill while a test runs, and on a loaded machine it runs longer: counts are
checked against what the budget and the refill over the measured time could admit at most."""

import asyncio
import dataclasses
import time

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import DeviceList, Heartbeat, ListChannels, ListDevices, Request, RevokeDevice
from syncserver import costs
from syncserver.config import ServerConfig
from syncserver.ratelimit import RateLimiter
from tests.support import PASSWORD, ClientFactory, TestClient

DEVICE_RATE, DEVICE_BURST = 50.0, 200.0  # cost units
ACCOUNT_RATE, ACCOUNT_BURST = 50.0, 300.0
LIST_COST = costs.REQUEST_COSTS[ListChannels]  # with no channels in the list, all it costs


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """Budgets small enough for a test to exhaust."""
    return dataclasses.replace(
        server_config,
        device_rate=DEVICE_RATE,
        device_burst=DEVICE_BURST,
        account_rate=ACCOUNT_RATE,
        account_burst=ACCOUNT_BURST,
        max_devices=3,
        login_burst=3.0,
        login_interval=60.0,
        address_burst=8.0,
        address_interval=60.0,
    )


async def quiet_device(factory: ClientFactory, user: str, device: str = "laptop") -> TestClient:
    """A device that sends no heartbeats of its own, so only the test spends its budget."""
    client = await factory.connect(heartbeat_interval=3600)
    if device == "laptop":
        await client.conn.register(user, PASSWORD, device)
    else:
        await client.conn.login(user, PASSWORD, device)
    return client


async def flood(client: TestClient, request: Request, count: int) -> tuple[list, float]:
    """``count`` copies of ``request`` at once: the answers, and the seconds they took."""
    started = time.monotonic()
    answers = await asyncio.gather(
        *(client.request(request) for _ in range(count)), return_exceptions=True
    )
    return answers, time.monotonic() - started


def most_admitted(budget: float, rate: float, secs: float, cost: int) -> float:
    """Requests of ``cost`` a full budget admits in ``secs``, however the refill was timed."""
    return (budget + rate * secs) / cost


async def test_flooding_device_gets_rate_limited_with_an_honest_hint(
    clients: ClientFactory,
) -> None:
    alice = await quiet_device(clients, "alice")
    answers, secs = await flood(alice, ListChannels(), 60)
    refused = [a for a in answers if isinstance(a, ProtocolError)]
    passed = len(answers) - len(refused)
    assert passed >= 1  # the budget starts full
    assert passed <= most_admitted(DEVICE_BURST, DEVICE_RATE, secs, LIST_COST)
    assert refused, "60 requests at once went through a budget of 20"
    assert {e.code for e in refused} == {ErrorCode.RATE_LIMITED}
    assert all(
        e.retry_after is not None and 0 < e.retry_after <= LIST_COST / DEVICE_RATE for e in refused
    )
    assert "this device; try again in" in refused[0].message
    hint = refused[-1].retry_after
    assert hint is not None
    await asyncio.sleep(hint)  # the hint is honest: after it, one passes
    await alice.request(ListChannels())


async def test_a_request_costs_what_it_costs_the_server(clients: ClientFactory) -> None:
    alice = await quiet_device(clients, "alice")
    beats, _ = await flood(alice, Heartbeat(), int(DEVICE_BURST / 2))
    assert not [b for b in beats if isinstance(b, Exception)]  # a heartbeat costs 1
    lists, secs = await flood(alice, ListChannels(), int(DEVICE_BURST / 2))
    passed = [r for r in lists if not isinstance(r, Exception)]
    assert len(passed) <= most_admitted(DEVICE_BURST, DEVICE_RATE, secs, LIST_COST)


async def test_an_accounts_devices_share_one_budget(clients: ClientFactory) -> None:
    devices = [await quiet_device(clients, "alice", name) for name in ("laptop", "phone", "tab")]
    bob = await quiet_device(clients, "bob")
    started = time.monotonic()
    answers = await asyncio.gather(
        *(d.request(ListChannels()) for d in devices for _ in range(15)), return_exceptions=True
    )
    secs = time.monotonic() - started
    refused = [a for a in answers if isinstance(a, ProtocolError)]
    # Each device stays within its own budget (15 x 10 < 200); together they exceed the
    # account's (45 x 10 > 300).
    assert len(answers) - len(refused) <= most_admitted(ACCOUNT_BURST, ACCOUNT_RATE, secs, 10)
    assert refused and {e.code for e in refused} == {ErrorCode.RATE_LIMITED}
    assert "this account" in refused[0].message
    await bob.request(ListChannels())  # another account's budget is its own


async def test_an_account_has_at_most_its_devices(clients: ClientFactory) -> None:
    alice = await clients.register("alice")
    await clients.login("alice", "phone")
    await clients.login("alice", "tablet")
    extra = await clients.connect()
    with pytest.raises(ProtocolError) as err:
        await extra.conn.login("alice", PASSWORD, "fourth")
    assert err.value.code == ErrorCode.TOO_MANY_DEVICES
    assert "3 devices" in err.value.message
    listing = await alice.request(ListDevices())
    assert isinstance(listing, DeviceList)
    phone = next(d for d in listing.devices if d.name == "phone")
    await alice.request(RevokeDevice(device_id=phone.id))
    await extra.conn.login("alice", PASSWORD, "fourth")  # room again


async def test_password_guessing_is_throttled_per_account(clients: ClientFactory) -> None:
    await clients.register("alice")
    guesser = await clients.connect()
    for guess in range(3):
        with pytest.raises(ProtocolError) as err:
            await guesser.conn.login("alice", f"wrong guess {guess}", "laptop")
        assert err.value.code == ErrorCode.AUTH_FAILED
    with pytest.raises(ProtocolError) as err:
        await guesser.conn.login("alice", PASSWORD, "laptop")  # even the right one, for now
    assert err.value.code == ErrorCode.RATE_LIMITED
    assert err.value.retry_after is not None and err.value.retry_after > 50
    assert "this account" in err.value.message


async def test_many_accounts_from_one_address_are_throttled(clients: ClientFactory) -> None:
    codes = []
    for i in range(10):
        client = await clients.connect()
        try:
            await client.conn.register(f"user{i}", PASSWORD, "laptop")
            codes.append("ok")
        except ProtocolError as e:
            codes.append(e.code)
    assert codes == ["ok"] * 8 + [ErrorCode.RATE_LIMITED] * 2


async def test_a_short_wait_is_said_as_it_is_and_rounded_up(clients: ClientFactory) -> None:
    """A throttle's wait under half a second is not "try again in 0 s", and the hint is
    never shorter than the wait: a client that waits it is let through."""
    # The throttle's clock stands still unless the test moves it: a loaded machine, slow to
    # hash a password, would otherwise refill the bucket before the second try.
    now = [0.0]
    limiter = RateLimiter(rate=1 / 0.4, burst=1.0, clock=lambda: now[0])
    clients.server.ctx.throttles.address = limiter
    await clients.register("alice")
    late = await clients.connect()
    with pytest.raises(ProtocolError) as err:
        await late.conn.register("bob", PASSWORD, "laptop")
    hint = err.value.retry_after
    assert err.value.code == ErrorCode.RATE_LIMITED and hint is not None and 0 < hint <= 0.4
    assert f"try again in {hint:g} s" in err.value.message
    now[0] += hint  # the hint is honest: after it, one passes
    await late.conn.register("bob", PASSWORD, "laptop")


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3.0, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [None, None, None]
    assert limiter.take("k") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("k") is None and limiter.take("k") == pytest.approx(0.5)
    assert limiter.take("other") is None  # keys are independent


def test_costs_are_taken_before_and_charged_after() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=10.0, burst=20.0, clock=lambda: now[0])
    assert limiter.take("k", 15) is None
    assert limiter.take("k", 10) == pytest.approx(0.5)  # 5 left, 10 needed
    limiter.charge("k", 25)  # a large reply, found out afterwards: 20 in debt
    assert limiter.wait_needed("k", 1) == pytest.approx(2.1)
    now[0] += 100
    assert limiter.take("k", 50) is None  # more than the burst goes once the bucket is full


async def test_guesses_sent_at_once_cannot_slip_past_the_throttle(clients: ClientFactory) -> None:
    await clients.register("alice")
    guessers = [await clients.connect() for _ in range(8)]
    answers = await asyncio.gather(
        *(g.conn.login("alice", f"guess {i}", "laptop") for i, g in enumerate(guessers)),
        return_exceptions=True,
    )
    assert all(isinstance(a, ProtocolError) for a in answers), answers
    codes = sorted(a.code for a in answers if isinstance(a, ProtocolError))
    assert len(codes) == len(guessers)
    assert codes.count(ErrorCode.AUTH_FAILED) == 3  # the account's burst, no more
    assert codes.count(ErrorCode.RATE_LIMITED) == 5
