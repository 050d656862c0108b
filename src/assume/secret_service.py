"""A read-only fast lane to the freedesktop Secret Service for the cache-hit path.

keyring's SecretService backend imports keyring's core (about 0.1 s) and negotiates an
encrypted session per call. This reads the same items (attributes `service` and `username`,
as keyring writes them) through secretstorage, and gives up (returns None) whenever anything
is unusual, so the caller falls back to the full path.
"""

from __future__ import annotations

from contextlib import closing


def read(service: str, usernames: list[str]) -> list[str | None] | None:
    """Secrets for several usernames over one connection; None when the fast lane cannot serve."""
    try:
        import secretstorage

        connection = secretstorage.dbus_init()
    except Exception:
        return None
    with closing(connection):
        try:
            collection = secretstorage.get_default_collection(connection)
            if collection.is_locked():
                return None
            found: list[str | None] = []
            for username in usernames:
                items = collection.search_items({"service": service, "username": username})
                item = next(iter(items), None)
                if item is None or item.is_locked():
                    found.append(None)
                else:
                    found.append(item.get_secret().decode("utf-8"))
            return found
        except Exception:
            return None
