"""Look-alike detection for user names: the Unicode TR39 skeleton, from the confusables
table that ``confusable_homoglyphs`` ships (Unicode's confusables.txt).

TR39 maps every confusable character to the prototype of its class; two strings whose
skeletons are equal look alike. The package keeps the table's pairs in both directions (which
side was the prototype is lost), so each class is keyed here by its smallest member instead of
its prototype: the same classes, hence the same verdicts, a different spelling of the key.
"""

import unicodedata
from collections.abc import Mapping
from functools import cache

from confusable_homoglyphs.confusables import confusables_data

# Marks the package puts around right-to-left characters so that its table displays well, on
# both sides of a pair: a character is looked up, and compared, without them.
_DISPLAY_MARKS = str.maketrans("", "", "\u200e\u200f")


def skeleton(text: str) -> str:
    """TR39's skeleton of ``text``: decomposed, each character replaced by its class's key,
    decomposed again."""
    keys = _class_keys()
    mapped = "".join(keys.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


@cache
def _class_keys() -> Mapping[str, str]:
    """Character -> key of its confusable class. A character the table maps to a sequence
    ('m' -> 'rn') takes that sequence's keys; the others take the smallest member of their
    class (the character, its partners, and theirs: each class is a prototype with its
    sources around it, so two steps reach every member)."""
    partners = {
        ch.translate(_DISPLAY_MARKS): {entry["c"].translate(_DISPLAY_MARKS) for entry in entries}
        for ch, entries in confusables_data.items()
    }
    single: dict[str, str] = {}
    for ch, mates in partners.items():
        if any(len(m) != 1 for m in mates):
            continue
        members = {ch} | mates
        for mate in mates:
            members |= {m for m in partners.get(mate, ()) if len(m) == 1}
        single[ch] = min(members)
    keys = dict(single)
    for ch, mates in partners.items():
        sequences = [m for m in mates if len(m) != 1]
        if sequences:
            keys[ch] = "".join(single.get(c, c) for c in min(sequences))
    return keys
