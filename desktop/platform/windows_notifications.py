"""Notifications as Windows toasts, through the windows-toasts library (WinRT).

A toast carries the app's icon, the title and the body. A chat's toast replaces the chat's
previous one (the same tag and group), opens the chat when clicked, has a Reply box with a
Send button whose text goes the way of any reply written in a notification, and is removed
when the chat is read. The app names its AppUserModelID for the current user, as an
unpackaged app does, so that Windows shows the app's name and icon atop its toasts and a
toast kept in the notification centre still reaches the running app.

Everything here runs on the notifier's worker thread, but for a toast's activation: WinRT
calls it on a thread of its own, and it only hands the click over to the worker, as a job.

Message text never reaches the log: notifications carry people's private messages.
"""

import logging
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from desktop.platform.notification_backend import Identity, Job, Note, NotificationListener

log = logging.getLogger(__name__)

APP_ID = "Tidings.Desktop"  # the AppUserModelID the toasts are shown under
REGISTRY_KEY = rf"Software\Classes\AppUserModelId\{APP_ID}"  # under HKEY_CURRENT_USER
REPLY_INPUT = "reply"  # the Reply box's id, under which its text comes back
SEND_ARGUMENT = "send"  # what a click on Send carries; a click on the toast carries its tag


class Activation(Protocol):
    """A click on a toast or on one of its buttons, as windows-toasts reports it."""

    arguments: str | None
    inputs: dict[str, str] | None


class Toaster(Protocol):
    """Shows and removes the app's toasts."""

    def show_toast(self, toast: Any) -> None: ...

    def remove_toast_group(self, toastGroup: str) -> None: ...


class ImageMaker(Protocol):
    """Makes a toast's image from a file."""

    def fromPath(self, imagePath: Path, *, position: Any) -> Any: ...


class ToastKit(Protocol):
    """The part of the windows-toasts library used here, in its own names."""

    ToastDisplayImage: ImageMaker
    ToastImagePosition: Any  # its AppLogo places an image as the toast's logo

    def InteractableWindowsToaster(self, applicationText: str, notifierAUMID: str) -> Toaster: ...

    def Toast(
        self,
        text_fields: list[str],
        *,
        images: list[Any],
        group: str | None = None,
        inputs: list[Any] = ...,
        actions: list[Any] = ...,
        on_activated: Callable[[Activation], None] | None = None,
    ) -> Any: ...

    def ToastInputTextBox(self, input_id: str, *, placeholder: str) -> Any: ...

    def ToastButton(self, content: str, arguments: str, *, relatedInput: Any) -> Any: ...


class WindowsToasts:
    """A notification backend that shows Windows toasts."""

    def __init__(
        self, identity: Identity, listener: NotificationListener, post: Callable[[Job], None]
    ) -> None:
        self._kit = _library()
        self._identity = identity
        self._listener = listener
        self._post = post
        _register_app_id(identity)
        self._toaster = self._kit.InteractableWindowsToaster(identity.app_name, APP_ID)
        self._logo = self._logo_image(identity.app_icon)
        # Another profile's app shows toasts under the same id, about chats numbered alike.
        self._scope = uuid.uuid4().hex[:8]
        self._shown: set[int] = set()  # chats with a toast of ours

    @property
    def available(self) -> bool:
        """Windows does not tell in advance that a toast will not show."""
        return True

    def show(self, note: Note) -> None:
        """Show note, replacing its chat's toast."""
        self._toaster.show_toast(self._toast(note))
        if note.chat is not None:
            self._shown.add(note.chat)

    def withdraw(self, chat: int) -> None:
        """Remove the chat's toast, from the screen and the notification centre."""
        if chat not in self._shown:
            return
        self._shown.remove(chat)
        try:
            self._toaster.remove_toast_group(self._group(chat))
        except OSError as e:  # WinRT's errors; the toast may be gone already
            log.debug("could not withdraw a toast (%s)", type(e).__name__)

    def close(self) -> None:
        """Nothing is held open."""

    def _toast(self, note: Note) -> Any:
        kit, chat = self._kit, note.chat
        text = [note.title, note.body]
        images = [self._logo] if self._logo is not None else []
        if chat is None:
            return kit.Toast(text, images=images)
        box = kit.ToastInputTextBox(REPLY_INPUT, placeholder=self._identity.labels.reply)
        send = kit.ToastButton(self._identity.labels.send, SEND_ARGUMENT, relatedInput=box)
        group = self._group(chat)
        toast = kit.Toast(
            text,
            images=images,
            group=group,
            inputs=[box],
            actions=[send],
            on_activated=lambda activation: self._post(lambda: self._activated(chat, activation)),
        )
        toast.tag = group  # the same tag and group: Windows replaces the chat's toast
        return toast

    def _activated(self, chat: int, activation: Activation) -> None:
        if activation.arguments == SEND_ARGUMENT:
            self._listener.reply_written(chat, (activation.inputs or {}).get(REPLY_INPUT, ""))
        else:  # the toast itself; what the Reply box may hold is not sent
            self._listener.chat_opened(chat)

    def _group(self, chat: int) -> str:
        return f"{self._scope}-{chat}"

    def _logo_image(self, icon: Path | None) -> Any:
        if icon is None or not icon.is_file():
            return None
        position = self._kit.ToastImagePosition.AppLogo
        return self._kit.ToastDisplayImage.fromPath(icon, position=position)


def _register_app_id(identity: Identity) -> None:
    """Name the app's AppUserModelID for the current user, with the app's name and icon (no
    rights needed), each time: the app may have moved. Only on Windows."""
    if sys.platform != "win32":
        return
    import winreg

    try:
        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, REGISTRY_KEY) as key:
            winreg.SetValueEx(key, "DisplayName", 0, winreg.REG_SZ, identity.app_name)
            if identity.app_icon is not None:
                icon = str(identity.app_icon.resolve())
                winreg.SetValueEx(key, "IconUri", 0, winreg.REG_SZ, icon)
    except OSError as e:
        # Toasts still show, headed by the bare id instead of the app's name and icon.
        log.warning("could not register the app's id for toasts (%s)", type(e).__name__)


def _library() -> ToastKit:
    """windows-toasts, imported only where a backend is made: only Windows has it (and
    WinRT, which it needs)."""
    import windows_toasts

    kit: ToastKit = windows_toasts
    return kit
