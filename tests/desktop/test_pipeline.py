"""Chunk requests in flight: never more than the protocol allows unanswered, answers taken
in the order the requests were made, and a failure stops the rest (no server needed: the
requests here are coroutines that finish when the test says)."""

import asyncio

import pytest

from desktop.core.pipeline import pipelined
from shared import limits


class Requests:
    """Requests that each wait for their own answer, counting how many wait at once."""

    def __init__(self, count: int) -> None:
        self.answers = [asyncio.get_running_loop().create_future() for _ in range(count)]
        self.waiting = 0
        self.most_waiting = 0
        self.made = 0

    async def _one(self, n: int) -> int:
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        try:
            return int(await self.answers[n])
        finally:
            self.waiting -= 1

    async def until_waiting(self, count: int) -> None:
        """Let the loop run until ``count`` requests wait, and a few turns more (in which
        no further one may leave)."""
        async with asyncio.timeout(5):
            while self.waiting < count:
                await asyncio.sleep(0)
        for _ in range(10):
            await asyncio.sleep(0)

    def __iter__(self):
        for n in range(len(self.answers)):
            self.made += 1
            yield self._one(n)


async def test_at_most_four_requests_wait_and_answers_are_taken_in_order():
    requests = Requests(20)
    taken: list[int] = []
    running = asyncio.ensure_future(pipelined(iter(requests), taken.append))
    await requests.until_waiting(limits.MAX_CHUNKS_IN_FLIGHT)
    assert (requests.made, requests.waiting) == (4, 4)
    for n in reversed(range(20)):  # answered last first: still taken first to last
        requests.answers[n].set_result(n)
    await running
    assert taken == list(range(20))
    assert requests.most_waiting == limits.MAX_CHUNKS_IN_FLIGHT


async def test_a_failed_request_stops_the_transfer_and_cancels_the_others():
    requests = Requests(10)
    running = asyncio.ensure_future(pipelined(iter(requests), lambda _: None))
    await requests.until_waiting(limits.MAX_CHUNKS_IN_FLIGHT)
    requests.answers[1].set_result(1)
    requests.answers[0].set_exception(ConnectionError("the line dropped"))
    with pytest.raises(ConnectionError, match="dropped"):
        await running
    assert requests.waiting == 0 and requests.made == 4  # nothing more left, nothing left over
