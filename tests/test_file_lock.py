"""The cross-process file lock: one holder at a time, a bounded wait, and a dead holder's lock
freed by the OS."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from assume.file_lock import LockTimeout, acquire

HOLD = """
import sys, time
from assume.file_lock import acquire
held = acquire(sys.argv[1], 5)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_in_another_process(path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_held_lock_times_out_for_others_and_is_free_after_release(tmp_path: Path) -> None:
    path = tmp_path / "k.lock"
    holder = hold_in_another_process(path, 0.6)
    started = time.monotonic()
    with pytest.raises(LockTimeout):
        acquire(str(path), 0)
    with pytest.raises(LockTimeout):
        acquire(str(path), 0.2)
    assert 0.15 < time.monotonic() - started < 2
    acquire(str(path), 10).release()  # waits for the holder to exit
    holder.wait(timeout=10)


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "k.lock"
    holder = hold_in_another_process(path, 60)
    holder.kill()
    holder.wait(timeout=10)
    held = acquire(str(path), 2)
    held.release()
    held.release()  # idempotent


def test_one_process_at_a_time(tmp_path: Path) -> None:
    path, log = tmp_path / "k.lock", tmp_path / "log"
    script = (
        "import sys, time\nfrom assume.file_lock import acquire\n"
        f"held = acquire({str(path)!r}, 30)\n"
        f"open({str(log)!r}, 'a').write('in ')\ntime.sleep(0.05)\n"
        f"open({str(log)!r}, 'a').write('out ')\nheld.release()\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(6)]
    assert [w.wait(timeout=60) for w in workers] == [0] * 6
    assert log.read_text().split() == ["in", "out"] * 6
