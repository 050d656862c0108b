"""One contract for every credential cache: MemoryCache, KeyringCache over an in-memory keyring,
KeyringCache over the real Secret Service (gnome-keyring, as scripts/test runs it), and
KernelCache over the real Linux kernel user keyring (a namespace of its own per test).

Each implementation comes with a `Store`: the cache under test plus raw access to the items
underneath it, so the tests can damage entries the way a crash, an old version or another
program would, and can check what actually lands in the keyring.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assume import cache_index, keyring_backend
from assume.cache import (
    CHUNK_CHARS,
    MAX_CHUNKS,
    SERVICE,
    EntryRefusedError,
    FastKeyringReader,
    KeyringCache,
    MemoryCache,
    chunk_names,
    encode,
)
from assume.cache_backend import KernelCache
from assume.kernel_keyring import KernelKeyring
from assume.models import Credentials
from assume.paths import state_file, write_private
from tests.support import kernel_keys
from tests.support.memory_keyring import MemoryKeyring
from tests.support.secret_service import require_secret_service

WINDOWS_ITEM_CHARS = 1280  # Windows Credential Manager: 2,560 bytes of UTF-16 per item
WINDOWS_ITEM_BYTES = 2560
LONG_TOKEN = 3000  # characters; STS tokens of chained or tagged sessions get this long
# A real session's expiry: an hour from now, to the second (entries store whole seconds).
EXPIRES = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
SAMPLE_KEY = "0" * 40  # for measuring encoded lengths: every cache key has 40 characters


def new_key() -> str:
    """A fresh cache key shaped like the real ones (40 hex digits)."""
    return secrets.token_hex(20)


def make_credentials(token_chars: int = 400, **changes: object) -> Credentials:
    fields: dict[str, object] = {
        "access_key_id": "ASIA" + secrets.token_hex(8).upper(),
        "secret_access_key": secrets.token_urlsafe(30),
        "session_token": ("FwoGZXIvYXdzE" + secrets.token_urlsafe(token_chars))[:token_chars],
        "expiration": EXPIRES,
        "lifetime": 3600,
    }
    fields.update(changes)
    return Credentials(**fields)  # type: ignore[arg-type]


def info_for(role: str, expires: datetime = EXPIRES) -> dict[str, object]:
    return {"role": role, "profile": None, "source": "profile alice",
            "expires": int(expires.timestamp())}


@dataclass
class Store:
    """A cache under test and the raw items beneath it."""

    name: str
    cache: MemoryCache | KeyringCache | KernelCache
    chunked: bool
    raw_get: Callable[[str], str | None]
    raw_set: Callable[[str, str], None]
    raw_delete: Callable[[str], None]
    raw_names: Callable[[], list[str]]  # every stored item name under service `assume`
    foreign: frozenset[str] = frozenset()  # keys already in a shared keyring before the test

    def own_entries(self) -> dict[str, dict[str, object]]:
        """`cache.entries()` without the sessions others left in a shared keyring."""
        return {k: v for k, v in self.cache.entries().items() if k not in self.foreign}

    def names_of(self, key: str) -> list[str]:
        """The raw items that belong to `key` (its first item and its chunks)."""
        return sorted(n for n in self.raw_names() if n == key or n.startswith(key + "."))


def memory_store() -> Store:
    cache = MemoryCache()
    return Store(
        "memory", cache, chunked=False,
        raw_get=cache.items.get,
        raw_set=cache.items.__setitem__,
        raw_delete=lambda name: cache.items.pop(name, None),
        raw_names=lambda: sorted(cache.items),
    )


def keyring_store(backend: MemoryKeyring) -> Store:
    def delete(name: str) -> None:
        backend.items.pop((SERVICE, name), None)

    return Store(
        "keyring-memory", KeyringCache(backend), chunked=True,
        raw_get=lambda name: backend.get_password(SERVICE, name),
        raw_set=lambda name, value: backend.set_password(SERVICE, name, value),
        raw_delete=delete,
        raw_names=lambda: backend.usernames(SERVICE),
    )


def secret_service_items() -> list[tuple[str, object]]:
    """(username, item) of every `assume` item in the default Secret Service collection."""
    import secretstorage

    connection = secretstorage.dbus_init()
    collection = secretstorage.get_default_collection(connection)
    return [(item.get_attributes().get("username", ""), item)
            for item in collection.search_items({"service": SERVICE})]


def secret_service_backend() -> object:
    """keyring's real SecretService backend (see require_secret_service)."""
    from keyring.backends import SecretService

    require_secret_service()
    return SecretService.Keyring()


