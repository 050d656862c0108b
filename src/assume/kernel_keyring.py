"""The Linux kernel user keyring as a keyring-shaped store: no daemon, nothing on disk.

Keys are `user` keys named `NAMESPACE:USERNAME` (NAMESPACE is `assume`, or
ASSUME_KERNEL_NAMESPACE) in the user keyring (`@u`), which lives in kernel memory for as long
as the user has processes and is readable by that user only. Each key is made in this
process's own keyring, where this process possesses it, given its permissions (possessor and
the same user: everything; group and others: nothing) and its timeout, then linked into `@u`,
which replaces an older key of the same name in one step, and unlinked from the process
keyring. So any process of the user can read it later, whether or not its session keyring
links `@u`.

It speaks add_key(2) and keyctl(2) through libc's `syscall()` with ctypes. The libraries on
PyPI were weighed: `keyctl2` is the same ctypes idea but imports `ctypes.util`, whose
`find_library` runs `ldconfig` in a subprocess (about 12 ms on every cache hit); `keyutils`
must be compiled against libkeyutils-dev and was last released in 2019;
`python-linux-keyutils` handles only the session keyring. This module costs the import of
ctypes (about 1.5 ms) and has keyring's `get_password`/`set_password`/`delete_password`
shape, so `cache.KeyringCache` chunks and checks entries exactly as for the OS keyring.

Refusals (Docker's default seccomp profile answers EPERM, other kernels ENOSYS) raise
`KernelKeyringUnavailable`, a CacheUnavailableError: the caller runs uncached with one warning.
"""

from __future__ import annotations

import errno
import os
import sys
import time

from assume.errors import CacheUnavailableError

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from typing import Any

NAMESPACE_VARIABLE = "ASSUME_KERNEL_NAMESPACE"
DEFAULT_NAMESPACE = "assume"

# asm-generic numbers serve aarch64, riscv and loongarch.
_SYSCALLS = {  # machine: (add_key, keyctl)
    "x86_64": (248, 250), "amd64": (248, 250), "aarch64": (217, 219), "arm64": (217, 219),
    "riscv64": (217, 219), "loongarch64": (217, 219), "i686": (286, 288), "i386": (286, 288),
    "armv7l": (309, 311), "armv6l": (309, 311), "ppc64le": (269, 271), "ppc64": (269, 271),
    "s390x": (278, 280),
}
KEY_SPEC_PROCESS_KEYRING = -2
KEY_SPEC_USER_KEYRING = -4
KEYCTL_GET_KEYRING_ID = 0
KEYCTL_SETPERM = 5
KEYCTL_DESCRIBE = 6
KEYCTL_LINK = 8
KEYCTL_UNLINK = 9
KEYCTL_SEARCH = 10
KEYCTL_READ = 11
KEYCTL_SET_TIMEOUT = 15
PERMISSIONS = 0x3F3F0000  # possessor and user: view read write search link setattr
MAX_TIMEOUT = 2**32 - 1
_GONE = {errno.ENOKEY, errno.EKEYEXPIRED, errno.EKEYREVOKED}
_REFUSED = {errno.EPERM, errno.EACCES, errno.ENOSYS, errno.EOPNOTSUPP}


class KernelKeyringUnavailable(CacheUnavailableError):
    """The kernel refuses the keyring calls (seccomp, no CONFIG_KEYS, not Linux)."""


class QuotaExceeded(CacheUnavailableError):
    """The user's key quota is full (EDQUOT): about 20,000 bytes and 200 keys for non-root."""


_syscall: Any = None


def _bind() -> tuple[Any, tuple[int, int]]:
    global _syscall
    numbers = _SYSCALLS.get(os.uname().machine if sys.platform == "linux" else "")
    if numbers is None:
        raise KernelKeyringUnavailable("the kernel keyring exists on Linux only")
    if _syscall is None:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).syscall
        function.restype = ctypes.c_long
        _syscall = function
    return _syscall, numbers


def _call(which: int, *args: Any) -> int:
    """add_key (which=0) or keyctl (which=1); OSError with the errno on failure."""
    import ctypes

    function, numbers = _bind()
    converted = [ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]
    result = int(function(ctypes.c_long(numbers[which]), *converted))
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _fail(exc: OSError, what: str) -> CacheUnavailableError:
    if exc.errno in _REFUSED:
        return KernelKeyringUnavailable(f"the kernel keyring refuses {what}: {exc.strerror}")
    if exc.errno == errno.EDQUOT:
        return QuotaExceeded("the kernel keyring quota for this user is full")
    return CacheUnavailableError(f"kernel keyring {what}: {exc.strerror}")


