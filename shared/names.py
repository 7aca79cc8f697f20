"""Rules for user, group and device names, so clients can explain a refusal before sending."""

import re
import unicodedata

from confusable_homoglyphs import categories

from shared import limits

_USER_NAME = re.compile(r"[\w.-]+")

# Scripts every writing system shares (digits, '.', '_', '-') or borrows (combining marks).
_SHARED_SCRIPTS = frozenset({"COMMON", "INHERITED"})
# Script mixes that are one writing system (UTS #39's "highly restrictive" profile): Japanese,
# Chinese with Bopomofo, and Korean, each also with Latin.
_WRITING_SYSTEMS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


def normalize_user_name(name: str) -> str:
    """The canonical form of a user name (NFKC, casefolded); raises ``ValueError`` saying why
    a name is not acceptable."""
    canonical = unicodedata.normalize("NFKC", name).strip().casefold()
    if not 1 <= len(canonical) <= limits.MAX_USER_NAME_CHARS:
        raise ValueError(f"a user name has 1 to {limits.MAX_USER_NAME_CHARS} characters")
    if not _USER_NAME.fullmatch(canonical):
        raise ValueError("a user name may contain only letters, digits, '.', '_' and '-'")
    return canonical


def new_user_name(name: str) -> str:
    """The canonical form of a name for a new account: ``normalize_user_name``'s rules plus
    one writing system per name, so that no name can pass for another by mixing look-alike
    letters of two scripts (Latin 'a' and Cyrillic U+0430). Names registered before this rule
    are still found by ``normalize_user_name``."""
    canonical = normalize_user_name(name)
    scripts = scripts_of(canonical)
    if len(scripts) > 1 and not any(scripts <= system for system in _WRITING_SYSTEMS):
        listed = ", ".join(sorted(s.title() for s in scripts))
        raise ValueError(
            f"a user name is written in one script, but this one mixes {listed}; "
            "mixed names can pass for other people's names"
        )
    return canonical


def scripts_of(text: str) -> frozenset[str]:
    """The Unicode scripts of ``text``'s characters, leaving out shared ones (digits,
    punctuation, combining marks)."""
    return frozenset(categories.alias(ch) for ch in text) - _SHARED_SCRIPTS


def clean_label(label: str, what: str, max_chars: int) -> str:
    """A group or device name with surrounding blanks removed; raises ``ValueError`` if it is
    empty, too long or holds control characters."""
    cleaned = unicodedata.normalize("NFC", label).strip()
    if not 1 <= len(cleaned) <= max_chars:
        raise ValueError(f"a {what} has 1 to {max_chars} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d" for ch in cleaned):
        raise ValueError(f"a {what} may not contain control characters")
    return cleaned


def clean_display_name(typed: str) -> str:
    """A display name as kept: trimmed, "" (none) when blank; raises ``ValueError`` saying
    which rule it breaks (1 to 64 characters, no control characters)."""
    if not typed.strip():
        return ""
    return clean_label(typed, "display name", limits.MAX_DISPLAY_NAME_CHARS)


def check_password(password: str) -> None:
    """Raise ``ValueError`` if a new password is too short or too long."""
    if len(password) < limits.MIN_PASSWORD_CHARS:
        raise ValueError(f"a password has at least {limits.MIN_PASSWORD_CHARS} characters")
    if len(password) > limits.MAX_PASSWORD_CHARS:
        raise ValueError(f"a password has at most {limits.MAX_PASSWORD_CHARS} characters")
