"""Message ids chosen by clients (the ``client_id`` of a send)."""

import secrets
import time


def new_client_id() -> str:
    """A fresh id for a message this device sends: the time in microseconds, then 64 random
    bits. Ids sort by the time they were made, so the server's index of message ids grows at
    its end rather than at random places, and a group commit touches one or two of its pages
    instead of one per sender (docs/performance.md). Any other unique id works too, only
    slower to store."""
    return f"{time.time_ns() // 1000:016x}{secrets.token_hex(8)}"
