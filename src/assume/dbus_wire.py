"""A minimal D-Bus client for the cache-hit path: one blocking socket, method calls only.

jeepney imports `typing`, `string`, `contextlib` and its whole package on first use, a fifth of
a cache hit. The hit needs four calls to the Secret Service over the per-user session bus, so
this speaks the wire protocol directly: EXTERNAL authentication, the message header, and the
marshalling of the basic and container types those calls use. Every read and write is bounded
by the socket's timeout. The full path keeps using keyring (and jeepney through it).
"""

from __future__ import annotations

import _socket  # the C module: socket.py's enum conversions cost the hit path milliseconds
import os
import struct

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from typing import Any

METHOD_CALL, METHOD_RETURN, ERROR = 1, 2, 3
_FIXED = {"y": ("B", 1), "b": ("I", 4), "n": ("h", 2), "q": ("H", 2), "i": ("i", 4),
          "u": ("I", 4), "x": ("q", 8), "t": ("Q", 8), "d": ("d", 8)}
_ALIGN = {**{code: size for code, (_, size) in _FIXED.items()},
          "s": 4, "o": 4, "g": 1, "v": 1, "a": 4, "(": 8, "{": 8}
MAX_MESSAGE = 1 << 20  # bytes: far above any Secret Service reply we ask for


class DBusError(Exception):
    """The bus could not be reached, refused us, or answered with an error."""


def split_types(signature: str) -> list[str]:
    """The complete types of a signature: `a{ss}o` -> [`a{ss}`, `o`]."""
    types, index = [], 0
    while index < len(signature):
        end = _type_end(signature, index)
        types.append(signature[index:end])
        index = end
    return types


def _type_end(signature: str, index: int) -> int:
    code = signature[index]
    if code == "a":
        return _type_end(signature, index + 1)
    if code in "({":
        close = ")" if code == "(" else "}"
        index += 1
        while signature[index] != close:
            index = _type_end(signature, index)
        return index + 1
    if code not in _ALIGN:
        raise DBusError(f"unsupported D-Bus type {code!r}")
    return index + 1


class _Writer:
    def __init__(self, endian: str = "<") -> None:
        self.buf = bytearray()
        self.endian = endian

    def pad(self, align: int) -> None:
        self.buf += b"\0" * (-len(self.buf) % align)

    def put(self, sig: str, value: Any) -> None:
        code = sig[0]
        if code in _FIXED:
            fmt, size = _FIXED[code]
            self.pad(size)
            self.buf += struct.pack(self.endian + fmt, value)
        elif code in "so":
            data = str(value).encode()
            self.pad(4)
            self.buf += struct.pack(self.endian + "I", len(data)) + data + b"\0"
        elif code == "g":
            data = str(value).encode()
            self.buf += bytes([len(data)]) + data + b"\0"
        elif code == "v":
            inner, inner_value = value
            self.put("g", inner)
            self.put(inner, inner_value)
        elif code == "a":
            self._put_array(sig[1:], value)
        else:  # a struct or a dict entry
            self.pad(8)
            for field, item in zip(split_types(sig[1:-1]), value, strict=True):
                self.put(field, item)

    def _put_array(self, element: str, value: Any) -> None:
        self.pad(4)
        at = len(self.buf)
        self.buf += b"\0\0\0\0"
        self.pad(_ALIGN[element[0]])
        start = len(self.buf)
        items = value.items() if element[0] == "{" else value
        for item in items:
            self.put(element, item)
        struct.pack_into(self.endian + "I", self.buf, at, len(self.buf) - start)


class _Reader:
    def __init__(self, data: bytes, endian: str, offset: int = 0) -> None:
        self.data = data
        self.endian = endian
        self.at = offset

    def align(self, size: int) -> None:
        self.at += -self.at % size

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise DBusError("truncated D-Bus message")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def get(self, sig: str) -> Any:
        code = sig[0]
        if code in _FIXED:
            fmt, size = _FIXED[code]
            self.align(size)
            return struct.unpack(self.endian + fmt, self.take(size))[0]
        if code in "so":
            length = self.get("u")
            text = self.take(int(length) + 1)[:-1]
            return text.decode()
        if code == "g":
            length = self.take(1)[0]
            return self.take(length + 1)[:-1].decode()
        if code == "v":
            return self.get(str(self.get("g")))
        if code == "a":
            return self._get_array(sig[1:])
        self.align(8)
        return tuple(self.get(field) for field in split_types(sig[1:-1]))

    def _get_array(self, element: str) -> Any:
        length = int(self.get("u"))
        if length > MAX_MESSAGE:
            raise DBusError("oversized D-Bus array")
        self.align(_ALIGN[element[0]])
        end = self.at + length
        if element == "y":
            return self.take(length)
        items = []
        while self.at < end:
            items.append(self.get(element))
        return dict(items) if element[0] == "{" else items


