"""PyInstaller hook for pyside6-qtads: its extension module imports the Qt bindings from C, where
PyInstaller's analysis cannot see it; its Qt libraries are found as the module's binary
dependencies (through the PySide6 hooks)."""

hiddenimports = ["shiboken6", "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"]
