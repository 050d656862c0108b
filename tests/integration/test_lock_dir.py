"""An unusable lock folder (a read-only HOME in a container, a file in the way) does not break
a refresh: the lock moves to a private folder in the temp dir, or `assume` goes on without it
after one warning line.

The suite runs as root, which ignores permission bits, so the folders are made unusable by
putting a regular file where a folder must be."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.integration.test_keyring_cache import key_of
from tests.support import aws_world
from tests.support.sts_server import StsServer

pytestmark = pytest.mark.integration


def blocked_cache_home(home: Path, how: str) -> dict[str, str]:
    """XDG_CACHE_HOME where no `assume/locks` folder can be made, or the lock file unusable."""
    blocker = home / "blocker"
    blocker.write_text("not a folder\n")
    if how == "cache home is a file":
        return {"XDG_CACHE_HOME": str(blocker)}
    if how == "cache home is under a file":
        return {"XDG_CACHE_HOME": str(blocker / "cache")}
    assert how == "lock file is a folder"
    key = key_of("Role-A")
    (home / "cache" / "assume" / "locks" / f"{key}.lock").mkdir(parents=True)
    return {"XDG_CACHE_HOME": str(home / "cache")}


def answer(result: object) -> dict[str, str]:
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr  # type: ignore[attr-defined]
    return dict(json.loads(result.stdout))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "how", ["cache home is a file", "cache home is under a file", "lock file is a folder"])
def test_unusable_lock_folder_falls_back_to_a_private_temp_folder(
    world: aws_world.World, server: StsServer, home: Path, tmp_path: Path, no_keyring: None,
    how: str,
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**blocked_cache_home(home, how), "TMPDIR": str(temp)}
    result = run_assume("Role-A", "--format", "json", env=env)
    assert answer(result)["AccessKeyId"].startswith("ASIA")
    assert result.stderr == "", "a usable fallback needs no word"
    fallback = temp / f"assume-{os.getuid()}" / "locks"
    assert fallback.is_dir()
    assert (fallback.stat().st_mode & 0o777) == 0o700


def test_without_any_usable_lock_folder_it_warns_once_and_goes_on(
    world: aws_world.World, server: StsServer, home: Path, tmp_path: Path, no_keyring: None,
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    (temp / f"assume-{os.getuid()}").write_text("in the way\n")
    env = {**blocked_cache_home(home, "cache home is a file"), "TMPDIR": str(temp)}
    result = run_assume("Role-A", "--format", "json", env=env)
    assert answer(result)["AccessKeyId"].startswith("ASIA")
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning:"), result.stderr
    assert "lock" in lines[0]


def test_a_temp_folder_owned_by_someone_else_is_not_used(
    world: aws_world.World, server: StsServer, home: Path, tmp_path: Path, no_keyring: None,
) -> None:
    temp = tmp_path / "temp"
    foreign = temp / f"assume-{os.getuid()}"
    foreign.mkdir(parents=True, mode=0o777)
    os.chmod(foreign, 0o777)
    os.chown(foreign, 12345, 12345) if os.getuid() == 0 else pytest.skip("needs root to chown")
    env = {**blocked_cache_home(home, "cache home is a file"), "TMPDIR": str(temp)}
    result = run_assume("Role-A", "--format", "json", env=env)
    assert answer(result)["AccessKeyId"].startswith("ASIA")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert list(foreign.iterdir()) == [], "nothing written into a foreign folder"
