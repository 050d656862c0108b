"""Every wait has a deadline: the limits, in one place, and a way to hold any blocking call to one.

A hung Secret Service (a stopped gnome-keyring) or an STS endpoint that accepts and never
answers must cost `assume` seconds, not forever: as a `credential_process` it runs under every
`aws` command. Light enough for the cache-hit path (no boto3, no keyring).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

KEYRING_TIMEOUT = 5.0  # seconds one keyring operation may take before the cache is given up
STS_CONNECT_TIMEOUT = 5  # seconds to open a connection to STS
STS_READ_TIMEOUT = 10  # seconds to wait for STS to answer one request
STS_MAX_ATTEMPTS = 2  # tries of one STS call, the first included
STS_RETRY_PAUSE = 1  # seconds: botocore's longest pause before its first retry
# The longest one STS call can take before it fails: every try connects slowly, then waits
# out the read timeout. A hung STS costs about 2 x 10 s + 1 s.
STS_CALL_BUDGET = (
    STS_MAX_ATTEMPTS * (STS_CONNECT_TIMEOUT + STS_READ_TIMEOUT)
    + (STS_MAX_ATTEMPTS - 1) * STS_RETRY_PAUSE
)
MFA_ENTRY_TIME = 120  # seconds a person gets to type an MFA code before waiters give up

_missed: dict[str, str] = {}  # what missed its deadline in this process, and how


class DeadlineExceeded(Exception):
    """A call did not finish in time; it may still be running in a daemon thread."""


def seconds_from_env(name: str, default: float) -> float:
    """A finite, non-negative number of seconds from the environment, else `default`."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if 0 <= value < float("inf") else default


def keyring_timeout() -> float:
    """Seconds a keyring operation may take (ASSUME_KEYRING_TIMEOUT overrides)."""
    return seconds_from_env("ASSUME_KEYRING_TIMEOUT", KEYRING_TIMEOUT)


def call_with_deadline(what: str, seconds: float, call: Callable[[], T]) -> T:
    """`call()`'s result or exception, or DeadlineExceeded after `seconds`.

    The call runs in a daemon thread, so a call that never returns cannot keep the process
    alive. Once `what` has missed a deadline, later calls for it fail at once: a peer that hung
    is not waited for a second time in the same process (the fast lane and the full CLI share
    one process).
    """
    if what in _missed:
        raise DeadlineExceeded(_missed[what])
    import threading

    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    worker = threading.Thread(target=target, name=f"deadline: {what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _missed[what] = f"{what} did not answer within {seconds:g}s"
        raise DeadlineExceeded(_missed[what])
    if failure:
        raise failure[0]
    return outcome[0]
