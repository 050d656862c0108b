"""Deadlines: a blocking call held to a limit, and the limits themselves."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from assume import deadlines
from assume.deadlines import DeadlineExceeded, call_with_deadline


@pytest.fixture(autouse=True)
def no_missed_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlines, "_missed", {})


def test_a_call_in_time_returns_its_result_or_raises_its_error() -> None:
    assert call_with_deadline("x", 5, lambda: 42) == 42
    with pytest.raises(KeyError):
        call_with_deadline("x", 5, lambda: {}["missing"])


def test_a_hung_call_costs_the_deadline_and_later_calls_for_it_fail_at_once() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"the keyring did not answer within 0\.2s"):
        call_with_deadline("the keyring", 0.2, release.wait)
    assert time.monotonic() - started < 2
    calls: list[int] = []
    with pytest.raises(DeadlineExceeded):
        call_with_deadline("the keyring", 5, lambda: calls.append(1))
    assert calls == [], "a peer that hung is not asked again"
    assert call_with_deadline("something else", 5, lambda: 1) == 1
    release.set()


def test_a_call_that_never_returns_does_not_keep_the_process_alive() -> None:
    code = (
        "import threading\n"
        "from assume.deadlines import DeadlineExceeded, call_with_deadline\n"
        "try:\n"
        "    call_with_deadline('the keyring', 0.2, threading.Event().wait)\n"
        "except DeadlineExceeded:\n"
        "    print('gave up')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=30)
    assert (result.returncode, result.stdout) == (0, "gave up\n"), result.stderr


@pytest.mark.parametrize(("value", "expected"), [
    (None, 5.0), ("2.5", 2.5), ("0", 0.0), ("-1", 5.0), ("nan", 5.0), ("inf", 5.0), ("x", 5.0),
])
def test_keyring_timeout_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: float
) -> None:
    if value is None:
        monkeypatch.delenv("ASSUME_KEYRING_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("ASSUME_KEYRING_TIMEOUT", value)
    assert deadlines.keyring_timeout() == expected


def test_a_hung_sts_call_fails_within_about_30_seconds() -> None:
    assert 15 <= deadlines.STS_CALL_BUDGET <= 35
