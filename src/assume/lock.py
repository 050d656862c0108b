"""Cross-process single flight: one `assume` per cache key talks to STS, the rest wait."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from assume.errors import LockTimeoutError

LOCK_TIMEOUT = 120.0  # seconds; long enough for a person to type an MFA code


def lock_timeout() -> float:
    """The bounded wait for another process's refresh (ASSUME_LOCK_TIMEOUT overrides)."""
    try:
        return float(os.environ.get("ASSUME_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


@contextmanager
def single_flight(key: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock for `key`. The OS releases it if the holder dies, so no deadlock."""
    from filelock import FileLock, Timeout

    from assume.paths import lock_dir

    wait = lock_timeout() if timeout is None else timeout
    lock = FileLock(os.path.join(lock_dir(), f"{key}.lock"), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeoutError(
            f"Another assume has been refreshing this session for over {wait:.0f}s.",
            "Wait for it to finish (it may be waiting for an MFA code), or set "
            "ASSUME_LOCK_TIMEOUT.",
        ) from None
    try:
        yield
    finally:
        lock.release()


def wait_if_refreshing(key: str) -> bool:
    """If another process holds `key`'s lock, wait (bounded) until it lets go and return True;
    return False at once when nobody holds it.

    The cache-hit path uses this after a miss: a process that arrives while another is
    refreshing the same session waits here and then reads the fresh entry, instead of
    starting the full CLI only to queue on the same lock.
    """
    from filelock import FileLock, Timeout

    from assume.paths import lock_dir

    lock = FileLock(os.path.join(lock_dir(), f"{key}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            lock.acquire(timeout=lock_timeout())
        except Timeout:
            return False  # the full path reports the timeout properly
        lock.release()
        return True
    lock.release()
    return False
