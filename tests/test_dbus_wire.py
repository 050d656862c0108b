"""The hit path's own D-Bus marshalling: what it writes, it reads back, in both byte orders."""

from __future__ import annotations

import pytest

from assume.dbus_wire import DBusError, _Reader, _Writer, session_bus_path, split_types

VALUES = [
    ("y", 7), ("b", True), ("u", 4_000_000_000), ("i", -5), ("x", -(2**40)), ("t", 2**63),
    ("d", 1.5), ("s", "héllo"), ("o", "/org/freedesktop/secrets/session/s1"), ("g", "a{sv}"),
    ("as", ["a", "", "ccc"]), ("ay", b"\x00\xffsecret"), ("a{ss}", {"service": "assume", "u": ""}),
    ("(oayays)", ("/s", b"", b"value", "text/plain")),
    ("a{o(oayays)}", {"/i/1": ("/s", b"", b"v1", "text/plain"), "/i/2": ("/s", b"p", b"", "")}),
    ("v", 42), ("aas", [[], ["x"]]), ("a(yv)", [(1, "/p"), (5, 9)]),
]


@pytest.mark.parametrize("endian", ["<", ">"])
@pytest.mark.parametrize(("sig", "value"), VALUES)
def test_what_is_written_reads_back(sig: str, value: object, endian: str) -> None:
    writer = _Writer(endian)
    writer.put("y", 1)  # misalign on purpose: padding must follow the absolute offset
    wire_value = value
    if sig == "v":
        wire_value = ("u", value)
    elif sig == "a(yv)":
        wire_value = [(code, ("o" if code == 1 else "u", item)) for code, item in value]  # type: ignore[attr-defined]
    writer.put(sig, wire_value)
    reader = _Reader(bytes(writer.buf), endian)
    assert reader.get("y") == 1
    assert reader.get(sig) == value
    assert reader.at == len(writer.buf)


def test_signatures_split_into_complete_types() -> None:
    assert split_types("a{ss}oa(oayays)v") == ["a{ss}", "o", "a(oayays)", "v"]
    with pytest.raises(DBusError):
        split_types("h")


def test_a_truncated_message_is_an_error_not_a_crash() -> None:
    writer = _Writer()
    writer.put("s", "a long string")
    with pytest.raises(DBusError):
        _Reader(bytes(writer.buf)[:6], "<").get("s")


@pytest.mark.parametrize(("address", "path"), [
    ("unix:path=/run/user/1000/bus", "/run/user/1000/bus"),
    ("unix:abstract=/tmp/dbus-AbC,guid=0123", "\0/tmp/dbus-AbC"),
    ("tcp:host=x;unix:path=/tmp/a%2cb,guid=1", "/tmp/a,b"),
])
def test_the_session_bus_address_names_its_socket(
    address: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    assert session_bus_path() == path
