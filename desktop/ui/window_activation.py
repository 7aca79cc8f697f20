"""Putting the window in front, with the token that lets it take the focus where the user's
action came with one.

On Wayland a program cannot raise its own window: the compositor wants an xdg-activation
token, proof that the user asked for it (a notification server hands one over with a click).
Qt's Wayland plugin (its xdg-shell integration) takes the token from the
``XDG_ACTIVATION_TOKEN`` environment variable when the window asks to be activated, on
being shown or on ``activateWindow``, and unsets it. Nothing else here reads it.
"""

import os

from PySide6.QtWidgets import QWidget

TOKEN_VARIABLE = "XDG_ACTIVATION_TOKEN"


def bring_forward(window: QWidget, activation: str | None = None) -> None:
    """Show the window (from the tray, too) and put it in front; ``activation`` is the token
    of the user's action that asked for it, where there is one."""
    if activation:
        os.environ[TOKEN_VARIABLE] = activation
    try:
        window.show()
        window.raise_()
        window.activateWindow()
    finally:
        if activation:
            # Spent by Qt (which unsets it behind os.environ's back) or never read (X11, or a
            # compositor without xdg-activation): a token is good for one activation, and the
            # programs the app starts later must not inherit it.
            os.environ.pop(TOKEN_VARIABLE, None)
