"""``tidings-cli``: a scriptable Tidings client on the same core as the desktop app.

Its command names, options, JSON fields and exit codes are a contract scripts rely on;
``docs/cli.md`` documents them.
"""

import argparse
import asyncio
import contextlib
import datetime
import getpass
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from desktop import cli_files, cli_quiet, cli_times
from desktop.cache.receipts import MessageReceipt
from desktop.cache.store import Cache
from desktop.cache.views import AttachmentView, ChannelView, MessageView
from desktop.core.account import ServerNotTrusted, open_engine, sign_in, sign_out
from desktop.core.engine import EngineFailed, SyncEngine
from desktop.core.events import (
    AppEvent,
    MessageAdded,
    MessageUpdated,
    NewSignIn,
    ServerRestored,
    UploadProgress,
)
from desktop.core.people import DisplayNamesUnavailable
from desktop.core.profile import NotSignedIn, Profile, default_profile_dir
from desktop.core.receipts import ReceiptsUnavailable
from desktop.platform.credentials import CredentialStore, KeyringUnavailable
from shared import limits
from shared.client import ConnectionClosed, ServerKeyMismatch
from shared.endpoints import server_endpoints
from shared.errors import ProtocolError
from shared.keys import fingerprint
from shared.names import normalize_user_name
from shared.protocol import UNTIL_TURNED_OFF

EXIT_OK = 0
EXIT_ERROR = 1  # refused, not found, bad input, not signed in
EXIT_USAGE = 2  # argparse's own code for a malformed command line
EXIT_UNREACHABLE = 3  # the server could not be reached; a sent message waits in the outbox
EXIT_STOPPED = 4  # the server's key changed or this device was revoked

DEFAULT_TIMEOUT = 10.0  # secs to reach and catch up with the server


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# --- output -----------------------------------------------------------------------------


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, data: Any, text: str) -> None:
        """One result: ``data`` as a JSON document, or ``text`` for people."""
        print(json.dumps(data, ensure_ascii=False) if self.as_json else text, flush=True)

    def line(self, data: dict, text: str) -> None:
        """One item of a stream: a JSON line, or a line of text."""
        self.emit(data, text)


def message_json(m: MessageView, channel: ChannelView | None = None) -> dict:
    data: dict[str, Any] = {
        "channel": m.channel,
        "seq": m.seq,
        "kind": m.kind,
        "sender": m.sender,
        "text": m.text,
        "ts": m.ts,
        "written": m.written,
        "state": m.state,
        "client_id": m.client_id,
        "error": m.error,
        "reply_to": m.reply_to,
        "reactions": {r.emoji: list(r.users) for r in m.reactions},
        "edited": m.edited,
        "deleted": m.deleted,
        "mentions": [{"user": x.user, "start": x.start, "end": x.end} for x in m.mentions],
        "attachments": [cli_files.attachment_json(a) for a in m.attachments],
    }
    if m.is_change:
        data.update(change_of=m.target, emoji=m.emoji, removed=m.removed)
    if channel is not None:
        data["target"] = channel.target
    elif m.to_user is not None:
        data["target"] = f"@{m.to_user}"
    return data


UNKNOWN_TEXT = "(a message this version of Tidings cannot show; update Tidings to see it)"


def message_text(m: MessageView, names: Mapping[str, str] | None = None) -> str:
    """One event for people; with ``names`` (display names by user name) each person named
    has theirs beside their user name."""
    person = partial(named, names or {})
    seq = f"{m.seq:>6}" if m.seq is not None else "     …"
    state = "" if m.state == "sent" else f" [{m.state}{': ' + m.error if m.error else ''}]"
    when = _clock(m.shown_ts)
    sender = person(m.sender)
    if m.is_change:
        return f"{seq} {when} * {sender} {change_text(m)}{state}"
    if m.unknown:
        return f"{seq} {when} {sender}: {UNKNOWN_TEXT}"
    if m.kind != "message":
        subject = person(m.subject) if m.subject else ""
        detail = " ".join(x for x in (m.kind.replace("_", " "), subject, m.name or "") if x)
        return f"{seq} {when} * {sender} {detail}"
    answer = f"(re #{m.reply_to}) " if m.reply_to is not None else ""
    text = "(message deleted)" if m.deleted else m.text + (" (edited)" if m.edited else "")
    reactions = "; ".join(f"{r.emoji} {', '.join(r.users)}" for r in m.reactions)
    reacted = f" [{reactions}]" if reactions else ""
    files = cli_files.attachments_text(m.attachments)
    body = text + files if text else files.lstrip()
    return f"{seq} {when} {sender}: {answer}{body}{reacted}{state}"


def history_json(m: MessageView, names: Mapping[str, str]) -> dict:
    """An event of ``history`` as JSON: with the sender's display name ("" for none)."""
    return {**message_json(m), "sender_display_name": names.get(m.sender, "")}


def named(names: Mapping[str, str], user: str) -> str:
    """A person for people: the user name (what commands take), the display name beside it
    where they set one: ``alice (Alice Liddell)``."""
    return f"{user} ({names[user]})" if names.get(user) else user


def channel_text(c: ChannelView) -> str:
    """A chat's line of ``channels``: a direct chat's display name beside its target."""
    target = f"{c.target} ({c.display_name})" if c.display_name else c.target
    return f"{target:<24} {c.kind:<6} unread {c.unread:<5} seq {c.last_seq}"


