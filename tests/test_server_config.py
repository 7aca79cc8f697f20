"""tidings-server's settings: one table, read from a TOML file, the environment and the
command line with that precedence, and refusals that name the setting and what it needs."""

import dataclasses
import socket
from pathlib import Path

import pytest

from shared.errors import ErrorCode, ProtocolError
from syncserver.bench.harness import free_port_pair
from syncserver.config import ServerConfig
from syncserver.settings import SETTINGS, SettingsError, resolve
from tests.server_command import tidings_server
from tests.server_process import ServerProcess
from tests.support import PASSWORD, WAIT


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_config_field_is_a_setting() -> None:
    fields = {f.name for f in dataclasses.fields(ServerConfig)}
    assert fields == {s.name for s in SETTINGS}
    names = [s.env for s in SETTINGS] + [s.key for s in SETTINGS] + [s.flag for s in SETTINGS]
    assert len(names) == len(set(names))


def test_command_line_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    config = write(
        tmp_path / "server.toml",
        'listen = "tcp://127.0.0.1:1000"\n'
        'data_dir = "state"\n'
        "[limits]\nmax_group_members = 10\ndevice_rate = 7\n"
        "[presence]\nheartbeat_interval = 2.5\n",
    )
    environ = {"TIDINGS_MAX_GROUP_MEMBERS": "20", "TIDINGS_DEVICE_RATE": "8.5"}
    resolved = resolve({"device_rate": 9.0}, environ, config)
    assert resolved.listen == "tcp://127.0.0.1:1000"  # file
    assert resolved.data_dir == tmp_path / "state"  # relative to the file
    assert resolved.max_group_members == 20  # environment over file
    assert resolved.device_rate == 9.0  # command line over both
    assert resolved.heartbeat_interval == 2.5
    assert resolved.presence_timeout == ServerConfig.presence_timeout  # default


def test_the_config_file_can_come_from_the_environment(tmp_path: Path) -> None:
    config = write(tmp_path / "server.toml", "open_registration = false\n")
    environ = {"TIDINGS_CONFIG": str(config), "TIDINGS_INSECURE_PLAINTEXT": "yes"}
    resolved = resolve({}, environ)
    assert resolved.open_registration is False
    assert resolved.insecure_plaintext is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limits]\nmax_grup_members = 3\n", "unknown key 'limits.max_grup_members'; did you mean"),
        ("max_group_members = 3\n", "unknown key 'max_group_members'; did you mean"),
        ("[limits]\nmax_group_members = 2.5\n", "expected an integer, got 2.5"),
        ("[limits]\nmax_group_members = 1\n", "expected an integer of at least 2, got 1"),
        ("[presence]\npresence_timeout = -1\n", "expected a number above 0, got -1"),
        (
            "[presence]\nheartbeat_interval = 0.01\n",
            "expected a number of seconds of at least 0.1, got 0.01",
        ),
        ("listen = 7744\n", "key 'listen': expected a string, got 7744"),
        ('listen = "localhost"\n', "expected an endpoint tcp://HOST:PORT"),
        ('database_url = "mysql://x/y"\n', "expected a database URL starting sqlite:///"),
        ('open_registration = "no"\n', "expected true or false, got 'no'"),
        ('nodes = "tcp://a:7744"\n', "expected a list of strings, got 'tcp://a:7744'"),
        ('nodes = ["tcp://a:7744", 7]\n', "expected a list of strings"),
        ('nodes = ["tcp://a:7744", "b:7744"]\n', "'b:7744' is not one"),
        ("listen = \n", "is not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path / "server.toml", text)
    with pytest.raises(SettingsError, match=r"server\.toml") as refused:
        resolve({}, {}, config)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TIDINGS_DEVICE_RATE", "fast", "expected a number, got 'fast'"),
        ("TIDINGS_MAX_GROUP_MEMBERS", "many", "expected an integer, got 'many'"),
        ("TIDINGS_OPEN_REGISTRATION", "maybe", "expected true or false, got 'maybe'"),
        ("TIDINGS_KEY_LISTEN", "tcp://host:70000", "expected an endpoint"),
        ("TIDINGS_NODES", "tcp://a:7744,tcp://b:*", "expected endpoints .*'tcp://b:\\*' is not"),
    ],
)
def test_a_bad_variable_is_refused_naming_it(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"environment variable {name}: {message}"):
        resolve({}, {name: value})


