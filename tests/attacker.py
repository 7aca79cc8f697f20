"""A hostile client for the attack tests, run as its own process so that its work does not
slow the loop of the test that measures the other users' service.

``python -m tests.attacker CONFIG_JSON``: registers one account with several devices on bare
DEALER sockets (a client written from the protocol document), stores long messages in a note
to itself, prints ``ready`` and waits for a line on stdin. Then, for ``secs`` seconds, the
flooding devices pipeline ``list_channels`` at ``flood_rate`` each and read the answers, while
the hoarding devices pipeline ``history {limit: 500}`` at ``hoard_rate`` each and read
nothing. Finally it reads what reached the hoarders and prints one JSON line: the answers each
group got, by message type or error code.
"""

import asyncio
import itertools
import json
import sys
from collections import Counter

import zmq
import zmq.asyncio

from shared import limits
from shared.protocol import (
    PROTOCOL_TAG,
    ChannelReply,
    Error,
    History,
    ListChannels,
    Login,
    OpenDirect,
    Register,
    Reply,
    Request,
    Send,
    decode_server_message,
    encode,
)
from tests.support import bare_socket

PASSWORD = "correct horse battery"
LONG_TEXT = "\U0001f600" * limits.MAX_TEXT_CHARS  # 400,000 bytes of UTF-8
TICK = 0.01  # secs between rounds of pipelined requests
HOARDER_QUEUE = 4  # frames a hoarder's own socket takes in before it stops reading


class RawDevice:
    def __init__(self, endpoint: str, server_key: str, hwm: int) -> None:
        # The kernel holds little for it either.
        self.sock = bare_socket(endpoint, server_key, RCVHWM=hwm, RCVBUF=64 * 1024)
        self.rids = itertools.count(1)
        self.answers: Counter[str] = Counter()

    async def fire(self, req: Request) -> None:
        await self.sock.send_multipart([PROTOCOL_TAG, encode(req)])

    async def call(self, req: Request) -> Reply:
        await self.fire(req)
        while True:
            reply = decode_server_message((await self.sock.recv_multipart())[-1])
            if isinstance(reply, Reply) and reply.rid == req.rid:
                if isinstance(reply, Error):
                    raise RuntimeError(f"{type(req).__name__}: {reply.code}: {reply.message}")
                return reply

    async def read_answers(self) -> None:
        while True:
            self.count(decode_server_message((await self.sock.recv_multipart())[-1]))

    async def read_waiting(self, quiet: float) -> None:
        while await self.sock.poll(quiet * 1000):
            self.count(decode_server_message((await self.sock.recv_multipart())[-1]))

    def count(self, message: object) -> None:
        kind = message.code if isinstance(message, Error) else type(message).__name__
        self.answers[kind] += 1


async def pipeline(device: RawDevice, make: type[Request], rate: float, **fields) -> None:
    """Send ``rate`` requests a second, in rounds every ``TICK``, never waiting for answers."""
    owed = 0.0
    while True:
        owed += rate * TICK
        while owed >= 1:
            owed -= 1
            await device.fire(make(rid=next(device.rids), **fields))
        await asyncio.sleep(TICK)


async def main(config: dict) -> None:
    endpoint, key = config["endpoint"], config["server_key"]
    flooders = [RawDevice(endpoint, key, 1000) for _ in range(config["flooders"])]
    hoarders = [RawDevice(endpoint, key, HOARDER_QUEUE) for _ in range(config["hoarders"])]
    first, *others = flooders + hoarders
    await first.call(Register(rid=1, user=config["user"], password=PASSWORD, device="d0"))
    opened = await first.call(OpenDirect(rid=2, user=config["user"]))
    assert isinstance(opened, ChannelReply)
    note = opened.channel.id
    for n in range(config["long_messages"]):
        text = f"{n % 10}{LONG_TEXT[1:]}"
        await first.call(Send(rid=3 + n, channel=note, client_id=f"long-{n}", text=text))
    # The others log in after: pushes of the long messages would fill their queues at once.
    for n, device in enumerate(others, start=1):
        await device.call(Login(rid=1, user=config["user"], password=PASSWORD, device=f"d{n}"))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    tasks = [asyncio.create_task(d.read_answers()) for d in flooders]
    tasks += [
        asyncio.create_task(pipeline(d, ListChannels, config["flood_rate"])) for d in flooders
    ]
    tasks += [
        asyncio.create_task(pipeline(d, History, config["hoard_rate"], channel=note, limit=500))
        for d in hoarders
    ]
    await asyncio.sleep(config["secs"])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for device in hoarders:
        await device.read_waiting(quiet=1.0)
    flood: Counter[str] = Counter()
    hoard: Counter[str] = Counter()
    for device in flooders:
        flood.update(device.answers)
    for device in hoarders:
        hoard.update(device.answers)
    print(json.dumps({"flood": flood, "hoard": hoard}), flush=True)
    zmq.asyncio.Context.instance().destroy(linger=0)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
