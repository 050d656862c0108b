"""Stores of Credentials by cache key: the OS keyring, memory (tests), or nothing.

This is the only module that talks to keyring. Entries are compact JSON (`cache_entry`), split
into chunks that fit the Windows Credential Manager's 2,560-byte (UTF-16) limit. A corrupt,
truncated, undecodable or out-of-schema entry reads as a miss; keyring faults raise
CacheUnavailableError for the caller to handle. A put that cannot store a session raises
EntryRefusedError after removing the older entry, so a stale session is never served instead.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from assume import cache_index
from assume.cache_entry import EntryRefusedError as EntryRefusedError
from assume.cache_entry import decode
from assume.cache_entry import encode as encode
from assume.errors import CacheUnavailableError
from assume.models import Credentials

SERVICE = "assume"
CHUNK_CHARS = 1200  # characters per keyring item; Windows allows 2,560 bytes of UTF-16
MAX_CHUNKS = 8


class CredentialCache(Protocol):
    """What the provider needs from a cache."""

    def get(self, key: str) -> Credentials | None: ...

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None: ...

    def delete(self, key: str) -> None: ...

    def entries(self) -> dict[str, dict[str, object]]: ...


def storable(credentials: Credentials, key: str) -> str:
    """The encoded entry, or EntryRefusedError when it cannot be stored."""
    text = encode(credentials, key)
    if len(text) > CHUNK_CHARS * MAX_CHUNKS:
        raise EntryRefusedError(
            f"the session is too large to cache ({len(text)} characters, at most "
            f"{CHUNK_CHARS * MAX_CHUNKS})"
        )
    return text


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


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """One stderr line per message and process."""
    if message not in _WARNED:
        _WARNED.add(message)
        sys.stderr.write(f"warning: {message}\n")


class MemoryCache:
    """A dict-backed cache for tests and for `--no-cache` style fallbacks within one process."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.info: dict[str, dict[str, object]] = {}

    def get(self, key: str) -> Credentials | None:
        text = self.items.get(key)
        return decode(text, key) if text is not None else None

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        try:
            text = storable(credentials, key)
        except EntryRefusedError:
            self.delete(key)
            raise
        self.items[key] = text
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

    @property
    def backend(self) -> Any:
        """The keyring backend, loaded on first use (remembered class, else discovery).
        A plaintext backend the user chose is used, with one warning line."""
        if self._backend is None:
            from assume import keyring_backend

            self._backend = keyring_backend.load()
            warning = keyring_backend.plaintext_warning(self._backend)
            if warning:
                _warn_once(warning)
        return self._backend

    def _call(self, method: str, *args: str) -> Any:
        """One keyring operation (loading the backend included) within the keyring deadline."""
        from assume.deadlines import DeadlineExceeded, call_with_deadline, keyring_timeout

        if self._backend is None:
            from assume import keyring_backend

            keyring_backend.warm_up()
        try:
            return call_with_deadline(
                "the keyring", keyring_timeout(), lambda: getattr(self.backend, method)(*args)
            )
        except CacheUnavailableError:
            raise
        except DeadlineExceeded as exc:
            raise CacheUnavailableError(str(exc)) from None
        except Exception as exc:
            if type(exc).__name__ == "PasswordDeleteError":
                return None
            raise CacheUnavailableError(f"{type(exc).__name__}: {exc}") from exc

    def _item(self, name: str) -> str | None:
        """One stored item; an item that is not UTF-8 reads as damaged (""), not as a fault."""
        try:
            return self._call("get_password", SERVICE, name)  # type: ignore[no-any-return]
        except CacheUnavailableError as exc:
            if isinstance(exc.__cause__, UnicodeError):
                return ""
            raise

    def get(self, key: str) -> Credentials | None:
        first = self._item(key)
        if first is None:
            return None
        count = chunk_count(first)
        if count is None:
            return None
        rest = [self._item(name) for name in chunk_names(key, count)[1:]]
        text = join(first, rest)
        return decode(text, key) if text is not None else None

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        try:
            chunks = split(storable(credentials, key))
        except EntryRefusedError:
            self.delete(key)  # never leave an older session to be served instead
            raise
        names = chunk_names(key, len(chunks))
        old = self._item(key)
        # A damaged first item does not say how many chunks it had: clear every possible one.
        old_count = 1 if old is None else chunk_count(old) or MAX_CHUNKS
        # Later chunks first, so a reader never sees a new count with old pieces missing.
        for name, chunk in reversed(list(zip(names, chunks, strict=True))):
            self._call("set_password", SERVICE, name, chunk)
        for name in chunk_names(key, old_count)[len(chunks):]:  # a longer entry's leftovers
            self._call("delete_password", SERVICE, name)
        cache_index.record(key, info)

    def delete(self, key: str) -> None:
        # Every possible chunk name: the first item's count may be damaged, or an interrupted
        # write may have left pieces beyond it.
        for name in chunk_names(key, MAX_CHUNKS):
            self._call("delete_password", SERVICE, name)
        cache_index.forget([key])

    def stored_keys(self) -> set[str] | None:
        """The cache keys that have items in the keyring, found by searching where the backend
        can (the Secret Service by attribute, the kernel keyring by listing), within the
        keyring deadline; None where it cannot, or does not answer."""
        from assume.deadlines import call_with_deadline, keyring_timeout

        try:
            names = call_with_deadline("the keyring", keyring_timeout(), self._search)
        except Exception:
            return None  # no keyring to search: the index is all there is
        if names is None:
            return None
        return {name.split(".", 1)[0] for name in names}  # chunk `KEY.N` belongs to KEY

    def _search(self) -> list[str] | None:
        from assume import keyring_backend

        backend = self.backend
        if keyring_backend.class_path(backend) == keyring_backend.SECRET_SERVICE:
            from assume.secret_service import SecretServiceReader

            reader = SecretServiceReader()
            try:
                return reader.usernames(SERVICE)
            finally:
                reader.close()
        if callable(getattr(backend, "usernames", None)):  # a backend that can list
            return list(backend.usernames(SERVICE))
        return None

    def entries(self) -> dict[str, dict[str, object]]:
        """Cached sessions and their info. The index is a view: where the keyring can search,
        it decides which sessions exist, and one missing from the index is still listed."""
        index = cache_index.read()
        found = self.stored_keys()
        if found is None:
            return index
        entries: dict[str, dict[str, object]] = {}
        for key in sorted(found):
            info = index.get(key)
            if info is None:
                try:
                    credentials = self.get(key)
                except CacheUnavailableError:
                    credentials = None
                expiration = credentials.expiration if credentials else None
                info = {"role": "(not in the index)", "profile": None, "source": "(unknown)",
                        "expires": int(expiration.timestamp()) if expiration else None}
            entries[key] = info
        gone = [key for key in index if key not in found]
        if gone:
            cache_index.forget(gone)  # removed behind assume's back
        return entries


