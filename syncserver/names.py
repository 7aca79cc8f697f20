"""User names and display names by id, cached: names never change once registered, and a
display name changes only through this server (``set_display``)."""

from syncserver.store import Store, accounts


class NameCache:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._names: dict[int, str] = {}
        self._display: dict[int, str] = {}  # "" for a user who set none

    def remember(self, user_id: int, name: str) -> None:
        self._names[user_id] = name

    def of(self, user_ids: set[int]) -> dict[int, str]:
        missing = {u for u in user_ids if u not in self._names}
        if missing:
            self._names.update(accounts.user_names(self._store, missing))
        return {u: self._names[u] for u in user_ids if u in self._names}

    def one(self, user_id: int) -> str:
        return self.of({user_id})[user_id]

    def display_of(self, user_ids: set[int]) -> dict[int, str]:
        """The display names of those of ``user_ids`` who set one."""
        missing = {u for u in user_ids if u not in self._display}
        if missing:
            self._display.update(accounts.display_names(self._store, missing))
        return {u: self._display[u] for u in user_ids if self._display.get(u)}

    def set_display(self, user_id: int, display_name: str) -> None:
        """Remember the display name the user just stored ("": none)."""
        self._display[user_id] = display_name


def why_taken(name: str, existing: str) -> str:
    """The sentence refusing ``name`` because ``existing`` is registered: the same name, or
    one that looks like it."""
    if existing == name:
        return f"the user name {name!r} is taken"
    return (
        f"the user name {name!r} looks like the existing name {existing!r} (their letters are "
        "confusable, by Unicode's TR39 rules); choose a name that cannot pass for another"
    )
