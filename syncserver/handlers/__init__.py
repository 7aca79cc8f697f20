"""Request handlers, one module per family. Importing this package registers them all."""

from syncserver.handlers import (
    account_settings,
    accounts,
    channels,
    files,
    messages,
    presence,
    receipts,
    security,
)
from syncserver.handlers.base import HANDLERS, Call, Context, Handler, Refusal

__all__ = [
    "HANDLERS",
    "Call",
    "Context",
    "Handler",
    "Refusal",
    "account_settings",
    "accounts",
    "channels",
    "files",
    "messages",
    "presence",
    "receipts",
    "security",
]