class FastKeyringReader:
    """The hot path's read-only view of the store cache_backend selects: the kernel keyring
    directly; else the remembered keyring backend, loaded without discovery, and for the
    Secret Service the jeepney fast lane (under `auto`, a bus that does not connect means the
    kernel keyring). Any trouble reads as a miss."""

    def get(self, key: str) -> Credentials | None:
        from assume import cache_backend, keyring_backend
        from assume.secret_service import SecretServiceReader, SecretServiceUnavailable

        lane = cache_backend.fast_lane()
        if lane == "none":
            return None
        if lane == "kernel":
            return _kernel_get(key)
        path = keyring_backend.remembered()
        reader = SecretServiceReader() if path in (None, keyring_backend.SECRET_SERVICE) \
            else None
        if reader is not None and lane == "auto":
            try:
                reader.open()
            except SecretServiceUnavailable:
                reader.close()
                return _kernel_get(key)  # no Secret Service answers: auto uses the kernel
        if path is None:
            if reader is not None:
                reader.close()
            return None  # the backend is not known yet: the full path discovers it
        try:
            backend = reader or keyring_backend.load_class(path)
            return KeyringCache(backend).get(key)
        except CacheUnavailableError:
            return None
        finally:
            if reader is not None:
                reader.close()


def _kernel_get(key: str) -> Credentials | None:
    """Read `key` from the kernel user keyring; any trouble is a miss."""
    from assume.kernel_keyring import KernelKeyring

    try:
        return KeyringCache(KernelKeyring()).get(key)
    except CacheUnavailableError:
        return None
