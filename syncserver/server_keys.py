"""The server's long-term CURVE key pair, created in the data directory at first start."""

import os
from pathlib import Path

from shared.keys import KeyPair
from shared.private import private_dir

KEY_FILE = "server.key"


def load(data_dir: Path) -> KeyPair | None:
    """The key pair, or None if the server has not created one yet."""
    path = data_dir / KEY_FILE
    if not path.exists():
        return None
    public, secret = path.read_text(encoding="ascii").split()
    return KeyPair(public, secret)


def load_or_create(data_dir: Path) -> KeyPair:
    """Read the key pair, generating and saving it (owner-readable only) the first time."""
    existing = load(data_dir)
    if existing is not None:
        return existing
    path = data_dir / KEY_FILE
    private_dir(data_dir)
    pair = KeyPair.generate()
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(f"{pair.public}\n{pair.secret}\n")
    os.replace(path.with_suffix(".tmp"), path)
    return pair
