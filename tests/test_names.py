"""User names that look like another's are refused: names mixing scripts, and names whose
Unicode TR39 skeleton equals a registered name's, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest

from desktop.core.account import sign_in
from desktop.platform.credentials import CredentialStore
from shared.errors import ErrorCode, ProtocolError
from shared.names import new_user_name, normalize_user_name
from syncserver.skeletons import skeleton
from tests.support import PASSWORD, ClientFactory

CYRILLIC_APE = "\u0430\u0440\u0435"  # all Cyrillic, drawn like Latin "ape"


async def refusal(clients: ClientFactory, name: str) -> ProtocolError:
    client = await clients.connect()
    with pytest.raises(ProtocolError) as err:
        await client.conn.register(name, PASSWORD, "laptop")
    return err.value


async def test_a_name_mixing_scripts_is_refused(clients: ClientFactory) -> None:
    await clients.register("alice")
    err = await refusal(clients, "\u0430lice")  # Cyrillic a, then Latin "lice"
    assert err.code == ErrorCode.INVALID
    assert "mixes Cyrillic, Latin" in err.message


async def test_a_name_that_looks_like_a_registered_one_is_refused(clients: ClientFactory) -> None:
    await clients.register("ape")
    await clients.register("mary")
    for look_alike, existing in ((CYRILLIC_APE, "ape"), ("rnary", "mary")):
        err = await refusal(clients, look_alike)
        assert err.code == ErrorCode.USER_EXISTS
        assert f"looks like the existing name {existing!r}" in err.message
    err = await refusal(clients, "MARY")
    assert (err.code, err.message) == (ErrorCode.USER_EXISTS, "the user name 'mary' is taken")
    await clients.register("marty")  # a different name, not a look-alike


async def test_the_app_explains_a_mixed_name_before_asking_the_server(tmp_path: Path) -> None:
    """Nothing listens at the address: the name is refused before any connection."""
    with pytest.raises(ValueError, match="mixes Cyrillic, Latin"):
        await sign_in(
            tmp_path / "profile",
            "tcp://127.0.0.1:9",
            "\u0430lice",
            PASSWORD,
            "laptop",
            create_account=True,
            credentials=CredentialStore(),
            trust=lambda _server, _fingerprint: True,
        )
    assert not (tmp_path / "profile").exists()


def test_one_writing_system_may_use_several_scripts() -> None:
    for name in ("日本語テスト", "김철수", "josé", "jose\u0301", "user_42.x", "αβγ"):
        assert new_user_name(name) == normalize_user_name(name)
    with pytest.raises(ValueError, match="mixes Greek, Latin"):
        new_user_name("p\u03b1ypal")


def test_skeletons_follow_tr39() -> None:
    assert skeleton("ape") == skeleton(CYRILLIC_APE)
    assert skeleton("mary") == skeleton("rnary")
    assert skeleton("paypal") == skeleton("paypa1")
    assert skeleton("alice") != skeleton("alicf")
    assert skeleton("김철수") == skeleton("김철수")


def test_right_to_left_letters_have_skeletons_too() -> None:
    """The table marks right-to-left entries for display; the letters are confusable all
    the same: Arabic alef and Hebrew vav are drawn like "l", Hebrew samekh like "o"."""
    assert skeleton("\u0627\u0627") == skeleton("ll")
    assert skeleton("\u05d5\u05e1") == skeleton("lo")
