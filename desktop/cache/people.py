"""People's display names in the cache: the name each person who shares a chat with the user
(and the user) chose to be shown by, as the server last told it. No row, or an empty name:
none, and the person is shown by user name. The engine's thread writes them; the GUI reads
them."""

from collections.abc import Iterable, Mapping

from peewee import Database

# The table, made with the cache and by the upgrade to schema 5.3 (desktop/cache/schema.py).
PERSON_TABLE = (
    "CREATE TABLE IF NOT EXISTS person (user TEXT PRIMARY KEY, display_name TEXT NOT NULL)"
)


class PeopleBook:
    """The display names of one cache. Each method is a short statement or two."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, user: str, display_name: str) -> bool:
        """Keep ``display_name`` ("" for none) as the user's; returns whether it changed."""
        if self.display_name(user) == display_name:
            return False
        if display_name:
            self._db.execute_sql(
                "INSERT OR REPLACE INTO person (user, display_name) VALUES (?, ?)",
                (user, display_name),
            )
        else:
            self._db.execute_sql("DELETE FROM person WHERE user = ?", (user,))
        return True

    def take(self, members: Iterable[str], display_names: Mapping[str, str]) -> set[str]:
        """A chat's members with the display names the server gave with it (a member left
        out has none); returns those whose name changed."""
        return {user for user in members if self.put(user, display_names.get(user, ""))}

    def display_name(self, user: str) -> str:
        """The user's display name; "" when they have none."""
        row = self._db.execute_sql(
            "SELECT display_name FROM person WHERE user = ?", (user,)
        ).fetchone()
        return row[0] if row else ""

    def all(self) -> dict[str, str]:
        """Every display name kept, by user name (for views that show many people)."""
        return dict(self._db.execute_sql("SELECT user, display_name FROM person").fetchall())
