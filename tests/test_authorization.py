"""Who may do what: every request about a channel, a device or a read cursor, tried by
everyone who has no business with it.

One world per test (registering users is slow on purpose): alice owns the group "club" with
bob; rita was removed from it, leo left it; alice's phone was revoked; mallory was never in
anything; and one connection never logged in. Each cell of a table is one attempt with the
error codes it must get. A refusal must not tell an existing foreign channel (or device) from
one that does not exist, so every attempt is also made on a made-up id and both answers must
be the same, but for the id itself.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from shared.errors import ErrorCode, ProtocolError
from shared.protocol import (
    AddMembers,
    ChannelPush,
    CreateGroup,
    Delete,
    Edit,
    EventPush,
    GetPresence,
    Heartbeat,
    Hello,
    History,
    LeaveChannel,
    ListChannels,
    ListDevices,
    Logout,
    MarkRead,
    OpenDirect,
    PresencePush,
    React,
    ReadPush,
    RemoveMember,
    RenameGroup,
    Request,
    RevokeDevice,
    RevokedPush,
    Send,
    Sync,
    SyncPage,
    Typing,
    TypingPush,
)
from tests.support import ClientFactory, TestClient, new_id

SECRETS = ("before", "secret", "after", "later", "secret club")  # texts outsiders must not see


@dataclass
class World:
    clients: dict[str, TestClient]
    group: int  # alice (owner) and bob; rita removed, leo left
    direct: int  # alice and bob
    missing_channel: int
    laptop_id: int  # alice's active device
    phone_id: int  # alice's revoked device
    missing_device: int
    departed: dict[str, int] = field(default_factory=dict)  # rita/leo: pos of their exit event

    def __getitem__(self, actor: str) -> TestClient:
        return self.clients[actor]


async def _settle(*clients: TestClient) -> None:
    """Replies come after every push sent before them: one round trip flushes the pushes."""
    for client in clients:
        await client.request(ListDevices())


async def _world(clients: ClientFactory) -> World:
    alice = await clients.register("alice")
    bob = await clients.register("bob")
    mallory = await clients.register("mallory")
    rita = await clients.register("rita")
    leo = await clients.register("leo")
    phone = await clients.login("alice", "phone")
    anon = await clients.connect()

    group = (await alice.request(CreateGroup(name="club", members=["bob", "rita", "leo"]))).channel
    await alice.request(Send(channel=group.id, client_id=new_id(), text="before"))
    await rita.request(MarkRead(channel=group.id, seq=2))
    direct = (await alice.request(OpenDirect(user="bob"))).channel
    await alice.request(Send(channel=direct.id, client_id=new_id(), text="secret"))

    await alice.request(RemoveMember(channel=group.id, user="rita"))
    await leo.request(LeaveChannel(channel=group.id))
    phone_id = phone.credentials.device_id
    await alice.request(RevokeDevice(device_id=phone_id))
    await phone.wait_push(lambda p: isinstance(p, RevokedPush))
    await _settle(rita, leo, mallory)
    departed = {}
    for name, client, kind in (("rita", rita, "member_removed"), ("leo", leo, "member_left")):
        page = await client.request(Sync(after=0))
        [exit_event] = [e for e in page.events if e.kind == kind and e.subject == name]
        departed[name] = exit_event.pos
    marks = {name: len(c.pushes) for name, c in (("rita", rita), ("leo", leo), ("phone", phone))}

    # What happens after they are gone must never reach them.
    await alice.request(Send(channel=group.id, client_id=new_id(), text="after"))
    await alice.request(RenameGroup(channel=group.id, name="secret club"))
    await alice.request(Typing(channel=group.id))
    await bob.request(MarkRead(channel=group.id, seq=5))
    await alice.request(Send(channel=direct.id, client_id=new_id(), text="later"))
    await _settle(rita, leo, mallory)
    for name, mark in marks.items():
        client = {"rita": rita, "leo": leo, "phone": phone}[name]
        late = client.pushes[mark:]
        assert not late, f"{name} got pushes after leaving or being revoked: {late}"

    laptop_id = alice.credentials.device_id
    newest_device = max(c.credentials.device_id for c in (alice, bob, mallory, rita, leo))
    return World(
        clients={
            "alice": alice,
            "bob": bob,
            "outsider": mallory,
            "removed member": rita,
            "member who left": leo,
            "revoked device": phone,
            "unauthenticated": anon,
        },
        group=group.id,
        direct=direct.id,
        missing_channel=max(group.id, direct.id) + 1000,
        laptop_id=laptop_id,
        phone_id=phone_id,
        missing_device=max(newest_device, phone_id) + 1000,
        departed=departed,
    )


@dataclass(frozen=True)
class Refused:
    code: str
    message: str


async def _attempt(client: TestClient, request: Request) -> object:
    """The reply, or what the refusal said."""
    try:
        return await client.request(request)
    except ProtocolError as e:
        return Refused(e.code, e.message)


def _without(number: int, refusal: Refused) -> Refused:
    return Refused(refusal.code, re.sub(rf"\b{number}\b", "<id>", refusal.message))


# --- the tables ------------------------------------------------------------------------------

NOT_IN_CHANNEL = frozenset({ErrorCode.NO_SUCH_CHANNEL})
REVOKED = frozenset({ErrorCode.DEVICE_REVOKED, ErrorCode.NOT_AUTHENTICATED})
ANONYMOUS = frozenset({ErrorCode.NOT_AUTHENTICATED})

# Who tries, and what every attempt of theirs on a channel must get.
CHANNEL_ACTORS: dict[str, frozenset[str]] = {
    "outsider": NOT_IN_CHANNEL,
    "removed member": NOT_IN_CHANNEL,
    "member who left": NOT_IN_CHANNEL,
    "revoked device": REVOKED,
    "unauthenticated": ANONYMOUS,
}

# Every request naming a channel: (label, factory of (channel id, the actor's user name)).
ChannelRequest = Callable[[int, str], Request]
CHANNEL_REQUESTS: list[tuple[str, ChannelRequest]] = [
    ("send", lambda ch, me: Send(channel=ch, client_id=new_id(), text="let me in")),
    ("send a reply", lambda ch, me: Send(channel=ch, client_id=new_id(), text="re", reply_to=2)),
    ("react", lambda ch, me: React(channel=ch, seq=2, client_id=new_id(), emoji="👍")),
    ("edit", lambda ch, me: Edit(channel=ch, seq=2, client_id=new_id(), text="let me in")),
    ("delete", lambda ch, me: Delete(channel=ch, seq=2, client_id=new_id())),
    ("history", lambda ch, me: History(channel=ch)),
    ("history, older page", lambda ch, me: History(channel=ch, before=3, limit=1)),
    ("mark_read", lambda ch, me: MarkRead(channel=ch, seq=1)),
    ("mark_read beyond the end", lambda ch, me: MarkRead(channel=ch, seq=1_000_000)),
    ("typing", lambda ch, me: Typing(channel=ch)),
    ("rename_group", lambda ch, me: RenameGroup(channel=ch, name="hijacked")),
    ("add_members (oneself)", lambda ch, me: AddMembers(channel=ch, users=[me or "mallory"])),
    ("add_members (another)", lambda ch, me: AddMembers(channel=ch, users=["mallory"])),
    ("remove_member (a member)", lambda ch, me: RemoveMember(channel=ch, user="bob")),
    ("remove_member (the owner)", lambda ch, me: RemoveMember(channel=ch, user="alice")),
    ("leave_channel", lambda ch, me: LeaveChannel(channel=ch)),
]


@dataclass(frozen=True)
class Cell:
    actor: str
    request: str
    make: ChannelRequest
    codes: frozenset[str]


CHANNEL_MATRIX = [
    Cell(actor, label, make, codes)
    for actor, codes in CHANNEL_ACTORS.items()
    for label, make in CHANNEL_REQUESTS
]

USER_NAMES = {
    "outsider": "mallory",
    "removed member": "rita",
    "member who left": "leo",
    "revoked device": "alice",
    "unauthenticated": "",
}

# Requests that name no channel but read or change the caller's channels, devices, cursors
# or presence: a connection that is not (or no longer) a device gets none of them.
AccountRequest = Callable[[World], Request]
ACCOUNT_REQUESTS: list[tuple[str, AccountRequest]] = [
    ("sync", lambda w: Sync()),
    ("sync from the start", lambda w: Sync(after=0)),
    ("list_channels", lambda w: ListChannels()),
    ("get_presence", lambda w: GetPresence(users=["alice", "bob"])),
    ("list_devices", lambda w: ListDevices()),
    ("revoke_device (alice's laptop)", lambda w: RevokeDevice(device_id=w.laptop_id)),
    ("logout", lambda w: Logout()),
    ("open_direct", lambda w: OpenDirect(user="bob")),
    ("create_group (adding people)", lambda w: CreateGroup(name="mine", members=["bob"])),
    ("heartbeat with a cursor", lambda w: Heartbeat(cursor=0)),
]
ACCOUNT_MATRIX = [
    (actor, label, make, codes)
    for actor, codes in (("revoked device", REVOKED), ("unauthenticated", ANONYMOUS))
    for label, make in ACCOUNT_REQUESTS
]


# --- the tests -------------------------------------------------------------------------------


async def test_channel_requests_are_refused_alike_for_real_and_missing_channels(
    clients: ClientFactory,
) -> None:
    w = await _world(clients)
    failures: list[str] = []
    targets = {
        "removed member": [w.group, w.direct],
        "member who left": [w.group, w.direct],
    }
    for cell in CHANNEL_MATRIX:
        client = w[cell.actor]
        me = USER_NAMES[cell.actor]
        missing = await _attempt(client, cell.make(w.missing_channel, me))
        where = f"{cell.actor} / {cell.request}"
        if not isinstance(missing, Refused) or missing.code not in cell.codes:
            failures.append(f"{where} on a missing channel: {missing!r}, wanted {set(cell.codes)}")
            continue
        for channel in targets.get(cell.actor, [w.group, w.direct]):
            kind = "group" if channel == w.group else "direct chat"
            got = await _attempt(client, cell.make(channel, me))
            if not isinstance(got, Refused) or got.code not in cell.codes:
                failures.append(f"{where} on the foreign {kind}: {got!r}, wanted {set(cell.codes)}")
            elif _without(channel, got) != _without(w.missing_channel, missing):
                failures.append(
                    f"{where}: the foreign {kind} is told apart from a missing channel: "
                    f"{got!r} vs {missing!r}"
                )
    assert not failures, "\n".join(failures)

    # Nothing of it took effect: the group and its cursors are as alice and bob left them.
    [group, direct] = (await w["bob"].request(ListChannels())).channels
    assert (group.id, group.name, group.members, group.owner) == (
        w.group,
        "secret club",
        ["alice", "bob"],
        "alice",
    )
    assert direct.id == w.direct and sorted(direct.members) == ["alice", "bob"]
    assert group.read_seq == 5 and group.last_seq == 6  # created, before, removed, left,...
    for channel in (w.group, w.direct):
        page = await w["alice"].request(History(channel=channel))
        assert "let me in" not in {e.text for e in page.events}
        assert "hijacked" not in {e.name for e in page.events}
    for name in ("bob", "alice"):
        typing = [p for p in w[name].pushes if isinstance(p, TypingPush)]
        assert {p.user for p in typing} <= {"alice"}, f"{name} saw strangers typing: {typing}"


async def test_revoked_and_anonymous_connections_get_nothing(clients: ClientFactory) -> None:
    w = await _world(clients)
    failures = []
    for actor, label, make, codes in ACCOUNT_MATRIX:
        got = await _attempt(w[actor], make(w))
        if not isinstance(got, Refused) or got.code not in codes:
            failures.append(f"{actor} / {label}: {got!r}, wanted {set(codes)}")
    assert not failures, "\n".join(failures)

    # The revoked device stays revoked however it comes back, and harmed nothing.
    phone = w["revoked device"]
    credentials = phone.credentials
    with pytest.raises(ProtocolError) as err:
        await phone.request(Hello(device_id=credentials.device_id, token=credentials.token))
    assert err.value.code == ErrorCode.DEVICE_REVOKED
    with pytest.raises(ProtocolError) as err:
        await clients.resume(credentials, client_keys=phone.conn.client_keys)
    assert err.value.code == ErrorCode.DEVICE_REVOKED
    devices = (await w["alice"].request(ListDevices())).devices
    assert [(d.id, d.current) for d in devices] == [(w.laptop_id, True)]
    assert [c.name for c in (await w["bob"].request(ListChannels())).channels] == [
        "secret club",
        "",
    ]
    assert not any(
        isinstance(p, EventPush | ReadPush | ChannelPush) for p in w["unauthenticated"].pushes
    )


async def test_other_users_devices_are_out_of_reach(clients: ClientFactory) -> None:
    w = await _world(clients)
    mallory, anon = w["outsider"], w["unauthenticated"]
    own = mallory.credentials
    bogus_token = "A" * 43

    # (actor, label, request, the same request on a device that does not exist, expected code)
    cases: list[tuple[str, str, RevokeDevice | Hello, RevokeDevice | Hello, str]] = [
        (
            "outsider",
            "revoke_device (alice's laptop)",
            RevokeDevice(device_id=w.laptop_id),
            RevokeDevice(device_id=w.missing_device),
            ErrorCode.NO_SUCH_DEVICE,
        ),
        (
            "outsider",
            "revoke_device (alice's revoked phone)",
            RevokeDevice(device_id=w.phone_id),
            RevokeDevice(device_id=w.missing_device),
            ErrorCode.NO_SUCH_DEVICE,
        ),
        (
            "outsider",
            "hello as alice's laptop with own token",
            Hello(device_id=w.laptop_id, token=own.token),
            Hello(device_id=w.missing_device, token=own.token),
            ErrorCode.AUTH_FAILED,
        ),
        (
            "outsider",
            "hello as alice's laptop with a made-up token",
            Hello(device_id=w.laptop_id, token=bogus_token),
            Hello(device_id=w.missing_device, token=bogus_token),
            ErrorCode.AUTH_FAILED,
        ),
        (
            "unauthenticated",
            "hello as alice's laptop with mallory's token",
            Hello(device_id=w.laptop_id, token=own.token),
            Hello(device_id=w.missing_device, token=own.token),
            ErrorCode.AUTH_FAILED,
        ),
        (
            "unauthenticated",
            "hello as alice's revoked phone with mallory's token",
            Hello(device_id=w.phone_id, token=own.token),
            Hello(device_id=w.missing_device, token=own.token),
            ErrorCode.AUTH_FAILED,
        ),
        (
            "removed member",
            "revoke_device (alice's laptop)",
            RevokeDevice(device_id=w.laptop_id),
            RevokeDevice(device_id=w.missing_device),
            ErrorCode.NO_SUCH_DEVICE,
        ),
    ]
    failures = []
    for actor, label, request, on_missing, code in cases:
        got = await _attempt(w[actor], request)
        missing = await _attempt(w[actor], on_missing)
        if not isinstance(got, Refused) or got.code != code:
            failures.append(f"{actor} / {label}: {got!r}, wanted {code}")
        elif not isinstance(missing, Refused) or _without(w.missing_device, missing) != _without(
            request.device_id, got
        ):
            failures.append(
                f"{actor} / {label}: told apart from a missing device: {got!r} vs {missing!r}"
            )
    assert not failures, "\n".join(failures)

    # Failed hellos changed nobody's identity: mallory is still mallory, anon still nobody.
    [only] = (await mallory.request(ListDevices())).devices
    assert (only.id, only.current) == (own.device_id, True)
    with pytest.raises(ProtocolError) as err:
        await anon.request(ListDevices())
    assert err.value.code == ErrorCode.NOT_AUTHENTICATED
    # Alice's laptop is untouched and still works.
    devices = (await w["alice"].request(ListDevices())).devices
    assert [d.id for d in devices] == [w.laptop_id]
    await w["alice"].request(Send(channel=w.group, client_id=new_id(), text="still mine"))


def _foreign(page: SyncPage, channels: set[int]) -> list[object]:
    return [
        *[e for e in page.events if e.channel in channels],
        *[r for r in page.reads if r.channel in channels],
        *[c for c in page.channels if c.id in channels],
    ]


async def _walk(client: TestClient, limit: int) -> SyncPage:
    """Every sync page from the start, small pages, as one."""
    events, reads, snapshots, after = [], [], [], 0
    while True:
        page = await client.request(Sync(after=after, limit=limit))
        events += page.events
        reads += page.reads
        snapshots += page.channels
        after = page.next
        if not page.more:
            return SyncPage(
                rid=0, events=events, reads=reads, channels=snapshots, next=after, more=False
            )


async def test_outsider_learns_nothing_from_sync_lists_or_presence(clients: ClientFactory) -> None:
    w = await _world(clients)
    mallory = w["outsider"]
    foreign = {w.group, w.direct}
    for limit in (1, 500):
        page = await _walk(mallory, limit)
        assert _foreign(page, foreign) == [], f"sync (pages of {limit}) leaks: {page}"
        assert (page.events, page.reads, page.channels) == ([], [], [])
    assert (await mallory.request(ListChannels())).channels == []
    asked = ["alice", "bob", "rita", "leo", "nobody", "mallory"]
    presence = (await mallory.request(GetPresence(users=asked))).presence
    assert [p.user for p in presence] == ["mallory"], presence  # only herself
    for push in mallory.pushes:
        assert not any(s in repr(push) for s in SECRETS), push
        assert not isinstance(push, EventPush | ChannelPush | ReadPush | TypingPush), push
        if isinstance(push, PresencePush):
            assert push.presence.user == "mallory", push

    # The control: bob, a member, does see all of it.
    bob = await _walk(w["bob"], 500)
    assert {"before", "after", "secret", "later"} <= {e.text for e in bob.events}
    assert [p.user for p in (await w["bob"].request(GetPresence(users=["alice"]))).presence] == [
        "alice"
    ]

    # Opening a chat or a group of one's own makes a new channel and opens no old one.
    mine = (await mallory.request(OpenDirect(user="alice"))).channel
    club = (await mallory.request(CreateGroup(name="club", members=["alice", "bob"]))).channel
    assert {mine.id, club.id}.isdisjoint(foreign)
    assert sorted(mine.members) == ["alice", "mallory"] and club.owner == "mallory"
    for channel in (mine, club):
        history = await mallory.request(History(channel=channel.id))
        assert [e.kind for e in history.events] == ["created"], history
    page = await _walk(mallory, 500)
    assert _foreign(page, foreign) == [] and {e.channel for e in page.events} == {mine.id, club.id}
    listed = {c.id for c in (await mallory.request(ListChannels())).channels}
    assert listed == {mine.id, club.id}
    with pytest.raises(ProtocolError) as err:
        await mallory.request(History(channel=w.group))
    assert err.value.code == ErrorCode.NO_SUCH_CHANNEL
    # Now that they share a channel, and only now, alice's presence is visible to her.
    presence = (await mallory.request(GetPresence(users=["alice", "rita"]))).presence
    assert [p.user for p in presence] == ["alice"]


@pytest.mark.parametrize(
    ("actor", "exit_kind"),
    [("removed member", "member_removed"), ("member who left", "member_left")],
)
async def test_former_member_sees_up_to_their_exit_and_nothing_after(
    clients: ClientFactory, actor: str, exit_kind: str
) -> None:
    w = await _world(clients)
    client = w[actor]
    name = USER_NAMES[actor]
    exit_pos = w.departed[name]
    for limit in (1, 2, 500):
        page = await _walk(client, limit)
        seen = [(e.kind, e.text, e.subject) for e in page.events]
        where = f"{actor}, sync pages of {limit}"
        assert {e.channel for e in page.events} == {w.group}, f"{where}: {seen}"
        assert all(e.pos <= exit_pos for e in page.events), f"{where}: after the exit: {seen}"
        assert page.events[-1].kind == exit_kind and page.events[-1].subject == name, where
        assert "before" in [e.text for e in page.events], f"{where}: {seen}"
        assert not any(e.text in SECRETS[2:] for e in page.events), f"{where}: {seen}"
        # Their own read cursor from before; nobody else's, nothing later.
        assert all(r.channel == w.group and r.seq <= 2 for r in page.reads), (
            f"{where}: {page.reads}"
        )
        for snapshot in page.channels:
            assert snapshot.id == w.group, f"{where}: {snapshot}"
            assert (
                snapshot.active,
                snapshot.members,
                snapshot.owner,
                snapshot.last_seq,
                snapshot.read_seq,
            ) == (False, [], None, 0, 0), f"{where}: {snapshot}"
            assert snapshot.name == "club", f"{where}: renamed after they left: {snapshot}"
        assert page.channels, f"{where}: no snapshot of the channel they left"

    assert (await client.request(ListChannels())).channels == []
    presence = (await client.request(GetPresence(users=["alice", "bob", "rita", "leo"]))).presence
    assert [p.user for p in presence] == [name], presence
    for request in (History(channel=w.group), History(channel=w.group, before=2)):
        with pytest.raises(ProtocolError) as err:
            await client.request(request)
        assert err.value.code == ErrorCode.NO_SUCH_CHANNEL
    heads = [p for p in client.pushes if isinstance(p, ChannelPush) and not p.channel.active]
    assert heads and all(p.channel.name == "club" for p in heads), heads
