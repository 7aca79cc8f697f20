"""Rules for attached files' names, so clients can explain a refusal before uploading."""

import unicodedata

from shared import limits

# Separators of every system a file may land on: a name with one would be a path there.
_SEPARATORS = frozenset("/\\")


def check_file_name(name: str) -> None:
    """Raise ``ValueError`` saying which rule a file name breaks: 1 to 255 characters, no
    path separators, no control or format characters (U+200D ZERO WIDTH JOINER allowed, as
    emoji sequences need it), not ``.`` or ``..``."""
    if not 1 <= len(name) <= limits.MAX_FILE_NAME_CHARS:
        raise ValueError(f"a file name has 1 to {limits.MAX_FILE_NAME_CHARS} characters")
    if any(ch in _SEPARATORS for ch in name):
        raise ValueError("a file name may not contain path separators ('/' or '\\\\')")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d" for ch in name):
        raise ValueError("a file name may not contain control characters")
    if name in (".", ".."):
        raise ValueError("a file name may not be '.' or '..'")
