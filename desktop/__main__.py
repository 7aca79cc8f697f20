"""``tidings``: the desktop app."""

import argparse
import logging
import sys
from importlib import metadata
from pathlib import Path

from desktop.cache import keep_sql_out_of_logs
from desktop.core.profile import default_profile_dir

# Shown when the package metadata is absent: a source tree run without `pip install`. The
# packaged app carries the metadata (packaging/tidings.spec), so pyproject.toml's version is
# the one source of the number.
UNKNOWN_VERSION = "unknown"


def app_version() -> str:
    """This build's version, from the package metadata."""
    try:
        return metadata.version("tidings")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def configure_logging(verbose: bool) -> None:
    """Log to stderr, with debug detail if ``verbose``."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    keep_sql_out_of_logs()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tidings", description="Tidings desktop chat.")
    parser.add_argument(
        "--profile",
        type=Path,
        default=default_profile_dir(),
        help="device profile directory (default: %(default)s)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation end to end, offscreen, in a throwaway profile with a "
        "server of its own (your profile and keyring are not touched); exit 0 if it works",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="with --self-test: save the main window as the self-test drew it",
    )
    args = parser.parse_args(argv)
    if args.screenshot and not args.self_test:
        parser.error("--screenshot goes with --self-test")
    configure_logging(args.verbose)
    # Qt loads only once the command line is understood.
    if args.self_test:
        from desktop.selftest import run_self_test

        return run_self_test(app_version(), args.screenshot)
    from desktop.app import run

    return run(args.profile)


if __name__ == "__main__":
    sys.exit(main())
