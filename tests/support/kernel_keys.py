"""The kernel user keyring in tests: a namespace of its own per test, emptied afterwards.

The user keyring outlives the test process and is shared by every test run of the same user
on the machine, so each test names its keys `assume-test-<random>:...`."""

from __future__ import annotations

import secrets

import pytest

from assume.cache import SERVICE
from assume.kernel_keyring import KernelKeyring, available


def new_namespace() -> str:
    return f"assume-test-{secrets.token_hex(6)}"


def require_kernel_keyring() -> None:
    """Skip where the kernel refuses keyring calls (e.g. a container's seccomp profile)."""
    refused = available()
    if refused:
        pytest.skip(refused)


def clear(namespace: str) -> None:
    """Unlink every key of `namespace` from the user keyring."""
    backend = KernelKeyring(namespace)
    if available() is None:
        for name in backend.usernames(SERVICE):
            backend.delete_password(SERVICE, name)
