"""Where a server's services live, derived from its chat endpoint."""

import re
from collections.abc import Iterable, Sequence

DEFAULT_PORT = 7744  # the chat port a server listens on unless configured otherwise
# Endpoints a device keeps for one service: enough for any sensible number of nodes, while a
# server that lists thousands cannot make it try them all.
MAX_ENDPOINTS = 16
MAX_ENDPOINT_CHARS = 300  # a host name is at most 253 characters, the rest fits around it

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


def server_endpoints(text: str) -> list[str]:
    """The endpoints of a service's nodes as people write them: addresses (see
    ``server_endpoint``) separated by commas, repeats dropped. Raises ``ValueError`` naming
    the first address that is not one, or saying that none was given."""
    endpoints = [server_endpoint(part) for part in text.split(",") if part.strip()]
    if not endpoints:
        raise ValueError("no server address given: write host, host:port or tcp://host:port")
    if len(endpoints) > MAX_ENDPOINTS:
        raise ValueError(f"{len(endpoints)} server addresses given; at most {MAX_ENDPOINTS}")
    return list(dict.fromkeys(endpoints))


def node_endpoint(entry: object) -> str | None:
    """A node's endpoint as a server lists it, if it is a complete ``tcp://host:port``
    endpoint; None for anything else, which a device ignores."""
    if not isinstance(entry, str) or len(entry) > MAX_ENDPOINT_CHARS:
        return None
    if not entry.startswith("tcp://"):
        return None
    try:
        return entry if server_endpoint(entry) == entry else None
    except ValueError:
        return None


def merge_endpoints(known: Sequence[str], offered: Iterable[object]) -> tuple[str, ...]:
    """``known`` (in order: the one signed in with first), then those of ``offered`` that are
    well-formed node endpoints and new, up to ``MAX_ENDPOINTS`` in all; the known ones are
    always kept."""
    merged = dict.fromkeys(known)
    for entry in offered:
        if len(merged) >= MAX_ENDPOINTS:
            break
        endpoint = node_endpoint(entry)
        if endpoint is not None:
            merged.setdefault(endpoint)
    return tuple(merged)


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
