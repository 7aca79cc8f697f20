"""What counts as a blank message, for both sides: the server refuses one, clients check
early so they can say why before queueing it."""

import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters a renderer
# shows as nothing, some of them letters or marks by category (the Hangul fillers, variation
# selectors), plus U+2800 BRAILLE PATTERN BLANK, a symbol drawn as an empty cell.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Control (Cc), format (Cf), surrogate (Cs) and separator characters. Not unassigned ones
# (Cn): this Python's Unicode data may predate the writer's (an emoji of a newer Unicode), and
# a renderer that does not know a character still draws something for it. The unassigned
# ones drawn as nothing are in the ranges above.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


def is_visible(ch: str) -> bool:
    """Whether a character shows as something: not whitespace, not a control or format
    character, and not one Unicode says to draw as nothing."""
    if "!" <= ch <= "~":  # printable ASCII, most text's first character: the server's hot path
        return True
    if ch.isspace() or unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
        return False
    code = ord(ch)
    return not any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def is_blank(text: str) -> bool:
    """True when a message has no visible character: empty, or only whitespace, controls
    (NUL included), format characters such as U+200B ZERO WIDTH SPACE, or fillers that
    render as nothing."""
    return not any(is_visible(ch) for ch in text)


BLANK_MESSAGE = "a message needs some visible text, not only spaces or invisible characters"
