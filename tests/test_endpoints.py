"""Server addresses as people write them, turned into ZeroMQ endpoints."""

import pytest

from shared.endpoints import server_endpoint


@pytest.mark.parametrize(
    ("written", "endpoint"),
    [
        ("chat.example.org", "tcp://chat.example.org:7744"),
        ("chat.example.org:8000", "tcp://chat.example.org:8000"),
        ("tcp://10.0.0.5", "tcp://10.0.0.5:7744"),
        ("  tcp://127.0.0.1:7744 ", "tcp://127.0.0.1:7744"),
        ("[::1]:7000", "tcp://[::1]:7000"),
    ],
)
def test_addresses_people_write(written: str, endpoint: str) -> None:
    assert server_endpoint(written) == endpoint


@pytest.mark.parametrize(
    "written", ["", "http://chat.example.org", "host:port", "host:70000", "host:0", "a b:1"]
)
def test_malformed_addresses_name_the_forms(written: str) -> None:
    with pytest.raises(ValueError, match="host, host:port or tcp://host:port"):
        server_endpoint(written)
