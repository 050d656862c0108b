"""Cross-process single flight: one `assume` per cache key talks to STS, the rest wait.

Waiters give up no later than the holder would. They wait at most as long as the holder's STS
call may take (plus the time to type an MFA code when the hop needs one), and a holder whose
STS did not answer leaves a mark by the lock: a waiter that gets the lock after it reports the
same failure at once instead of waiting for the hung endpoint a second time.

A folder where no lock file can be made (a read-only HOME) moves the lock to a private folder
in the temp dir; when neither works, the refresh goes on without the lock, after one warning.

The cache-hit path takes the lock as soon as it finds a miss (`claim_or_wait`) and hands it
to the full path in the same process, so every cold caller queues on one lock from its first
milliseconds: the first refreshes, the rest wait for it and read its entry.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from assume.deadlines import MFA_ENTRY_TIME, STS_CALL_BUDGET, seconds_from_env
from assume.errors import LockTimeoutError, StsTimeoutError

LOCK_TIMEOUT = STS_CALL_BUDGET  # seconds: a holder's STS call fails within this
MFA_LOCK_TIMEOUT = MFA_ENTRY_TIME + STS_CALL_BUDGET  # seconds, when the hop needs an MFA code
UNANSWERED_SUFFIX = ".unanswered"  # the mark a holder leaves when STS did not answer it

_waiting_since: dict[str, float] = {}  # key -> when this process began waiting (time.time())
_handed_over: dict[str, tuple[Any, str]] = {}  # key -> the lock the hit path took, and its file


def lock_timeout(mfa: bool = False) -> float:
    """The bounded wait for another process's refresh (ASSUME_LOCK_TIMEOUT overrides)."""
    return seconds_from_env("ASSUME_LOCK_TIMEOUT", MFA_LOCK_TIMEOUT if mfa else LOCK_TIMEOUT)


def _acquire(key: str, wait: float, quiet: bool = False) -> tuple[Any, str] | None:
    """The held lock and its file, trying each lock folder in turn; None if none is usable
    (after one warning, unless `quiet`).

    Raises LockTimeout when another process holds the lock for longer than `wait`.
    """
    from assume.file_lock import LockTimeout, acquire
    from assume.paths import LOCK_DIRS

    problem: OSError = PermissionError("no lock folder")
    for make in LOCK_DIRS:
        try:
            path = os.path.join(make(), f"{key}.lock")
            lock = acquire(path, wait)
        except LockTimeout:  # a TimeoutError, so an OSError too: not a folder problem
            raise
        except OSError as exc:
            problem = exc
            continue
        return lock, path
    if not quiet:
        from assume.output import warn_once

        warn_once(f"no lock file can be made ({problem}); refreshing without one.", "lock")
    return None


def _touch(path: str) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.utime(path)


def _unanswered_since(mark: str, since: float) -> bool:
    """True when a holder marked STS unanswered after `since`."""
    try:
        return os.stat(mark).st_mtime >= since
    except OSError:
        return False


@contextmanager
def single_flight(key: str, timeout: float | None = None, mfa: bool = False) -> Iterator[None]:
    """Hold the lock for `key`. The OS releases it if the holder dies, so no deadlock.

    Without `timeout`, the wait is what is left of `lock_timeout` since this process began
    waiting for `key` (the cache-hit path may have waited already). A lock the hit path took
    for `key` (`claim_or_wait`) is used as it is.
    """
    since = _waiting_since.setdefault(key, time.time())
    try:
        with _held(key, since, timeout, mfa):
            yield
    finally:
        _waiting_since.pop(key, None)


@contextmanager
def _held(key: str, since: float, timeout: float | None, mfa: bool) -> Iterator[None]:
    from assume.file_lock import LockTimeout

    wait = timeout if timeout is not None else lock_timeout(mfa)
    left = wait if timeout is not None else max(0.0, wait - (time.time() - since))
    try:
        held = _handed_over.pop(key, None) or _acquire(key, left)
    except LockTimeout:
        raise LockTimeoutError(
            f"Another assume has been refreshing this session for over {wait:.0f}s.",
            "Wait for it to finish (it may be waiting for an MFA code), or set "
            "ASSUME_LOCK_TIMEOUT.",
        ) from None
    if held is None:
        yield
        return
    lock, path = held
    mark = path + UNANSWERED_SUFFIX
    try:
        if _unanswered_since(mark, since):
            raise StsTimeoutError(
                "STS did not answer another assume refreshing this session just now.",
                "Check the network and the endpoint, then try again.",
            )
        try:
            yield
        except StsTimeoutError:
            with suppress(OSError):
                _touch(mark)
            raise
        with suppress(OSError):
            os.unlink(mark)
    finally:
        lock.release()


HELD, WAITED, UNAVAILABLE = "held", "waited", "unavailable"


def claim_or_wait(key: str, mfa: bool = False) -> str:
    """After a miss on the hit path: take `key`'s lock at once if nobody holds it and keep it
    for `single_flight` in this process (HELD); else wait, bounded, until its holder lets go,
    without taking it (WAITED: the holder's entry is now in the cache, read it). UNAVAILABLE
    when no lock can be had (a timeout, no lock folder): the full path then waits for what is
    left of the bounded wait and reports any problem. It never writes to stderr.

    Waiters never hold the lock, so a crowd that arrives during one refresh reads the result
    together instead of one by one. No deadlock: only the last hop's lock is taken this way,
    and the provider takes the locks of a chain's hops one at a time, in order, so no process
    holding an earlier hop's lock ever waits for a later one.
    """
    from assume.file_lock import LockTimeout

    _waiting_since.setdefault(key, time.time())
    try:
        held = _acquire(key, 0, quiet=True)
    except LockTimeout:
        try:
            held = _acquire(key, lock_timeout(mfa), quiet=True)
        except LockTimeout:
            return UNAVAILABLE
        if held is None:
            return UNAVAILABLE
        held[0].release()
        return WAITED
    if held is None:
        return UNAVAILABLE
    _handed_over[key] = held
    return HELD


def release_taken(key: str) -> None:
    """Let go of a lock `claim_or_wait` took, when the hit path needs it no more."""
    held = _handed_over.pop(key, None)
    if held is not None:
        held[0].release()
