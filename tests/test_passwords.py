"""Passwords are stored as salted Argon2id hashes, and a wrong password costs as much work as
an unknown user, so response times do not reveal which accounts exist."""

import statistics
import time

from syncserver import passwords


def test_hashes_are_salted_argon2id() -> None:
    first, second = (
        passwords.hash_password("same password"),
        passwords.hash_password("same password"),
    )
    assert first.startswith("$argon2id$") and first != second  # a salt of its own each time
    assert passwords.verify_password(first, "same password")
    assert not passwords.verify_password(first, "other password")


def test_unknown_user_costs_the_same_as_a_wrong_password() -> None:
    stored = passwords.hash_password("the real one")

    def cost(stored_hash: str | None) -> float:
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            assert not passwords.verify_password(stored_hash, "a guess")
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    wrong_password, unknown_user = cost(stored), cost(None)
    # Without the dummy hash an unknown user would answer a thousand times faster.
    assert 0.5 < unknown_user / wrong_password < 2.0
