"""How a message's mentions are kept in its row: ``user:start:end`` of each, joined by ``;``
(user ids, which stay what they are while names are looked up in a cache)."""

StoredMention = tuple[int, int, int]  # user id, start, end


def encode(mentions: list[StoredMention]) -> str | None:
    """The column value of ``mentions``; None (the column's default) for none."""
    if not mentions:
        return None
    return ";".join(f"{user}:{start}:{end}" for user, start, end in mentions)


def decode(stored: str | None) -> list[StoredMention]:
    """The mentions of a column value ``encode`` wrote."""
    if not stored:
        return []
    found = []
    for item in stored.split(";"):
        user, start, end = item.split(":")
        found.append((int(user), int(start), int(end)))
    return found


def count(stored: str | None) -> int:
    """How many mentions a column value holds, without decoding it."""
    return stored.count(";") + 1 if stored else 0
