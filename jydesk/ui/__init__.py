"""The desktop UI (PySide6 + pyside6-qtads): the only layer that imports Qt.

One package per feature: ``shell`` (application, main window, panel base and registry),
``registry`` (户籍), ``cases`` (救助申请), ``visits`` (探访), ``printing`` (打印预览),
``sync`` (同步), ``accounts`` (专干账号) and ``widgets`` (input helpers they share).
"""
