"""Signing a device in and out, and opening a signed-in profile's engine."""

from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.cache.store import Cache
from desktop.core.engine import SyncEngine
from desktop.core.profile import NotSignedIn, Profile
from desktop.platform.credentials import CredentialStore, DeviceSecret
from shared.client import Connection, Credentials, ServerKeyMismatch, fetch_server_key
from shared.endpoints import key_endpoint_for, merge_endpoints
from shared.keys import KeyPair, fingerprint
from shared.names import new_user_name
from shared.protocol import Logout

CONNECT_TIMEOUT = 10.0  # secs to reach a server while signing in

TrustFn = Callable[[str, str], bool]  # (server endpoint, key fingerprint) -> trust it?


class ServerNotTrusted(RuntimeError):
    """The user declined the server's key."""


async def sign_in(
    profile_dir: Path,
    server: str,
    user: str,
    password: str,
    device: str,
    *,
    create_account: bool,
    credentials: CredentialStore,
    trust: TrustFn,
    key_endpoint: str | None = None,
    other_nodes: Sequence[str] = (),
) -> Profile:
    """Register or log in at ``server``, creating a new device, and save it as this
    profile's account, with ``other_nodes`` (further endpoints of the same server) and the
    nodes the server names in its welcome. The server's key is fetched and shown through
    ``trust`` unless the profile pinned it. A name the server would refuse for a new account
    raises ``ValueError`` saying why, before anything is asked of the server."""
    if create_account:
        new_user_name(user)
    credentials.check()  # before the server creates a device we could not keep
    key_endpoint = key_endpoint or key_endpoint_for(server)
    server_key = await _server_key(profile_dir, server, key_endpoint, trust)
    keys = KeyPair.generate()
    conn = Connection(server, server_key=server_key, client_keys=keys, key_endpoint=key_endpoint)
    await conn.open()
    try:
        await conn.wait_ready(CONNECT_TIMEOUT)
        start = conn.register if create_account else conn.login
        welcome = await start(user, password, device)
    finally:
        await conn.close()
    assert welcome.token is not None
    profile = Profile(
        dir=profile_dir,
        endpoints=merge_endpoints((server,), other_nodes),
        key_endpoint=key_endpoint,
        server_key=server_key,
        user=welcome.user,
        device_id=welcome.device_id,
        device_name=device,
    ).with_nodes(welcome.nodes)
    secret = DeviceSecret(welcome.device_id, welcome.token, keys.public, keys.secret)
    credentials.save(profile.keyring_account, secret)
    profile.save()
    return profile


async def _server_key(profile_dir: Path, server: str, key_endpoint: str, trust: TrustFn) -> str:
    offered = (await fetch_server_key(key_endpoint)).public_key
    try:
        pinned = Profile.load(profile_dir)
    except NotSignedIn:
        pinned = None
    if pinned is not None and pinned.server == server:
        if pinned.server_key != offered:
            raise ServerKeyMismatch(server, pinned.server_key, offered)
        return offered
    if not trust(server, fingerprint(offered)):  # computed here, not taken from the server
        raise ServerNotTrusted(f"the key of {server} was not accepted")
    return offered


def open_engine(profile: Profile, credentials: CredentialStore) -> SyncEngine:
    """The engine for a signed-in profile; the cache opens now, the server connects on
    ``start``, and moves between the server's nodes, saving those it learns of in the
    profile."""
    secret = credentials.load(profile.keyring_account)
    if secret is None:
        raise NotSignedIn(
            f"the keyring has no credential for {profile.user} on this device; log in again"
        )
    conn = Connection(
        profile.server,
        server_key=profile.server_key,
        client_keys=KeyPair(secret.public_key, secret.secret_key),
        credentials=Credentials(secret.device_id, secret.token),
        key_endpoint=profile.key_endpoint,
        nodes=profile.endpoints[1:],
        on_endpoints=lambda endpoints: profile.with_nodes(endpoints).save(),
    )
    return SyncEngine(Cache.open(profile.cache_path, profile.user), conn)


async def sign_out(engine: SyncEngine, profile: Profile, credentials: CredentialStore) -> None:
    """Revoke this device on the server, then forget it here: credential, cache, profile."""
    await engine.request(Logout())
    await engine.stop()
    engine.cache.close()
    credentials.delete(profile.keyring_account)
    profile.remove()
