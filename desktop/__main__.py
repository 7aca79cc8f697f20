"""``tidings``: the desktop app."""

import argparse
import logging
import sys
from pathlib import Path

from desktop.core.profile import default_profile_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tidings", description="Tidings desktop chat.")
    parser.add_argument(
        "--profile",
        type=Path,
        default=default_profile_dir(),
        help="device profile directory (default: %(default)s)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from desktop.app import run  # Qt loads only once the command line is understood

    return run(args.profile)


if __name__ == "__main__":
    sys.exit(main())
