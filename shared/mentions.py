"""Finding ``@name`` of a channel's members in a message's text (docs/protocol.md, "Messages
that change"): the server does it for every message and edit, and apps may do it to show a
message before the server has it.

An ``@`` counts where it begins the text or follows a character that is not a letter, digit
or ``_``; what follows it names a member when, in the normal form of names
(``shared.names.normalize_user_name``), it is the member's name and the character after it
is not a letter, digit or ``_`` either. The longest such name wins ("@ann.lee" names
``ann.lee`` before ``ann``). Ranges are in code points, as Python indexes strings.
"""

import unicodedata
from collections.abc import Iterable

from shared import limits
from shared.names import normalize_user_name
from shared.protocol import Mention

# What a name may be written with before normalising: NFKC may fold several code points into
# one (and the other way round), so a run this long covers any name.
_MAX_WRITTEN_NAME = 4 * limits.MAX_USER_NAME_CHARS


def find_mentions(text: str, names: Iterable[str]) -> list[Mention]:
    """The mentions of ``names`` (user names in normal form) in ``text``, in order, at most
    ``limits.MAX_MENTIONS_PER_MESSAGE``."""
    members = frozenset(names)
    found: list[Mention] = []
    start = text.find("@")
    while start >= 0 and len(found) < limits.MAX_MENTIONS_PER_MESSAGE:
        mention = None if _joined(text, start) else _mention_at(text, start, members)
        if mention is not None:
            found.append(mention)
        start = text.find("@", mention.end if mention is not None else start + 1)
    return found


def _joined(text: str, at: int) -> bool:
    """Whether the character before ``at`` joins it to a word ("bob@example")."""
    return at > 0 and _word_character(text[at - 1])


def _word_character(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _name_character(ch: str) -> bool:
    """What a name may be written with before normalising: letters, digits, '.', '_', '-'
    and combining marks (a decomposed accent)."""
    return _word_character(ch) or ch in ".-" or unicodedata.category(ch).startswith("M")


def _mention_at(text: str, at: int, members: frozenset[str]) -> Mention | None:
    """The mention of the longest member name right after the ``@`` at ``at``, if any."""
    end = at + 1
    limit = min(len(text), at + 1 + _MAX_WRITTEN_NAME)
    while end < limit and _name_character(text[end]):
        end += 1
    for stop in range(end, at + 1, -1):
        if stop < len(text) and _word_character(text[stop]):
            continue  # the name would go on: "@bobby" does not name bob
        try:
            name = normalize_user_name(text[at + 1 : stop])
        except ValueError:
            continue
        if name in members:
            return Mention(user=name, start=at, end=stop)
    return None
