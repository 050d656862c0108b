"""Where `assume` keeps its non-secret state: user-private folders from platformdirs."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

APP_NAME = "assume"


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def state_dir() -> Path:
    """Cache index and the remembered keyring backend (never secrets)."""
    from platformdirs import user_state_dir

    return _private_dir(Path(user_state_dir(APP_NAME)))


def lock_dir() -> Path:
    """Lock files for single-flight refreshes (mode 0700)."""
    from platformdirs import user_cache_dir

    return _private_dir(Path(user_cache_dir(APP_NAME)) / "locks")


def temp_lock_dir() -> Path:
    """The fallback for an unusable cache folder (a read-only HOME in a container): a folder of
    this user's own in the temp dir, refused when it is a link or someone else's."""
    user = getattr(os, "getuid", lambda: None)()
    folder = Path(tempfile.gettempdir()) / (f"{APP_NAME}-{user}" if user is not None else APP_NAME)
    folder.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or (user is not None and info.st_uid != user):
        raise PermissionError(f"{folder} is not a folder of this user's own")
    return _private_dir(_private_dir(folder) / "locks")


LOCK_DIRS: tuple[Callable[[], Path], ...] = (lock_dir, temp_lock_dir)  # best first


def state_file(name: str) -> Path:
    """A file in the state folder, without creating the folder (for cheap reads)."""
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP_NAME)) / name


def write_private(path: Path, text: str) -> None:
    """Write a small file atomically: temp file, fsync, replace; mode 0600."""
    _private_dir(path.parent)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()
