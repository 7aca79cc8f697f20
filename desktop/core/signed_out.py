"""A device the server no longer takes (revoked, or unknown to it), and forgetting a device.

When the server refuses this device for good, the profile is marked so that the next start
says why at once instead of opening a window that can only say "Stopped". Forgetting the
device removes everything it kept of the account: the credential in the keyring, the cache
(messages, the outbox, search index) and the profile, so that signing in again starts clean.
"""

import json
from pathlib import Path

from desktop.core.events import SignedOutReason
from desktop.core.profile import Profile
from desktop.core.profile_files import write_json
from desktop.platform.credentials import CredentialStore
from shared.errors import ErrorCode, ProtocolError

SIGNED_OUT_FILE = "signed-out.json"

# Refusals of a device's credential that no retry can change.
_REFUSALS: dict[str, SignedOutReason] = {
    ErrorCode.DEVICE_REVOKED: SignedOutReason.REVOKED,
    ErrorCode.AUTH_FAILED: SignedOutReason.UNKNOWN,
    ErrorCode.KEY_MISMATCH: SignedOutReason.UNKNOWN,
}


def signed_out_reason(failure: BaseException | None) -> SignedOutReason | None:
    """Why a connection's failure means the device must sign in again; None if it is
    another failure (a changed server key is not fixed by signing in)."""
    if isinstance(failure, ProtocolError):
        return _REFUSALS.get(failure.code)
    return None


def mark_signed_out(profile_dir: Path, reason: SignedOutReason) -> None:
    """Remember that the server no longer takes this profile's device."""
    write_json(profile_dir / SIGNED_OUT_FILE, {"reason": reason.value})


def signed_out(profile_dir: Path) -> SignedOutReason | None:
    """Why this profile's device was found signed out, if it was."""
    path = profile_dir / SIGNED_OUT_FILE
    if not path.exists():
        return None
    try:
        return SignedOutReason(json.loads(path.read_text(encoding="utf-8"))["reason"])
    except (ValueError, KeyError, TypeError):  # unreadable: signed out all the same
        return SignedOutReason.REVOKED


def forget_device(profile_dir: Path, credentials: CredentialStore) -> Profile | None:
    """Remove what this device kept of its account: the keyring's credential, the cache
    with its outbox, the profile and the signed-out mark. The server's own data, when this
    app hosts it, is not the account's and stays. Call with the engine stopped. Returns the
    profile removed (None if there was none to read), for the sign-in dialog to offer the
    same server and user name again."""
    try:
        profile: Profile | None = Profile.load(profile_dir)
    except Exception:  # no profile, or an unreadable one: remove what can be found
        profile = None
    if profile is not None:
        credentials.delete(profile.keyring_account)
        profile.remove()
    for leftover in profile_dir.glob("*.sqlite3*"):
        leftover.unlink(missing_ok=True)  # a cache the profile no longer names
    (profile_dir / SIGNED_OUT_FILE).unlink(missing_ok=True)
    return profile