def secret_service_store(backend: object, foreign: frozenset[str] = frozenset()) -> Store:
    def raw_set(name: str, value: str) -> None:
        backend.set_password(SERVICE, name, value)  # type: ignore[attr-defined]

    def raw_delete(name: str) -> None:
        for username, item in secret_service_items():
            if username == name:
                item.delete()  # type: ignore[attr-defined]

    return Store(
        "secret-service", KeyringCache(backend), chunked=True,
        raw_get=lambda name: backend.get_password(SERVICE, name),  # type: ignore[attr-defined]
        raw_set=raw_set,
        raw_delete=raw_delete,
        raw_names=lambda: sorted(username for username, _ in secret_service_items()),
        foreign=foreign,
    )


def kernel_store() -> Store:
    """KernelCache in this test's namespace (the `home` fixture's ASSUME_KERNEL_NAMESPACE)."""
    kernel_keys.require_kernel_keyring()
    backend = KernelKeyring()

    def raw_set(name: str, value: str) -> None:
        if not value:
            pytest.skip("the kernel refuses an empty user key: no crash or program leaves one")
        backend.set_password(SERVICE, name, value)

    return Store(
        "kernel", KernelCache(backend), chunked=True,
        raw_get=lambda name: backend.get_password(SERVICE, name),
        raw_set=raw_set,
        raw_delete=lambda name: backend.delete_password(SERVICE, name),
        raw_names=lambda: backend.usernames(SERVICE),
    )


@pytest.fixture(params=["memory", "keyring-memory", "secret-service", "kernel"])
def store(request: pytest.FixtureRequest, home: Path) -> Iterator[Store]:
    """Every cache implementation, each with a private HOME (the cache index lives there)."""
    if request.param == "memory":
        yield memory_store()
    elif request.param == "keyring-memory":
        yield keyring_store(MemoryKeyring())
    elif request.param == "kernel":
        yield kernel_store()  # the home fixture empties its namespace afterwards
    else:
        backend = secret_service_backend()
        before = {username for username, _ in secret_service_items()}
        yield secret_service_store(backend, frozenset(n.split(".")[0] for n in before))
        for username, item in secret_service_items():  # leave the daemon as it was found
            if username not in before:
                item.delete()  # type: ignore[attr-defined]


@pytest.fixture
def chunked_store(store: Store) -> Store:
    if not store.chunked:
        pytest.skip(f"{store.name} keeps each entry as one item: it has no chunks to damage")
    return store


def encoded_length_for(token_chars: int) -> int:
    return len(encode(make_credentials(token_chars), SAMPLE_KEY))


