"""The versions a clerk or the city asks about: ``jydesk --version`` and 帮助 → 关于.

Plain Python (the UI only shows :func:`about_lines`): the program's version, the sync
protocol it speaks, the database schema revision it ships and the data folder's, the form
definitions and their versions, and — once enrolled — the server and this computer's
device number (本机编号).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jydesk.version import app_version

if TYPE_CHECKING:
    from jydesk.store.database import Store
    from jydesk.store.facts import StoreFacts


@dataclass(frozen=True, slots=True)
class FormVersion:
    code: str
    title: str
    version: int
    older: tuple[int, ...]  # older versions still readable (forms/history)


@dataclass(frozen=True, slots=True)
class About:
    version: str
    protocol: int
    schema: str  # the local database revision this build ships (and upgrades to)
    forms: tuple[FormVersion, ...]
    data: StoreFacts | None  # the open data folder, if any
    forms_problem: str | None = None  # why the definitions could not be read


def gather(store: Store | None = None) -> About:
    """The facts; ``store``: the open data folder (its schema, village, server, device number)."""
    from jydesk.domain.errors import ValidationError
    from jydesk.domain.forms import form_versions, load_definitions
    from jydesk.store.database import head_revision
    from sync.protocol.models import PROTOCOL_VERSION

    forms: tuple[FormVersion, ...] = ()
    problem = None
    try:
        forms = tuple(FormVersion(d.code, d.title, d.version, tuple(v for v in form_versions(d.code) if v != d.version))
                      for d in sorted(load_definitions().values(), key=lambda d: d.code))
    except (ValidationError, OSError) as exc:  # DefinitionError is a ValidationError
        problem = getattr(exc, "message", None) or str(exc)
    data = None
    if store is not None:
        from jydesk.store.facts import store_facts

        data = store_facts(store)
    return About(app_version(), PROTOCOL_VERSION, head_revision(), forms, data, problem)


def version_line(about: About | None = None) -> str:
    """``jydesk 0.1.0（协议 1，数据库结构 0004，表单 canji v2、dibao v2 …）``."""
    about = about or gather()
    forms = "、".join(f"{f.code} v{f.version}" for f in about.forms) or f"无法读取（{about.forms_problem}）"
    return f"jydesk {about.version}（协议 {about.protocol}，数据库结构 {about.schema}，表单 {forms}）"


def about_lines(about: About) -> list[tuple[str, str]]:
    """(label, text) rows for 帮助 → 关于, in Chinese."""
    rows = [("版本", about.version), ("同步协议", str(about.protocol))]
    data = about.data
    if data is not None:
        found = data.schema_revision or "未知"
        note = "" if found == about.schema else f"（本程序为 {about.schema}）"
        rows.append(("数据库结构", f"{found}{note}"))
        if data.village_code:
            rows.append(("村(社区)", f"{data.village_name or ''} {data.village_code}".strip()))
        if data.server_url:
            rows.append(("市级平台", data.server_url))
            rows.append(("本机编号", f"{data.device_no:02d}" if data.device_no else "尚未分配"))
        else:
            rows.append(("市级平台", "尚未登记本机"))
    else:
        rows.append(("数据库结构", about.schema))
    for form in about.forms:
        older = f"（可读第{'、'.join(map(str, form.older))}版）" if form.older else ""
        rows.append((f"表单 {form.code}", f"{form.title} 第{form.version}版{older}"))
    if about.forms_problem:
        rows.append(("表单", f"无法读取：{about.forms_problem}"))
    return rows
