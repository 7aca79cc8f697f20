"""Prosody's configuration for the benchmark: loopback only, client connections only, no TLS,
no rate limits, and tuned as docs/performance.md ("Beside Prosody") says."""

import json
from pathlib import Path

DOMAIN = "localhost"
MUC_DOMAIN = f"conference.{DOMAIN}"

# Prosody is compared tuned: Lua's own collector settings (Prosody 0.12 ships an eager
# collector, threshold 105 and speed 500, whose pauses set the p99) and Nagle off.
TUNING = (
    'gc = { mode = "incremental"; threshold = 200; speed = 200 }',
    "network_settings = { nagle = false; tcp_backlog = 1024 }",
)


def _lua(path: Path) -> str:
    """A path as a Lua string literal (JSON's escapes are Lua's for these)."""
    return json.dumps(str(path))


def config_text(directory: Path, port: int) -> str:
    """The configuration of a server keeping everything under ``directory`` and serving
    clients on 127.0.0.1:``port``."""
    return "\n".join(
        [
            f"data_path = {_lua(directory / 'data')}",
            f"log = {{ warn = {_lua(directory / 'prosody.log')} }}",
            # An empty folder: no certificates, so no TLS at all.
            f"certificates = {_lua(directory / 'certs')}",
            'interfaces = { "127.0.0.1" }',
            'local_interfaces = { "127.0.0.1" }',
            f"c2s_ports = {{ {port} }}",
            *(
                f"{ports} = {{ }}"
                for ports in (
                    "c2s_direct_tls_ports",
                    "s2s_ports",
                    "component_ports",
                    "http_ports",
                    "https_ports",
                )
            ),
            *TUNING,
            "c2s_require_encryption = false",
            "allow_unencrypted_plain_auth = true",
            'authentication = "internal_hashed"',
            'storage = "internal"',
            # mod_limits (rate limits) is left out; admin_shell is how users are registered,
            # over a socket in the data folder.
            'modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "admin_shell" }',
            'modules_disabled = { "s2s" }',
            f'VirtualHost "{DOMAIN}"',
            f'Component "{MUC_DOMAIN}" "muc"',
            # Rooms are usable as soon as someone enters them: no configuration round trip.
            "    muc_room_locking = false",
            "",
        ]
    )


def write_config(directory: Path, port: int) -> Path:
    """Writes the configuration into ``directory`` and returns its path."""
    path = directory / "prosody.cfg.lua"
    path.write_text(config_text(directory, port), encoding="utf-8")
    return path
