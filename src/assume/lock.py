"""Cross-process single flight: one `assume` per cache key talks to STS, the rest wait.

Waiters give up no later than the holder would. They wait at most as long as the holder's STS
call may take (plus the time to type an MFA code when the hop needs one), and a holder whose
STS did not answer leaves a mark by the lock: a waiter that gets the lock after it reports the
same failure at once instead of waiting for the hung endpoint a second time.

A folder where no lock file can be made (a read-only HOME) moves the lock to a private folder
in the temp dir; when neither works, the refresh goes on without the lock, after one warning.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from assume.deadlines import MFA_ENTRY_TIME, STS_CALL_BUDGET, seconds_from_env
from assume.errors import LockTimeoutError, StsTimeoutError

LOCK_TIMEOUT = STS_CALL_BUDGET  # seconds: a holder's STS call fails within this
MFA_LOCK_TIMEOUT = MFA_ENTRY_TIME + STS_CALL_BUDGET  # seconds, when the hop needs an MFA code
UNANSWERED_SUFFIX = ".unanswered"  # the mark a holder leaves when STS did not answer it

_waiting_since: dict[str, float] = {}  # key -> when this process began waiting (time.time())
_warned = False


def lock_timeout(mfa: bool = False) -> float:
    """The bounded wait for another process's refresh (ASSUME_LOCK_TIMEOUT overrides)."""
    return seconds_from_env("ASSUME_LOCK_TIMEOUT", MFA_LOCK_TIMEOUT if mfa else LOCK_TIMEOUT)


def _warn_once(exc: OSError) -> None:
    global _warned
    if not _warned:
        _warned = True
        sys.stderr.write(f"warning: no lock file can be made ({exc}); refreshing without one.\n")


def _acquire(key: str, wait: float) -> tuple[Any, Path] | None:
    """The held lock and its file, trying each lock folder in turn; None if none is usable.

    Raises filelock's Timeout when another process holds the lock for longer than `wait`.
    """
    from filelock import FileLock, Timeout

    from assume.paths import LOCK_DIRS

    problem: OSError = PermissionError("no lock folder")
    for make in LOCK_DIRS:
        try:
            path = make() / f"{key}.lock"
            lock = FileLock(str(path), timeout=wait)
            lock.acquire()
        except Timeout:  # a TimeoutError, so an OSError too: not a folder problem
            raise
        except OSError as exc:
            problem = exc
            continue
        return lock, path
    _warn_once(problem)
    return None


def _unanswered_since(mark: Path, since: float) -> bool:
    """True when a holder marked STS unanswered after `since`."""
    try:
        return mark.stat().st_mtime >= since
    except OSError:
        return False


@contextmanager
def single_flight(key: str, timeout: float | None = None, mfa: bool = False) -> Iterator[None]:
    """Hold the lock for `key`. The OS releases it if the holder dies, so no deadlock.

    Without `timeout`, the wait is what is left of `lock_timeout` since this process began
    waiting for `key` (the cache-hit path may have waited already).
    """
    since = _waiting_since.setdefault(key, time.time())
    try:
        with _held(key, since, timeout, mfa):
            yield
    finally:
        _waiting_since.pop(key, None)


@contextmanager
def _held(key: str, since: float, timeout: float | None, mfa: bool) -> Iterator[None]:
    from filelock import Timeout

    wait = timeout if timeout is not None else lock_timeout(mfa)
    left = wait if timeout is not None else max(0.0, wait - (time.time() - since))
    try:
        held = _acquire(key, left)
    except Timeout:
        raise LockTimeoutError(
            f"Another assume has been refreshing this session for over {wait:.0f}s.",
            "Wait for it to finish (it may be waiting for an MFA code), or set "
            "ASSUME_LOCK_TIMEOUT.",
        ) from None
    if held is None:
        yield
        return
    lock, path = held
    mark = path.with_name(path.name + UNANSWERED_SUFFIX)
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
                mark.touch()
            raise
        with suppress(OSError):
            mark.unlink(missing_ok=True)
    finally:
        lock.release()


def wait_if_refreshing(key: str, mfa: bool = False) -> bool:
    """If another process holds `key`'s lock, wait (bounded) until it lets go and return True;
    return False at once when nobody holds it, or no lock file can be made.

    The cache-hit path uses this after a miss: a process that arrives while another is
    refreshing the same session waits here and then reads the fresh entry, instead of
    starting the full CLI only to queue on the same lock. It never writes to stderr: the
    full path reports whatever went wrong.
    """
    from filelock import FileLock, Timeout

    from assume.paths import LOCK_DIRS

    _waiting_since.setdefault(key, time.time())
    for make in LOCK_DIRS:
        try:
            lock = FileLock(str(make() / f"{key}.lock"))
            lock.acquire(timeout=0)
        except Timeout:
            try:
                lock.acquire(timeout=lock_timeout(mfa))
            except OSError:  # filelock's Timeout included: the full path reports it
                return False
            lock.release()
            return True
        except OSError:
            continue
        lock.release()
        return False
    return False
