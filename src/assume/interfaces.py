"""The seams the provider is built on: what it needs of a cache, of STS, of a lock and of a
clock. Tests pass a memory cache, a stub gateway and a fixed clock through them.

The cache-hit path imports this module only for type checking: `typing.Protocol` costs it
milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from assume.models import Credentials, Hop, Source

Clock = Callable[[], datetime]
Prompter = Callable[[str, str], str]


class CredentialCache(Protocol):
    """What the provider needs from a cache."""

    def get(self, key: str) -> Credentials | None: ...

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None: ...

    def delete(self, key: str) -> None: ...

    def entries(self) -> dict[str, dict[str, object]]: ...


class Locker(Protocol):
    """Single flight for one cache key; `mfa` says the holder may wait for a person."""

    def __call__(self, key: str, mfa: bool = False) -> AbstractContextManager[None]: ...


class StsGateway(Protocol):
    """The STS calls the provider makes (implemented with boto3 in `sts`)."""

    def assume_role(
        self, source: Source | Credentials, hop: Hop, region: str | None, token_code: str | None
    ) -> Credentials: ...

    def source_credentials(self, source: Source, region: str | None) -> Credentials: ...

    def caller_arn(self, source: Source | Credentials, region: str | None) -> str: ...


class CallerLookup(Protocol):
    """Remembered callers by access key fingerprint (`callers.CallerMemo`, or a dict)."""

    def get(self, fingerprint: str) -> str | None: ...

    def __setitem__(self, fingerprint: str, caller: str) -> None: ...
