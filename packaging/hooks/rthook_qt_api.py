"""Runtime hook: this build carries PySide6 only, so qasync must not look for another binding.

qasync obeys a QT_API environment variable when one is set (people who use matplotlib or
Spyder often set it to pyqt5), and would then fail to import a binding that is not bundled.
"""

import os

os.environ["QT_API"] = "pyside6"
