"""Binding this installation to the city server with a one-time enrollment code.

The server answers the code with a device id, a secret and the code's village. The
installation must belong to that village. One already set up for a village sends its
village code with the request: the server refuses a code of another village without
using it up (``enrollment_village_mismatch``), and the clerk is told. If the installation
holds records of another village the credentials are NOT stored either (the code is used
up by then, so the message says to ask for a new one). A fresh installation is set up for
the code's village here.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from jydesk.store.database import Store
from jydesk.store.installation import set_device_no, set_up_village
from jydesk.store.models import SYNC_MODELS
from sync.client import state
from sync.client.engine import write_log
from sync.client.errors import EnrollmentError, RequestRefused
from sync.client.transport import RetryPolicy, Transport
from sync.protocol.models import DeviceInfo, EnrollRequest, EnrollResult
from sync.protocol.wire import device_authorization


@dataclass(frozen=True, slots=True)
class Enrollment:
    device_id: str
    village_code: str
    town_name: str
    server_url: str


def normalise_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    if not url:
        raise EnrollmentError("请填写市级服务器地址，例如 https://mz.jianyang.gov.cn")
    if "://" not in url:
        url = "http://" + url
    if not url.startswith(("http://", "https://")):
        raise EnrollmentError("服务器地址应以 http:// 或 https:// 开头")
    return url


def foreign_villages(store: Store, village_code: str) -> list[str]:
    """Village codes of local records that are not ``village_code``."""
    found: set[str] = set()
    with store.read() as s:
        for model in SYNC_MODELS.values():
            stmt = select(model.village_code).where(model.village_code != village_code).distinct().limit(5)
            found.update(v for (v,) in s.execute(stmt) if v)
    return sorted(found)


def enroll(store: Store, server_url: str, code: str, *, device_name: str | None = None,
           village_name: str | None = None, http: httpx.Client | None = None,
           retry: RetryPolicy | None = None, replace: bool = False) -> Enrollment:
    """Exchange ``code`` for device credentials and store them (see the module docstring).

    An installation that is already enrolled is enrolled again only with ``replace`` (the clerk
    was asked): it then sends its old credentials, and the server revokes the old device id.
    """
    url = normalise_url(server_url)
    code = (code or "").strip()
    if not code:
        raise EnrollmentError("请填写登记码")
    old = state.credentials(store)
    if old is not None and not replace:
        raise EnrollmentError(f"本机已登记为设备 {old.device_id}（{old.server_url}）。重新登记会停用原设备编号，"
                              "确需重新登记请先确认", code="already_enrolled")
    installed = store.village_code()
    if not installed and not (village_name or "").strip():
        raise EnrollmentError("本机尚未设置所属村(社区)，请同时填写村(社区)名称（--village-name）")
    same_server = old is not None and normalise_url(old.server_url) == url
    auth = device_authorization(old.device_id, old.secret) if old is not None and same_server else None
    transport = Transport(url, auth=auth, client=http, retry=retry or RetryPolicy(attempts=3))
    try:
        try:
            asked = EnrollRequest(code=code, device_name=(device_name or platform.node())[:100], village_code=installed)
            body = transport.json("POST", "/enroll", asked, authenticated=auth is not None)
        except RequestRefused as exc:
            raise EnrollmentError(f"登记失败：{exc.message}", code=exc.code, status=exc.status) from None
        result = EnrollResult.model_validate(body)
    finally:
        transport.close()
    if installed and installed != result.village_code:
        inst = store.installation()
        name = inst.village_name if inst else ""
        raise EnrollmentError(
            f"该登记码属于村(社区) {result.village_code}，而本机数据属于{name}（{installed}），已拒绝登记。"
            "该登记码已作废，请向市民政局申请本村(社区)的登记码", code="village_mismatch")
    others = foreign_villages(store, result.village_code)
    if others:
        raise EnrollmentError(
            f"本机有属于其他村(社区)（{'、'.join(others)}）的记录，不能登记到 {result.village_code}。"
            "该登记码已作废，请向市民政局申请正确的登记码", code="village_mismatch")
    if not installed:
        set_up_village(store, result.village_code, (village_name or "").strip())
    if result.device_no is not None:
        set_device_no(store, result.device_no)
    state.write(store, **{state.DEVICE_ID: result.device_id, state.DEVICE_SECRET: result.secret,
                          state.SERVER_URL: url, state.VILLAGE_CODE: result.village_code,
                          state.TOWN_NAME: result.town_name, state.ENROLLED_AT: state.now_iso()})
    write_log(store, f"本机已登记到市级平台（{result.town_name}，村(社区)代码 {result.village_code}，设备 {result.device_id[-8:]}）")
    return Enrollment(result.device_id, result.village_code, result.town_name, url)


def check_connection(store: Store, http: httpx.Client | None = None) -> DeviceInfo:
    """Ask the server who this device is (raises SyncError when it cannot)."""

    creds = state.credentials(store)
    if creds is None:
        from sync.client.errors import NotEnrolledError

        raise NotEnrolledError("本机尚未登记到市级平台")
    transport = Transport(creds.server_url, auth=device_authorization(creds.device_id, creds.secret), client=http,
                          retry=RetryPolicy(attempts=1))
    try:
        return DeviceInfo.model_validate(transport.json("GET", "/device"))
    finally:
        transport.close()

