"""The desktop bundle (``make dist``, dist/jydesk/) next to the virtualenv: size and start time.

Start-to-window: from starting the process to the first viewable window of the app (the login
window, on a demo village of 20 households), under a private Xvfb display, found with
``xwininfo`` (packaging/window_probe.py); median of 5 alternating runs of the bundle's
``jydesk`` and of this virtualenv's ``python -m jydesk``. Builds nothing: without dist/jydesk it
says how to make it. Needs Debian's xvfb and x11-utils.

Figures of 2026-12-02 (2-core development machine, load average ≈ 1, PyInstaller 6.22, PySide6 6.11.2,
bundle from `make dist`): 255 MiB in 373 files (Qt 99 MiB of it, ICU data 31 MiB; the wheel is
2.6 MiB); start to login window, median of 5: bundle 1.20–1.29 s, virtualenv 1.22–1.29 s over
two runs — the same within the noise (min 0.94–1.20 vs 1.02–1.13). Under Xvfb with the xcb
platform and xwininfo polling every 10 ms, so longer than bench_ui's offscreen 0.3 s to the
painted login dialog; the comparison is what counts. The PyInstaller build takes 63 s cold
(`make dist` with .venv installed; 2 min 14 s including creating .venv).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from benchmarks.common import ROOT

BUNDLE = ROOT / "dist" / "jydesk"
RUNS = 5


def _probe() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jydesk_window_probe", ROOT / "packaging" / "window_probe.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


def _size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def main() -> None:
    exe = BUNDLE / ("jydesk.exe" if os.name == "nt" else "jydesk")
    if not exe.is_file():
        print(f"bundle missing: no {exe}; build it with `make dist` (packaging/README.md), then run "
              "`python -m benchmarks bundle`")
        return
    size, count = _size(BUNDLE)
    qt = next((p for p in (BUNDLE / "_internal" / "PySide6").glob("Qt")), None)
    qt_size = _size(qt)[0] if qt else 0
    print(f"bundle {BUNDLE}: {size / 2**20:.0f} MiB in {count} files (Qt {qt_size / 2**20:.0f} MiB)")
    wheels = sorted((ROOT / "dist").glob("jydesk-*.whl"))
    if wheels:
        print(f"wheel {wheels[-1].name}: {wheels[-1].stat().st_size / 2**20:.1f} MiB")
    probe = _probe()
    problem = probe.available()
    if problem:
        print(f"start-to-window not measured: {problem}")
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("JYDESK_") and k != "QT_QPA_PLATFORM"}
    with tempfile.TemporaryDirectory(prefix="jydesk-bench-bundle-") as tmp:
        data = Path(tmp) / "data"
        subprocess.run([sys.executable, "-m", "jydesk", "--data-dir", str(data), "demo-data", "--households", "20"],
                       check=True, capture_output=True, env=env)
        commands = {"bundle": [str(exe), "--data-dir", str(data)],
                    "virtualenv": [sys.executable, "-m", "jydesk", "--data-dir", str(data)]}
        times: dict[str, list[float]] = {k: [] for k in commands}
        with probe.xvfb() as display:
            for command in commands.values():  # one run each to warm the disk cache
                probe.wait_for_window(command, display, env=env, cwd=tmp)
            for _ in range(RUNS):
                for name, command in commands.items():
                    times[name].append(probe.wait_for_window(command, display, env=env, cwd=tmp).seconds)
    for name, values in times.items():
        print(f"start to login window, {name:10}: median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f}, {RUNS} runs)")


if __name__ == "__main__":
    main()
