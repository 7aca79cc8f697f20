"""Where a server's services live, derived from its chat endpoint."""

import re

DEFAULT_PORT = 7744  # the chat port a server listens on unless configured otherwise

# host (a name, an IPv4 address or a bracketed IPv6 address) and an optional port
_ADDRESS = re.compile(
    r"^(?:tcp://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(?P<port>\d{1,5}))?$"
)


def server_endpoint(address: str) -> str:
    """The ZeroMQ endpoint for a server address as people write it: ``host``,
    ``host:port``, ``tcp://host`` or ``tcp://host:port`` (the port defaults to 7744).
    Raises ``ValueError`` naming the expected form for anything else."""
    match = _ADDRESS.match(address.strip())
    port = int(match["port"]) if match and match["port"] else DEFAULT_PORT
    if match is None or not 0 < port < 65536:
        raise ValueError(
            f"{address.strip()!r} is not a server address: write host, host:port or "
            f"tcp://host:port (the port is 1 to 65535, {DEFAULT_PORT} if left out)"
        )
    return f"tcp://{match['host']}:{port}"


def key_endpoint_for(endpoint: str) -> str:
    """The key service listens on the port after the chat port unless told otherwise."""
    host, port = endpoint.rsplit(":", 1)
    if port in ("*", "0"):
        return f"{host}:*"
    return f"{host}:{int(port) + 1}"


def bindable(endpoint: str) -> str:
    """ZeroMQ spells "any free port" as ``*``; accept the usual ``0`` too."""
    host, port = endpoint.rsplit(":", 1)
    return f"{host}:*" if port == "0" else endpoint
