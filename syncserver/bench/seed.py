"""Accounts written straight into a new server's database before it starts.

Creating an account through the protocol costs an Argon2 hash (about 0.16 s here), so a
benchmark that needs thousands of devices writes them with the server's own store functions
instead. Channels are still opened through the protocol: that part is cheap.
"""

from pathlib import Path

from shared.keys import KeyPair
from syncserver import passwords
from syncserver.bench.device import DeviceCredentials
from syncserver.store.accounts import create_device, create_user
from syncserver.store.database import database_url_for, open_database

PASSWORD = "benchmark password"


def seed_devices(
    data_dir: Path,
    users: list[str],
    devices_per_user: int = 1,
    database_url: str | None = None,
) -> list[DeviceCredentials]:
    """Create ``users`` (one shared password hash) with their devices in the database of a
    server on ``data_dir`` (``database_url``, or SQLite there); returns every device's
    credentials, grouped by user in the order given."""
    store = open_database(database_url or database_url_for(data_dir))
    password_hash = passwords.hash_password(PASSWORD)
    made: list[DeviceCredentials] = []
    try:
        with store.transaction():
            for name in users:
                user = create_user(store, name, password_hash, 0)
                if user is None:
                    raise RuntimeError(f"the new database already has a user {name!r}")
                for n in range(devices_per_user):
                    keys = KeyPair.generate()
                    token = passwords.new_device_token()
                    device = create_device(
                        store, user.id, f"bench {n}", passwords.token_hash(token), keys.public, 0, 0
                    )
                    made.append(DeviceCredentials(name, device.id, token, keys.public, keys.secret))
    finally:
        store.close()
    return made
