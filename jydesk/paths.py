"""Where the program's data folders are: the form definitions (forms/) and resources/ (font, style).

Installed (wheel) and in the desktop bundle they are inside the package, ``jydesk/_data/forms``
and ``jydesk/_data/resources`` (setup.py maps the repository's top-level folders there;
packaging/jydesk.spec copies them there), found through ``importlib.resources``. Run from a
checkout (editable install, or the checkout on ``sys.path``) they are the repository's own
top-level folders. ``$JYDESK_FORMS_DIR`` overrides the form definitions.
"""

from __future__ import annotations

import os
from functools import cache
from importlib.resources import files
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    packaged = files("jydesk").joinpath("_data", name)
    if packaged.is_dir():
        if not isinstance(packaged, Path):
            # A package inside a zip file: reportlab and Qt need the font as a real file.
            raise RuntimeError(f"jydesk 的数据目录 {name} 不在文件系统中（不支持从压缩包运行）")
        return packaged
    return _CHECKOUT / name


@cache
def forms_dir() -> Path:
    """The declarative form definitions ($JYDESK_FORMS_DIR overrides)."""
    env = os.environ.get("JYDESK_FORMS_DIR")
    return Path(env) if env else _data_dir("forms")


@cache
def resources_dir() -> Path:
    return _data_dir("resources")


def font_path() -> Path:
    return resources_dir() / "fonts" / "wqy-microhei.ttc"
