"""The addresses to give other computers so that they reach a server hosted here.

A server listening on every interface (``tcp://0.0.0.0:PORT``) is reached through this
computer's network addresses; each is offered as ``host:port``, the form the join dialog
takes. A server listening on loopback is reachable from this computer only.
"""

import contextlib
import ipaddress
import socket
import struct
import sys
from dataclasses import dataclass

EVERY_INTERFACE = "0.0.0.0"
SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address
# Never contacted: connecting a UDP socket only asks the kernel which address it would use.
ROUTE_PROBE = ("192.0.2.1", 9)


@dataclass(frozen=True)
class Reachable:
    """Where other computers connect, as people type it, and whether they can at all."""

    addresses: tuple[str, ...]  # ``host:port``, best first
    local_only: bool  # the server listens on loopback: only this computer can connect


def reachable_at(endpoint: str) -> Reachable:
    """The addresses to give for a server bound to ``endpoint`` (``tcp://host:port``)."""
    host, port = endpoint.removeprefix("tcp://").rsplit(":", 1)
    if host != EVERY_INTERFACE:
        local = _is_loopback(host)
        return Reachable((f"{host}:{port}",), local)
    return Reachable(tuple(f"{ip}:{port}" for ip in network_addresses()), False)


def network_addresses() -> list[str]:
    """This computer's IPv4 addresses other than loopback: the one of the default route
    first, then every other interface's."""
    found = [_route_address(), *_interface_addresses(), *_host_name_addresses()]
    seen: list[str] = []
    for ip in found:
        if ip and ip not in seen and not _is_loopback(ip):
            seen.append(ip)
    return seen


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _route_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(ROUTE_PROBE)
            return str(probe.getsockname()[0])
        except OSError:  # no route: no network
            return None


def _interface_addresses() -> list[str]:
    """Each interface's address, where the system tells (Linux)."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl  # POSIX only

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            with contextlib.suppress(OSError):  # an interface without an IPv4 address
                answer = fcntl.ioctl(s.fileno(), SIOCGIFADDR, request)
                found.append(socket.inet_ntoa(answer[20:24]))
    return found


def _host_name_addresses() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]
