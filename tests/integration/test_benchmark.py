"""benchmarks/cache_hit.py keeps to a HOME and a Secret Service of its own, and times the cache
hit with the package's bytecode in place."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import assume.fastpath
from tests.conftest import ROOT
from tests.support.secret_service import require_secret_service

pytestmark = pytest.mark.integration


def keyring_item_paths() -> set[str]:
    """Every item in the default collection of the session bus's Secret Service."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    collection = secretstorage.get_default_collection(open_dbus_connection(bus="SESSION"))
    return {item.item_path for item in collection.get_all_items()}


def test_the_benchmark_never_touches_the_users_home_or_keyring(tmp_path: Path) -> None:
    require_secret_service()  # stands for the desktop user's keyring on the session bus
    before = keyring_item_paths()
    user_home = tmp_path / "user"
    user_home.mkdir()
    pyc = Path(str(importlib.util.cache_from_source(assume.fastpath.__file__)))
    pyc.unlink(missing_ok=True)
    env = {**os.environ, "HOME": str(user_home), "PYTHONDONTWRITEBYTECODE": "1",
           **{name: str(user_home / name) for name in
              ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}}
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cache_hit.py"),
                             "--rounds", "1"], env=env, capture_output=True, text=True,
                            timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"interpreter for python -c pass, botocore and this script: {sys.executable}" in (
        result.stdout)
    assert "hit / python -c pass" in result.stdout
    assert "private gnome-keyring" in result.stdout
    assert "1 AssumeRole call(s)" in result.stdout
    assert list(user_home.iterdir()) == []
    assert keyring_item_paths() == before
    assert pyc.is_file()  # compiled before timing, though Python itself writes no .pyc here
