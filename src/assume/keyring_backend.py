"""Choose the keyring backend once, remember it, and skip keyring's discovery afterwards.

`keyring.get_keyring()` imports every backend and probes each (about 0.2 s); the cache-hit
path cannot pay that on every `aws` command. The full path runs discovery, refuses plaintext
fallbacks the user did not choose, and records the backend's class; later runs load that class
directly.
"""

from __future__ import annotations

import os

from assume.errors import CacheUnavailableError
from assume.paths import state_file, write_private

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from typing import Any

BACKEND_FILE = "keyring-backend"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
_UNUSABLE = ("keyring.backends.fail.", "keyring.backends.null.")


def class_path(backend: object) -> str:
    """`module.Class` of a backend instance."""
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def remembered() -> str | None:
    """The backend class recorded by an earlier run, or the one PYTHON_KEYRING_BACKEND names."""
    explicit = os.environ.get("PYTHON_KEYRING_BACKEND")
    if explicit:
        return explicit
    try:
        with open(state_file(BACKEND_FILE), encoding="utf-8") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


def load_class(path: str) -> Any:
    """Instantiate a backend from `module.Class` without running discovery."""
    import importlib

    module_name, _, class_name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
        return cls()
    except Exception as exc:
        raise CacheUnavailableError(f"cannot load keyring backend {path}: {exc}") from exc


def _is_plaintext(backend: object) -> bool:
    backends = getattr(backend, "backends", [backend])  # the chainer wraps several
    return any(class_path(b).startswith("keyrings.alt.") for b in backends)


def plaintext_warning(backend: object) -> str | None:
    """The warning for a plaintext backend the user chose explicitly (discovery refuses
    them), or None for a real keyring."""
    if not _is_plaintext(backend):
        return None
    where = getattr(backend, "file_path", None)
    return (
        f"keyring backend {class_path(backend)}, chosen in keyring's configuration, keeps "
        f"sessions in a plain file{f' ({where})' if where else ''}; choose an OS keyring "
        "there, or pass --no-cache."
    )


def _prefer_real_keyring(backend: Any) -> Any:
    """keyring's chainer wraps every backend it finds, plaintext files included (it falls
    through to them when the real keyring is locked); use its best real member instead."""
    members = getattr(backend, "backends", None)
    if not members:
        return backend
    real = [member for member in members if not _is_plaintext(member)]
    return real[0] if real else backend


def discover() -> Any:
    """Run keyring's own choice, refuse fallbacks that are not a real keyring, remember it."""
    try:
        import keyring
        import keyring.core
    except Exception as exc:
        raise CacheUnavailableError(f"keyring is not importable: {exc}") from exc
    explicit = keyring.core.load_env() or keyring.core.load_config()
    backend = explicit or _prefer_real_keyring(keyring.get_keyring())
    path = class_path(backend)
    if path.startswith(_UNUSABLE):
        raise CacheUnavailableError("no keyring backend is available")
    if explicit is None and _is_plaintext(backend):
        raise CacheUnavailableError(
            f"the only keyring found is {path}, which stores secrets in a plain file; "
            "choose it in keyring's own configuration to allow it"
        )
    if explicit is None:
        from contextlib import suppress

        with suppress(OSError):  # a failure only costs a discovery next time
            write_private(state_file(BACKEND_FILE), path + "\n")
    return backend


def forget() -> None:
    """Drop the remembered backend, so the next run discovers again."""
    from contextlib import suppress

    with suppress(OSError):
        os.unlink(state_file(BACKEND_FILE))


def warm_up() -> None:
    """Import what loading the backend needs (keyring, its plugins, the remembered backend's
    module) without touching the keyring, so a deadline on the keyring times its answers, not
    this process's imports (slow on a loaded machine)."""
    import importlib
    from contextlib import suppress

    with suppress(Exception):  # load() reports any real problem
        path = remembered()
        if path:
            importlib.import_module(path.rpartition(".")[0])
            return
        import keyring.backend
        import keyring.core

        getattr(keyring.backend, "_load_plugins", lambda: None)()  # discovery's imports


def load() -> Any:
    """The backend to use: the remembered one when known, otherwise discovery."""
    path = remembered()
    if path:
        try:
            return load_class(path)
        except CacheUnavailableError:
            if os.environ.get("PYTHON_KEYRING_BACKEND"):
                raise  # the user's explicit choice: report it, do not second-guess it
            forget()  # e.g. keyring's configuration changed: discover afresh
    return discover()
