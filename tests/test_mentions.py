"""Finding @name of members in a text, and what a reaction may be (docs/protocol.md,
"Messages that change")."""

import pytest

from shared.emoji import is_one_emoji, qualified
from shared.mentions import find_mentions
from shared.protocol import Mention


def spans(text: str, names: list[str]) -> list[tuple[str, str]]:
    """Each mention found, as the member and the text it covers."""
    return [(m.user, text[m.start : m.end]) for m in find_mentions(text, names)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("@bob", [("bob", "@bob")]),
        ("hi @Bob!", [("bob", "@Bob")]),  # names compare in their normal form
        ("@\uff22\uff2f\uff22", [("bob", "@\uff22\uff2f\uff22")]),  # fullwidth (NFKC)
        ("mail@bob", []),  # an address, not a mention
        ("@bobby", []),  # someone else's name goes on
        ("@bob_", []),
        ("@bob. @bob-", [("bob", "@bob"), ("bob", "@bob")]),  # '.' and '-' end a name
        ("@ann.lee and @ann", [("ann.lee", "@ann.lee"), ("ann", "@ann")]),  # longest first
        ("@carol", []),  # not a member
        ("@@bob", [("bob", "@bob")]),
        ("@", []),
        ("(@bob)", [("bob", "@bob")]),
        ("@jose\u0301 hi", [("josé", "@jose\u0301")]),  # a decomposed accent
    ],
)
def test_mentions_of_members(text: str, found: list[tuple[str, str]]) -> None:
    assert spans(text, ["bob", "ann", "ann.lee", "josé"]) == found


def test_ranges_are_in_code_points() -> None:
    text = "😀 @bob"  # one code point before the space, four bytes in UTF-8
    assert find_mentions(text, ["bob"]) == [Mention(user="bob", start=2, end=6)]


def test_mentions_are_bounded() -> None:
    assert len(find_mentions("@bob " * 1000, ["bob"])) == 100


@pytest.mark.parametrize("emoji", ["👍", "❤️", "👍🏽", "🏽", "🇰🇷", "👨‍👩‍👧", "🏳️‍🌈", "1️⃣", "🫠"])
def test_one_emoji(emoji: str) -> None:
    assert is_one_emoji(emoji) and qualified(emoji) == emoji


@pytest.mark.parametrize("text", ["", "a", "#", "👍👍", "👍 ", "🇰", ":)", "❤", "x" * 17])
def test_not_one_emoji(text: str) -> None:
    assert not is_one_emoji(text)


def test_an_unqualified_emoji_can_be_qualified() -> None:
    assert qualified("❤") == "❤️" and qualified("☺") == "☺️" and qualified("a") is None
