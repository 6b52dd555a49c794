"""Reference data the city sets for devices, delivered through the pull feed.

Kinds and values are described in ``jydesk.domain.reference_data``: ``approval`` (per town),
``holidays`` (per year), ``standard`` (低保/特困 by area and date) and ``visit_policy``. A
per-town kind goes to the villages of that town, the others to every village.

The first kind was ``approval``: which level confirms (审核确认) in a town — 县级 by default,
乡镇 where the county has delegated it (``jydesk.domain.approval``). The setting is one row
of ``reference_settings`` (kind, key, value, version); each village of the town gets a copy as
a server-owned ``reference`` record in its own feed, so devices receive it by their ordinary
pull, after their cursor, in commit order. Copies are written when the setting changes (for
every village with an enrolled device) and when a village's first device enrols.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from jydesk.domain import approval, reference_data
from jydesk.domain.regions import town_by_code
from jydesk.domain.text import clean
from sync.protocol.errors import ErrorCode
from sync.server.db import Database
from sync.server.errors import ServiceError
from sync.server.models import Device, Record, ReferenceSetting
from sync.server.records import insert_for, lock_village, set_village_seq, utcnow

KINDS = reference_data.KINDS


@dataclass(frozen=True, slots=True)
class Setting:
    kind: str
    key: str
    value: str
    version: int
    source: str
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "value": self.value, "version": self.version,
                "source": self.source, "updated_at": self.updated_at.isoformat()}


def _publish(conn: Connection, setting: Setting, village_code: str) -> None:
    """Write (or overwrite) the village's copy of ``setting`` at the next seq of its feed."""
    seq = lock_village(conn, village_code) + 1
    now = utcnow()
    rid = approval.reference_id(setting.kind, setting.key, village_code)
    fields = approval.reference_fields(setting.kind, setting.key, setting.value, setting.version, village_code,
                                       setting.source)
    row = {"id": rid, "entity": approval.REFERENCE_ENTITY, "village_code": village_code,
           "revision": setting.version, "seq": seq, "deleted": False, "fields": fields,
           "field_revs": {"*": [setting.version, 0]}, "status": None, "id_number": None, "parent_id": None,
           "created_at": now, "updated_at": now}
    stmt = insert_for(conn)(Record.__table__).values(row)
    stmt = stmt.on_conflict_do_update(index_elements=["id", "entity"], set_={
        k: stmt.excluded[k] for k in ("revision", "seq", "fields", "field_revs", "updated_at")})
    conn.execute(stmt)
    set_village_seq(conn, village_code, seq)


def set_approval(db: Database, town_code: str, level: str) -> Setting:
    """Set which level confirms in ``town_code`` and publish it to the town's villages."""
    town = town_by_code(town_code.strip())
    if town is None:
        raise ServiceError(ErrorCode.INVALID, 400, f"乡镇(街道)代码“{town_code}”不是简阳市的乡镇(街道)", field="town")
    try:
        parsed = approval.parse_level(level)
    except ValueError as exc:
        raise ServiceError(ErrorCode.INVALID, 400, str(exc), field="level") from exc
    source = "；".join(approval.DELEGABLE.values()) if parsed is approval.ApprovalLevel.TOWN else ""
    return set_setting(db, approval.APPROVAL_KIND, town.code, parsed.value, source, always=True)


def set_setting(db: Database, kind: str, key: str, value: Any, source: str = "", *,
                always: bool = False) -> Setting:
    """Store one record (checked by ``reference_data.normalize``) as a new version and publish it
    to the villages it concerns. An unchanged value keeps its version unless ``always``."""
    return set_many(db, [(kind, key, value, source)], always=always)[0]


