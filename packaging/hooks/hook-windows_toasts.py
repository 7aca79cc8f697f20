"""PyInstaller hook for windows-toasts (Windows only): it stands on pywinrt, whose `winrt`
namespace package spreads over one distribution per Windows namespace, each with a compiled
module (`winrt._winrt`, `winrt._winrt_windows_ui_notifications`, ...) that the projections'
own compiled code imports as well; PyInstaller's analysis misses some of them, and the
frozen app then fails with "No module named 'winrt._winrt'". All of `winrt` is collected:
only the namespaces windows-toasts needs are installed."""

from PyInstaller.utils.hooks import collect_submodules

hiddenimports = collect_submodules("winrt")
