"""What went wrong, in the user's language: a refusal from the server (its ``ErrorCode``),
a value refused before asking, or a server out of reach, turned into a sentence with the
details that matter (the name, the limit) and a title that says what failed.

The server's own text is English and written for developers; it is never shown. Where one
code covers several cases (``invalid``), the attempt that was refused tells them apart."""

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum, auto

from desktop.core.account import ServerNotTrusted
from desktop.core.receipts import ReceiptsUnavailable
from desktop.platform.credentials import KeyringUnavailable
from desktop.ui.i18n import tr
from shared import limits
from shared.client import ConnectionClosed, ServerKeyMismatch
from shared.errors import ErrorCode, ProtocolError
from shared.names import clean_label, new_user_name, normalize_user_name, scripts_of


class Action(Enum):
    """What the user tried to do."""

    NEW_CHAT = auto()
    NEW_GROUP = auto()
    ADD_MEMBERS = auto()
    REMOVE_MEMBER = auto()
    LEAVE = auto()
    LIST_DEVICES = auto()
    REVOKE_DEVICE = auto()
    CREATE_ACCOUNT = auto()
    LOG_IN = auto()
    READ_RECEIPTS = auto()


@dataclass(frozen=True)
class Attempt:
    """An action and what the user typed for it, to say which part was refused."""

    action: Action
    names: tuple[str, ...] = ()  # the user names it named
    group: str = ""  # a new group's name
    password: str = ""  # a new account's password
    device: str = ""  # the name of a device being signed in
    me: str = ""  # the user doing it


def title(attempt: Attempt) -> str:
    """A dialog title that says what failed."""
    name = attempt.names[0] if attempt.names else ""
    titles = {
        Action.NEW_CHAT: tr("The chat could not be started"),
        Action.NEW_GROUP: tr("The group could not be created"),
        Action.ADD_MEMBERS: tr("People could not be added"),
        Action.REMOVE_MEMBER: tr("{name} could not be removed").format(name=name),
        Action.LEAVE: tr("You could not leave the group"),
        Action.LIST_DEVICES: tr("Your devices could not be listed"),
        Action.REVOKE_DEVICE: tr("The device could not be signed out"),
        Action.CREATE_ACCOUNT: tr("The account could not be created"),
        Action.LOG_IN: tr("You could not log in"),
        Action.READ_RECEIPTS: tr("Read receipts cannot be changed now"),
    }
    return titles[attempt.action]


def explain(error: BaseException, attempt: Attempt) -> str:
    """One or two sentences for the user about why ``attempt`` failed with ``error``."""
    if isinstance(error, ProtocolError):
        return _refusal(error, attempt)
    if isinstance(error, ValueError):  # refused here, before asking the server
        return _invalid(attempt)
    if isinstance(error, ServerKeyMismatch):
        return tr(
            "The server presents a different key than before. Ask its administrator "
            "whether it was reinstalled before you connect again."
        )
    if isinstance(error, ReceiptsUnavailable):
        return tr("This server does not keep read receipts.")
    if isinstance(error, ServerNotTrusted):
        return tr("The server's key was not accepted.")
    if isinstance(error, KeyringUnavailable):
        return tr(
            "There is no keyring to keep this device's sign-in safe. Install or unlock "
            "one (GNOME Keyring, KWallet) and try again."
        )
    if isinstance(error, (TimeoutError, ConnectionClosed, OSError)):
        return unreachable()
    return tr("Something went wrong. Try again in a moment.")


def unreachable() -> str:
    """The server is out of reach: nothing was changed."""
    return tr("The server cannot be reached right now. Check the connection and try again.")


def _refusal(error: ProtocolError, attempt: Attempt) -> str:
    code = error.code
    if code == ErrorCode.INVALID:
        return _invalid(attempt)
    if code == ErrorCode.NO_SUCH_USER:
        missing = _named_in(error.message, attempt.names) or attempt.names
        return tr("There is no user named {names}. Check the spelling.").format(
            names=", ".join(missing)
        )
    if code == ErrorCode.GROUP_FULL:
        limit = _number_in(error.message, limits.MAX_GROUP_MEMBERS)
        return tr("A group holds at most %n member(s) on this server.", "", limit)
    if code == ErrorCode.TOO_MANY_DEVICES:
        limit = _number_in(error.message, 0)
        return tr(
            "Your account already has %n device(s), as many as this server allows. "
            "Sign one out on another device (Account, Devices) first.",
            "",
            limit,
        )
    if code == ErrorCode.RATE_LIMITED:
        wait = max(1, round(error.retry_after or 1))
        return tr("Too many tries. Wait %n second(s) and try again.", "", wait)
    if code == ErrorCode.USER_EXISTS:
        return tr("The name {name} is taken. Choose another one.").format(
            name=_first(attempt.names)
        )
    return _by_code().get(code, tr("The server could not do this ({code}).")).format(code=code)