def change_text(m: MessageView) -> str:
    """A change to a message, for people: "reacted 👍 to #5", "edited #5: ..."."""
    if m.kind == "reaction" and m.removed:
        return f"took back {m.emoji} from #{m.target}"
    if m.kind == "reaction":
        return f"reacted {m.emoji} to #{m.target}"
    if m.kind == "edit":
        return f"edited #{m.target}: {m.text}"
    return f"deleted #{m.target}"


def receipt_json(r: MessageReceipt | None) -> dict | None:
    """How far one of the user's own messages got; None for others' messages."""
    if r is None:
        return None
    return {"state": r.state, "read_by": list(r.read_by), "others": r.others}


def receipt_text(r: MessageReceipt | None) -> str:
    """A stored own message's receipt for people: "read", "read by 2 of 5", ..."""
    if r is None or r.state in ("sending", "failed"):
        return ""  # the message's own state says it
    if r.state != "read" and r.read_by and r.others > 1:
        return f" [read by {len(r.read_by)} of {r.others}]"
    return f" [{r.state}]"


def channel_json(c: ChannelView) -> dict:
    return {
        "target": c.target,
        "id": c.id,
        "kind": c.kind,
        "name": c.name,
        "title": c.title,
        "display_name": c.display_name,
        "members": list(c.members),
        "owner": c.owner,
        "active": c.active,
        "unread": c.unread,
        "last_seq": c.last_seq,
        "read_seq": c.read_seq,
        "last_ts": c.last_ts,
    }


def _clock(ts: int) -> str:
    return datetime.datetime.fromtimestamp(ts / 1000).strftime("%Y-%m-%d %H:%M")


# --- a session: profile, engine, connection ----------------------------------------------


class Session:
    """The engine of the selected profile, connected (unless offline) for one command."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.credentials = CredentialStore()
        self.profile = Profile.load(args.profile)
        self.engine: SyncEngine = open_engine(self.profile, self.credentials)
        self.engine.fill_in_background = False  # a command fetches only what it shows
        self.engine.subscribe(_tell_on_stderr)
        self.online = False
        self._tried = False  # to connect: a command waits for an unreachable server once

    async def __aenter__(self) -> "Session":
        return self

    async def connect(self) -> None:
        """Connect and catch up, unless ``--offline``; unreachable is not an error here.
        Only the first call of a command tries: the engine keeps redialling in the
        background, and a later call would wait the whole timeout again."""
        if self.args.offline or self._tried:
            return
        self._tried = True
        await self.engine.start()
        try:
            await self._caught_up()
            self.online = True
        except EngineFailed as e:
            raise CliError(str(e), EXIT_STOPPED) from None
        except TimeoutError:
            print(
                f"tidings-cli: {self.profile.server} is not reachable; using the local cache",
                file=sys.stderr,
            )

    async def _caught_up(self) -> None:
        """Wait until the engine caught up (and tried the outbox). The timeout is for
        hearing from the server: while files go up, the wait goes on."""
        async with self._uploads() as moved:
            while True:
                moved.clear()
                try:
                    await self.engine.wait_caught_up(self.args.timeout)
                    return
                except TimeoutError:
                    if not moved.is_set():
                        raise

    @contextlib.asynccontextmanager
    async def _uploads(self) -> AsyncIterator[asyncio.Event]:
        """An event set whenever a file goes further up while the block runs."""
        moved = asyncio.Event()

        def watch(event: object) -> None:
            if isinstance(event, UploadProgress):
                moved.set()

        unsubscribe = self.engine.subscribe(watch)
        try:
            yield moved
        finally:
            unsubscribe()

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.stop()
        self.engine.cache.close()

    async def require_online(self) -> None:
        await self.connect()
        if not self.online:
            raise CliError(f"{self.profile.server} is not reachable", EXIT_UNREACHABLE)

    def stored_channel(self, channel_id: int) -> ChannelView:
        """A channel the cache holds (the engine stores every channel a reply names)."""
        channel = self.engine.cache.channel(channel_id)
        if channel is None:
            raise CliError(f"channel {channel_id} is not in this device's cache")
        return channel

    async def target(self, name: str) -> ChannelView | None:
        """The chat a TARGET names: ``@user``, ``#group`` or ``#id``. One the cache does not
        know is looked up again after catching up with the server (someone may have added
        this user to a group since the last sync). None for a direct chat that does not
        exist yet: looking never creates one, only sending does."""
        found = find_target(self.engine.cache, name)
        if found is None and not self.online:
            await self.connect()
            found = find_target(self.engine.cache, name)
        if found is None and name.startswith("#"):
            unreachable = "" if self.online else f" ({self.profile.server} is not reachable)"
            raise CliError(f"no group {name} here{unreachable}")
        return found

    async def chat(self, name: str) -> ChannelView:
        """The chat a TARGET names, which must exist."""
        found = await self.target(name)
        if found is None:
            raise CliError(f"no chat with {name} yet")
        return found

    async def message_in(self, name: str, seq: int) -> ChannelView:
        """The chat a TARGET names, with its message ``seq`` fetched from the server if this
        device does not hold it yet (and the server can be reached)."""
        channel = await self.chat(name)
        await self.connect()
        if self.online and self.engine.cache.message(channel.id, seq) is None:
            await self.engine.fill(channel.id, seq, seq)
        return channel

    async def deliver(self, queued: list[MessageView]) -> list[MessageView]:
        """Connect and wait until the server stored or refused each queued message (or the
        timeout passes); returns each message as it stands then, in the same order."""
        wanted = {m.client_id: m for m in queued}
        done = asyncio.Event()

        def watch(event: object) -> None:
            m = event.message if isinstance(event, MessageUpdated) else None
            if m is not None and m.client_id in wanted:
                wanted[m.client_id] = m
                if all(w.state != "pending" for w in wanted.values()):
                    done.set()

        unsubscribe = self.engine.subscribe(watch)  # before any await: no event is missed
        try:
            if any(m.state == "pending" for m in queued):
                await self.connect()
                if self.online:
                    await self._done_or_quiet(done)
        finally:
            unsubscribe()
        return list(wanted.values())

    async def _done_or_quiet(self, done: asyncio.Event) -> None:
        """Wait for ``done`` until the timeout passes without a file going further up."""
        async with self._uploads() as moved:
            while not done.is_set():
                moved.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.args.timeout):
                        await done.wait()
                if not moved.is_set():
                    return


def find_target(cache: Cache, name: str) -> ChannelView | None:
    """The cached chat a TARGET names, or None; raises ``CliError`` for a malformed or
    ambiguous TARGET."""
    if name.startswith("@"):
        return cache.direct_with(user_name(name))
    if name.startswith("#"):
        wanted = name[1:]
        found = [c for c in cache.channels() if c.kind == "group" and c.active]
        if wanted.isdigit():
            found = [c for c in found if c.id == int(wanted)]
        else:
            found = [c for c in found if c.name.casefold() == wanted.casefold()]
        if len(found) > 1:
            ids = ", ".join(f"#{c.id}" for c in found)
            raise CliError(f"{name} names several groups ({ids}); use the id")
        return found[0] if found else None
    raise CliError(f"a target is @user or #group, not {name!r}")


def user_name(target: str) -> str:
    try:
        return normalize_user_name(target.removeprefix("@"))
    except ValueError as e:
        raise CliError(f"{target} is not a user name: {e}") from None


def _tell_on_stderr(event: AppEvent) -> None:
    """What the user must hear of whatever the command: a restored server, and a device
    that signed in to the account (told once, here or in the app, whichever hears of it)."""
    if isinstance(event, ServerRestored):
        print(f"tidings-cli: {event.describe()}", file=sys.stderr)
    elif isinstance(event, NewSignIn):
        print(f"tidings-cli: new sign-in: {event.name} at {_clock(event.created)}", file=sys.stderr)


# --- commands ---------------------------------------------------------------------------


async def cmd_sign_in(args: argparse.Namespace, out: Output) -> int:
    password = read_password(confirm=args.command == "register")
    first, *others = args.server
    profile = await sign_in(
        args.profile,
        first,
        args.user,
        password,
        args.device,
        create_account=args.command == "register",
        credentials=CredentialStore(),
        trust=lambda server, fp: trust_server(server, fp, args.fingerprint),
        key_endpoint=args.key_endpoint,
        other_nodes=others,
    )
    data = {
        "user": profile.user,
        "device_id": profile.device_id,
        "device": profile.device_name,
        "server": profile.server,
        "endpoints": list(profile.endpoints),
        "fingerprint": fingerprint(profile.server_key),
    }
    out.emit(data, f"signed in as {profile.user} on {profile.server} (device {profile.device_id})")
    return EXIT_OK


def server_addresses(text: str) -> list[str]:
    """argparse type: server addresses as people write them, separated by commas (the
    nodes of one server), as ZeroMQ endpoints."""
    try:
        return server_endpoints(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def read_password(confirm: bool) -> str:
    """From the terminal, or the first line of stdin when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != password:
        raise CliError("the passwords differ")
    return password


