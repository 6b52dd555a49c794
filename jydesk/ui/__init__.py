"""The desktop UI (PySide6 + pyside6-qtads): the only layer that imports Qt."""
