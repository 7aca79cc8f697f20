"""Finding a port for a server hosted here when the usual one is taken."""

import socket

SEARCH = 200  # ports tried above the one asked for


def is_free(port: int, host: str = "") -> bool:
    """Whether a TCP server could listen on ``port`` now (on every interface by default)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port_pair(start: int, host: str = "") -> int:
    """A port at or above ``start`` that is free together with the one after it (the key
    service listens there), so the address people type needs no second port; a port the
    system picks if none near ``start`` is."""
    for port in range(start, min(start + SEARCH, 65535)):
        if is_free(port, host) and is_free(port + 1, host):
            return port
    while True:  # everything near it taken: any pair the system offers
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        if port < 65535 and is_free(port + 1, host):
            return port
