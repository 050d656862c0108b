"""Which store caches credentials: ASSUME_CACHE_BACKEND = auto | keyring | kernel | none.

`keyring` is the keyring library's choice (see keyring_backend), `kernel` the Linux kernel
user keyring (kernel_keyring), `none` no cache. `auto`, the default, is `keyring` off Linux
and where keyring is configured explicitly (PYTHON_KEYRING_BACKEND or keyringrc.cfg); on Linux
otherwise it is the Secret Service when one answers on the session bus, else the kernel
keyring, else no cache with one warning.

The cache-hit path (`fast_lane`) decides from the environment alone, without D-Bus calls or
keyring's import; it reads the same store the full path writes.
"""

from __future__ import annotations

import os
import sys

from assume import cache_index
from assume.cache import SERVICE, KeyringCache, NullCache
from assume.errors import CacheUnavailableError, InputError
from assume.models import Credentials

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from typing import Any

    from assume.interfaces import CredentialCache
    from assume.kernel_keyring import KernelKeyring

VARIABLE = "ASSUME_CACHE_BACKEND"
CHOICES = ("auto", "keyring", "kernel", "none")
SECRETS_BUS_NAME = "org.freedesktop.secrets"
EVICTIONS = 8  # entries dropped, at most, to make room when the kernel quota is full
NAMES = {"keyring": "OS keyring", "kernel": "kernel keyring", "none": "none"}


class KernelCache(KeyringCache):
    """KeyringCache over the kernel user keyring: same chunks and checks, plus a timeout on
    every key at the credentials' expiry, and room made when the user's quota is full."""

    name = "kernel"
    search_is_the_store = True  # a refused keyctl is an unavailable cache, not "can't search"

    def __init__(self, backend: KernelKeyring | None = None) -> None:
        from assume.kernel_keyring import KernelKeyring

        super().__init__(backend or KernelKeyring())

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        from assume.kernel_keyring import QuotaExceeded

        backend = self.backend
        expiration = credentials.expiration
        backend.expires_at = expiration.timestamp() if expiration else None
        try:
            for _ in range(EVICTIONS):
                try:
                    super().put(key, credentials, info)
                    return
                except QuotaExceeded:
                    if not self._evict(keep=key):
                        raise
            super().put(key, credentials, info)
        finally:
            backend.expires_at = None

    def _evict(self, keep: str) -> bool:
        """Drop the cached entry that expires first (not `keep`); False when none is left."""
        present = set(self.backend.usernames(SERVICE))
        others = [(float(str(info.get("expires") or 0)), key)
                  for key, info in cache_index.read().items() if key != keep and key in present]
        if not others:
            return False
        self.delete(min(others)[1])
        return True


class UnavailableCache(NullCache):
    """No store could be used: the first use raises, so the Provider warns once (and then
    carries on with a NullCache)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def get(self, key: str) -> Credentials | None:
        raise CacheUnavailableError(self.reason)

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        raise CacheUnavailableError(self.reason)

    def delete(self, key: str) -> None:
        raise CacheUnavailableError(self.reason)

    def entries(self) -> dict[str, dict[str, object]]:
        raise CacheUnavailableError(self.reason)


def configured() -> str:
    """The ASSUME_CACHE_BACKEND choice; an unknown value is a usage error."""
    value = os.environ.get(VARIABLE, "").strip().lower() or "auto"
    if value not in CHOICES:
        raise InputError(f"{VARIABLE}={value!r} is not one of {', '.join(CHOICES)}.")
    return value


def keyring_chosen_explicitly() -> bool:
    """PYTHON_KEYRING_BACKEND or keyring's own config file names a backend."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    try:
        import keyring.core

        return keyring.core.load_config() is not None
    except Exception:
        return False


def secret_service_answers(timeout: float = 2.0) -> bool:
    """A Secret Service owns, or can be started for, its name on the session bus."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    from assume.dbus_wire import Connection, DBusError

    bus = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
    try:
        connection = Connection(timeout)
    except DBusError:
        return False
    try:
        if connection.call(*bus, "NameHasOwner", "s", SECRETS_BUS_NAME)[0]:
            return True
        return SECRETS_BUS_NAME in connection.call(*bus, "ListActivatableNames")[0]
    except DBusError:
        return False
    finally:
        connection.close()


def select() -> CredentialCache:
    """The cache the full path uses (see the module docstring)."""
    from assume import kernel_keyring

    choice = configured()
    if choice == "none":
        return NullCache()
    if choice == "keyring":
        return KeyringCache()
    if choice == "kernel":
        refused = kernel_keyring.available()
        return UnavailableCache(refused) if refused else KernelCache()
    # keyring's own config is read (an import of keyring) only when no Secret Service answers.
    if sys.platform != "linux" or secret_service_answers() or keyring_chosen_explicitly():
        return KeyringCache()
    refused = kernel_keyring.available()
    if refused:
        return UnavailableCache(f"no Secret Service answers and {refused}")
    return KernelCache()


KEYRING_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "assume.secret_service.SecretServiceStore": "Secret Service",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
}


def describe(cache: CredentialCache) -> str:
    """The store's name for people: `kernel keyring`, `Secret Service`, `none`, or keyring's
    backend class for the less common ones."""
    if isinstance(cache, KernelCache):
        return "kernel keyring"
    if isinstance(cache, KeyringCache):
        try:
            backend: Any = cache.backend
        except CacheUnavailableError:
            return "none"  # the Provider's warning says why
        path = f"{type(backend).__module__}.{type(backend).__qualname__}"
        return KEYRING_NAMES.get(path, f"keyring {path}")
    return "none"


def fast_lane() -> str:
    """What the cache-hit path reads: `keyring`, `kernel`, `none`, or `auto` (the Secret
    Service when its bus connects, else the kernel keyring). From the environment only."""
    value = os.environ.get(VARIABLE, "").strip().lower() or "auto"
    if value not in CHOICES:
        return "none"  # the full path reports the bad value
    if value != "auto":
        return value
    if sys.platform != "linux" or os.environ.get("PYTHON_KEYRING_BACKEND"):
        return "keyring"
    return "auto" if os.environ.get("DBUS_SESSION_BUS_ADDRESS") else "kernel"
