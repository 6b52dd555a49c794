"""One writer at length per data folder: the running app and the long CLI writers (demo-data,
restore, sync) hold an exclusive OS lock on ``<data folder>/jydesk.lock``.

The operating system drops the lock when its process ends, however it ends, so a crash never
leaves a stale lock. The holder writes who it is into the file for the message the next one
shows. (Plain ``fcntl``/``msvcrt``: the CLI may not import Qt, and the ``filelock`` package costs
about 30 ms of imports on the app's start path.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

LOCK_FILENAME = "jydesk.lock"
_WIN_OFFSET = 0x7FFF0000  # Windows locks a byte far past the text, which stays readable


class FolderInUseError(RuntimeError):
    """Another jydesk holds the folder; ``str()`` is the Chinese message."""


def _try_lock(f: IO[str]) -> bool:
    if os.name == "nt":
        import msvcrt

        f.seek(_WIN_OFFSET)
        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            f.seek(0)
        return True
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class InstanceLock:
    """``acquire()`` or raise :class:`FolderInUseError`; ``release()`` (also on process exit)."""

    def __init__(self, data_dir: Path | str, holder: str) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_FILENAME
        self.holder = holder
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> InstanceLock:
        if self._file is not None:
            return self
        from jydesk.store.private_files import private_dir, private_file

        private_dir(self.data_dir)
        f = self.path.open("a+", encoding="utf-8")
        private_file(self.path)
        if not _try_lock(f):
            f.seek(0)
            who = f.read(200).strip()
            f.close()
            raise FolderInUseError(f"数据文件夹 {self.data_dir} 正在被另一个 jydesk 使用（{who or '未知进程'}），"
                                   "请等它结束或先关闭它再试")
        f.seek(0)
        f.truncate()
        f.write(f"{self.holder}，进程 {os.getpid()}")
        f.flush()
        self._file = f
        return self

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
