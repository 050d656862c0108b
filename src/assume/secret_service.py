"""A read-only fast lane to the freedesktop Secret Service for the cache-hit path.

keyring's SecretService backend costs about 0.1 s to import (keyring's core pulls in
urllib and importlib.resources) and negotiates a Diffie-Hellman session per call through
`cryptography`. `SecretServiceReader` reads the same items (attributes `service` and
`username`, as keyring writes them) over one jeepney connection, using the spec's `plain`
transfer: the session bus is a per-user socket, and any process that could watch it could as
well ask the Secret Service for the item itself, so encrypting the transfer adds no protection.

It has keyring's `get_password` shape, so `cache.KeyringCache` reads through it unchanged.
Anything unusual (no bus, no daemon, a locked item, an error reply) raises
`SecretServiceUnavailable`, and the caller falls back to the full path and keyring proper.

A stopped daemon must not hang the caller: each reply is awaited for the keyring deadline at
most, jeepney gives the bus 1 s to authenticate, and `cache.KeyringCache` runs every read under
the keyring deadline as well, which also covers `Hello` (jeepney gives it no timeout).
"""

from __future__ import annotations

from typing import Any

BUS_NAME = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
SERVICE_INTERFACE = "org.freedesktop.Secret.Service"
ITEM_INTERFACE = "org.freedesktop.Secret.Item"


class SecretServiceUnavailable(Exception):
    """The fast lane cannot answer; use keyring itself."""


class SecretServiceReader:
    """Reads keyring-written items over one D-Bus connection, opened on first use."""

    def __init__(self) -> None:
        self._connection: Any = None
        self._address: Any = None
        self._session: str | None = None

    def _call(self, method: str, signature: str, *args: Any) -> Any:
        from jeepney import new_method_call

        from assume.deadlines import keyring_timeout

        reply = self._connection.send_and_get_reply(
            new_method_call(self._address, method, signature, args), timeout=keyring_timeout()
        )
        return reply.body

    def open(self) -> None:
        """Connect and open a session; SecretServiceUnavailable when no Secret Service answers."""
        if self._session is not None:
            return
        try:
            from jeepney import DBusAddress
            from jeepney.io.blocking import open_dbus_connection

            self._connection = open_dbus_connection(bus="SESSION")  # 1 s to authenticate
            self._address = DBusAddress(
                SERVICE_PATH, bus_name=BUS_NAME, interface=SERVICE_INTERFACE
            )
            _, self._session = self._call("OpenSession", "sv", "plain", ("s", ""))
        except Exception as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def get_password(self, service: str, username: str) -> str | None:
        """The item's secret, None when there is no such item."""
        self.open()
        try:
            unlocked, locked = self._call(
                "SearchItems", "a{ss}", {"service": service, "username": username}
            )
            if not unlocked:
                if locked:
                    raise SecretServiceUnavailable("the item is locked")
                return None
            secrets = self._call("GetSecrets", "aoo", unlocked[:1], self._session)[0]
            return bytes(secrets[unlocked[0]][2]).decode("utf-8")
        except (SecretServiceUnavailable, UnicodeDecodeError):
            raise  # an item that is not UTF-8 is damaged, not a fault of the service
        except Exception as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def usernames(self, service: str) -> list[str]:
        """The `username` attribute of every item under `service`, locked ones included:
        what the keyring really holds, whatever any index remembers."""
        self.open()
        try:
            from jeepney import DBusAddress, new_method_call

            from assume.deadlines import keyring_timeout

            unlocked, locked = self._call("SearchItems", "a{ss}", {"service": service})
            names = []
            for path in [*unlocked, *locked]:
                item = DBusAddress(path, bus_name=BUS_NAME,
                                   interface="org.freedesktop.DBus.Properties")
                reply = self._connection.send_and_get_reply(
                    new_method_call(item, "Get", "ss", (ITEM_INTERFACE, "Attributes")),
                    timeout=keyring_timeout(),
                )
                attributes = reply.body[0][1]
                if attributes.get("service") == service and attributes.get("username"):
                    names.append(str(attributes["username"]))
            return names
        except Exception as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def close(self) -> None:
        """Close the connection, if one was opened."""
        if self._connection is not None:
            self._connection.close()
