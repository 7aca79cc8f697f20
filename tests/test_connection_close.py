"""Closing a connection while ZeroMQ is redialling must never hang.

The hang this guards against blocks inside libzmq with the event loop's thread, so no
asyncio timeout can see it: the cycles run in a child process that must finish in time.
"""

import subprocess
import sys
import textwrap

CYCLES = 1000
LIMIT = 60.0  # secs for all cycles, which take about 4 s; before the fix they hung within 1,000

SCRIPT = textwrap.dedent(
    f"""
    import asyncio
    from shared import client
    from shared.client import Connection
    from shared.keys import KeyPair

    client.RECONNECT_IVL = 1  # ms: redial events come thick and fast

    async def main():
        key = KeyPair.generate().public
        for n in range({CYCLES}):
            # Port 1 refuses at once, so redial events keep coming while the connection closes.
            conn = Connection("tcp://127.0.0.1:1", server_key=key)
            await conn.open()
            await asyncio.sleep(0.001 * (n % 5))
            await conn.close()
        print("closed", {CYCLES})

    asyncio.run(main())
    """
)


def test_closing_while_redialling_never_hangs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=LIMIT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"closed {CYCLES}"
