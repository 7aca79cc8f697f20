"""The database's identity: an id that changes whenever the database goes back in time.

Stream positions and per-channel sequence numbers are handed out again after a restore from
a backup, so a device that saw later events could take new events for ones it has, or keep
ones the server no longer has. The server tells devices this id in ``welcome``; a device that
finds a new one reconciles its cache with the server. ``restore`` gives the restored database
a new one; after restoring PostgreSQL with ``pg_restore``, ``tidings-server new-epoch`` does.
"""

import secrets

from syncserver.store.models import Setting
from syncserver.store.store import Store

EPOCH_KEY = "epoch"


def new_epoch_id() -> str:
    """A fresh random id (128 bits, as 32 hexadecimal digits)."""
    return secrets.token_hex(16)


def current_epoch(store: Store) -> str:
    """The database's epoch, made now if it has none yet (a database older than epochs)."""
    epoch = Setting.read(store.db, EPOCH_KEY)
    if epoch is None:
        epoch = new_epoch_id()
        Setting.put(store.db, EPOCH_KEY, epoch)
    return epoch


def renew_epoch(store: Store) -> str:
    """Give the database a new epoch, for after it was restored; returns it."""
    epoch = new_epoch_id()
    Setting.put(store.db, EPOCH_KEY, epoch)
    return epoch
