"""Cross-process single flight: one `assume` per cache key talks to STS, the rest wait."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from assume.errors import LockTimeoutError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

LOCK_TIMEOUT = 120.0  # seconds; long enough for a person to type an MFA code


def lock_timeout() -> float:
    """The bounded wait for another process's refresh (ASSUME_LOCK_TIMEOUT overrides)."""
    try:
        return float(os.environ.get("ASSUME_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


_HANDED_OVER: dict[str, Any] = {}  # locks the fast path took on a miss, for the full path


@contextmanager
def single_flight(key: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock for `key`. The OS releases it if the holder dies, so no deadlock.

    A lock the fast path took for this key (`take_for_refresh`) is used as it is."""
    from filelock import FileLock, Timeout

    from assume.paths import lock_dir

    held = _HANDED_OVER.pop(key, None)
    if held is not None:
        try:
            yield
        finally:
            held.release()
        return
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


def take_for_refresh(key: str) -> bool:
    """Take `key`'s lock for the fast path after a miss (waiting, bounded, while another
    process refreshes it) and keep it for `single_flight` in this process. False when it
    cannot be had: the full path then does the ordinary thing and reports any problem.

    Every cold caller thus queues on one lock from its first milliseconds: the first one
    refreshes, the rest read its entry. Only the last hop's lock is taken this way, and the
    provider takes earlier hops' locks one at a time, so no process waits for a lock while
    holding one that an earlier-hop holder needs.
    """
    from filelock import FileLock, Timeout

    from assume.paths import lock_dir

    try:
        lock = FileLock(os.path.join(lock_dir(), f"{key}.lock"), timeout=lock_timeout())
        lock.acquire()
    except (OSError, Timeout):
        return False
    _HANDED_OVER[key] = lock
    return True


def release_taken(key: str) -> None:
    """Let go of a lock `take_for_refresh` took, when the fast path needs it no more."""
    held = _HANDED_OVER.pop(key, None)
    if held is not None:
        held.release()
