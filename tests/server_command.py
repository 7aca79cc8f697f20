"""``tidings-server`` run to completion as a separate process, as an admin types it."""

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass

from tests.support import WAIT


@dataclass(frozen=True)
class Finished:
    status: int
    out: str
    err: str


async def tidings_server(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = WAIT
) -> Finished:
    """Run ``tidings-server ARGS`` with ``stdin`` as its input (not a terminal) and extra
    environment variables ``env``; its exit status and output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "syncserver",
        *args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Finished(proc.returncode, out.decode(), err.decode())
