"""The freedesktop Secret Service over one connection: the cache-hit path reads through it,
and a miss reads and writes through it.

keyring's SecretService backend costs about 0.1 s to import (keyring's core pulls in
urllib and importlib.resources), and opens a new connection and negotiates a Diffie-Hellman
session through `cryptography` for every call: 45 D-Bus round trips for a miss. This store keeps
keyring's item layout (attributes `service`, `username` and `application`, keyring's label), so
either can read what the other wrote, and uses one `dbus_wire` connection and one session per
process with the spec's `plain` transfer: the session bus is a per-user socket, and any process
that could watch it could as well ask the Secret Service for the item itself, so encrypting the
transfer adds no protection.

Anything unusual (no bus, no daemon, a timeout, an error reply) raises
`SecretServiceUnavailable`; a locked collection raises `SecretServiceLocked`, and the caller
then lets keyring's own backend ask the user to unlock it. A stopped daemon cannot hang the
caller: every send and reply, the handshake included, is held to the keyring deadline by the
socket's own timeout, so no thread is needed (`has_deadline`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block

if TYPE_CHECKING:
    from typing import Any

BUS_NAME = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
SERVICE_INTERFACE = "org.freedesktop.Secret.Service"
COLLECTION_INTERFACE = "org.freedesktop.Secret.Collection"
ITEM_INTERFACE = "org.freedesktop.Secret.Item"
KEYRING_APPID = "Python keyring library"  # what keyring's own backend writes, so both agree


class SecretServiceUnavailable(Exception):
    """The Secret Service cannot answer over this connection."""


class SecretServiceLocked(SecretServiceUnavailable):
    """The item or collection is locked: only keyring's backend can ask to unlock it."""


class SecretServiceStore:
    """keyring's get/set/delete_password for the Secret Service over one D-Bus connection and
    one session per process, opened on first use."""

    has_deadline = True  # every socket operation times out: `cache` needs no thread for it

    def __init__(self, timeout: float | None = None) -> None:
        from assume.deadlines import keyring_timeout

        self._timeout = keyring_timeout() if timeout is None else timeout
        self._connection: Any = None
        self._session: str | None = None
        self._collection: str | None = None

    def _call(self, method: str, signature: str = "", *args: Any) -> list[Any]:
        result: list[Any] = self._connection.call(
            BUS_NAME, SERVICE_PATH, SERVICE_INTERFACE, method, signature, *args)
        return result

    def open(self) -> None:
        """Connect and open the session now (idempotent); SecretServiceUnavailable if no
        Secret Service answers."""
        if self._session is not None:
            return
        from assume.dbus_wire import Connection, DBusError

        try:
            self._connection = Connection(self._timeout)
            self._session = str(self._call("OpenSession", "sv", "plain", ("s", ""))[1])
        except DBusError as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def get_password(self, service: str, username: str) -> str | None:
        """The item's secret, None when there is no such item."""
        self.open()
        from assume.dbus_wire import DBusError

        try:
            unlocked, locked = self._call(
                "SearchItems", "a{ss}", {"service": service, "username": username})
            if not unlocked:
                if locked:
                    raise SecretServiceLocked("the item is locked")
                return None
            item = unlocked[0]
            secrets = self._call("GetSecrets", "aoo", [item], self._session)[0]
            return bytes(secrets[item][2]).decode("utf-8")
        except (SecretServiceUnavailable, UnicodeDecodeError):
            raise  # an item that is not UTF-8 is damaged, not a fault of the service
        except (DBusError, LookupError, TypeError, ValueError) as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def usernames(self, service: str) -> list[str]:
        """The `username` attribute of every item under `service`, locked ones included:
        what the keyring really holds, whatever any index remembers."""
        self.open()
        from assume.dbus_wire import DBusError

        try:
            unlocked, locked = self._call("SearchItems", "a{ss}", {"service": service})
            names = []
            for item in [*unlocked, *locked]:
                (attributes,) = self._connection.call(
                    BUS_NAME, item, "org.freedesktop.DBus.Properties", "Get", "ss",
                    ITEM_INTERFACE, "Attributes")
                if attributes.get("service") == service and attributes.get("username"):
                    names.append(str(attributes["username"]))
            return names
        except (DBusError, LookupError, TypeError, ValueError, AttributeError) as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def set_password(self, service: str, username: str, password: str) -> None:
        """Create or replace the item, with the attributes and label keyring gives it."""
        self.open()
        from assume.dbus_wire import DBusError

        attributes = {"username": username, "service": service, "application": KEYRING_APPID}
        properties = {
            "org.freedesktop.Secret.Item.Label": ("s", f"Password for '{username}' on '{service}'"),
            "org.freedesktop.Secret.Item.Attributes": ("a{ss}", attributes),
        }
        secret = (self._session, b"", password.encode("utf-8"), "text/plain")
        try:
            collection = self._default_collection()
            _, prompt = self._connection.call(
                BUS_NAME, collection, COLLECTION_INTERFACE, "CreateItem", "a{sv}(oayays)b",
                properties, secret, True)
        except DBusError as exc:
            if "IsLocked" in str(exc):
                raise SecretServiceLocked(str(exc)) from exc
            raise SecretServiceUnavailable(str(exc)) from exc
        if prompt != "/":
            raise SecretServiceLocked("the keyring asks to be unlocked")

    def delete_password(self, service: str, username: str) -> None:
        """Delete the item; nothing happens when there is none."""
        self.open()
        from assume.dbus_wire import DBusError

        try:
            unlocked, locked = self._call(
                "SearchItems", "a{ss}", {"service": service, "username": username})
            for item in [*unlocked, *locked]:
                (prompt,) = self._connection.call(BUS_NAME, item, ITEM_INTERFACE, "Delete")
                if prompt != "/":
                    raise SecretServiceLocked("the keyring asks to be unlocked")
        except SecretServiceUnavailable:
            raise
        except DBusError as exc:
            raise SecretServiceUnavailable(str(exc)) from exc

    def _default_collection(self) -> str:
        if self._collection is None:
            (path,) = self._call("ReadAlias", "s", "default")
            if path == "/":
                raise SecretServiceUnavailable("the Secret Service has no default collection")
            self._collection = str(path)
        return self._collection

    def close(self) -> None:
        """Close the connection, if one was opened."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
            self._session = None