def chunks_for(credentials: Credentials) -> int:
    return -(-len(encode(credentials, SAMPLE_KEY)) // CHUNK_CHARS)


LONG_CHUNKS = chunks_for(make_credentials(LONG_TOKEN))  # items a LONG_TOKEN entry takes


# --- the contract ---------------------------------------------------------------------------


def test_missing_key_reads_as_none(store: Store) -> None:
    assert store.cache.get(new_key()) is None


@pytest.mark.parametrize(
    "credentials",
    [
        make_credentials(),
        make_credentials(expiration=EXPIRES.astimezone(timezone(timedelta(hours=2)))),
        make_credentials(lifetime=900),
        make_credentials(lifetime=None),
    ],
    ids=["utc", "other-offset", "short-lifetime", "unknown-lifetime"],
)
def test_put_then_get_preserves_every_field(store: Store, credentials: Credentials) -> None:
    key = new_key()
    store.cache.put(key, credentials, info_for("Role-A"))
    found = store.cache.get(key)
    assert found == credentials
    assert found is not None
    if credentials.expiration is not None:
        assert found.expiration is not None
        assert found.expiration.utcoffset() == timedelta(0), "read back as aware UTC"
        assert found.expiration_iso == credentials.expiration_iso
    assert found.lifetime == credentials.lifetime


@pytest.mark.parametrize("token_chars", [3000, 3500, 6000])
def test_long_session_token_round_trips(store: Store, token_chars: int) -> None:
    key = new_key()
    credentials = make_credentials(token_chars)
    assert len(credentials.session_token or "") == token_chars
    store.cache.put(key, credentials, info_for("Role-A"))
    assert store.cache.get(key) == credentials


def test_entry_whose_length_is_a_whole_number_of_chunks_round_trips(store: Store) -> None:
    key = new_key()
    token_chars = 3000 + (CHUNK_CHARS * 3 - encoded_length_for(3000))
    credentials = make_credentials(token_chars)
    assert len(encode(credentials, SAMPLE_KEY)) == CHUNK_CHARS * 3
    store.cache.put(key, credentials, info_for("Role-A"))
    assert store.cache.get(key) == credentials


def test_every_keyring_item_fits_the_windows_credential_manager(chunked_store: Store) -> None:
    key = new_key()
    chunked_store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    names = chunked_store.names_of(key)
    assert len(names) >= 3, "a 3,000-character token needs several items"
    for name in names:
        item = chunked_store.raw_get(name)
        assert item is not None
        assert len(item) <= WINDOWS_ITEM_CHARS
        assert len(item.encode("utf-16-le")) <= WINDOWS_ITEM_BYTES


def test_put_replaces_an_earlier_entry(store: Store) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    newer = make_credentials(200)
    store.cache.put(key, newer, info_for("Role-A"))
    assert store.cache.get(key) == newer


def test_delete_removes_every_chunk(store: Store) -> None:
    key, other = new_key(), new_key()
    store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    store.cache.put(other, make_credentials(), info_for("Role-B"))
    store.cache.delete(key)
    assert store.cache.get(key) is None
    assert store.names_of(key) == []
    assert store.cache.get(other) is not None, "other keys are left alone"


def test_shorter_replacement_leaves_no_stale_chunk(store: Store) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    store.cache.put(key, make_credentials(200), info_for("Role-A"))
    assert store.names_of(key) == [key]


def test_delete_after_a_shorter_replacement_leaves_no_stale_chunk(store: Store) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    store.cache.put(key, make_credentials(200), info_for("Role-A"))
    store.cache.delete(key)
    assert store.names_of(key) == []


def test_delete_of_a_corrupt_entry_removes_its_chunks(store: Store) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    store.raw_set(key, "garbage")
    store.cache.delete(key)
    assert store.names_of(key) == []


def test_delete_of_a_missing_key_is_not_an_error(store: Store) -> None:
    store.cache.delete(new_key())


@pytest.mark.parametrize(
    "damaged",
    ["garbage", "", "1|", "1|not json", "1|{}", '1|{"a":"ASIA","t":null,"e":null}',
     '1|{"a":"ASIA","s":"x","t":null,"e":"soon"}', "|" * 5],
    ids=["garbage", "empty", "empty-body", "not-json", "empty-object", "no-secret",
         "bad-expiration", "pipes"],
)
def test_corrupt_first_item_reads_as_miss_and_put_replaces_it(
    store: Store, damaged: str
) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(), info_for("Role-A"))
    store.raw_set(key, damaged)
    assert store.cache.get(key) is None
    fresh = make_credentials()
    store.cache.put(key, fresh, info_for("Role-A"))
    assert store.cache.get(key) == fresh


BAD_COUNTS: dict[str, Callable[[int], str]] = {
    "zero": lambda n: "0",
    "one-too-few": lambda n: str(n - 1),
    "one-too-many": lambda n: str(n + 1),
    "over-the-maximum": lambda n: str(MAX_CHUNKS + 1),
    "huge": lambda n: "99999999999999999999",
    "not-a-number": lambda n: "x",
    "negative": lambda n: f"-{n}",
    "padded": lambda n: f" {n}",
}


