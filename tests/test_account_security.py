"""Changing the account's password, and new devices told to the account's other devices,
on SQLite and PostgreSQL."""

import dataclasses

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    FEATURE_DEVICE_ALERTS,
    FEATURE_PASSWORD,
    ChangePassword,
    ListDevices,
    NewDevicePush,
    Ok,
)
from syncserver.config import ServerConfig
from tests.support import PASSWORD, ClientFactory

NEW_PASSWORD = "a much better passphrase"


@pytest.fixture
def server_config(server_config: ServerConfig) -> ServerConfig:
    """Few login attempts, to see them run out (the address throttle stays wide open: every
    test client comes from 127.0.0.1)."""
    return dataclasses.replace(server_config, login_burst=3.0, login_interval=60.0)


async def test_the_new_password_signs_in_and_the_old_one_no_longer_does(
    clients: ClientFactory,
) -> None:
    laptop = await clients.register("alice", "laptop")
    phone = await clients.login("alice", "phone")
    assert {FEATURE_PASSWORD, FEATURE_DEVICE_ALERTS} <= set(laptop.welcome.features)

    done = await laptop.request(ChangePassword(current=PASSWORD, new=NEW_PASSWORD))
    assert isinstance(done, Ok)

    tablet = await clients.connect()
    with pytest.raises(ProtocolError) as refused:
        await tablet.conn.login("alice", PASSWORD, "tablet")
    assert refused.value.code == ErrorCode.AUTH_FAILED
    await tablet.conn.login("alice", NEW_PASSWORD, "tablet")
    # Every device stays signed in: its credential is not the password.
    listed = await phone.request(ListDevices())
    assert [d.name for d in listed.devices] == ["laptop", "phone", "tablet"]
    await laptop.conn.close()
    again = await clients.resume(laptop.credentials, client_keys=laptop.conn.client_keys)
    assert again.welcome.device_id == laptop.welcome.device_id


async def test_a_wrong_current_password_is_refused_and_attempts_are_limited(
    clients: ClientFactory,
) -> None:
    laptop = await clients.register("alice", "laptop")
    codes = []
    for _ in range(4):
        with pytest.raises(ProtocolError) as refused:
            await laptop.request(ChangePassword(current="not my password", new=NEW_PASSWORD))
        codes.append(refused.value.code)
    assert codes == [ErrorCode.AUTH_FAILED] * 3 + [ErrorCode.RATE_LIMITED]
    assert refused.value.retry_after is not None and refused.value.retry_after > 0
    assert "password attempts for this account" in refused.value.message
    # Logins for the account share the limit: guessing through a device is no faster.
    other = await clients.connect()
    with pytest.raises(ProtocolError) as login_refused:
        await other.conn.login("alice", PASSWORD, "phone")
    assert login_refused.value.code == ErrorCode.RATE_LIMITED


async def test_a_new_password_that_cannot_be_one_is_refused(clients: ClientFactory) -> None:
    laptop = await clients.register("alice", "laptop")
    for new, says in (("short", "the new password"), (PASSWORD, "the same as the current")):
        with pytest.raises(ProtocolError) as refused:
            await laptop.request(ChangePassword(current=PASSWORD, new=new))
        assert refused.value.code == ErrorCode.INVALID and says in refused.value.message
    await clients.login("alice", "phone")  # still the old password


async def test_the_other_devices_are_told_of_a_new_sign_in_at_once(
    clients: ClientFactory,
) -> None:
    laptop = await clients.register("alice", "laptop")
    bob = await clients.register("bob", "laptop")
    phone = await clients.login("alice", "phone")
    push = await laptop.wait_push(lambda p: isinstance(p, NewDevicePush))
    assert isinstance(push, NewDevicePush)
    assert push.device.id == phone.welcome.device_id and push.device.name == "phone"
    assert push.device.created > 0 and not push.device.current
    assert not any(isinstance(p, NewDevicePush) for p in phone.pushes + bob.pushes)