def _read_into_buffer(operation: int, serial: int, size: int) -> bytes:
    """What a keyctl read-style operation returns, growing the buffer until it fits."""
    import ctypes

    while True:
        buffer = ctypes.create_string_buffer(size)
        length = _call(1, operation, serial, buffer, size)
        if length <= size:
            return buffer.raw[:length]
        size = length


def _read(serial: int) -> bytes:
    return _read_into_buffer(KEYCTL_READ, serial, 4096)


def available() -> str | None:
    """None when the kernel keyring can be used, else why not (one short phrase)."""
    try:
        _call(1, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1)
    except OSError as exc:
        return str(_fail(exc, "its calls"))
    except CacheUnavailableError as exc:
        return str(exc)
    return None


class KernelKeyring:
    """keyring's backend interface over the kernel user keyring.

    `expires_at` (epoch seconds), when set, becomes the timeout of every key written, so
    entries vanish from the kernel when their credentials expire.
    """

    has_deadline = True  # system calls answer at once: `cache` needs no thread for them

    def __init__(self, namespace: str | None = None) -> None:
        self.namespace = namespace or os.environ.get(NAMESPACE_VARIABLE) or DEFAULT_NAMESPACE
        self.expires_at: float | None = None

    def _description(self, username: str) -> bytes:
        return f"{self.namespace}:{username}".encode()

    def _find(self, username: str) -> int | None:
        try:
            return _call(1, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, b"user",
                         self._description(username), 0)
        except OSError as exc:
            if exc.errno in _GONE:
                return None
            raise _fail(exc, "a search") from None

    def get_password(self, service: str, username: str) -> str | None:
        """The key's payload, None when there is no such key (or it just expired)."""
        serial = self._find(username)
        if serial is None:
            return None
        try:
            payload = _read(serial)
        except OSError as exc:
            if exc.errno in _GONE or exc.errno == errno.EACCES:
                return None  # gone, or a foreign key of that name: a miss that put replaces
            raise _fail(exc, "a read") from None
        return payload.decode("utf-8", errors="replace")

    def set_password(self, service: str, username: str, password: str) -> None:
        """Create or replace the key, readable by this user only, timed out at `expires_at`."""
        payload = password.encode("utf-8")
        try:
            serial = _call(0, b"user", self._description(username), payload, len(payload),
                           KEY_SPEC_PROCESS_KEYRING)
        except OSError as exc:
            raise _fail(exc, "a new key") from None
        try:
            _call(1, KEYCTL_SETPERM, serial, PERMISSIONS)
            if self.expires_at is not None:
                left = int(self.expires_at - time.time()) + 1
                _call(1, KEYCTL_SET_TIMEOUT, serial, min(max(left, 1), MAX_TIMEOUT))
            _call(1, KEYCTL_LINK, serial, KEY_SPEC_USER_KEYRING)
        except OSError as exc:
            raise _fail(exc, "a new key") from None
        finally:
            from contextlib import suppress

            with suppress(OSError):  # else the process keyring goes when the process does
                _call(1, KEYCTL_UNLINK, serial, KEY_SPEC_PROCESS_KEYRING)

    def delete_password(self, service: str, username: str) -> None:
        """Unlink the key from the user keyring; a missing key is not an error."""
        serial = self._find(username)
        if serial is None:
            return
        try:
            _call(1, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING)
        except OSError as exc:
            if exc.errno not in _GONE:
                raise _fail(exc, "an unlink") from None

    def usernames(self, service: str) -> list[str]:
        """Every username this namespace holds in the user keyring (no payload is read)."""
        import struct

        try:
            serials = _read(_call(1, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1))
        except OSError as exc:
            raise _fail(exc, "a listing") from None
        prefix = f"{self.namespace}:"
        names = []
        for (serial,) in struct.iter_unpack("i", serials):
            try:
                text = _read_description(serial)
            except OSError:
                continue  # expired, revoked or not ours to view
            kind, _, rest = text.partition(";")
            description = rest.split(";", 3)[-1]
            if kind == "user" and description.startswith(prefix):
                names.append(description[len(prefix):])
        return sorted(names)


def _read_description(serial: int) -> str:
    """`type;uid;gid;perm;description` of a key."""
    described = _read_into_buffer(KEYCTL_DESCRIBE, serial, 512)
    return described[:-1].decode("utf-8", errors="replace")  # without the final NUL
