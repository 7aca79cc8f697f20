"""The protocol definitions themselves: codec, coverage by the server, the document that is
their contract, names, layering."""

import json
import re
import subprocess
import sys
import typing
from pathlib import Path

import msgspec
import pytest

from shared import protocol
from shared.errors import ErrorCode
from shared.names import check_password, clean_label, normalize_user_name
from syncserver.batch import WRITTEN_REQUESTS
from syncserver.handlers import HANDLERS

ROOT = Path(__file__).resolve().parent.parent


def _members(union: object) -> list[type[msgspec.Struct]]:
    return list(typing.get_args(union))


def test_every_request_round_trips_and_has_a_handler() -> None:
    tags = set()
    for kind in _members(protocol.AnyRequest):
        tags.add(kind.__struct_config__.tag)
        if kind in (*WRITTEN_REQUESTS, protocol.GetServerKey):
            continue  # handled by the group-commit writer and the key service
        assert kind in HANDLERS, f"no handler for {kind.__name__}"
    assert len(tags) == len(_members(protocol.AnyRequest))  # tags are unique
    sample = protocol.Send(rid=5, channel=3, client_id="c1", text="héllo")
    assert protocol.decode_request(protocol.encode(sample)) == sample


def test_server_messages_round_trip() -> None:
    event = protocol.Event(channel=1, seq=2, pos=3, kind="message", sender="a", ts=4, text="x")
    for message in (
        protocol.EventPush(event=event),
        protocol.Sent(rid=1, channel=1, seq=2, pos=3, ts=4, client_id="c"),
        protocol.Error(rid=1, code="invalid", message="why"),
    ):
        assert protocol.decode_server_message(protocol.encode(message)) == message


def test_clients_ignore_fields_they_do_not_know() -> None:
    body = msgspec.msgpack.encode({"type": "ok", "rid": 3, "new_field": 1})
    assert protocol.decode_server_message(body) == protocol.Ok(rid=3)
    event = {"channel": 1, "seq": 2, "pos": 3, "kind": "message", "sender": "a", "ts": 4}
    push = msgspec.msgpack.encode({"type": "event", "event": {**event, "later": [1]}, "x": 0})
    decoded = protocol.decode_server_message(push)
    assert isinstance(decoded, protocol.EventPush) and decoded.event.seq == 2


def test_the_server_refuses_request_fields_it_does_not_know() -> None:
    body = msgspec.msgpack.encode({"type": "heartbeat", "rid": 3, "idle": False, "idel": True})
    with pytest.raises(msgspec.ValidationError, match="idel"):
        protocol.decode_request(body)


@pytest.mark.parametrize(
    "body",
    [
        {"type": "send", "rid": 1, "channel": 0, "client_id": "x", "text": "t"},  # channel >= 1
        {"type": "history", "rid": 1, "channel": 1, "limit": 10_000},
        {"type": "sync", "rid": -1},
        {"type": "send", "rid": 1, "channel": 1, "client_id": "x", "text": "t", "extra": 1},
        {"type": "create_group", "rid": 1, "name": "g", "members": ["u"] * 101},
    ],
)
def test_out_of_range_fields_are_refused_at_decoding(body: dict) -> None:
    with pytest.raises(msgspec.ValidationError):
        protocol.decode_request(msgspec.msgpack.encode(body))


PROTOCOL_DOC = ROOT / "docs" / "protocol.md"
Section = dict[str, list[str]]  # documented field -> its cells after the name


def _reference() -> dict[tuple[str, str], Section]:
    """The document's message reference: (tag or structure name, family) -> its field table."""
    text = PROTOCOL_DOC.read_text(encoding="utf-8")
    sections: dict[tuple[str, str], Section] = {}
    current: Section | None = None
    for line in text[text.index("## Message reference") :].splitlines():
        heading = re.fullmatch(r"#### `(\w+)` (request|reply|push|structure)", line)
        if heading:
            current = sections.setdefault((heading[1], heading[2]), {})
            continue
        row = re.fullmatch(r"\| `(\w+)` \|(.*)\|", line)
        if row and current is not None:
            current[row[1]] = [cell.strip() for cell in row[2].split("|")]
    return sections


