"""Passwords are stored as salted Argon2id hashes, and a wrong password costs as much work as
an unknown user, so response times do not reveal which accounts exist."""

from dataclasses import dataclass, field

import pytest
from argon2 import PasswordHasher, extract_parameters

from syncserver import passwords


def test_hashes_are_salted_argon2id() -> None:
    first, second = (
        passwords.hash_password("same password"),
        passwords.hash_password("same password"),
    )
    assert first.startswith("$argon2id$") and first != second  # a salt of its own each time
    assert passwords.verify_password(first, "same password")
    assert not passwords.verify_password(first, "other password")


@dataclass
class _RecordingHasher:
    """The real hasher, remembering every hash it verified a password against."""

    real: PasswordHasher
    verified: list[str] = field(default_factory=list)

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, hash: str, password: str) -> bool:
        self.verified.append(hash)
        return self.real.verify(hash, password)


def test_unknown_user_costs_the_same_as_a_wrong_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not timed (a loaded machine makes timings lie): both failures run exactly one Argon2
    verification, against hashes made with the same parameters, so they cost the same work.
    Without the dummy hash an unknown user would answer a thousand times faster."""
    stored = passwords.hash_password("the real one")
    hasher = _RecordingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)

    assert not passwords.verify_password(stored, "a guess")
    assert hasher.verified == [stored]
    assert not passwords.verify_password(None, "a guess")
    assert len(hasher.verified) == 2
    dummy = hasher.verified[1]
    assert extract_parameters(dummy) == extract_parameters(stored)
    assert not passwords.verify_password(None, "")  # any password: the same one verification
    assert hasher.verified[2:] == [dummy]
