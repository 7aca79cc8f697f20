"""Delivery guarantees as a model-based test, over a server of three nodes.

The model of tests/test_model.py (its devices, steps and checks), with the server run as
three node processes on one new PostgreSQL database per example, sharing one key pair. Each
device's profile lists the three endpoints, and the devices (and the scripted third devices)
start spread over the nodes. Besides the single server's steps, a node is taken out (killed
with SIGKILL or paused with SIGSTOP) and brought back in a later step, devices move between
nodes (because theirs died or went silent, or deliberately, to the next endpoint), and every
online device sends in the same step, through whichever node it is on. The final checks are
the single server's: every device's cache the same as the server's history, gap-free and
duplicate-free, every acknowledged message stored once, every retry answered as the first
time, read positions the highest any device marked.

Every example starts as the single server's does, with node 0 killed while the outboxes
flush (and started again), with a node paused while every device sends, until the devices
on it have moved to another, and with every device sent on to its next node while all send.
``make test`` runs three examples of up to 20 steps (about a minute on two cores);
``TIDINGS_LONG_MODEL=1`` runs long.
"""

import contextlib
import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from desktop.platform.credentials import CredentialStore
from tests.cluster import Cluster
from tests.desktop.test_failover import MOVE_WITHIN, off_node, until
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.postgres_server import new_database
from tests.server_process import ServerProcess
from tests.support import WAIT
from tests.test_model import DEVICES, LONG, Delivery, Tally, check_tally, run_model

NODES = 3
PER_DEVICE = 3  # messages each device queues while a node is paused at the start


@dataclass
class NodesTally(Tally):
    """The single server's tally, and what happened to the nodes."""

    node_pauses: int = 0
    moves: int = 0  # devices sent to another node on purpose
    spread_sends: int = 0  # steps where devices on two nodes or more sent at once


class NodesDelivery(Delivery):
    def __init__(
        self, work: Path, credentials: CredentialStore, tally: NodesTally, admin_url: str
    ) -> None:
        self.nodes_tally = tally
        self.database = contextlib.ExitStack()
        self.database_url = self.database.enter_context(new_database(admin_url))
        self.out: dict[int, str] = {}  # a node taken out -> "killed" or "paused"
        try:
            super().__init__(work, credentials, tally)
        except BaseException:
            self.database.close()
            raise

    # --- the server: three nodes ----------------------------------------------------------

    def _start_servers(self) -> None:
        self.cluster = Cluster(self.work / "nodes", self.database_url, NODES)
        self.run(self.cluster.start())

    def _home(self, index: int) -> tuple[ServerProcess, list[str]]:
        home = self.cluster.nodes[index % NODES]
        return home, [e for e in self.cluster.endpoints if e != home.endpoint]

    def _restart_server(self, kill: bool, node: int = 0) -> None:
        self._take_out(node, kill)
        self._bring_back(node)

    def _servers_back(self) -> None:
        for node in list(self.out):
            self._bring_back(node)

    def _stop_servers(self) -> None:
        try:
            self.run(self.cluster.stop())
        finally:
            self.database.close()

    def _take_out(self, node: int, kill: bool) -> None:
        if kill:
            self.run(self.cluster.kill(node))
            self.tally.server_kills += 1
        else:
            self.cluster.pause(node)
            self.nodes_tally.node_pauses += 1
        self.out[node] = "killed" if kill else "paused"

    def _bring_back(self, node: int) -> None:
        if self.out.pop(node) == "killed":
            self.run(self.cluster.nodes[node].start())
        else:
            self.cluster.resume(node)

    def _up(self, start: int) -> int:
        """The first node from ``start`` on (round the ring) that is not out."""
        return next(n % NODES for n in range(start, start + NODES) if n % NODES not in self.out)

    def _wait_off(self, node: int) -> None:
        """Wait until every online device is answered by a node other than ``node``."""
        for device, engine in self.engines.items():
            if self.online[device]:
                moved = off_node(engine, self.cluster.nodes[node].endpoint)
                self.run(until(engine, moved, MOVE_WITHIN + WAIT), timeout=MOVE_WITHIN + WAIT + 5)

    # --- the start every example shares, besides the single server's ---------------------

    @initialize(node=st.integers(0, NODES - 1), which=st.integers(0, 1))
    def pause_a_node_while_every_device_sends(self, node: int, which: int) -> None:
        self._take_out(node, kill=False)
        for _ in range(PER_DEVICE):
            self.on_net(self._write_everywhere, which)
        self._wait_off(node)
        self._bring_back(node)

    @initialize(which=st.integers(0, 1), count=st.integers(1, 5))
    def move_every_device_while_they_all_send(self, which: int, count: int) -> None:
        for _ in range(count):
            self.on_net(self._write_everywhere, which)
        for device in DEVICES:
            self.move_to_another_node(device)

    # --- steps ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.out) < NODES - 1)
    @rule(kill=st.booleans(), node=st.integers(0, NODES - 1))
    def restart_server(self, kill: bool, node: int) -> None:
        """A node stops (SIGTERM) or is killed, and is started again at once."""
        self._restart_server(kill, self._up(node))

    @precondition(lambda self: not self.out)
    @rule(kill=st.booleans(), node=st.integers(0, NODES - 1))
    def take_a_node_out(self, kill: bool, node: int) -> None:
        """A node dies (SIGKILL) or freezes (SIGSTOP) and stays so for the next steps."""
        self._take_out(node, kill)

    @precondition(lambda self: self.out)
    @rule()
    def bring_the_node_back(self) -> None:
        self._servers_back()

    @rule(device=st.sampled_from(DEVICES))
    def move_to_another_node(self, device: str) -> None:
        """The device leaves its node for the next endpoint it knows, as if it had gone
        silent (a device offline has no node to leave)."""
        conn = self.engines[device].conn
        before = conn.endpoint
        self.run(conn._move_on(conn._sock, "the device was moved on purpose"))
        if conn.endpoint != before:
            self.nodes_tally.moves += 1

    @precondition(lambda self: sum(self.online.values()) >= 2)
    @rule(which=st.integers(0, 1), count=st.integers(1, 10))
    def send_from_every_device_at_once(self, which: int, count: int) -> None:
        """Every online device queues messages to one chat in the same step: their outboxes
        flush at once, through whichever nodes they are on."""
        for _ in range(count):
            self.on_net(self._write_everywhere, which)

    def _write_everywhere(self, which: int) -> None:
        """One message on every online device (on the engines' thread)."""
        online = [device for device in DEVICES if self.online[device]]
        for device in online:
            self._write_here(device, which)
        if len({self.engines[device].conn.endpoint for device in online}) > 1:
            self.nodes_tally.spread_sends += 1


@pytest.mark.timeout(3600 if LONG else 300)
def test_delivery_guarantees_hold_over_three_nodes_on_one_database(
    tmp_path: Path,
    secret_service: str,  # noqa: F811
    postgres_admin_url: str,
) -> None:
    credentials = CredentialStore()  # the service tidings-cli uses too, in the test's keyring
    examples = itertools.count()
    tally = NodesTally()

    def machine() -> Delivery:
        work = tmp_path / f"example-{next(examples)}"
        return NodesDelivery(work, credentials, tally, postgres_admin_url)

    run_model(machine, examples=100 if LONG else 3, steps=50 if LONG else 20)
    print(f"\n{tally}")
    check_tally(tally, messages=160)
    assert tally.node_pauses >= 1 and tally.spread_sends >= 1 and tally.moves >= 1, tally
