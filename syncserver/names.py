"""User names by id, cached: names never change once registered."""

from syncserver.store import accounts


class NameCache:
    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def remember(self, user_id: int, name: str) -> None:
        self._names[user_id] = name

    def of(self, user_ids: set[int]) -> dict[int, str]:
        missing = {u for u in user_ids if u not in self._names}
        if missing:
            self._names.update(accounts.user_names(missing))
        return {u: self._names[u] for u in user_ids if u in self._names}

    def one(self, user_id: int) -> str:
        return self.of({user_id})[user_id]
