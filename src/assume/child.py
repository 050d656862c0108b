"""Run a child while this process keeps working (the credentials endpoint): signals that reach
this process are passed on to the child, and its exit status becomes ours."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from assume.shell import start_error

FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                  if hasattr(signal, name))


def exit_status(returncode: int) -> int:
    """The shell's convention: a child killed by signal N exits 128+N."""
    return 128 - returncode if returncode < 0 else returncode


def _terminal_sent_it_too() -> bool:
    """True when we run in the terminal's foreground process group: a Ctrl-C there reaches the
    child directly, and a second SIGINT would make programs like terraform stop at once."""
    if os.name != "posix":
        return True  # the console delivers Ctrl-C to every process attached to it
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


@contextmanager
def _forwarding(child: subprocess.Popen[bytes]) -> Iterator[None]:
    def forward(signum: int, frame: FrameType | None) -> None:
        if signum == getattr(signal, "SIGINT", None) and _terminal_sent_it_too():
            return
        if child.poll() is None:
            child.send_signal(signum)

    previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}
    for signum in FORWARDED:
        previous[signum] = signal.signal(signum, forward)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def run_supervised(command: list[str], env: dict[str, str]) -> int:
    """Start COMMAND, forward SIGINT/SIGTERM/SIGHUP to it, wait; return its exit status.

    127 when the command is not found and 126 when it cannot run, as a shell does.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        child = subprocess.Popen(command, env=env)
    except OSError as exc:
        raise start_error(command[0], exc) from None
    with _forwarding(child):
        returncode = child.wait()
    return exit_status(returncode)