def _wire_types() -> list[tuple[type[msgspec.Struct], str, str]]:
    """Every struct of the protocol, as (type, tag or name, family)."""
    found: list[tuple[type[msgspec.Struct], str, str]] = []
    for kind in _members(protocol.AnyRequest):
        found.append((kind, str(kind.__struct_config__.tag), "request"))
    for kind in _members(protocol.AnyServerMessage):
        family = "reply" if issubclass(kind, protocol.Reply) else "push"
        found.append((kind, str(kind.__struct_config__.tag), family))
    for value in vars(protocol).values():
        if (
            isinstance(value, type)
            and issubclass(value, msgspec.Struct)
            and value.__module__ == protocol.__name__
            and not value.__name__.startswith("_")
            and not issubclass(value, (protocol.Request, protocol.Reply, protocol.Push))
        ):
            found.append((value, value.__name__, "structure"))
    return found


def _presence(field: msgspec.structs.FieldInfo) -> str:
    """How the reference must describe whether a field may be left out."""
    if field.default == b"":
        return "optional, default empty"
    if field.default is not msgspec.NODEFAULT:
        return f"optional, default `{json.dumps(field.default)}`"
    if field.default_factory is not msgspec.NODEFAULT:
        return f"optional, default `{json.dumps(field.default_factory())}`"
    return "required"


def test_the_protocol_document_names_every_message_and_field() -> None:
    """docs/protocol.md is the contract for clients written without the code: each message
    type and structure has a table there with exactly its fields, each saying whether it
    is required or its default when left out."""
    reference = _reference()
    problems = []
    for kind, name, family in _wire_types():
        section = reference.get((name, family))
        if section is None:
            problems.append(f"no section for `{name}` {family}")
            continue
        fields = {f.name: f for f in msgspec.structs.fields(kind)}
        for missing in fields.keys() - section.keys():
            problems.append(f"`{name}` {family}: field `{missing}` is not documented")
        for extra in section.keys() - fields.keys():
            problems.append(f"`{name}` {family}: documents `{extra}`, which it does not have")
        for field_name, field in fields.items():
            cells = section.get(field_name)
            if cells is not None and (len(cells) < 3 or cells[1] != _presence(field)):
                problems.append(f"`{name}` {family}: `{field_name}` should say {_presence(field)}")
    assert not problems, "\n".join(problems)


def test_the_protocol_document_lists_every_error_code() -> None:
    text = PROTOCOL_DOC.read_text(encoding="utf-8")
    missing = [code.value for code in ErrorCode if f"| `{code.value}` |" not in text]
    assert not missing, f"error codes missing from the table in docs/protocol.md: {missing}"


def test_salvage_rid() -> None:
    assert protocol.salvage_rid(msgspec.msgpack.encode({"rid": 42, "type": "nonsense"})) == 42
    assert protocol.salvage_rid(b"\xc1") == 0
    assert protocol.salvage_rid(msgspec.msgpack.encode({"rid": "x"})) == 0


def test_user_names() -> None:
    assert normalize_user_name("  Alice ") == "alice"
    assert normalize_user_name("\uff21\uff2c\uff29\uff23\uff25") == "alice"  # full-width ALICE
    assert normalize_user_name("김철수") == "김철수"
    for bad in ("", "a b", "a/b", "x" * 33, "emoji😀"):
        with pytest.raises(ValueError):
            normalize_user_name(bad)


def test_labels_and_passwords() -> None:
    assert clean_label("  Trip 2026 ", "group name", 64) == "Trip 2026"
    with pytest.raises(ValueError, match="control"):
        clean_label("a\x00b", "group name", 64)
    with pytest.raises(ValueError, match="at least 8"):
        check_password("short")


_IMPORTS_SCRIPT = """
import ast, json, pathlib, sys
found = set()
for path in pathlib.Path(sys.argv[1]).rglob("*.py"):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
print(json.dumps(sorted(found)))
"""


def _imports(package: str) -> set[str]:
    """The top-level modules a package imports. Parsed in a process of its own: CPython
    3.11 before 3.11.8 can fail ``ast.parse`` with "AST constructor recursion depth
    mismatch" in a process where earlier tests ran deep recursions (gh-106905)."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTS_SCRIPT, str(ROOT / package)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stdout))


def test_layers_depend_in_one_direction() -> None:
    assert not _imports("shared") & {"syncserver", "desktop", "peewee"}
    assert "desktop" not in _imports("syncserver")


def test_only_the_store_uses_peewee() -> None:
    for path in (ROOT / "syncserver").rglob("*.py"):
        if "store" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert "peewee" not in text, path
        # The store hands out plain rows: nothing outside it holds (or writes) a model row.
        assert "from syncserver.store.models import" not in text, path