@pytest.mark.parametrize("bad_count", list(BAD_COUNTS.values()), ids=list(BAD_COUNTS))
def test_bad_chunk_count_reads_as_miss_and_put_replaces_it(
    chunked_store: Store, bad_count: Callable[[int], str]
) -> None:
    key = new_key()
    chunked_store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    count = len(chunked_store.names_of(key))
    assert count == LONG_CHUNKS >= 3
    first = chunked_store.raw_get(key)
    assert first is not None and first.startswith(f"{count}|")
    chunked_store.raw_set(key, f"{bad_count(count)}|{first.partition('|')[2]}")
    assert chunked_store.cache.get(key) is None
    fresh = make_credentials(LONG_TOKEN)
    chunked_store.cache.put(key, fresh, info_for("Role-A"))
    assert chunked_store.cache.get(key) == fresh


@pytest.mark.parametrize("missing", [1, 2])
def test_missing_later_chunk_reads_as_miss_and_put_replaces_it(
    chunked_store: Store, missing: int
) -> None:
    key = new_key()
    chunked_store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    chunked_store.raw_delete(chunk_names(key, LONG_CHUNKS)[missing])
    assert chunked_store.cache.get(key) is None
    fresh = make_credentials(LONG_TOKEN)
    chunked_store.cache.put(key, fresh, info_for("Role-A"))
    assert chunked_store.cache.get(key) == fresh


def test_damaged_later_chunk_reads_as_miss(chunked_store: Store) -> None:
    key = new_key()
    chunked_store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    chunked_store.raw_set(chunk_names(key, LONG_CHUNKS)[2], "x" * 50)
    assert chunked_store.cache.get(key) is None


# --- the entry schema (issue 10, item 5) ------------------------------------------------------

DROP = object()  # a field removed from the entry
DAMAGES: dict[str, dict[str, object]] = {
    "no-expiry": {"e": None},
    "expiry-missing": {"e": DROP},
    "text-expiry": {"e": "soon"},
    "fractional-expiry": {"e": 1.9e9},
    "boolean-expiry": {"e": True},
    "expiry-in-1970": {"e": 5},
    "expiry-beyond-any-clock": {"e": 10**20},
    "no-access-key": {"a": None},
    "numeric-access-key": {"a": 12345},
    "empty-access-key": {"a": ""},
    "access-key-with-newline": {"a": "ASIAX\nexport X=1"},
    "no-secret": {"s": None},
    "empty-secret": {"s": ""},
    "secret-with-escape": {"s": "abc\x1b]0;x\x07"},
    "integer-token": {"t": 12345},
    "token-list": {"t": ["x"]},
    "text-lifetime": {"l": "x"},
    "negative-lifetime": {"l": -1},
    "boolean-lifetime": {"l": True},
    "written-for-another-key": {"k": secrets.token_hex(20)},
    "no-key-tag": {"k": DROP},
    "no-version": {"v": DROP},
    "future-version": {"v": 99},
}


def damage(store: Store, key: str, change: dict[str, object]) -> None:
    """Rewrite the stored entry of `key` with some fields changed, as another program might."""
    raw = store.raw_get(key)
    assert raw is not None
    prefix, _, body = raw.partition("|") if store.chunked else ("", "", raw)
    data = json.loads(body)
    for field, value in change.items():
        if value is DROP:
            data.pop(field, None)
        else:
            data[field] = value
    text = json.dumps(data, separators=(",", ":"))
    store.raw_set(key, f"{prefix}|{text}" if store.chunked else text)


@pytest.mark.parametrize("change", list(DAMAGES.values()), ids=list(DAMAGES))
def test_entry_outside_the_schema_reads_as_miss_and_put_replaces_it(
    store: Store, change: dict[str, object]
) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(), info_for("Role-A"))
    damage(store, key, change)
    assert store.cache.get(key) is None
    fresh = make_credentials()
    store.cache.put(key, fresh, info_for("Role-A"))
    assert store.cache.get(key) == fresh


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "7"], ids=str)
def test_entry_that_is_not_an_object_reads_as_miss(store: Store, body: str) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(), info_for("Role-A"))
    store.raw_set(key, f"1|{body}" if store.chunked else body)
    assert store.cache.get(key) is None


