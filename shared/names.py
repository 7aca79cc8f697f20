"""Rules for user, group and device names, so clients can explain a refusal before sending."""

import re
import unicodedata

from shared import limits

_USER_NAME = re.compile(r"[\w.-]+")


def normalize_user_name(name: str) -> str:
    """The canonical form of a user name (NFKC, casefolded); raises ``ValueError`` saying why
    a name is not acceptable."""
    canonical = unicodedata.normalize("NFKC", name).strip().casefold()
    if not 1 <= len(canonical) <= limits.MAX_USER_NAME_CHARS:
        raise ValueError(f"a user name has 1 to {limits.MAX_USER_NAME_CHARS} characters")
    if not _USER_NAME.fullmatch(canonical):
        raise ValueError("a user name may contain only letters, digits, '.', '_' and '-'")
    return canonical


def clean_label(label: str, what: str, max_chars: int) -> str:
    """A group or device name with surrounding blanks removed; raises ``ValueError`` if it is
    empty, too long or holds control characters."""
    cleaned = unicodedata.normalize("NFC", label).strip()
    if not 1 <= len(cleaned) <= max_chars:
        raise ValueError(f"a {what} has 1 to {max_chars} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d" for ch in cleaned):
        raise ValueError(f"a {what} may not contain control characters")
    return cleaned


def check_password(password: str) -> None:
    """Raise ``ValueError`` if a new password is too short or too long."""
    if len(password) < limits.MIN_PASSWORD_CHARS:
        raise ValueError(f"a password has at least {limits.MIN_PASSWORD_CHARS} characters")
    if len(password) > limits.MAX_PASSWORD_CHARS:
        raise ValueError(f"a password has at most {limits.MAX_PASSWORD_CHARS} characters")
