"""Server addresses as people write them, turned into ZeroMQ endpoints."""

import pytest

from shared.endpoints import MAX_ENDPOINTS, merge_endpoints, server_endpoint, server_endpoints


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


def test_several_addresses_are_separated_by_commas_and_repeats_dropped() -> None:
    written = "chat1.example.org, chat2.example.org:8000,,tcp://chat1.example.org:7744"
    assert server_endpoints(written) == [
        "tcp://chat1.example.org:7744",
        "tcp://chat2.example.org:8000",
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [(" , ", "no server address given"), ("chat1, http://chat2", "'http://chat2' is not")],
)
def test_a_bad_list_of_addresses_says_what_is_wrong(written: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        server_endpoints(written)


def test_learnt_nodes_follow_the_known_ones_and_malformed_ones_are_ignored() -> None:
    known = ("tcp://a:7744", "tcp://b:7744")
    offered = ["tcp://b:7744", "tcp://c:7744", "c:7744", "tcp://d", 7, "tcp://x" * 100, None]
    assert merge_endpoints(known, offered) == (*known, "tcp://c:7744")


def test_learnt_nodes_are_capped_and_the_known_ones_kept() -> None:
    offered = [f"tcp://node{n}:7744" for n in range(100)]
    merged = merge_endpoints(("tcp://first:7744",), offered)
    assert len(merged) == MAX_ENDPOINTS and merged[0] == "tcp://first:7744"
    assert merged[1:] == tuple(offered[: MAX_ENDPOINTS - 1])
