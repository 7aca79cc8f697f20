"""A real X11 desktop with a system tray, for tests: Xvfb, the trayer tray host on it, and
xdotool for what a user does with the pointer and keys (real X events, through XTEST).

Import the fixture where it is needed:

    from tests.tray_desktop import tray_desktop  # noqa: F401  (fixture)

trayer is a small XEmbed tray host, as the trays of X11 desktops are: the icon Qt draws is
a window of the app's own, which the tray reparents into itself. (Qt would talk to a
StatusNotifierItem host instead if one were on the session bus; the tests' private bus has
none.)
"""

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.keyring_session import _log_tail, _read_line, _stop

READY_TIMEOUT = 15.0  # secs for the display, the tray or a window to come up
POLL = 0.02  # secs between two looks at the display
TRAY_SELECTION = "_NET_SYSTEM_TRAY_S0"  # owned by the tray host of screen 0
PROGRAMS = {"Xvfb": "xvfb", "trayer": "trayer", "xdotool": "xdotool"}  # program: package
# The libraries Qt's xcb platform loads, and their packages; the ones these depend on come
# with them (libxcb-image0, libxcb-render-util0, libxcb-xkb1...), and libGL with xvfb.
QT_XCB_LIBRARIES = {
    "X11": "libx11-6",
    "X11-xcb": "libx11-xcb1",
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-shape": "libxcb-shape0",
    "xcb-sync": "libxcb-sync1",
    "xcb-xfixes": "libxcb-xfixes0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}

T = TypeVar("T")


def missing_packages() -> list[str]:
    """The Debian packages this desktop needs that are not installed: its programs', and
    the libraries of Qt's xcb platform (the app runs on X11 as on a user's desktop)."""
    programs = [package for program, package in PROGRAMS.items() if shutil.which(program) is None]
    libraries = [
        package
        for library, package in QT_XCB_LIBRARIES.items()
        if ctypes.util.find_library(library) is None
    ]
    return programs + libraries


def describe() -> str:
    """What the ``tray_desktop`` fixture will use, in words, for the test report's header."""
    missing = missing_packages()
    if missing:
        return f"no X11 tray (its tests skip: no {', '.join(missing)})"
    return "Xvfb with the trayer system tray, driven by xdotool"


def wait_for(look: Callable[[], T], what: str, timeout: float = READY_TIMEOUT) -> T:
    """``look()`` once it is true; TimeoutError naming ``what`` if it is not in time."""
    deadline = time.monotonic() + timeout
    while not (found := look()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g}s")
        time.sleep(POLL)
    return found


class _Xlib:
    """The two questions xdotool cannot answer, asked of libX11 directly: who owns a
    selection, and which windows are children of the root (top-level)."""

    def __init__(self, display: str) -> None:
        lib = ctypes.util.find_library("X11")
        assert lib is not None
        self.x = ctypes.CDLL(lib)
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.x.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x.XInternAtom.restype = ctypes.c_ulong
        self.x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self.x.XGetSelectionOwner.restype = ctypes.c_ulong
        self.x.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, *[ctypes.c_void_p] * 4]
        self.x.XFree.argtypes = [ctypes.c_void_p]
        self.conn = self.x.XOpenDisplay(display.encode())
        if not self.conn:
            raise RuntimeError(f"cannot open X display {display}")

    def close(self) -> None:
        self.x.XCloseDisplay(self.conn)

    def selection_owned(self, name: str) -> bool:
        atom = self.x.XInternAtom(self.conn, name.encode(), False)
        return bool(self.x.XGetSelectionOwner(self.conn, atom))

    def top_level(self) -> set[int]:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        window = self.x.XDefaultRootWindow(self.conn)
        args = (ctypes.byref(root), ctypes.byref(parent), ctypes.byref(children))
        if not self.x.XQueryTree(self.conn, window, *args, ctypes.byref(count)):
            raise RuntimeError("XQueryTree failed on the root window")
        try:
            return {children[i] for i in range(count.value)}
        finally:
            if children:
                self.x.XFree(children)


class TrayDesktop:
    """A display with a system tray on it, and a user's hands."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.xlib = _Xlib(display)

    def env(self) -> dict[str, str]:
        """The environment of an app on this display, as Qt on an X11 desktop runs."""
        return {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def xdotool(self, *args: str) -> str:
        """Run xdotool on this display; its output (xdotool search exits 1 on no match)."""
        done = subprocess.run(
            ["xdotool", *args],
            env={**os.environ, "DISPLAY": self.display},
            capture_output=True,
            text=True,
            timeout=READY_TIMEOUT,
        )
        return done.stdout

    def tray_ready(self) -> bool:
        """A tray host owns this screen's tray selection (what Qt asks before showing an icon)."""
        return self.xlib.selection_owned(TRAY_SELECTION)

    def windows(self, pid: int) -> set[int]:
        """The viewable windows of process ``pid``."""
        return {int(w) for w in self.xdotool("search", "--onlyvisible", "--pid", str(pid)).split()}

    def top_level_windows(self, pid: int) -> set[int]:
        """The viewable windows of ``pid`` on the desktop itself: its windows and menus."""
        return self.windows(pid) & self.xlib.top_level()

    def tray_icons(self, pid: int) -> set[int]:
        """The viewable windows of ``pid`` that a tray took in (reparented into itself)."""
        return self.windows(pid) - self.xlib.top_level()

    def right_click(self, window: int) -> None:
        """Move the pointer into the middle of ``window`` and press the right button there."""
        geometry = self.xdotool("getwindowgeometry", "--shell", str(window))
        size = dict(line.split("=", 1) for line in geometry.split())
        x, y = int(size["WIDTH"]) // 2, int(size["HEIGHT"]) // 2
        self.xdotool("mousemove", "--window", str(window), str(x), str(y), "click", "3")

    def keys(self, *keys: str) -> None:
        """Press and release each key in turn, as typed on the keyboard."""
        self.xdotool("key", *keys)


def _start_xvfb(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb on a display number it picks free itself; returns it once it takes clients."""
    read, write = os.pipe()
    with log.open("wb") as err:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            pass_fds=(write,),
        )
    os.close(write)
    try:
        with os.fdopen(read, "rb") as numbers:  # Xvfb writes the number once it is ready
            return xvfb, f":{_read_line(numbers, xvfb, log)}"
    except BaseException:
        _stop(xvfb)
        raise


@pytest.fixture
def tray_desktop(tmp_path: Path) -> Iterator[TrayDesktop]:
    """Xvfb with trayer on it, its tray selection owned; stopped after the test."""
    missing = missing_packages()
    if missing:
        pytest.skip(
            f"a real X11 tray needs Debian's {' '.join(missing)} (`make test` installs them "
            "as root)"
        )
    xvfb, display = _start_xvfb(tmp_path / "xvfb.log")
    procs = [xvfb]
    try:
        log = tmp_path / "trayer.log"
        with log.open("wb") as err:
            trayer = subprocess.Popen(
                ["trayer", "--edge", "top", "--align", "right", "--height", "24"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "DISPLAY": display},
            )
        procs.append(trayer)
        desktop = TrayDesktop(display)

        def tray_taken() -> bool:
            if trayer.poll() is not None:
                raise RuntimeError(f"trayer exited ({trayer.returncode}): {_log_tail(log)}")
            return desktop.tray_ready()

        try:
            wait_for(tray_taken, "trayer did not take the system tray")
            yield desktop
        finally:
            desktop.xlib.close()
    finally:
        for proc in reversed(procs):
            _stop(proc)