def set_many(db: Database, items: list[tuple[str, str, Any, str]], *, always: bool = False) -> list[Setting]:
    """Several records in one transaction (an import is all or nothing)."""
    checked = []
    for kind, key, value, source in items:
        try:
            nkey, nvalue = reference_data.normalize(kind, key, value)
            nsource = clean(str(source or ""))[:300]
        except reference_data.ReferenceError as exc:
            raise ServiceError(ErrorCode.INVALID, 400, str(exc), field=exc.field) from exc
        checked.append((kind, nkey, nvalue, nsource))
    t = ReferenceSetting.__table__.c
    d = Device.__table__.c
    result = []
    with db.write() as conn:
        villages = conn.execute(select(d.village_code).distinct().order_by(d.village_code)).scalars().all()
        for kind, key, value, source in checked:
            old = conn.execute(select(t.version, t.value, t.source).where(t.kind == kind, t.key == key)).first()
            if old is not None and not always and (old.value, old.source) == (value, source):
                row = conn.execute(select(ReferenceSetting.__table__).where(t.kind == kind, t.key == key)).one()
                result.append(Setting(row.kind, row.key, row.value, row.version, row.source, row.updated_at))
                continue
            now = utcnow()
            stmt = insert_for(conn)(ReferenceSetting.__table__).values(
                kind=kind, key=key, value=value, version=1, source=source, updated_at=now)
            # The new version is counted by the database row itself, so two administrators
            # setting the same key at once get two versions, never the same one twice.
            version = conn.execute(stmt.on_conflict_do_update(index_elements=["kind", "key"], set_={
                "value": stmt.excluded.value, "source": stmt.excluded.source, "updated_at": stmt.excluded.updated_at,
                "version": ReferenceSetting.__table__.c.version + 1}).returning(t.version)).scalar_one()
            setting = Setting(kind, key, value, version, source, now)
            for village in villages:
                if kind not in reference_data.TOWN_KINDS or approval.town_of(village) == key:
                    _publish(conn, setting, village)
            result.append(setting)
    return result


def import_csv(db: Database, kind: str, text: str, source: str = "") -> list[Setting]:
    """Import a CSV: ``holidays`` (day,name,working[,source]; each year in the file replaces that
    year's table) or ``standard`` (kind,area,effective_from,amount,source[,verified,rule])."""
    try:
        if kind == reference_data.HOLIDAYS_KIND:
            years = reference_data.holidays_from_csv(text)
            sources = reference_data.csv_sources(text)
            items = [(kind, str(y), rows, source or sources.get(y, "")) for y, rows in sorted(years.items())]
        elif kind == reference_data.STANDARD_KIND:
            items = [(kind, key, value, source or str(value["source"])) for key, value in reference_data.standards_from_csv(text)]
        else:
            raise reference_data.ReferenceError("kind", f"只能从 CSV 导入节假日安排（holidays）或保障标准（standard），不能导入“{kind}”")
    except reference_data.ReferenceError as exc:
        raise ServiceError(ErrorCode.INVALID, 400, str(exc), field=exc.field) from exc
    return set_many(db, items)


def publish_for_village(conn: Connection, village_code: str) -> None:
    """Give a village (its first device just enrolled) the reference records of its town it
    does not have yet."""
    t = ReferenceSetting.__table__.c
    town = approval.town_of(village_code)
    mine = (t.key == town) | t.kind.notin_(sorted(reference_data.TOWN_KINDS))
    for row in conn.execute(select(ReferenceSetting.__table__).where(mine)).all():
        setting = Setting(row.kind, row.key, row.value, row.version, row.source, row.updated_at)
        rid = approval.reference_id(setting.kind, setting.key, village_code)
        r = Record.__table__.c
        have = conn.execute(select(r.revision).where(r.id == rid, r.entity == approval.REFERENCE_ENTITY)).scalar()
        if have != setting.version:
            _publish(conn, setting, village_code)


def approval_level(conn: Connection, village_code: str) -> approval.ApprovalLevel:
    """The level set for the town of ``village_code`` (县级 when none is set)."""
    t = ReferenceSetting.__table__.c
    value = conn.execute(select(t.value).where(t.kind == approval.APPROVAL_KIND,
                                               t.key == approval.town_of(village_code))).scalar()
    return approval.ApprovalLevel(value) if value else approval.DEFAULT_LEVEL


def list_settings(db: Database, kind: str | None = None) -> list[Setting]:
    t = ReferenceSetting.__table__.c
    stmt = select(ReferenceSetting.__table__).order_by(t.kind, t.key)
    if kind:
        stmt = stmt.where(t.kind == kind)
    with db.read() as conn:
        return [Setting(r.kind, r.key, r.value, r.version, r.source, r.updated_at) for r in conn.execute(stmt)]