def test_entry_copied_under_another_key_reads_as_miss(store: Store) -> None:
    key, other = new_key(), new_key()
    store.cache.put(key, make_credentials(), info_for("Role-A"))
    raw = store.raw_get(key)
    assert raw is not None
    store.raw_set(other, raw)
    assert store.cache.get(other) is None


def test_credentials_without_an_expiry_are_not_stored(store: Store) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(), info_for("Role-A"))
    with pytest.raises(EntryRefusedError):
        store.cache.put(key, make_credentials(session_token=None, expiration=None,
                                              lifetime=None), info_for("Role-A"))
    assert store.cache.get(key) is None, "the older session is not left in place"
    assert store.names_of(key) == []


# --- a session too large to cache (issue 10, item 9) ----------------------------------------


def test_session_too_large_to_cache_removes_the_older_entry(store: Store) -> None:
    key = new_key()
    store.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    huge = make_credentials(CHUNK_CHARS * MAX_CHUNKS)
    with pytest.raises(EntryRefusedError, match="too large"):
        store.cache.put(key, huge, info_for("Role-A"))
    assert store.cache.get(key) is None, "the older session must not be served instead"
    assert store.names_of(key) == []
    assert key not in store.cache.entries()


def test_entries_lists_put_keys_with_their_info_and_never_a_secret(store: Store) -> None:
    first, second = new_key(), new_key()
    creds_a, creds_b = make_credentials(LONG_TOKEN), make_credentials()
    info_a = info_for("arn:aws:iam::123456789012:role/Role-A")
    info_b = {**info_for("arn:aws:iam::123456789012:role/Role-B"), "profile": "Role-B",
              "source": "arn:aws:iam::123456789012:role/Role-A"}
    store.cache.put(first, creds_a, info_a)
    store.cache.put(second, creds_b, info_b)
    entries = store.own_entries()
    assert entries == {first: info_a, second: info_b}
    listed = json.dumps(entries)
    for creds in (creds_a, creds_b):
        assert creds.secret_access_key not in listed
        assert (creds.session_token or "")[:40] not in listed
    store.cache.delete(first)
    assert set(store.own_entries()) == {second}


def test_entries_and_delete_find_sessions_whose_index_is_lost(chunked_store: Store) -> None:
    """Every keyring store here can search its items: the index is a view, not the truth."""
    first, second = new_key(), new_key()
    chunked_store.cache.put(first, make_credentials(), info_for("Role-A"))
    chunked_store.cache.put(second, make_credentials(LONG_TOKEN), info_for("Role-B"))
    os.unlink(state_file(cache_index.INDEX_FILE))
    found = chunked_store.own_entries()
    assert set(found) == {first, second}
    assert all(isinstance(info["expires"], int) for info in found.values())
    for key in found:
        chunked_store.cache.delete(key)
    assert chunked_store.names_of(first) == chunked_store.names_of(second) == []


def test_entries_is_empty_for_a_new_cache(store: Store) -> None:
    assert store.own_entries() == {}


# --- the hot path's reader --------------------------------------------------------------


@pytest.fixture
def secret_service_cache(home: Path) -> Iterator[Store]:
    backend = secret_service_backend()
    before = {username for username, _ in secret_service_items()}
    yield secret_service_store(backend)
    for username, item in secret_service_items():
        if username not in before:
            item.delete()  # type: ignore[attr-defined]


