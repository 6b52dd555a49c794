"""Smoke test of the desktop bundle (issue 16, part 2): ``make dist`` output, no Python needed.

    python3 packaging/smoke_bundle.py [BUNDLE_DIR]        (default: dist/jydesk)

From a folder outside the checkout, with an environment that points at no Python: checks that
``jydesk --version`` names pyproject.toml's version (the package metadata is in the bundle), fills a data
folder with the demo village through the bundle's ``jydesk demo-data``, starts the app under a
private Xvfb display and waits for its login window (packaging/window_probe.py), then prints a
blank form with ``jydesk print --blank``. Prints the bundle's size and the start-to-window time;
exits 0 when all passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from window_probe import ProbeError, available, wait_for_window, xvfb

CHECKOUT = Path(__file__).resolve().parent.parent
EXE = ".exe" if os.name == "nt" else ""


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def bundle_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "QT_QPA_PLATFORM") and not k.startswith("JYDESK_")}


def main(argv: list[str]) -> int:
    bundle = (Path(argv[0]) if argv else CHECKOUT / "dist" / "jydesk").resolve()
    exe = bundle / f"jydesk{EXE}"
    if not exe.is_file():
        print(f"[smoke-bundle] no bundle at {bundle}: build it with `make dist`", file=sys.stderr)
        return 1
    problem = available()
    if problem:
        print(f"[smoke-bundle] {problem}", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="jydesk-smoke-bundle-"))
    env = bundle_env()
    try:
        version = subprocess.run([exe, "--version"], cwd=work, env=env, check=True, capture_output=True, text=True,
                                 timeout=120).stdout.strip()
        wanted = tomllib.loads((CHECKOUT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
        if not version.startswith(f"jydesk {wanted}（"):  # the package metadata went into the bundle
            raise ProbeError(f"jydesk --version says “{version}”, pyproject.toml has {wanted}")
        print(f"[smoke-bundle] {version}")
        data = work / "data"
        subprocess.run([exe, "--data-dir", data, "demo-data", "--households", "20", "--seed", "1"], cwd=work,
                       env=env, check=True, capture_output=True, timeout=300)
        with xvfb() as display:
            shown = wait_for_window([str(exe), "--data-dir", str(data)], display, env=env, cwd=str(work))
        print(f"[smoke-bundle] window “{shown.title}” {shown.size[0]}x{shown.size[1]} after {shown.seconds:.2f} s")
        if "登录" not in shown.title:
            raise ProbeError(f"the first window is not the login window: {shown.title}")
        for line in shown.output.splitlines():  # e.g. a missing Qt translation, a font not found
            print(f"[smoke-bundle] app said: {line}")
        if "Traceback" in shown.output or "Error" in shown.output:  # e.g. a module left out of the bundle
            raise ProbeError("the app reported an error while starting (above)")
        pdf = work / "dibao-blank.pdf"
        started = time.perf_counter()
        out = subprocess.run([exe, "--data-dir", data, "print", "dibao", "--blank", "-o", pdf], cwd=work, env=env,
                             check=True, capture_output=True, text=True, encoding="utf-8", timeout=120)
        body = pdf.read_bytes()
        if not body.startswith(b"%PDF") or b"+WenQuanYiMicroHei" not in body:
            raise ProbeError(f"{pdf} is not a PDF with the embedded font")
        print(f"[smoke-bundle] {out.stdout.strip()} in {time.perf_counter() - started:.2f} s")
    except (ProbeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"[smoke-bundle] FAILED: {exc}\n{detail if isinstance(detail, str) else detail.decode('utf-8', 'replace')}",
              file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"[smoke-bundle] passed: bundle {bundle} is {folder_size(bundle) / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
