"""Stores of Credentials by cache key: the OS keyring, memory (tests), or nothing.

This is the only module that talks to keyring. Entries are compact JSON (`cache_entry`), split
into chunks that fit the Windows Credential Manager's 2,560-byte (UTF-16) limit. A corrupt,
truncated, undecodable or out-of-schema entry reads as a miss; keyring faults raise
CacheUnavailableError for the caller to handle. A put that cannot store a session raises
EntryRefusedError after removing the older entry, so a stale session is never served instead.
"""

from __future__ import annotations

from assume.cache_entry import EntryRefusedError as EntryRefusedError
from assume.cache_entry import decode
from assume.cache_entry import encode as encode
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

    search_is_the_store = False  # True where listing is the store's own call (kernel keyring)

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
        warning = keyring_backend.plaintext_warning(backend)
        if warning:  # discovery refuses these; one the user chose is used, and named
            from assume.output import warn_once

            warn_once(warning)
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
            self._counts[key] = 1
            return None
        count = chunk_count(first)
        if count is None:
            return None
        self._counts[key] = count
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
        old_count = self._counts.get(key)
        if old_count is None:  # not read by this process, or damaged: look at what is there
            old = self._item(key)
            # A damaged first item does not say how many chunks it had: clear every one.
            old_count = 1 if old is None else chunk_count(old) or MAX_CHUNKS
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

    def stored_keys(self) -> set[str] | None:
        """The cache keys that have items in the keyring, found by searching where the store
        can (the Secret Service by attribute, the kernel keyring by listing), within the
        keyring deadline; None where it cannot, or does not answer."""
        from assume.deadlines import call_with_deadline, keyring_timeout

        try:
            names = call_with_deadline("the keyring", keyring_timeout(), self._search)
        except Exception as exc:
            if self.search_is_the_store and isinstance(exc, CacheUnavailableError):
                raise  # the store itself refuses: say so, as any other call would
            return None  # no keyring to search: the index is all there is
        if names is None:
            return None
        return {name.split(".", 1)[0] for name in names}  # chunk `KEY.N` belongs to KEY

    def _search(self) -> list[str] | None:
        from assume import keyring_backend

        backend = self.backend
        if keyring_backend.class_path(backend) == keyring_backend.SECRET_SERVICE:
            from assume.secret_service import SecretServiceStore

            backend = SecretServiceStore()  # keyring's backend cannot search; this store can
        if callable(getattr(backend, "usernames", None)):
            return list(backend.usernames(SERVICE))
        return None

    def entries(self) -> dict[str, dict[str, object]]:
        """Cached sessions and their info. The index is a view: where the keyring can search,
        it decides which sessions exist, and one missing from the index is still listed."""
        from assume import cache_index

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
