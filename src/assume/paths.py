"""Where `assume` keeps its non-secret state: user-private folders, as platformdirs names them.

On Linux the folders are computed here directly, by platformdirs' own rule (the XDG variables,
else `~/.local/state` and `~/.cache`): importing platformdirs costs the cache-hit path several
milliseconds (it pulls in tempfile, shutil, random and the compression modules). Elsewhere
platformdirs decides. Paths are plain strings, which keeps pathlib off the hit path too.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "assume"

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from collections.abc import Callable


def _xdg_linux() -> bool:
    return sys.platform.startswith("linux") and "ANDROID_DATA" not in os.environ


def _xdg_dir(variable: str, default: str) -> str:
    base = os.environ.get(variable, "")
    if not base.strip():
        base = os.path.expanduser(default)
    return os.path.join(base, APP_NAME)


def state_path() -> str:
    """The state folder (cache index, remembered keyring backend; never secrets), uncreated."""
    if _xdg_linux():
        return _xdg_dir("XDG_STATE_HOME", "~/.local/state")
    from platformdirs import user_state_dir

    return user_state_dir(APP_NAME)


def cache_path() -> str:
    """The cache folder (lock files only; never secrets), uncreated."""
    if _xdg_linux():
        return _xdg_dir("XDG_CACHE_HOME", "~/.cache")
    from platformdirs import user_cache_dir

    return user_cache_dir(APP_NAME)


def _private_dir(path: str) -> str:
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def state_dir() -> str:
    """The state folder, created private (mode 0700)."""
    return _private_dir(state_path())


def lock_dir() -> str:
    """Lock files for single-flight refreshes (mode 0700)."""
    return _private_dir(os.path.join(cache_path(), "locks"))


def temp_lock_dir() -> str:
    """The fallback for an unusable cache folder (a read-only HOME in a container): a folder of
    this user's own in the temp dir, refused when it is a link or someone else's."""
    import stat
    import tempfile

    user = getattr(os, "getuid", lambda: None)()
    name = f"{APP_NAME}-{user}" if user is not None else APP_NAME
    folder = os.path.join(tempfile.gettempdir(), name)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or (user is not None and info.st_uid != user):
        raise PermissionError(f"{folder} is not a folder of this user's own")
    return _private_dir(os.path.join(_private_dir(folder), "locks"))


LOCK_DIRS: tuple[Callable[[], str], ...] = (lock_dir, temp_lock_dir)  # best first


def state_file(name: str) -> str:
    """A file in the state folder, without creating the folder (for cheap reads)."""
    return os.path.join(state_path(), name)


def read_state_json(name: str) -> dict[str, object]:
    """A JSON object from the state folder; a missing, unreadable or damaged file reads as {}."""
    import json

    try:
        with open(state_file(name), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_private(path: str, text: str) -> None:
    """Write a small file atomically: temp file, fsync, replace; mode 0600."""
    folder, name = os.path.split(path)
    _private_dir(folder)
    temp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
