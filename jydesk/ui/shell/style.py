"""The application's look: Fusion style, a calm light palette and the bundled CJK font.

``resources/style.qss``, if present, is appended after the built-in sheet (site tweaks).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from jydesk.paths import font_path, resources_dir

ACCENT = "#1565c0"
FONT_FAMILY = "WenQuanYi Micro Hei"

STYLESHEET = """
QMainWindow, QDialog { background: #f4f6f9; }
QToolBar { background: #ffffff; border: none; border-bottom: 1px solid #d9dee5; padding: 3px 6px; spacing: 4px; }
QToolBar QToolButton { padding: 4px 10px; border-radius: 4px; color: #1f2933; }
QToolBar QToolButton:hover { background: #e8f0fb; }
QToolBar QToolButton:pressed { background: #d3e3f8; }
QMenuBar { background: #ffffff; }
QMenuBar::item { padding: 4px 10px; }
QMenuBar::item:selected { background: #e8f0fb; }
QStatusBar { background: #ffffff; border-top: 1px solid #d9dee5; color: #3e4c59; }
QLabel#syncState[offline="true"] { color: #9a6700; }
QGroupBox { background: #ffffff; border: 1px solid #d9dee5; border-radius: 6px; margin-top: 14px;
            padding: 12px 10px 8px 10px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: @ACCENT@; }
QLineEdit, QComboBox { background: #ffffff; border: 1px solid #c3cad4; border-radius: 4px; padding: 3px 6px;
                       min-height: 20px; }
QLineEdit:focus, QComboBox:focus { border: 1px solid @ACCENT@; }
QLineEdit[readOnly="true"] { background: #f1f3f6; color: #52606d; }
QLineEdit[invalid="true"], QComboBox[invalid="true"] { border: 1px solid #c62828; background: #fff6f6; }
QLabel#fieldError { color: #c62828; font-size: 9pt; }
QLabel#fieldCaption { color: #3e4c59; padding-top: 5px; }
QLabel#derivedInfo { color: #1e5a99; }
QLabel#formBanner { color: #c62828; background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px;
                    padding: 6px 8px; }
QLabel#editorHeading { font-size: 13pt; font-weight: bold; color: #1f2933; }
QLabel#editorState { color: #52606d; }
QLabel#editorState[dirty="true"] { color: #b45309; font-weight: bold; }
QLabel#emptyState { color: #7b8794; font-size: 11pt; }
QLabel#countLabel { color: #52606d; }
QLabel#dialogTitle { font-size: 15pt; font-weight: bold; color: @ACCENT@; }
QLabel#dialogSubtitle { color: #52606d; }
QPushButton { background: #ffffff; border: 1px solid #c3cad4; border-radius: 4px; padding: 4px 14px;
              min-height: 20px; }
QPushButton:hover { background: #eef3fa; }
QPushButton:disabled { color: #9aa5b1; background: #f4f6f9; }
QPushButton#primaryButton { background: @ACCENT@; color: #ffffff; border: 1px solid @ACCENT@; }
QPushButton#primaryButton:hover { background: #0d5bb5; }
QPushButton#primaryButton:disabled { background: #9bb8dc; border-color: #9bb8dc; }
QPushButton#revealButton { padding: 3px 10px; }
QPushButton#modeButton { border-radius: 0; padding: 4px 16px; }
QPushButton#modeButton:checked { background: @ACCENT@; color: #ffffff; border-color: @ACCENT@; }
QTreeWidget#navTree { border: none; font-size: 10.5pt; }
QTreeWidget#navTree::item { padding: 5px 2px; }
QTreeWidget#navTree::item:selected { background: #e3edfb; color: @ACCENT@; }
QWidget#lockOverlay { background: rgba(31, 41, 51, 215); }
QFrame#lockCard { background: #ffffff; border-radius: 10px; }
QLabel#lockTitle { font-size: 16pt; font-weight: bold; color: @ACCENT@; }
QLabel#lockWho { font-size: 11pt; }
QLabel#lockNote { color: #52606d; }
""".replace("@ACCENT@", ACCENT)


def load_font() -> QFont:
    """The bundled WenQuanYi Micro Hei (added only if the system lacks it), 10 pt."""
    families = QFontDatabase.families()
    family = FONT_FAMILY
    if FONT_FAMILY not in families:
        path = font_path()
        if path.exists():
            font_id = QFontDatabase.addApplicationFont(str(path))
            loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            family = loaded[0] if loaded else FONT_FAMILY
    font = QFont(family, 10)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f4f6f9"))
    # Item views are coloured through the palette, not the stylesheet: a stylesheet rule on a
    # table makes every painted cell go through QStyleSheetStyle (+60% paint time on a list).
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f5f8fc"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#d3e3f8"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#102a43"))
    app.setPalette(palette)
    app.setFont(load_font())
    sheet = STYLESHEET
    extra = resources_dir() / "style.qss"
    if extra.exists():
        sheet += "\n" + extra.read_text("utf-8")
    app.setStyleSheet(sheet)
