"""A read-only fast lane to the freedesktop Secret Service for the cache-hit path.

keyring's SecretService backend costs about 0.1 s to import (keyring's core pulls in
urllib and importlib.resources) and negotiates a Diffie-Hellman session per call through
`cryptography`. This reads the same items (attributes `service` and `username`, as keyring
writes them) with three D-Bus calls over jeepney, using the spec's `plain` transfer: the
session bus is a per-user socket, and any process that could watch it could as well ask the
Secret Service for the item itself, so encrypting the transfer adds no protection here.

Anything unusual (no bus, no daemon, a locked item, an error reply) returns None, and the
caller falls back to the full path, which uses keyring proper.
"""

from __future__ import annotations

from typing import Any

BUS_NAME = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
SERVICE_INTERFACE = "org.freedesktop.Secret.Service"


def read(service: str, usernames: list[str]) -> list[str | None] | None:
    """Secrets for several usernames over one connection; None when the lane cannot serve."""
    try:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:
        return None
    try:
        connection = open_dbus_connection(bus="SESSION")
    except Exception:
        return None
    try:
        address = DBusAddress(SERVICE_PATH, bus_name=BUS_NAME, interface=SERVICE_INTERFACE)

        def call(method: str, signature: str, *args: Any) -> Any:
            reply = connection.send_and_get_reply(
                new_method_call(address, method, signature, args), timeout=5
            )
            return reply.body

        _, session = call("OpenSession", "sv", "plain", ("s", ""))
        paths: list[str | None] = []
        for username in usernames:
            unlocked, locked = call("SearchItems", "a{ss}",
                                    {"service": service, "username": username})
            if locked and not unlocked:
                return None  # needs an unlock prompt: the full path's business
            paths.append(unlocked[0] if unlocked else None)
        wanted = [path for path in paths if path]
        secrets = call("GetSecrets", "aoo", wanted, session)[0] if wanted else {}
        found: list[str | None] = []
        for path in paths:
            if path is None:
                found.append(None)
            elif path not in secrets:
                return None
            else:
                found.append(bytes(secrets[path][2]).decode("utf-8"))
        return found
    except Exception:
        return None
    finally:
        connection.close()