def trust_server(server: str, fingerprint: str, expected: str | None) -> bool:
    if expected is not None:
        if expected != fingerprint:
            raise CliError(f"{server} presents key {fingerprint}, not the expected {expected}")
        return True
    print(f"Server key fingerprint of {server}: {fingerprint}", file=sys.stderr)
    if not sys.stdin.isatty():
        print("Trusting it on first use (pass --fingerprint to check it).", file=sys.stderr)
        return True
    return input("Trust this server? [y/N] ").strip().lower() in ("y", "yes")


async def cmd_logout(s: Session, out: Output) -> int:
    await s.require_online()
    await sign_out(s.engine, s.profile, s.credentials)
    out.emit({"user": s.profile.user, "device_id": s.profile.device_id}, "signed out")
    return EXIT_OK


async def cmd_send(s: Session, out: Output) -> int:
    files: list[Path] = s.args.file or []
    text = message_input(s.args, optional=bool(files))
    target = s.args.target
    if files:
        queued = await send_files(s, target, text, files)
    elif target.startswith("@"):
        # In the outbox before anything else, even for a chat that does not exist yet.
        queued = s.engine.send_to_user(user_name(target), text)
    else:
        queued = s.engine.send((await s.chat(target)).id, text)
    return await report(s, out, queued)


async def send_files(s: Session, target: str, text: str, files: list[Path]) -> MessageView:
    """Queue a message with files; whether the server takes files is known once it was
    reached, so a device that never reached it does first."""
    if not s.engine.files_available:
        await s.connect()
    if target.startswith("@"):
        return await s.engine.send_files_to_user(user_name(target), text, files)
    return await s.engine.send_files((await s.chat(target)).id, text, files)


async def cmd_reply(s: Session, out: Output) -> int:
    text = message_input(s.args)
    channel = await s.message_in(s.args.target, s.args.seq)
    return await report(s, out, s.engine.reply(channel.id, s.args.seq, text))


