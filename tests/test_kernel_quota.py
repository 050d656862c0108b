"""KernelCache when the user's key quota is full (non-root users get about 20,000 bytes and
200 keys): it makes room by dropping the entries that expire first, never the one it writes.

The tests run as root, whose quota is far larger, so a KernelKeyring over the real kernel
refuses new keys past a small count the way the kernel answers EDQUOT."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from assume.cache import SERVICE
from assume.cache_backend import KernelCache
from assume.errors import CacheUnavailableError
from assume.kernel_keyring import KernelKeyring, QuotaExceeded
from assume.models import Credentials
from tests.support import kernel_keys


class SmallQuota(KernelKeyring):
    """The real kernel keyring, with room for `limit` keys in this namespace."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def set_password(self, service: str, username: str, password: str) -> None:
        names = self.usernames(service)
        if username not in names and len(names) >= self.limit:
            raise QuotaExceeded("the kernel keyring quota for this user is full")
        super().set_password(service, username, password)


def credentials(minutes: int) -> Credentials:
    return Credentials(
        access_key_id="ASIA" + secrets.token_hex(8).upper(),
        secret_access_key=secrets.token_urlsafe(30),
        session_token=secrets.token_urlsafe(200),
        expiration=datetime.now(timezone.utc) + timedelta(minutes=minutes),
        lifetime=3600,
    )


def put(cache: KernelCache, minutes: int) -> str:
    key = secrets.token_hex(20)
    creds = credentials(minutes)
    cache.put(key, creds, {"role": key, "profile": None, "source": "s",
                           "expires": int(creds.expiration.timestamp())})  # type: ignore[union-attr]
    return key


@pytest.fixture(autouse=True)
def kernel(home: Path) -> None:
    kernel_keys.require_kernel_keyring()


def test_a_full_quota_drops_the_entry_that_expires_first() -> None:
    cache = KernelCache(SmallQuota(limit=3))
    late, soon, middle = put(cache, 60), put(cache, 20), put(cache, 40)
    newest = put(cache, 30)
    assert set(cache.backend.usernames(SERVICE)) == {late, middle, newest}
    assert set(cache.entries()) == {late, middle, newest}
    assert cache.get(newest) is not None and cache.get(soon) is None


def test_a_quota_too_small_for_one_entry_is_a_cache_fault() -> None:
    cache = KernelCache(SmallQuota(limit=0))
    with pytest.raises(CacheUnavailableError):
        put(cache, 60)
    assert cache.backend.usernames(SERVICE) == []
