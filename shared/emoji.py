"""What a reaction may be: exactly one emoji, as docs/protocol.md defines it.

One emoji is one sequence from Unicode's emoji list (emoji-test.txt, as the ``emoji`` package
carries it) that the list calls fully qualified, minimally qualified or a component: skin
tones, flags, keycaps and ZWJ sequences included. An unqualified form (U+2764 without the
emoji variation selector) is refused, so that one emoji is never counted as two reactions
that look alike; ``qualified`` turns it into the form that is taken.
"""

from emoji import EMOJI_DATA, STATUS

from shared import limits

_TAKEN_STATUSES = frozenset(
    {STATUS["fully_qualified"], STATUS["minimally_qualified"], STATUS["component"]}
)
_FULLY_QUALIFIED = STATUS["fully_qualified"]


def is_one_emoji(text: str) -> bool:
    """Whether ``text`` is exactly one emoji a reaction may carry."""
    if not 1 <= len(text) <= limits.MAX_EMOJI_CHARS:
        return False
    data = EMOJI_DATA.get(text)
    return data is not None and data["status"] in _TAKEN_STATUSES


def qualified(text: str) -> str | None:
    """``text`` as an emoji a reaction may carry: itself if it is one, the fully qualified
    form of an unqualified emoji (what a keyboard may type), None if it is no emoji."""
    if is_one_emoji(text):
        return text
    data = EMOJI_DATA.get(text)
    if data is None:
        return None
    with_selector = text + "\ufe0f" if "\ufe0f" not in text else None
    for candidate in (with_selector, _by_name(data["en"])):
        if candidate is not None and is_one_emoji(candidate):
            return candidate
    return None


def _by_name(name: str) -> str | None:
    """The fully qualified emoji of this CLDR short name, if any."""
    for candidate, data in EMOJI_DATA.items():
        if data["en"] == name and data["status"] == _FULLY_QUALIFIED:
            return candidate
    return None
