"""An exclusive lock on a file, shared by every process of the user: flock(2) on POSIX,
filelock elsewhere.

filelock 4 costs about 65 ms to import (it pulls in asyncio, inspect and logging): every
cold caller in a crowd waiting for one refresh would pay it. On POSIX the lock is flock(2) on
the file itself, the primitive filelock uses there; the OS drops it when the holder exits,
so a crashed holder never wedges the others. Elsewhere (Windows) filelock does the work.
"""

from __future__ import annotations

import os
import time

POLL_FIRST = 0.005  # seconds between tries at first; it doubles up to POLL_MAX
POLL_MAX = 0.05


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than the wait."""


class HeldLock:
    """A lock this process holds; `release` lets go of it."""

    def __init__(self, release: object) -> None:
        self._release = release

    def release(self) -> None:
        """Let go (idempotent)."""
        release, self._release = self._release, None
        if callable(release):
            release()


def acquire(path: str, timeout: float) -> HeldLock:
    """Hold the lock on `path` (created mode 0600 if missing), waiting up to `timeout` seconds
    (0: one try). LockTimeout when another process holds it longer; OSError when the file
    cannot be opened."""
    if os.name != "posix":
        return _acquire_with_filelock(path, timeout)
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline, pause = time.monotonic() + timeout, POLL_FIRST
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return HeldLock(lambda: os.close(fd))  # closing the file drops the lock
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                os.close(fd)
                raise LockTimeout(f"{path} is held by another process") from None
            time.sleep(min(pause, left))
            pause = min(pause * 2, POLL_MAX)
        except BaseException:
            os.close(fd)
            raise


def _acquire_with_filelock(path: str, timeout: float) -> HeldLock:
    from filelock import FileLock, Timeout

    lock = FileLock(path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeout(f"{path} is held by another process") from None
    return HeldLock(lock.release)
