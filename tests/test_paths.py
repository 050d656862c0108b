"""The state and cache folders computed without platformdirs agree with platformdirs."""

from __future__ import annotations

import sys

import platformdirs
import pytest

from assume import paths

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux rule")


@pytest.mark.parametrize("xdg", [None, "", "   ", "/custom/xdg"])
def test_the_folders_are_where_platformdirs_puts_them(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("XDG_STATE_HOME", "XDG_CACHE_HOME"):
        if xdg is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, xdg)
    assert paths.state_path() == platformdirs.user_state_dir("assume")
    assert paths.cache_path() == platformdirs.user_cache_dir("assume")


def test_private_folders_and_files_are_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    import os
    import stat

    monkeypatch.setenv("XDG_STATE_HOME", f"{tmp_path}/state")
    target = paths.state_file("example")
    paths.write_private(target, "text")
    with open(target, encoding="utf-8") as handle:
        assert handle.read() == "text"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths.state_dir()).st_mode) == 0o700
