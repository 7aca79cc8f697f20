"""Token buckets: a steady rate with room for bursts, per key (a device, an account, an
address). An action costs a number of tokens; refusals come with how long to wait."""

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

MAX_KEYS = 100_000  # buckets kept at most; full ones are forgotten first


def rounded_up(wait: float) -> float:
    """Seconds to wait, rounded up to the millisecond: an action retried after them goes
    (rounded to the nearest, it could come a fraction too early and be refused again)."""
    return math.ceil(wait * 1000) / 1000


@dataclass
class _Bucket:
    tokens: float
    updated: float


SpendFn = Callable[[Hashable, float], None]  # (key, tokens spent; negative: given back)


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        spent: SpendFn | None = None,
    ) -> None:
        """``rate`` tokens per second refill a bucket that holds at most ``burst``;
        ``spent`` hears of every token spent or given back (to tell other servers)."""
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._spent = spent
        self._buckets: dict[Hashable, _Bucket] = {}

    def _bucket(self, key: Hashable) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def wait_needed(self, key: Hashable, cost: float = 1.0) -> float | None:
        """Seconds until ``key`` may spend ``cost`` tokens, or None if it may now (takes
        nothing). An action costing more than the whole burst may go when the bucket is full."""
        bucket = self._bucket(key)
        needed = min(cost, self.burst)
        if bucket.tokens >= needed:
            return None
        return (needed - bucket.tokens) / self.rate

    def take(self, key: Hashable, cost: float = 1.0) -> float | None:
        """Spend ``cost`` tokens: None if allowed, else the seconds to wait."""
        wait = self.wait_needed(key, cost)
        if wait is None:
            self._buckets[key].tokens -= cost
            if self._spent is not None:
                self._spent(key, cost)
        return wait

    def charge(self, key: Hashable, cost: float) -> None:
        """Spend ``cost`` tokens for work found out afterwards (a large reply); the bucket may
        go below zero, which delays what ``key`` does next."""
        self._bucket(key).tokens -= cost
        if self._spent is not None:
            self._spent(key, cost)

    def give_back(self, key: Hashable) -> None:
        """Return a token taken for an attempt that turned out fine."""
        bucket = self._bucket(key)
        bucket.tokens = min(self.burst, bucket.tokens + 1)
        if self._spent is not None:
            self._spent(key, -1.0)

    def spent_elsewhere(self, key: Hashable, tokens: float) -> None:
        """Another server spent (or, negative, gave back) ``tokens`` of ``key``'s budget."""
        bucket = self._bucket(key)
        bucket.tokens = min(self.burst, bucket.tokens - tokens)

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.burst:
                del self._buckets[key]