def session_bus_path() -> str:
    """The socket of the session bus: DBUS_SESSION_BUS_ADDRESS (unix path or abstract name),
    else systemd's per-user default. An abstract name starts with a NUL byte."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        return f"/run/user/{os.getuid()}/bus"
    for entry in address.split(";"):
        transport, _, params = entry.partition(":")
        if transport != "unix":
            continue
        values = dict(part.partition("=")[::2] for part in params.split(","))
        if "path" in values:
            return _unescape(values["path"])
        if "abstract" in values:
            return "\0" + _unescape(values["abstract"])
    raise DBusError("no unix socket in DBUS_SESSION_BUS_ADDRESS")


def _unescape(value: str) -> str:
    parts = value.split("%")
    return parts[0] + "".join(chr(int(part[:2], 16)) + part[2:] for part in parts[1:])


class Connection:
    """One authenticated connection to the session bus, with blocking method calls."""

    def __init__(self, timeout: float) -> None:
        self._sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        self._serial = 0
        self._pending = b""
        try:
            self._sock.connect(session_bus_path())
            uid_hex = str(os.getuid()).encode().hex().encode()
            self._sock.sendall(b"\0AUTH EXTERNAL " + uid_hex + b"\r\n")
            if not self._read_line().startswith(b"OK "):
                raise DBusError("the session bus refused EXTERNAL authentication")
            self._sock.sendall(b"BEGIN\r\n")
            self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                      "Hello")
        except OSError as exc:
            self.close()
            raise DBusError(f"session bus: {exc}") from exc
        except DBusError:
            self.close()
            raise

    def _read_line(self) -> bytes:
        while b"\r\n" not in self._pending:
            self._recv_more()
        line, _, self._pending = self._pending.partition(b"\r\n")
        return line

    def _recv_more(self) -> None:
        data = self._sock.recv(65536)
        if not data:
            raise DBusError("the session bus closed the connection")
        self._pending += data

    def _read_exact(self, count: int) -> bytes:
        while len(self._pending) < count:
            self._recv_more()
        data, self._pending = self._pending[:count], self._pending[count:]
        return data

    def call(self, destination: str, path: str, interface: str, member: str,
             signature: str = "", *args: Any) -> list[Any]:
        """Call a method and return the reply's values; DBusError for an error reply."""
        self._serial += 1
        body = _Writer()
        for sig, value in zip(split_types(signature), args, strict=True):
            body.put(sig, value)
        fields: list[tuple[int, tuple[str, object]]] = [
            (1, ("o", path)), (2, ("s", interface)), (3, ("s", member)),
            (6, ("s", destination))]
        if signature:
            fields.append((8, ("g", signature)))
        message = _Writer()
        message.buf += b"l" + bytes([METHOD_CALL, 0, 1])
        message.buf += struct.pack("<II", len(body.buf), self._serial)
        message.put("a(yv)", fields)
        message.pad(8)
        try:
            self._sock.sendall(bytes(message.buf) + bytes(body.buf))
            return self._reply(self._serial)
        except OSError as exc:
            raise DBusError(f"session bus: {exc}") from exc

    def _reply(self, serial: int) -> list[Any]:
        while True:
            head = self._read_exact(16)
            endian = "<" if head[:1] == b"l" else ">"
            body_length, _, fields_length = struct.unpack(endian + "III", head[4:16])
            header_length = 16 + fields_length + (-(16 + fields_length) % 8)
            if header_length + body_length > MAX_MESSAGE:
                raise DBusError("oversized D-Bus message")
            data = head + self._read_exact(header_length - 16 + body_length)
            fields = dict(_Reader(data, endian, 12).get("a(yv)"))
            if head[1] not in (METHOD_RETURN, ERROR) or fields.get(5) != serial:
                continue  # a signal, or a reply to something else
            reader = _Reader(data, endian, header_length)
            values = [reader.get(sig) for sig in split_types(str(fields.get(8, "")))]
            if head[1] == ERROR:
                detail = f": {values[0]}" if values and isinstance(values[0], str) else ""
                raise DBusError(f"{fields.get(4, 'D-Bus error')}{detail}")
            return values

    def close(self) -> None:
        """Close the socket."""
        self._sock.close()
