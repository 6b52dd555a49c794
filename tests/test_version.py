"""Versions: ``jydesk --version`` / ``jydesk-server --version`` (real processes), the facts of
帮助 → 关于 (``jydesk.about``), and version ordering."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import jydesk
from jydesk.about import about_lines, gather, version_line
from jydesk.domain.forms import load_definitions
from jydesk.store.database import head_revision
from jydesk.version import app_version, is_version, version_key
from sync.protocol.models import PROTOCOL_VERSION
from tests.keys import keyed

ROOT = Path(__file__).resolve().parent.parent
PROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def test_the_fallback_version_is_pyprojects() -> None:
    """Run from a bare checkout (no metadata) the version is ``jydesk.__version__``: it must not drift."""
    assert jydesk.__version__ == PROJECT_VERSION
    assert app_version() == PROJECT_VERSION


def test_jydesk_version_is_one_line_without_a_data_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    proc = subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(missing), "--version"],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and proc.stderr == ""
    line = lines[0]
    assert line.startswith(f"jydesk {PROJECT_VERSION}（协议 {PROTOCOL_VERSION}，数据库结构 {head_revision()}，表单 ")
    for code, form in load_definitions().items():
        assert f"{code} v{form.version}" in line
    assert not missing.exists()  # asking the version creates no data folder


def test_jydesk_server_version() -> None:
    from sync.server.db import head_revision as server_head

    proc = subprocess.run([sys.executable, "-m", "sync.server.cli", "--version"], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"jydesk-server {PROJECT_VERSION}（协议 {PROTOCOL_VERSION}，数据库结构 {server_head()}）\n"


def test_about_facts_without_and_with_a_data_folder(tmp_path: Path) -> None:
    bare = gather()
    assert (bare.version, bare.protocol, bare.schema, bare.data) == (PROJECT_VERSION, PROTOCOL_VERSION,
                                                                     head_revision(), None)
    dibao = next(f for f in bare.forms if f.code == "dibao")
    assert dibao.version == load_definitions()["dibao"].version and 1 in dibao.older
    assert version_line(bare) == version_line()

    store = keyed(tmp_path)
    try:
        from jydesk.store.installation import set_device_no, set_up_village
        from sync.client import state

        rows = dict(about_lines(gather(store)))
        assert rows["数据库结构"] == head_revision() and rows["市级平台"] == "尚未登记本机"
        set_up_village(store, "510185001001", "幸福村")
        set_device_no(store, 7)
        state.write(store, **{state.SERVER_URL: "https://sync.example.cn", state.DEVICE_ID: "d-1"})
        facts = gather(store)
        assert facts.data is not None and facts.data.device_no == 7 and facts.data.schema_revision == head_revision()
        rows = dict(about_lines(facts))
        assert rows["版本"] == PROJECT_VERSION and rows["同步协议"] == str(PROTOCOL_VERSION)
        assert rows["市级平台"] == "https://sync.example.cn" and rows["本机编号"] == "07"
        assert rows["村(社区)"] == "幸福村 510185001001"
        assert rows["表单 dibao"].endswith(f"第{dibao.version}版（可读第1版）")
    finally:
        store.close()


@pytest.mark.parametrize(("older", "newer"), [("0.1.0", "0.2.0"), ("0.9", "0.10"), ("1.2.0rc1", "1.3"),
                                              ("v0.1.0", "0.1.1"), ("0.1", "0.1.0.1")])
def test_versions_order_by_number(older: str, newer: str) -> None:
    assert version_key(older) < version_key(newer)
    assert version_key("0.1") == version_key("0.1.0")


def test_what_reads_as_a_version() -> None:
    assert all(map(is_version, ["0.2.0", "0.2", "v1.0", "1.2.0rc1", "0.1.0.dev3+g12ab"]))
    assert not any(map(is_version, ["", "新版", "abc", "1..2 ", "x" * 50, "0." + "1" * 50]))
