"""The Settings window and its pages. ``build_settings`` puts the window together; a part
of the app with settings of its own adds its page with one ``add_page`` line."""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from desktop.core.preferences import Preferences
from desktop.ui.bridge import EngineBridge
from desktop.ui.i18n import tr
from desktop.ui.settings.account import AccountPage, alert_new_sign_in
from desktop.ui.settings.general import GeneralPage
from desktop.ui.settings.privacy import PrivacyPage
from desktop.ui.settings.storage import StoragePage
from desktop.ui.settings.window import SettingsWindow

__all__ = ["SettingsWindow", "alert_new_sign_in", "build_settings"]


def build_settings(
    parent: QWidget,
    bridge: EngineBridge,
    profile_dir: Path,
    preferences: Preferences,
    tray: bool,
    notifications: QWidget,
    sign_out: Callable[[], object],
) -> SettingsWindow:
    """The Settings window of a signed-in profile, its pages in the order listed.
    ``tray``: whether this desktop shows the app's tray icon; ``notifications``: the page of
    notifications and do not disturb (``desktop/ui/settings_notifications.py``); ``sign_out``
    signs this device out, as the Account menu does."""
    window = SettingsWindow(parent)
    window.add_page(tr("General"), GeneralPage(profile_dir, preferences, tray))
    window.add_page(tr("Notifications"), notifications)
    window.add_page(tr("Privacy"), PrivacyPage(bridge))
    window.add_page(tr("Storage"), StoragePage(bridge))
    window.add_page(tr("Account"), AccountPage(bridge, sign_out))
    return window
