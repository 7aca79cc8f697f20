"""What a passing ``tidings --self-test --screenshot FILE`` run looks like, from source or
built: the checks both the source and the package tests make of its output."""

import subprocess
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_self_test_passed(
    result: subprocess.CompletedProcess,
    version: str,
    steps: tuple[str, ...],
    shot: Path,
    home: Path,
) -> None:
    """The run exited 0 after reporting each of ``steps`` as ok, saved a PNG to ``shot`` and
    left nothing of Tidings in ``home``."""
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"tidings {version} self-test"
    for step in steps:
        assert any(line.startswith(f"  ok  {step}") for line in lines), (step, result.stdout)
    assert lines[-1].startswith("self-test passed in ")
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    # Profile, cache and server data went to a temporary directory, removed at the end.
    assert not [p for p in home.rglob("*") if "tidings" in p.name.lower()]
