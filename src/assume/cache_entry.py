"""The stored form of a cached session and its schema.

An entry read back from a keyring is data from outside: another program, an older version or
a crash may have written it. `decode` accepts only what `encode` writes, for the very key it
was written under; anything else is None (a miss that the next put overwrites).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from assume.freshness import MAX_SESSION
from assume.models import Credentials

ENTRY_VERSION = 1
EARLIEST_EXPIRY = 1_000_000_000  # 2001-09-09: before any STS session
LATEST_EXPIRY = 2**32  # 2106: beyond any clock this code will meet
_ACCESS_KEY_ID = re.compile(r"[A-Z0-9]{4,128}", re.ASCII)
_ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)
_MAX_FIELD = 16_384  # characters; a secret or a token never comes close


class EntryRefusedError(Exception):
    """Credentials that put() will not store (the older entry is removed all the same)."""


def encode(credentials: Credentials, key: str) -> str:
    """Compact JSON of the credentials for `key` (secrets included: only ever stored in a
    keyring). Credentials without an expiry are refused: they would be served forever."""
    if credentials.expiration is None:
        raise EntryRefusedError("credentials without an expiry are not cached")
    data = {
        "v": ENTRY_VERSION,
        "k": key,
        "a": credentials.access_key_id,
        "s": credentials.secret_access_key,
        "t": credentials.session_token,
        "e": int(credentials.expiration.timestamp()),
        "l": credentials.lifetime,
    }
    if credentials.account_id:
        data["i"] = credentials.account_id
    return json.dumps(data, separators=(",", ":"))


def _is_text(value: object) -> bool:
    """A non-empty ASCII string without spaces or control characters, of sane length."""
    return (isinstance(value, str) and 0 < len(value) <= _MAX_FIELD and value.isascii()
            and value.isprintable() and " " not in value)


def _is_int(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high  # bool is not an int here


def decode(text: str, key: str) -> Credentials | None:
    """Credentials from `encode`'s output for `key`, or None for anything else."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != ENTRY_VERSION or data.get("k") != key:
        return None
    access_key, secret, token = data.get("a"), data.get("s"), data.get("t")
    expiry, lifetime, account = data.get("e"), data.get("l"), data.get("i")
    if not (isinstance(access_key, str) and _ACCESS_KEY_ID.fullmatch(access_key)
            and _is_text(secret) and (token is None or _is_text(token))
            and _is_int(expiry, EARLIEST_EXPIRY, LATEST_EXPIRY)
            and (lifetime is None or _is_int(lifetime, 0, MAX_SESSION))
            and (account is None or (isinstance(account, str) and _ACCOUNT_ID.fullmatch(account)))):
        return None
    return Credentials(
        access_key_id=access_key,
        secret_access_key=str(secret),
        session_token=token,
        expiration=datetime.fromtimestamp(int(expiry), timezone.utc),  # type: ignore[arg-type]
        lifetime=lifetime,
        account_id=account,
    )
