"""Stores of Credentials by cache key: the OS keyring, memory (tests), or nothing.

This is the only module that talks to keyring. Entries are compact JSON, split into chunks
that fit the Windows Credential Manager's 2,560-byte (UTF-16) limit. A corrupt or truncated
entry reads as a miss; keyring faults raise CacheUnavailableError for the caller to handle.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from assume.errors import CacheUnavailableError
from assume.models import Credentials

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from assume.interfaces import CredentialCache as CredentialCache

SERVICE = "assume"
CHUNK_CHARS = 1200  # characters per keyring item; Windows allows 2,560 bytes of UTF-16
MAX_CHUNKS = 8


def encode(credentials: Credentials) -> str:
    """Compact JSON of the credentials (secrets included: only ever stored in a keyring)."""
    expiration = credentials.expiration
    data = {
        "a": credentials.access_key_id,
        "s": credentials.secret_access_key,
        "t": credentials.session_token,
        "e": int(expiration.timestamp()) if expiration else None,
        "l": credentials.lifetime,
    }
    if credentials.account_id:
        data["i"] = credentials.account_id
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> Credentials | None:
    """Credentials from `encode`'s output, or None when the text is damaged."""
    try:
        data = json.loads(text)
        expiration = data["e"]
        return Credentials(
            access_key_id=str(data["a"]),
            secret_access_key=str(data["s"]),
            session_token=data["t"],
            expiration=datetime.fromtimestamp(expiration, timezone.utc) if expiration else None,
            lifetime=data.get("l"),
            account_id=data.get("i"),
        )
    except (ValueError, KeyError, TypeError, OverflowError):
        return None


def split(text: str) -> list[str]:
    """Chunks to store; the first carries the count as `N|`."""
    pieces = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)] or [""]
    return [f"{len(pieces)}|{pieces[0]}", *pieces[1:]]


def chunk_names(key: str, count: int) -> list[str]:
    """Keyring usernames of an entry's chunks."""
    return [key] + [f"{key}.{index}" for index in range(1, count)]


def chunk_count(first: str) -> int | None:
    """The count in a first chunk, or None when it is damaged."""
    head, sep, _ = first.partition("|")
    if not sep or not head.isdigit() or not 1 <= int(head) <= MAX_CHUNKS:
        return None
    return int(head)


def join(first: str, rest: list[str | None]) -> str | None:
    """Reassemble chunks; None if any is missing."""
    if any(part is None for part in rest):
        return None
    return first.partition("|")[2] + "".join(part or "" for part in rest)