async def cmd_react(s: Session, out: Output) -> int:
    channel = await s.message_in(s.args.target, s.args.seq)
    return await report(s, out, s.engine.react(channel.id, s.args.seq, s.args.emoji, s.args.remove))


async def cmd_edit(s: Session, out: Output) -> int:
    text = message_input(s.args)
    channel = await s.message_in(s.args.target, s.args.seq)
    return await report(s, out, s.engine.edit(channel.id, s.args.seq, text))


async def cmd_delete(s: Session, out: Output) -> int:
    channel = await s.message_in(s.args.target, s.args.seq)
    return await report(s, out, s.engine.delete(channel.id, s.args.seq))


async def report(s: Session, out: Output, queued: MessageView) -> int:
    """Wait until the server stored or refused a queued message or change, print it as it
    stands then (a change with its message as it shows now), and say how it went."""
    [entry] = await s.deliver([queued])
    channel = s.engine.cache.channel(entry.channel) if entry.channel else None
    data = message_json(entry, channel)
    what = "change" if entry.is_change else "message"
    if entry.is_change and entry.target is not None:
        shown = s.engine.cache.message(entry.channel, entry.target)
        data["message"] = message_json(shown, channel) if shown is not None else None
    if entry.state == "pending":
        out.emit(
            data,
            f"queued: the server is not reachable; the {what} waits in the outbox for the "
            "next sync",
        )
        return EXIT_UNREACHABLE
    if entry.state == "failed":
        raise CliError(f"the server refused the {what}: {entry.error}")
    out.emit(data, f"sent as #{entry.seq}")
    return EXIT_OK


def message_input(args: argparse.Namespace, optional: bool = False) -> str:
    """The text to send: the TEXT argument, stdin for ``-``, or ``--text-file``'s content
    (for text beyond the OS's limit on arguments). Line breaks at the end of stdin or a
    file are dropped. ``optional`` (files are sent): none is empty text."""
    if args.text is not None and args.text_file is not None:
        raise CliError("give the text once: as TEXT, as - (stdin) or with --text-file", EXIT_USAGE)
    if args.text_file is not None:
        try:
            raw = args.text_file.read_bytes()
        except OSError as e:
            raise CliError(f"cannot read {args.text_file}: {e.strerror}") from None
        return decode_text(raw, str(args.text_file)).rstrip("\r\n")
    if args.text == "-":
        return decode_text(sys.stdin.buffer.read(), "stdin").rstrip("\r\n")
    if args.text is None and optional:
        return ""
    if args.text is None:
        raise CliError(
            f"{args.command} needs the text: TEXT, - to read stdin, or --text-file PATH",
            EXIT_USAGE,
        )
    text: str = args.text
    return text


