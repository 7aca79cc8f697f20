"""Drafts in the cache: the text the user left in a chat's composer, one per chat, kept over
a restart. The engine's thread writes them (``SyncEngine.set_draft``); the GUI reads them."""

import time

from peewee import Database

# The table, made with the cache and by the upgrade to schema 5.1 (desktop/cache/schema.py).
DRAFT_TABLE = (
    "CREATE TABLE IF NOT EXISTS draft (channel INTEGER PRIMARY KEY, text TEXT NOT NULL, "
    "updated INTEGER NOT NULL)"
)


class DraftBook:
    """The drafts of one cache. Each method is one short statement."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def set(self, channel_id: int, text: str) -> bool:
        """Keep ``text`` as the chat's draft; blank text removes it. Returns whether the
        stored draft changed."""
        if self.get(channel_id) == (text if text.strip() else ""):
            return False
        if text.strip():
            self._db.execute_sql(
                "INSERT OR REPLACE INTO draft (channel, text, updated) VALUES (?, ?, ?)",
                (channel_id, text, int(time.time() * 1000)),
            )
        else:
            self._db.execute_sql("DELETE FROM draft WHERE channel = ?", (channel_id,))
        return True

    def get(self, channel_id: int) -> str:
        """The chat's draft; empty when it has none."""
        row = self._db.execute_sql(
            "SELECT text FROM draft WHERE channel = ?", (channel_id,)
        ).fetchone()
        return row[0] if row else ""

    def all(self) -> dict[int, str]:
        """Every chat's draft, by chat id (for the chat list)."""
        return dict(self._db.execute_sql("SELECT channel, text FROM draft").fetchall())