class MemoryCache:
    """A dict-backed cache for tests and for `--no-cache` style fallbacks within one process."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.info: dict[str, dict[str, object]] = {}

    def get(self, key: str) -> Credentials | None:
        text = self.items.get(key)
        return decode(text) if text is not None else None

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        self.items[key] = encode(credentials)
        self.info[key] = info

    def delete(self, key: str) -> None:
        self.items.pop(key, None)
        self.info.pop(key, None)

    def entries(self) -> dict[str, dict[str, object]]:
        return dict(self.info)


class NullCache:
    """Neither reads nor writes: `--no-cache`, or no usable keyring."""

    def get(self, key: str) -> Credentials | None:
        return None

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        return None

    def delete(self, key: str) -> None:
        return None

    def entries(self) -> dict[str, dict[str, object]]:
        return {}


class KeyringCache:
    """Credentials in the OS keyring under service `assume`, one item per chunk."""

    def __init__(self, backend: Any = None) -> None:
        self._backend = backend
        self._may_unlock = backend is None  # only the full path may ask to unlock the keyring
        self._counts: dict[str, int] = {}  # chunks of each entry as this process last read it

    @property
    def backend(self) -> Any:
        """The keyring backend, loaded on first use (remembered class, else discovery); for the
        Secret Service, one connection for every call of this process (`secret_service`)."""
        if self._backend is None:
            self._backend = self._load()
        return self._backend

    def _load(self) -> Any:
        from assume import keyring_backend
        from assume.deadlines import call_with_deadline, keyring_timeout
        from assume.secret_service import SecretServiceStore

        if keyring_backend.remembered() == keyring_backend.SECRET_SERVICE:
            return SecretServiceStore()  # keyring itself is not even imported
        keyring_backend.warm_up()  # imports are not the keyring's time
        backend = call_with_deadline("the keyring", keyring_timeout(), keyring_backend.load)
        if keyring_backend.class_path(backend) == keyring_backend.SECRET_SERVICE:
            return SecretServiceStore()
        return backend

    def _call(self, method: str, *args: str) -> Any:
        """One keyring operation (loading the backend included) within the keyring deadline.
        A store with deadlines of its own (`has_deadline`: the Secret Service store's socket
        timeouts, the kernel keyring's system calls) is called directly; keyring's backends run
        in a thread held to the deadline."""
        from assume.deadlines import DeadlineExceeded, call_with_deadline, keyring_timeout
        from assume.secret_service import SecretServiceLocked

        try:
            operation = getattr(self.backend, method)
            if getattr(self.backend, "has_deadline", False):
                return operation(*args)
            return call_with_deadline("the keyring", keyring_timeout(), lambda: operation(*args))
        except CacheUnavailableError:
            raise
        except DeadlineExceeded as exc:
            raise CacheUnavailableError(str(exc)) from None
        except SecretServiceLocked:
            if not self._may_unlock:
                raise CacheUnavailableError("the keyring is locked") from None
            from assume import keyring_backend

            # keyring's own backend can ask the user to unlock the collection.
            self._backend = keyring_backend.load_class(keyring_backend.SECRET_SERVICE)
            return self._call(method, *args)
        except Exception as exc:
            if type(exc).__name__ == "PasswordDeleteError":
                return None
            raise CacheUnavailableError(f"{type(exc).__name__}: {exc}") from exc

    def get(self, key: str) -> Credentials | None:
        first = self._call("get_password", SERVICE, key)
        if first is None:
            self._counts[key] = 1
            return None
        count = chunk_count(first)
        if count is None:
            return None
        self._counts[key] = count
        rest = [self._call("get_password", SERVICE, name) for name in chunk_names(key, count)[1:]]
        text = join(first, rest)
        return decode(text) if text is not None else None

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        chunks = split(encode(credentials))
        if len(chunks) > MAX_CHUNKS:
            return  # far beyond any real session, and a reader would reject it anyway
        names = chunk_names(key, len(chunks))
        old_count = self._counts.get(key)
        if old_count is None:  # not read by this process: look at what is there
            old_count = chunk_count(self._call("get_password", SERVICE, key) or "") or 1
        # Later chunks first, so a reader never sees a new count with old pieces missing.
        for name, chunk in reversed(list(zip(names, chunks, strict=True))):
            self._call("set_password", SERVICE, name, chunk)
        for name in chunk_names(key, old_count)[len(chunks):]:  # a longer entry's leftovers
            self._call("delete_password", SERVICE, name)
        self._counts[key] = len(chunks)
        from assume import cache_index

        cache_index.record(key, info)

    def delete(self, key: str) -> None:
        # Every possible chunk name: the first item's count may be damaged, or an interrupted
        # write may have left pieces beyond it.
        for name in chunk_names(key, MAX_CHUNKS):
            self._call("delete_password", SERVICE, name)
        from assume import cache_index

        cache_index.forget([key])

    def entries(self) -> dict[str, dict[str, object]]:
        from assume import cache_index

        return cache_index.read()


class FastKeyringReader:
    """The hot path's read-only view of the store cache_backend selects: the kernel keyring
    directly; else the remembered keyring backend, loaded without discovery, and for the
    Secret Service `secret_service`'s own connection (under `auto`, a bus that does not connect
    means the kernel keyring). Any trouble reads as a miss; `answered` tells a real answer (a
    hit, or no such entry) from trouble."""

    def __init__(self) -> None:
        self.answered = False

    def get(self, key: str) -> Credentials | None:
        from assume import cache_backend, keyring_backend
        from assume.secret_service import SecretServiceStore, SecretServiceUnavailable

        lane = cache_backend.fast_lane()
        if lane == "none":
            return None
        if lane == "kernel":
            return self._read(_kernel_store, key)
        path = keyring_backend.remembered()
        reader = SecretServiceStore() if path in (None, keyring_backend.SECRET_SERVICE) \
            else None
        if reader is not None and lane == "auto":
            try:
                reader.open()
            except SecretServiceUnavailable:
                reader.close()
                return self._read(_kernel_store, key)  # no Secret Service: auto uses the kernel
        if path is None:
            if reader is not None:
                reader.close()
            return None  # the backend is not known yet: the full path discovers it
        try:
            return self._read(lambda: reader or keyring_backend.load_class(path), key)
        finally:
            if reader is not None:
                reader.close()

    def _read(self, store: Callable[[], Any], key: str) -> Credentials | None:
        try:
            found = KeyringCache(store()).get(key)
        except CacheUnavailableError:
            return None
        self.answered = True
        return found


def _kernel_store() -> Any:
    from assume.kernel_keyring import KernelKeyring

    return KernelKeyring()