def test_nodes_are_a_list_in_the_file_and_comma_separated_elsewhere(tmp_path: Path) -> None:
    config = write(tmp_path / "server.toml", 'nodes = ["tcp://a:7744", "tcp://b:7744"]\n')
    assert resolve({}, {}, config).nodes == ("tcp://a:7744", "tcp://b:7744")
    environ = {"TIDINGS_NODES": " tcp://a:7744 , tcp://[::1]:7744 ,"}
    assert resolve({}, environ).nodes == ("tcp://a:7744", "tcp://[::1]:7744")
    assert resolve({}, {}).nodes == ()  # a single node unless told


async def test_a_bad_node_on_the_command_line_is_refused_naming_it() -> None:
    finished = await tidings_server("--nodes", "tcp://a:7744,chat2", "fingerprint")
    assert finished.status == 2, finished
    assert "--nodes" in finished.err and "'chat2' is not one" in finished.err, finished


def test_a_bad_database_url_is_refused_without_its_password() -> None:
    url = "postgress://tidings:s3cret@db/tidings"
    with pytest.raises(SettingsError, match="TIDINGS_DATABASE_URL") as refused:
        resolve({}, {"TIDINGS_DATABASE_URL": url})
    assert "postgress://tidings@db/tidings" in str(refused.value)
    assert "s3cret" not in str(refused.value)


async def test_bad_settings_exit_with_status_2_and_no_traceback(tmp_path: Path) -> None:
    config = write(tmp_path / "server.toml", "[limits]\nmax_grup_members = 3\n")
    for args, env in [
        (("--config", str(config), "fingerprint"), {}),
        (("--data-dir", str(tmp_path), "fingerprint"), {"TIDINGS_PRESENCE_TIMEOUT": "soon"}),
        (("--config", str(tmp_path / "missing.toml")), {}),
        (("--max-group-members", "ten"), {}),
        (("--heartbeat-interval", "5", "--presence-timeout", "4"), {}),
    ]:
        finished = await tidings_server(*args, env=env)
        assert finished.status == 2, finished
        assert finished.err.startswith(("tidings-server: ", "usage: tidings-server")), finished
        assert "Traceback" not in finished.err


async def test_a_port_in_use_is_one_line_and_exit_status_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = await tidings_server(
            "--data-dir", str(tmp_path / "data"), "--listen", f"tcp://127.0.0.1:{port}"
        )
    assert finished.status == 1, finished
    assert "Address already in use" in finished.err
    assert "Traceback" not in finished.err


async def test_help_names_every_setting_its_variable_and_key() -> None:
    finished = await tidings_server("--help")
    assert finished.status == 0
    text = " ".join(finished.out.split())  # argparse wraps lines anywhere
    for setting in SETTINGS:
        assert setting.flag in text
        assert setting.env in text
        assert f"config key {setting.key}," in text
    for command in ("create-user", "reset-password", "devices", "revoke-device"):
        assert command in text
    for command in ("fingerprint", "backup", "restore", "serve"):
        assert command in text


async def test_a_server_runs_with_the_settings_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings reach a real server: the file closes registration, and the command line
    (``--listen``, given by ServerProcess) wins over the environment and the file."""
    port = free_port_pair()
    config = write(
        tmp_path / "server.toml",
        'listen = "tcp://127.0.0.1:1"\nopen_registration = false\n',
    )
    monkeypatch.setenv("TIDINGS_LISTEN", "tcp://127.0.0.1:2")
    server = ServerProcess(tmp_path / "data", port, "--config", str(config))
    await server.start()
    try:
        assert server.endpoint == f"tcp://127.0.0.1:{port}"
        conn = server.connection()
        await conn.open()
        try:
            await conn.wait_ready(WAIT)
            with pytest.raises(ProtocolError) as refused:
                await conn.register("alice", PASSWORD, "laptop")
            assert refused.value.code == ErrorCode.REGISTRATION_CLOSED
        finally:
            await conn.close()
    finally:
        await server.stop()


def test_the_example_config_file_is_valid_and_shows_every_setting() -> None:
    example = Path(__file__).resolve().parents[1] / "packaging" / "tidings-server.toml"
    resolved = resolve({}, {}, example)
    assert resolved.open_registration is False
    text = example.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"{setting.name} = " in text
        assert setting.env in text


def test_a_presence_timeout_within_three_heartbeats_is_refused_naming_both() -> None:
    with pytest.raises(SettingsError) as refused:
        resolve({"heartbeat_interval": 5.0, "presence_timeout": 4.0}, {})
    assert str(refused.value).startswith(
        "presence_timeout (4 s) must be at least 3 times heartbeat_interval (5 s)"
    )
    assert resolve({"heartbeat_interval": 2.0, "presence_timeout": 6.0}, {}).presence_timeout == 6