def _by_code() -> dict[str, str]:
    """Codes whose sentence needs no detail of the attempt."""
    return {
        ErrorCode.AUTH_FAILED: tr("The user name or the password is wrong."),
        ErrorCode.REGISTRATION_CLOSED: tr(
            "This server does not take new accounts. Ask its administrator for one."
        ),
        ErrorCode.DEVICE_REVOKED: tr("This device was signed out from another one."),
        ErrorCode.FORBIDDEN: tr("Only the group's owner can do this."),
        ErrorCode.NOT_A_GROUP: tr("This is a direct chat, not a group."),
        ErrorCode.NO_SUCH_CHANNEL: tr("You are no longer in this chat."),
        ErrorCode.NO_SUCH_DEVICE: tr("That device is already signed out."),
        ErrorCode.UNAVAILABLE: tr("The server cannot store changes right now. Try again later."),
        ErrorCode.BACKLOG_FULL: tr("The server is busy. Try again in a moment."),
    }


def _invalid(attempt: Attempt) -> str:
    """A value broke a rule: find which of the attempt's, and say the rule."""
    action = attempt.action
    if action == Action.CREATE_ACCOUNT:
        return (
            password_problem(attempt.password)
            or user_name_problem(_first(attempt.names), new=True)
            or _device_problem(attempt.device)
            or _generic_invalid()
        )
    if action == Action.LOG_IN:
        return _device_problem(attempt.device) or tr("The user name or the password is wrong.")
    if action == Action.REMOVE_MEMBER:
        name = _first(attempt.names)
        if normalize_or_same(name) == attempt.me:
            return tr("To remove yourself, use Leave group.")
        return user_name_problem(name) or tr("{name} is not a member of this group.").format(
            name=name
        )
    if action == Action.NEW_GROUP:
        problem = group_name_problem(attempt.group)
        if problem:
            return problem
    for name in attempt.names:
        problem = user_name_problem(name)
        if problem:
            return tr("{name}: {problem}").format(name=name, problem=problem)
    return _generic_invalid()


def _generic_invalid() -> str:
    return tr("The server did not accept what was typed. Check it and try again.")


def user_name_problem(name: str, new: bool = False) -> str | None:
    """Why ``name`` cannot be a user name (``new``: of a new account), or None."""
    try:
        (new_user_name if new else normalize_user_name)(name)
        return None
    except ValueError:
        pass
    canonical = unicodedata.normalize("NFKC", name).strip().casefold()
    if not 1 <= len(canonical) <= limits.MAX_USER_NAME_CHARS:
        return tr("A user name has 1 to %n character(s).", "", limits.MAX_USER_NAME_CHARS)
    if not re.fullmatch(r"[\w.-]+", canonical):
        return name_rules()
    scripts = ", ".join(sorted(s.title() for s in scripts_of(canonical)))
    return tr(
        "A user name is written in one alphabet; this one mixes {scripts}, so it could "
        "pass for someone else's name."
    ).format(scripts=scripts)


def name_rules() -> str:
    """The rule for user names, shown before the user types one."""
    return tr(
        "Letters, digits, '.', '_' and '-', at most %n character(s).",
        "",
        limits.MAX_USER_NAME_CHARS,
    )


def password_rules() -> str:
    """The rule for new passwords, shown under the field."""
    return tr("At least %n character(s).", "", limits.MIN_PASSWORD_CHARS)


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be a new account's password, or None."""
    if len(password) < limits.MIN_PASSWORD_CHARS:
        return tr("A password has at least %n character(s).", "", limits.MIN_PASSWORD_CHARS)
    if len(password) > limits.MAX_PASSWORD_CHARS:
        return tr("A password has at most %n character(s).", "", limits.MAX_PASSWORD_CHARS)
    return None


def group_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a group's name, or None."""
    try:
        clean_label(name, "group name", limits.MAX_GROUP_NAME_CHARS)
    except ValueError:
        return tr(
            "A group name has 1 to %n character(s), without control characters.",
            "",
            limits.MAX_GROUP_NAME_CHARS,
        )
    return None


def _device_problem(device: str) -> str | None:
    try:
        clean_label(device, "device name", limits.MAX_DEVICE_NAME_CHARS)
    except ValueError:
        return tr(
            "A device name has 1 to %n character(s), without control characters.",
            "",
            limits.MAX_DEVICE_NAME_CHARS,
        )
    return None


def normalize_or_same(name: str) -> str:
    """A user name's canonical form, or the name itself if it cannot be one."""
    try:
        return normalize_user_name(name)
    except ValueError:
        return name


def _first(names: tuple[str, ...]) -> str:
    return names[0] if names else ""


def _named_in(message: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """Which of ``names`` the server's message names (it names the ones it refused)."""
    words = set(re.findall(r"[\w.-]+", message.casefold()))
    return tuple(n for n in names if normalize_or_same(n) in words)


def _number_in(message: str, default: int) -> int:
    """The limit a refusal names (servers configure their own), else ``default``."""
    found = re.search(r"\d+", message)
    return int(found[0]) if found else default
