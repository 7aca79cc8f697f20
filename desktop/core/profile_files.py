"""The small JSON files of a profile directory (the profile, its hosting, this device's
choices, the window's layout, a signed-out mark): readable by the user alone, and written
so that a crash leaves the old file or the new one, never half of one."""

import json
import logging
import os
from pathlib import Path
from typing import Any

from shared.private import private_dir, private_file

log = logging.getLogger(__name__)


def write_json(path: Path, data: object) -> None:
    """Write ``data`` as JSON to ``path`` atomically, making its directory if need be."""
    private_dir(path.parent)
    tmp = private_file(path.with_name(path.name + ".tmp"))
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``path``; empty when the file is missing, and also (with a
    warning naming ``what`` it holds) when it cannot be read or holds no object: a bad file
    means the defaults, never an app that cannot start."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.warning("%s in %s not read (%s); using the defaults", what, path, e)
        return {}
    if not isinstance(data, dict):
        log.warning("%s in %s not read (not an object); using the defaults", what, path)
        return {}
    return data