def decode_text(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CliError(f"{source} is not UTF-8 text (byte {e.start})") from None


async def cmd_download(s: Session, out: Output) -> int:
    channel = await s.message_in(s.args.target, s.args.seq)
    message = s.engine.cache.message(channel.id, s.args.seq)
    where = f"{s.args.target} #{s.args.seq}"
    if message is None:
        raise CliError(f"there is no message {where} on this device")
    files = message.attachments
    if not files:
        raise CliError(f"message {where} carries no files")
    if s.args.index is not None and not 0 <= s.args.index < len(files):
        raise CliError(f"message {where} has files 0 to {len(files) - 1}, not {s.args.index}")
    chosen = files if s.args.index is None else files[s.args.index : s.args.index + 1]
    results = [await download_one(s, channel.id, a) for a in chosen]
    out.emit(results, "\n".join(str(r["path"]) for r in results))
    return EXIT_OK


async def download_one(s: Session, channel_id: int, file: AttachmentView) -> dict[str, object]:
    """One file of the message ``s.args.seq``, held here (downloaded if need be) and
    copied to ``--out`` if given; as JSON, with where it is."""
    try:
        path = await s.engine.download(channel_id, s.args.seq, file.index)
    except (ConnectionClosed, TimeoutError) as e:
        raise CliError(str(e) or "the server did not answer in time", EXIT_UNREACHABLE) from None
    except OSError as e:
        raise CliError(f"cannot keep {file.name} on this device: {e.strerror}") from None
    if s.args.out is not None:
        try:
            path = cli_files.export(path, s.args.out, file.name)
        except OSError as e:
            raise CliError(f"cannot write {file.name} to {s.args.out}: {e.strerror}") from None
    return {**cli_files.attachment_json(file), "path": str(path)}


async def cmd_files(s: Session, out: Output) -> int:
    if s.args.budget is not None:
        usage = s.engine.set_files_budget(s.args.budget)
    else:
        usage = s.engine.files_usage()
    out.emit(cli_files.usage_json(usage), cli_files.usage_text(usage))
    return EXIT_OK


async def cmd_channels(s: Session, out: Output) -> int:
    await s.connect()
    channels = [c for c in s.engine.cache.channels() if c.active]
    out.emit(
        [channel_json(c) for c in channels],
        "\n".join(channel_text(c) for c in channels),
    )
    return EXIT_OK


async def cmd_history(s: Session, out: Output) -> int:
    await s.connect()
    channel = await s.target(s.args.target)
    if channel is None:
        return no_chat_yet(s, out, [])
    page = await s.engine.history(channel.id, s.args.before, s.args.limit)
    messages = page.messages
    receipts = s.engine.cache.receipts.for_messages(channel.id, messages)
    # Receipts are shown to people only from a server known to keep them.
    shown = receipts if s.engine.settings is not None else [None] * len(receipts)
    rows = list(zip(messages, receipts, shown, strict=True))
    names = s.engine.cache.people.all()
    out.emit(
        [{**history_json(m, names), "receipt": receipt_json(r)} for m, r, _ in rows],
        "\n".join(message_text(m, names) + receipt_text(told) for m, _, told in rows),
    )
    if page.missing:
        why = "the server did not send them" if s.online else "the server is not reachable"
        print(
            f"tidings-cli: partial page: {page.missing} of its events are not in the local "
            f"cache and {why}",
            file=sys.stderr,
        )
        return EXIT_ERROR if s.online else EXIT_UNREACHABLE
    return EXIT_OK


def no_chat_yet(s: Session, out: Output, data: object) -> int:
    """A direct chat that does not exist yet reads as empty; it is not created."""
    unsure = "" if s.online else " (as far as this device knows)"
    print(f"tidings-cli: no chat with {s.args.target} yet{unsure}", file=sys.stderr)
    out.emit(data, "")
    return EXIT_OK


async def cmd_read(s: Session, out: Output) -> int:
    await s.connect()
    channel = await s.target(s.args.target)
    if channel is None:
        return no_chat_yet(s, out, {"target": s.args.target, "read_seq": 0, "unread": 0})
    s.engine.mark_read(channel.id)
    if s.online:
        await s.engine.settle(s.args.timeout)
    now = s.stored_channel(channel.id)
    out.emit(
        {"target": now.target, "read_seq": now.read_seq, "unread": now.unread},
        f"{now.target} read up to #{now.read_seq}",
    )
    return EXIT_OK


async def cmd_sync(s: Session, out: Output) -> int:
    await s.require_online()
    pending, failed = s.engine.cache.outbox_counts()
    data = {"cursor": s.engine.cache.sync_cursor(), "pending": pending, "failed": failed}
    text = f"up to date; {pending} waiting to send, {failed} failed"
    if failed:
        text += " (tidings-cli outbox lists them; retry or discard each)"
    out.emit(data, text)
    return EXIT_OK


async def cmd_outbox(s: Session, out: Output) -> int:
    channels = {c.id: c for c in s.engine.cache.channels()}
    messages = s.engine.cache.outbox()
    out.emit(
        [message_json(m, channels.get(m.channel)) for m in messages],
        "\n".join(outbox_line(m, channels.get(m.channel)) for m in messages),
    )
    return EXIT_OK


def outbox_line(m: MessageView, channel: ChannelView | None) -> str:
    target = message_json(m, channel).get("target", "?")
    return f"{m.client_id} {target} {message_text(m).lstrip(' …')}"


async def cmd_retry(s: Session, out: Output) -> int:
    if s.args.all == (s.args.client_id is not None):
        raise CliError("retry takes one CLIENT_ID or --all", EXIT_USAGE)
    queued = s.engine.retry_all() if s.args.all else [s.engine.retry(s.args.client_id)]
    results = await s.deliver(queued)
    channels = {c.id: c for c in s.engine.cache.channels()}
    out.emit(
        [message_json(m, channels.get(m.channel)) for m in results],
        "\n".join(outbox_line(m, channels.get(m.channel)) for m in results),
    )
    if any(m.state == "failed" for m in results):
        raise CliError("the server refused a message again; it stays failed in the outbox")
    if any(m.state == "pending" for m in results):
        return EXIT_UNREACHABLE
    return EXIT_OK


async def cmd_discard(s: Session, out: Output) -> int:
    dropped = s.engine.discard(s.args.client_id)
    channel = s.engine.cache.channel(dropped.channel) if dropped.channel else None
    out.emit(message_json(dropped, channel), f"discarded {dropped.client_id}")
    return EXIT_OK


async def cmd_follow(s: Session, out: Output) -> int:
    await s.connect()
    channels = {c.id: c for c in s.engine.cache.channels()}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def show(event: object) -> None:
        if isinstance(event, MessageAdded):
            m = event.message
            channel = channels.get(m.channel) or s.engine.cache.channel(m.channel)
            out.line(message_json(m, channel), message_text(m, s.engine.cache.people.all()))

    unsubscribe = s.engine.subscribe(show)
    try:
        await stop.wait()
    finally:
        unsubscribe()
    return EXIT_OK


async def cmd_search(s: Session, out: Output) -> int:
    await s.connect()
    hits = s.engine.cache.search(s.args.query, s.args.limit)
    channels = {c.id: c for c in s.engine.cache.channels()}
    data = [
        {
            **message_json(h.message, channels.get(h.message.channel)),
            "spans": [list(x) for x in h.spans],
            "rank": h.rank,
        }
        for h in hits
    ]
    names = s.engine.cache.people.all()
    text = "\n".join(
        f"{channels[h.message.channel].target if h.message.channel in channels else '?'}: "
        f"{message_text(h.message, names)}"
        for h in hits
    )
    out.emit(data, text)
    return EXIT_OK


async def cmd_group(s: Session, out: Output) -> int:
    await s.require_online()
    a = s.args
    if a.action == "create":
        members = [m.strip() for m in (a.members or "").split(",") if m.strip()]
        channel = await s.engine.create_group(a.name, members)
    else:
        found = await s.chat(a.name if a.name.startswith("#") else f"#{a.name}")
        if a.action == "add":
            channel = await s.engine.add_members(found.id, [a.user])
        elif a.action == "remove":
            channel = await s.engine.remove_member(found.id, a.user)
        else:
            channel = await s.engine.leave(found.id)
    out.emit(channel_json(channel), f"{channel.target}: {', '.join(channel.members) or 'left'}")
    return EXIT_OK


async def cmd_presence(s: Session, out: Output) -> int:
    await s.connect()
    views = await s.engine.presence(s.args.users or None)
    out.emit([asdict(v) for v in views], "\n".join(f"{v.user:<20} {v.state}" for v in views))
    return EXIT_OK


async def cmd_settings(s: Session, out: Output) -> int:
    if s.args.read_receipts is not None:
        await s.require_online()
        try:
            settings = await s.engine.set_read_receipts(s.args.read_receipts == "on")
        except ReceiptsUnavailable as e:
            raise CliError(f"{s.profile.server}: {e}") from None
    else:
        await s.connect()
        known = s.engine.settings
        if known is None and s.online:
            raise CliError(f"{s.profile.server} keeps no account settings")
        if known is None:
            raise CliError(f"{s.profile.server} is not reachable", EXIT_UNREACHABLE)
        settings = known
    on = "on" if settings.read_receipts else "off"
    out.emit({"read_receipts": settings.read_receipts}, f"read receipts: {on}")
    return EXIT_OK


async def cmd_profile(s: Session, out: Output) -> int:
    """Show the user's display name, or set it (blank: none) for everyone who shares a chat
    with the user to see."""
    if s.args.display_name is not None:
        await s.require_online()
        try:
            await s.engine.set_display_name(s.args.display_name)
        except DisplayNamesUnavailable as e:
            raise CliError(f"{s.profile.server}: {e}") from None
    else:
        await s.connect()
    name = s.engine.display_name
    shown = name or "none (others see your user name)"
    out.emit({"user": s.profile.user, "display_name": name}, f"{s.profile.user}: {shown}")
    return EXIT_OK


async def cmd_dnd(s: Session, out: Output) -> int:
    """Show do not disturb and its quiet hours, or turn it on (until turned off, for a span,
    until a time) or off, or set the quiet hours: for every device of the account where the
    server keeps them, else for this one."""
    a = s.args
    until = quiet_until(a.state == "on", a.span, a.until, off=a.state == "off")
    if a.days is not None and a.schedule is None:
        raise CliError("--days goes with --schedule", EXIT_USAGE)
    await s.connect()
    quiet = s.engine.quiet
    if until is not None:
        await _reach_if_kept(s)
        quiet = await s.engine.set_do_not_disturb(until)
    if a.schedule is not None or a.no_schedule:
        await _reach_if_kept(s, quiet.hours_on_server)
        quiet = await s.engine.set_quiet_hours(cli_quiet.asked_hours(quiet.hours, a))
    on = quiet.dnd_on()
    shown = f"on {_until_text(quiet.dnd_until)}" if on else "off"
    hours_text = cli_quiet.hours_text(quiet) + _where(quiet.hours_on_server)
    out.emit(
        {
            "on": on,
            "dnd_until": quiet.dnd_until if on else 0,
            "everywhere": quiet.on_server,
            "quiet_hours": cli_quiet.hours_json(quiet),
        },
        f"do not disturb: {shown}{_where(quiet.on_server)}\n{hours_text}",
    )
    return EXIT_OK


async def cmd_mute(s: Session, out: Output) -> int:
    """Mute a chat (until unmuted, for a span, until a time) or unmute it."""
    a = s.args
    until = 0 if a.command == "unmute" else quiet_until(True, a.span, a.until)
    assert until is not None
    await s.connect()
    channel = await s.chat(a.target)
    await _reach_if_kept(s)
    now = await s.engine.mute_chat(channel.id, until)
    shown = f"muted {_until_text(now.muted_until)}" if now.muted else "not muted"
    out.emit(
        {
            "target": now.target,
            "muted_until": now.muted_until,
            "everywhere": s.engine.quiet.on_server,
        },
        f"{now.target}: {shown}{_where(s.engine.quiet.on_server)}",
    )
    return EXIT_OK


def quiet_until(on: bool, span_ms: int | None, until: int | None, off: bool = False) -> int | None:
    """What ``dnd``/``mute`` were asked: a time (``UNTIL_TURNED_OFF``, 0 for off), or None
    to only show it."""
    if off:
        return 0
    if span_ms is not None:
        return int(time.time() * 1000) + span_ms
    if until is not None:
        return until
    return UNTIL_TURNED_OFF if on else None


async def _reach_if_kept(s: Session, kept: bool | None = None) -> None:
    """A change the server keeps (``kept``; default: as do not disturb is) needs the
    server."""
    if (s.engine.quiet.on_server if kept is None else kept) and not s.online:
        raise CliError(f"{s.profile.server} is not reachable", EXIT_UNREACHABLE)


def _until_text(until: int) -> str:
    return "until turned off" if until == UNTIL_TURNED_OFF else f"until {_clock(until)}"


def _where(everywhere: bool) -> str:
    return (
        " (all your devices)"
        if everywhere
        else " (this device only: the server does not keep it for your other devices)"
    )


async def cmd_devices(s: Session, out: Output) -> int:
    await s.require_online()
    devices = await s.engine.list_devices()
    text = "\n".join(f"{d.id:>5} {d.name}{' (this device)' if d.current else ''}" for d in devices)
    out.emit([asdict(d) for d in devices], text)
    return EXIT_OK


async def cmd_revoke(s: Session, out: Output) -> int:
    await s.require_online()
    await s.engine.revoke_device(s.args.device)
    out.emit({"revoked": s.args.device}, f"device {s.args.device} revoked")
    return EXIT_OK


SESSION_COMMANDS = {
    "logout": cmd_logout,
    "send": cmd_send,
    "reply": cmd_reply,
    "react": cmd_react,
    "edit": cmd_edit,
    "delete": cmd_delete,
    "channels": cmd_channels,
    "history": cmd_history,
    "download": cmd_download,
    "files": cmd_files,
    "read": cmd_read,
    "sync": cmd_sync,
    "outbox": cmd_outbox,
    "retry": cmd_retry,
    "discard": cmd_discard,
    "follow": cmd_follow,
    "search": cmd_search,
    "group": cmd_group,
    "presence": cmd_presence,
    "settings": cmd_settings,
    "profile": cmd_profile,
    "dnd": cmd_dnd,
    "mute": cmd_mute,
    "unmute": cmd_mute,
    "devices": cmd_devices,
    "revoke": cmd_revoke,
}


# --- command line -----------------------------------------------------------------------


def page_size(text: str) -> int:
    """A history page size the server accepts."""
    value = int(text)
    if not 1 <= value <= limits.MAX_HISTORY_PAGE:
        raise argparse.ArgumentTypeError(f"a page holds 1 to {limits.MAX_HISTORY_PAGE} messages")
    return value


class CommandParser(argparse.ArgumentParser):
    """A command's parser. For one that takes text after ``text_after`` positional words
    (``send TARGET``, ``reply TARGET SEQ``), the next word is the message text whatever it
    looks like: argparse alone takes a word that begins with "-" for an option ("-_-"),
    and mishandles "--" ("send @bob -- --")."""

    text_after = 0  # 0: the command takes no text

    def parse_known_args(self, args=None, namespace=None):
        if not self.text_after:
            return super().parse_known_args(args, namespace)
        rest, text = split_text(list(args or []), self._option_string_actions, self.text_after)
        parsed, extra = super().parse_known_args(rest, namespace)
        parsed.text = text
        return parsed, extra


def split_text(
    args: list[str], options: dict[str, argparse.Action], after: int = 1
) -> tuple[list[str], str | None]:
    """Take the message text out of a command's words: the first word after ``after``
    positional words (the TARGET, and the SEQ of ``reply`` and ``edit``) that is not one
    of the command's own options, or the word after a "--" there."""
    rest: list[str] = []
    text: str | None = None
    words = iter(args)
    targets = 0
    for word in words:
        if targets == after and text is None and word.split("=", 1)[0] not in options:
            text = next(words, None) if word == "--" else word
            continue
        rest.append(word)
        action = options.get(word)
        if action is not None:
            if action.nargs != 0:
                rest.append(next(words, ""))
        elif not word.startswith("-") or word == "-":
            targets += 1
    return rest, text


def _text_file_option(c: argparse.ArgumentParser) -> None:
    c.add_argument(
        "--text-file",
        type=Path,
        metavar="PATH",
        help="the text is this UTF-8 file's content instead of TEXT",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tidings-cli", description="Scriptable Tidings client.")
    p.add_argument(
        "--profile",
        type=Path,
        default=default_profile_dir(),
        help="device profile directory (default: %(default)s)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output (docs/cli.md)")
    p.add_argument("--offline", action="store_true", help="answer from the local cache only")
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for the server (default: %(default)s)",
    )
    sub = p.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )

    for name, help_text in (("register", "create an account"), ("login", "add this device")):
        c = sub.add_parser(name, help=help_text)
        c.add_argument("user")
        c.add_argument(
            "--server",
            required=True,
            type=server_addresses,
            help="HOST, HOST:PORT or tcp://HOST:PORT; the nodes of a server of several, "
            "separated by commas, the first one first",
        )
        c.add_argument(
            "--device",
            required=name == "login",
            default="tidings-cli",
            help="a name for this device",
        )
        c.add_argument("--fingerprint", help="the server key fingerprint to expect (SHA256:...)")
        c.add_argument("--key-endpoint", help="the server's key service (default: next port)")
    sub.add_parser("logout", help="revoke this device and forget the account here")
    c = sub.add_parser(
        "send",
        help="send a message and wait for the server to store it",
        description='TEXT is the message, whatever it begins with; "-" reads it from stdin. '
        "Text that is exactly one of this command's options (-h, --help, --text-file) "
        'goes after "--".',
    )
    c.add_argument("target", help="@user or #group")
    c.text_after = 1  # read by CommandParser
    _text_file_option(c)
    c.add_argument(
        "--file",
        type=Path,
        action="append",
        metavar="PATH",
        help=f"attach a file (up to {limits.MAX_ATTACHMENTS_PER_MESSAGE}; TEXT is then their "
        "caption, and may be left out)",
    )
    c.usage = "tidings-cli send TARGET (TEXT | - | --text-file PATH) | TARGET [TEXT] --file PATH..."
    for name, help_text in (
        ("reply", "answer a message and wait for the server to store the answer"),
        ("edit", "replace the text of one of your messages"),
    ):
        c = sub.add_parser(name, help=help_text, description="TEXT as for send.")
        c.add_argument("target", help="@user or #group")
        c.add_argument("seq", type=int, help="the message's number (history shows it)")
        c.text_after = 2
        _text_file_option(c)
        c.usage = f"tidings-cli {name} TARGET SEQ (TEXT | - | --text-file PATH)"
    c = sub.add_parser("react", help="put an emoji on a message, or take it back")
    c.add_argument("target", help="@user or #group")
    c.add_argument("seq", type=int, help="the message's number")
    c.add_argument("emoji", help="one emoji")
    c.add_argument("--remove", action="store_true", help="take the emoji back")
    c = sub.add_parser("delete", help="delete a message for everyone")
    c.add_argument("target", help="@user or #group")
    c.add_argument("seq", type=int, help="the message's number")
    sub.add_parser("channels", help="list chats")
    c = sub.add_parser("history", help="show messages of a chat")
    c.add_argument("target")
    c.add_argument("--limit", type=page_size, default=50, help=f"1 to {limits.MAX_HISTORY_PAGE}")
    c.add_argument("--before", type=int, default=None, help="only messages before this seq")
    c = sub.add_parser("download", help="download the files of a message")
    c.add_argument("target", help="@user or #group")
    c.add_argument("seq", type=int, help="the message's number (history shows it)")
    c.add_argument("--index", type=int, help="only this file of the message (from 0)")
    c.add_argument("--out", type=Path, metavar="DIR", help="copy the files into this folder")
    c = sub.add_parser("files", help="show the space files take here, or change it")
    c.add_argument(
        "--budget",
        type=cli_files.byte_size,
        metavar="SIZE",
        help="the space downloaded files may take, such as 500MB or 2GB (default 1GB)",
    )
    c = sub.add_parser("read", help="mark a chat read up to its newest message")
    c.add_argument("target")
    sub.add_parser("sync", help="catch up, send the outbox, exit")
    sub.add_parser("outbox", help="list messages waiting to send or refused by the server")
    c = sub.add_parser("retry", help="send failed messages again")
    c.add_argument("client_id", nargs="?", metavar="CLIENT_ID")
    c.add_argument("--all", action="store_true", help="every failed message")
    c = sub.add_parser("discard", help="remove a failed message from the outbox")
    c.add_argument("client_id", metavar="CLIENT_ID")
    sub.add_parser("follow", help="print new messages as they arrive, until interrupted")
    c = sub.add_parser("search", help="search cached messages")
    c.add_argument("query")
    c.add_argument("--limit", type=int, default=50)
    group = sub.add_parser("group", help="manage groups").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    c = group.add_parser("create")
    c.add_argument("name")
    c.add_argument("--members", default="", help="comma-separated user names")
    for action in ("add", "remove"):
        c = group.add_parser(action)
        c.add_argument("name")
        c.add_argument("user")
    group.add_parser("leave").add_argument("name")
    c = sub.add_parser("presence", help="who is online")
    c.add_argument("users", nargs="*")
    c = sub.add_parser("settings", help="show or change the account's settings")
    c.add_argument(
        "--read-receipts",
        choices=("on", "off"),
        help="let others see when you read their messages (all your devices)",
    )
    c = sub.add_parser("profile", help="show your display name, or set it")
    c.add_argument(
        "--display-name",
        metavar="NAME",
        help=f"the name others are shown for you: 1 to {limits.MAX_DISPLAY_NAME_CHARS} "
        'characters, no control characters; "" for none (your user name)',
    )
    c = sub.add_parser("dnd", help="show do not disturb, or turn it on or off (all your devices)")
    c.add_argument("state", nargs="?", choices=("on", "off"), help="on: until turned off")
    _quiet_time_options(c)
    hours = c.add_mutually_exclusive_group()
    hours.add_argument(
        "--schedule",
        type=cli_times.hours_span,
        metavar="FROM-TO",
        help="quiet hours every week, such as 22:00-07:00 (each device's local time)",
    )
    hours.add_argument("--no-schedule", action="store_true", help="turn quiet hours off")
    c.add_argument(
        "--days",
        type=cli_times.week_days,
        metavar="DAYS",
        help="the days quiet hours begin on: mon,tue,... or all (with --schedule)",
    )
    c = sub.add_parser("mute", help="mute a chat: no notifications from it (all your devices)")
    c.add_argument("target", help="@user or #group")
    _quiet_time_options(c)
    sub.add_parser("unmute", help="unmute a chat").add_argument("target", help="@user or #group")
    sub.add_parser("devices", help="list this account's devices")
    c = sub.add_parser("revoke", help="sign a device out")
    c.add_argument("device", type=int)
    return p


