"""Start the desktop app under a private Xvfb display and wait until it shows a window.

Used by packaging/smoke_bundle.py (CI: the bundle starts and shows its login window) and by
benchmarks/bench_bundle.py (start-to-window time, bundle vs virtualenv). Needs Debian's
``xvfb`` (Xvfb) and ``x11-utils`` (xwininfo); the app needs no change: the window is found
with ``xwininfo`` as any X client sees it.

    python3 packaging/window_probe.py -- dist/jydesk/jydesk --data-dir DIR
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

_WINDOW = re.compile(r'^\s*(0x[0-9a-f]+) "(?P<title>(?:[^"\\]|\\.)*)": \((?P<cls>[^)]*)\)\s+(?P<w>\d+)x(?P<h>\d+)')


class ProbeError(Exception):
    pass


def available() -> str | None:
    """None if Xvfb and xwininfo are installed, else what is missing (in English, for reports)."""
    missing = [tool for tool in ("Xvfb", "xwininfo") if shutil.which(tool) is None]
    return f"needs {' and '.join(missing)} (Debian: apt-get install xvfb x11-utils)" if missing else None


@contextmanager
def xvfb(size: str = "1600x1000x24") -> Iterator[str]:
    """A private X server; yields its DISPLAY (":N")."""
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise ProbeError("Xvfb did not start")
        display = f":{number}"
        deadline = time.monotonic() + 15
        while subprocess.run(["xwininfo", "-root"], env=dict(os.environ, DISPLAY=display),
                             capture_output=True).returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ProbeError(f"Xvfb on {display} does not answer")
            time.sleep(0.05)
        yield display
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """End ``proc`` (SIGTERM, then SIGKILL after 10 s) unless it has ended."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Shown:
    seconds: float  # process start -> a viewable window of it
    title: str
    size: tuple[int, int]
    output: str = ""  # what the program printed until it was ended


def viewable_windows(display: str) -> list[tuple[str, str, str, int, int]]:
    """(id, title, class, width, height) of the viewable top-level windows of the display."""
    env = dict(os.environ, DISPLAY=display)
    tree = subprocess.run(["xwininfo", "-root", "-children"], env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", check=True).stdout
    found = []
    for line in tree.splitlines():
        m = _WINDOW.match(line)
        if not m or int(m["w"]) < 50 or int(m["h"]) < 50:  # Qt's 1x1 / 3x3 helper windows
            continue
        info = subprocess.run(["xwininfo", "-id", m[1]], env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace").stdout
        if "IsViewable" in info:
            found.append((m[1], m["title"], m["cls"], int(m["w"]), int(m["h"])))
    return found


def wait_for_window(command: Sequence[str], display: str, *, env: dict[str, str] | None = None,
                    timeout: float = 60, cwd: str | None = None) -> Shown:
    """Run ``command`` on ``display`` until it shows a window; then end it. The time to the window."""
    run_env = dict(env if env is not None else os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(list(command), env=run_env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                windows = viewable_windows(display)
                if windows:
                    seconds = time.perf_counter() - started
                    _id, title, _cls, w, h = windows[0]
                    shown = Shown(seconds, title, (w, h))
                    break
                if proc.poll() is not None:
                    raise ProbeError(f"{command[0]} exited {proc.returncode} before showing a window:\n"
                                     f"{_read(log)[-3000:]}")
                if time.perf_counter() - started > timeout:
                    raise ProbeError(f"{command[0]} showed no window within {timeout:.0f} s:\n{_read(log)[-3000:]}")
                time.sleep(0.01)
        finally:
            stop(proc)
        shown.output = _read(log)
        return shown


def _read(log: IO[bytes]) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", "replace")


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print(__doc__)
        return 2
    problem = available()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with xvfb() as display:
        shown = wait_for_window(argv, display)
    print(shown.output, end="")
    print(f"window “{shown.title}” {shown.size[0]}x{shown.size[1]} after {shown.seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
