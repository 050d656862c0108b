"""keyring backends that live in memory, for fast unit tests of the cache and the provider.

`MemoryKeyring` behaves like a real backend (get/set/delete_password, PasswordDeleteError for
a missing item). `FaultyKeyring` raises a chosen error from chosen methods, to simulate a
locked collection (`KeyringLocked`), no backend (`InitError`) or a dead D-Bus connection.

Both rank below keyring's own `fail` backend, so keyring's discovery never picks them in
the test process: pass an instance explicitly (`KeyringCache(MemoryKeyring())`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

METHODS = ("get_password", "set_password", "delete_password")


class MemoryKeyring(KeyringBackend):
    """Items in a dict keyed by (service, username)."""

    priority = -1.0  # type: ignore[assignment]  # below keyring.backends.fail (0): never chosen

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.calls: Counter[str] = Counter()

    def get_password(self, service: str, username: str) -> str | None:
        self.calls["get_password"] += 1
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls["set_password"] += 1
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls["delete_password"] += 1
        try:
            del self.items[(service, username)]
        except KeyError:
            raise PasswordDeleteError("No such password!") from None

    def usernames(self, service: str) -> list[str]:
        """Every username stored under `service`."""
        return sorted(user for svc, user in self.items if svc == service)


class FaultyKeyring(MemoryKeyring):
    """A MemoryKeyring whose `methods` raise `error` (every method by default)."""

    def __init__(
        self,
        error: Exception | None = None,
        methods: Iterable[str] = METHODS,
    ) -> None:
        super().__init__()
        self.error = error or KeyringLocked("Failed to unlock the collection!")
        self.failing = frozenset(methods)
        unknown = self.failing - set(METHODS)
        if unknown:
            raise ValueError(f"unknown keyring methods: {sorted(unknown)}")

    def _maybe_fail(self, method: str) -> None:
        if method in self.failing:
            self.calls[f"{method}:raised"] += 1
            raise self.error

    def get_password(self, service: str, username: str) -> str | None:
        self._maybe_fail("get_password")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_fail("set_password")
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._maybe_fail("delete_password")
        super().delete_password(service, username)