def _quiet_time_options(c: argparse.ArgumentParser) -> None:
    when = c.add_mutually_exclusive_group()
    when.add_argument(
        "--for", dest="span", type=cli_times.span, metavar="SPAN", help="30m, 1h, 2d, 1w..."
    )
    when.add_argument(
        "--until", type=cli_times.moment, metavar="TIME", help="18:00 or 2025-03-01 08:00"
    )


async def run(args: argparse.Namespace) -> int:
    out = Output(args.json)
    if args.command in ("register", "login"):
        return await cmd_sign_in(args, out)
    async with Session(args) as session:
        return await SESSION_COMMANDS[args.command](session, out)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except CliError as e:
        return _fail(str(e), e.code)
    except ProtocolError as e:
        return _fail(f"the server refused: {e.message} ({e.code})", EXIT_ERROR)
    except ServerKeyMismatch as e:
        return _fail(str(e), EXIT_STOPPED)
    except (NotSignedIn, KeyringUnavailable, ServerNotTrusted, ValueError) as e:
        return _fail(str(e), EXIT_ERROR)
    except (TimeoutError, ConnectionClosed):
        return _fail("the server did not answer in time", EXIT_UNREACHABLE)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): what it wanted is printed. Python would report
        # the pipe again when it flushes stdout at exit, so point stdout at nothing first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _fail(message: str, code: int) -> int:
    print(f"tidings-cli: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