@pytest.fixture(params=["state-file", "environment"])
def remembered_secret_service(
    request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The backend remembered as SecretService, the two ways keyring_backend knows it."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    if request.param == "state-file":
        remembered = state_file(keyring_backend.BACKEND_FILE)
        write_private(remembered, keyring_backend.SECRET_SERVICE + "\n")
    else:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", keyring_backend.SECRET_SERVICE)
    assert keyring_backend.remembered() == keyring_backend.SECRET_SERVICE
    return str(request.param)


@pytest.mark.parametrize("token_chars", [400, 3500])
def test_fast_reader_reads_what_keyring_cache_wrote_to_the_secret_service(
    secret_service_cache: Store, remembered_secret_service: str, token_chars: int
) -> None:
    key = new_key()
    credentials = make_credentials(token_chars)
    secret_service_cache.cache.put(key, credentials, info_for("Role-A"))
    assert FastKeyringReader().get(key) == credentials


def test_fast_reader_misses_a_key_that_was_never_written(
    secret_service_cache: Store, remembered_secret_service: str
) -> None:
    assert FastKeyringReader().get(new_key()) is None


def test_fast_reader_misses_an_entry_with_a_missing_chunk(
    secret_service_cache: Store, remembered_secret_service: str
) -> None:
    key = new_key()
    secret_service_cache.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    secret_service_cache.raw_delete(chunk_names(key, LONG_CHUNKS)[2])
    assert FastKeyringReader().get(key) is None


def test_fast_reader_misses_a_corrupt_first_item(
    secret_service_cache: Store, remembered_secret_service: str
) -> None:
    key = new_key()
    secret_service_cache.cache.put(key, make_credentials(), info_for("Role-A"))
    secret_service_cache.raw_set(key, "1|{not json")
    assert FastKeyringReader().get(key) is None


def test_fast_reader_reads_nothing_until_a_backend_is_remembered(
    secret_service_cache: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    assert keyring_backend.remembered() is None
    key = new_key()
    secret_service_cache.cache.put(key, make_credentials(), info_for("Role-A"))
    assert FastKeyringReader().get(key) is None


def test_invalid_utf8_in_the_secret_service_reads_as_miss_and_put_replaces_it(
    secret_service_cache: Store, remembered_secret_service: str
) -> None:
    key = new_key()
    secret_service_cache.cache.put(key, make_credentials(), info_for("Role-A"))
    [item] = [item for username, item in secret_service_items() if username == key]
    item.set_secret(b"1|\xff\xfe{not utf-8")  # type: ignore[attr-defined]
    assert FastKeyringReader().get(key) is None
    assert secret_service_cache.cache.get(key) is None  # a miss, not CacheUnavailableError
    fresh = make_credentials()
    secret_service_cache.cache.put(key, fresh, info_for("Role-A"))
    assert secret_service_cache.cache.get(key) == fresh
    assert FastKeyringReader().get(key) == fresh


# --- the hot path's reader over the kernel keyring -------------------------------------------


@pytest.fixture(params=["kernel", "auto-no-bus", "auto-dead-bus"])
def kernel_lane(
    request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """KernelCache, and the environment in which the fast lane reads the kernel keyring."""
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    if request.param == "kernel":
        monkeypatch.setenv("ASSUME_CACHE_BACKEND", "kernel")
    elif request.param == "auto-no-bus":
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        write_private(state_file(keyring_backend.BACKEND_FILE), keyring_backend.SECRET_SERVICE)
    return kernel_store()


@pytest.mark.parametrize("token_chars", [400, 3500])
def test_fast_reader_reads_what_kernel_cache_wrote(kernel_lane: Store, token_chars: int) -> None:
    key = new_key()
    credentials = make_credentials(token_chars)
    kernel_lane.cache.put(key, credentials, info_for("Role-A"))
    assert FastKeyringReader().get(key) == credentials
    assert FastKeyringReader().get(new_key()) is None


def test_fast_reader_misses_a_kernel_entry_with_a_missing_or_corrupt_chunk(
    kernel_lane: Store,
) -> None:
    key, other = new_key(), new_key()
    kernel_lane.cache.put(key, make_credentials(LONG_TOKEN), info_for("Role-A"))
    kernel_lane.raw_delete(chunk_names(key, LONG_CHUNKS)[2])
    assert FastKeyringReader().get(key) is None
    kernel_lane.cache.put(other, make_credentials(), info_for("Role-B"))
    kernel_lane.raw_set(other, "1|{not json")
    assert FastKeyringReader().get(other) is None


def test_fast_reader_with_backend_none_reads_nothing(
    kernel_lane: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    kernel_lane.cache.put(key, make_credentials(), info_for("Role-A"))
    monkeypatch.setenv("ASSUME_CACHE_BACKEND", "none")
    assert FastKeyringReader().get(key) is None
