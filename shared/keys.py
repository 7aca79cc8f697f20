"""CURVE key helpers shared by server and clients: key pairs and human-checkable fingerprints."""

import base64
import hashlib
from dataclasses import dataclass

import zmq
from zmq.utils import z85


@dataclass(frozen=True)
class KeyPair:
    """A CurveZMQ key pair, both halves Z85-encoded text (40 characters each)."""

    public: str
    secret: str

    @classmethod
    def generate(cls) -> "KeyPair":
        public, secret = zmq.curve_keypair()
        return cls(public.decode("ascii"), secret.decode("ascii"))


def fingerprint(public_key: str) -> str:
    """SHA-256 of the raw 32-byte public key, shown like OpenSSH does (``SHA256:...``)."""
    raw = z85.decode(public_key.encode("ascii"))
    digest = hashlib.sha256(raw).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def is_valid_public_key(text: str) -> bool:
    """True if ``text`` is a Z85-encoded 32-byte key."""
    if len(text) != 40:
        return False
    try:
        return len(z85.decode(text.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError, KeyError):
        return False
