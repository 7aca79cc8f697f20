"""Throttles: a flooding device is slowed with a retry-after hint; password guessing is
throttled per account and per address, before the password is checked."""

import asyncio

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import ListChannels
from syncserver.config import ServerConfig
from syncserver.ratelimit import RateLimiter
from syncserver.server import SyncServer
from tests.support import PASSWORD, ClientFactory


@pytest.fixture
async def strict(server_config: ServerConfig):
    server_config.device_rate = 5.0
    server_config.device_burst = 20.0
    server_config.login_burst = 3.0
    server_config.login_interval = 60.0
    server_config.address_burst = 8.0
    server_config.address_interval = 60.0
    srv = SyncServer(server_config)
    await srv.start()
    factory = ClientFactory(srv)
    yield factory
    await factory.close_all()
    await srv.stop()


async def test_flooding_device_gets_rate_limited_with_a_hint(strict: ClientFactory) -> None:
    alice = await strict.register("alice")
    answers = await asyncio.gather(
        *(alice.request(ListChannels()) for _ in range(60)), return_exceptions=True
    )
    refused = [a for a in answers if isinstance(a, ProtocolError)]
    assert 30 <= len(refused) <= 45  # the burst of 20 (less the ones spent logging in) passed
    assert {e.code for e in refused} == {ErrorCode.RATE_LIMITED}
    assert all(0 < e.retry_after <= 1.0 for e in refused)
    assert "try again in" in refused[0].message
    await asyncio.sleep(refused[-1].retry_after)  # the hint is honest: after it, one passes
    await alice.request(ListChannels())


async def test_password_guessing_is_throttled_per_account(strict: ClientFactory) -> None:
    await strict.register("alice")
    guesser = await strict.connect()
    for guess in range(3):
        with pytest.raises(ProtocolError) as err:
            await guesser.conn.login("alice", f"wrong guess {guess}", "laptop")
        assert err.value.code == ErrorCode.AUTH_FAILED
    with pytest.raises(ProtocolError) as err:
        await guesser.conn.login("alice", PASSWORD, "laptop")  # even the right one, for now
    assert err.value.code == ErrorCode.RATE_LIMITED and err.value.retry_after > 50
    assert "this account" in err.value.message


async def test_many_accounts_from_one_address_are_throttled(strict: ClientFactory) -> None:
    codes = []
    for i in range(10):
        client = await strict.connect()
        try:
            await client.conn.register(f"user{i}", PASSWORD, "laptop")
            codes.append("ok")
        except ProtocolError as e:
            codes.append(e.code)
    assert codes == ["ok"] * 8 + [ErrorCode.RATE_LIMITED] * 2


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3.0, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [None, None, None]
    assert limiter.take("k") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("k") is None and limiter.take("k") == pytest.approx(0.5)
    assert limiter.take("other") is None  # keys are independent


async def test_guesses_sent_at_once_cannot_slip_past_the_throttle(strict: ClientFactory) -> None:
    await strict.register("alice")
    guessers = [await strict.connect() for _ in range(8)]
    answers = await asyncio.gather(
        *(g.conn.login("alice", f"guess {i}", "laptop") for i, g in enumerate(guessers)),
        return_exceptions=True,
    )
    codes = sorted(a.code for a in answers)
    assert codes.count(ErrorCode.AUTH_FAILED) == 3  # the account's burst, no more
    assert codes.count(ErrorCode.RATE_LIMITED) == 5
