"""Verbose logs help find a fault without carrying what people wrote or their secrets: the
debug lines of peewee, which are SQL with its values (message text, password hashes), stay
out of the server's and the app's logs whatever the level."""

import logging
from collections.abc import Callable, Iterator

import pytest

from desktop.__main__ import configure_logging as configure_app
from syncserver.__main__ import configure_logging as configure_server


@pytest.fixture
def peewee_log() -> Iterator[logging.Logger]:
    logger = logging.getLogger("peewee")
    level = logger.level
    yield logger
    logger.setLevel(level)


@pytest.mark.parametrize(
    "configure", [lambda: configure_server(True, "serve"), lambda: configure_app(True)]
)
def test_verbose_logging_leaves_sql_out(
    configure: Callable[[], None], peewee_log: logging.Logger
) -> None:
    peewee_log.setLevel(logging.NOTSET)  # as a fresh process has it
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)  # what --verbose asks for
    try:
        configure()
        assert not peewee_log.isEnabledFor(logging.DEBUG)
        assert logging.getLogger("syncserver").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(level)
