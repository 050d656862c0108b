"""The endpoint's logic without sockets: which Host headers pass, when a held session is
replaced, how failures are answered, and the memory in front of the cache."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from assume.cache import MemoryCache
from assume.child import exit_status
from assume.errors import AccessDeniedError, AssumeError, CacheUnavailableError, MfaError
from assume.models import Credentials, Hop, Plan, Source
from assume.server import (
    FAILURE_HOLD,
    REISSUE_AFTER,
    MemoryFirstCache,
    SessionSource,
    container_document,
    error_document,
    host_is_loopback,
)

START = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
PLAN = Plan(Source("profile", "alice", "profile:alice"), (Hop("Role-A"),), targets=("Role-A",))


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def session(number: int, expires: datetime, lifetime: int = 3600) -> Credentials:
    return Credentials(f"ASIA{number:016d}", f"secret-{number}", f"token-{number}", expires,
                       lifetime)


class StubProvider:
    """Hands out a new session per call (expiring an hour after `clock`), or raises `error`."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls = 0
        self.error: AssumeError | None = None
        self.lifetime = 3600

    def get(self, plan: Plan, refresh: bool = False) -> Credentials:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return session(self.calls, self.clock() + timedelta(seconds=self.lifetime))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider(clock: Clock) -> StubProvider:
    return StubProvider(clock)


def source_for(provider: StubProvider, lines: list[str]) -> SessionSource:
    return SessionSource(provider, PLAN, report=lines.append)


# --- Host header ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:8123", "[::1]:8123",
                                  "LOCALHOST:8123", " 127.0.0.1:8123 "])
def test_loopback_hosts_with_the_servers_port_pass(host: str) -> None:
    assert host_is_loopback(host, 8123)


@pytest.mark.parametrize("host", [None, "", "127.0.0.1", "127.0.0.1:80", "127.0.0.1:81234",
                                  "evil.example:8123", "127.0.0.2:8123", "[::2]:8123",
                                  "localhost.evil:8123", "[::1]", "127.0.0.1:8123:8123"])
def test_anything_else_is_refused(host: str | None) -> None:
    assert not host_is_loopback(host, 8123)


def test_on_port_80_the_port_may_be_left_out() -> None:
    assert host_is_loopback("localhost", 80) and host_is_loopback("[::1]", 80)


# --- documents --------------------------------------------------------------------------------


def test_the_document_has_the_container_fields_and_no_account_when_unknown() -> None:
    document = container_document(session(1, START))
    assert document == {"AccessKeyId": "ASIA0000000000000001", "SecretAccessKey": "secret-1",
                        "Token": "token-1", "Expiration": "2030-01-01T12:00:00Z"}


def test_the_document_carries_the_account_when_the_credentials_know_it() -> None:
    class WithAccount(Credentials):
        account_id = "123456789012"

    document = container_document(WithAccount(*session(1, START)))
    assert document["AccountId"] == "123456789012"


@pytest.mark.parametrize(("error", "code"), [
    (AccessDeniedError("no"), "AccessDenied"), (MfaError("code needed"), "MfaRequired"),
    (AssumeError("network"), "CredentialsUnavailable"),
])
def test_a_failed_refresh_is_a_4xx_with_code_and_message(error: AssumeError, code: str) -> None:
    status, document = error_document(error)
    assert 400 <= status < 500 and status not in (401, 403)
    assert document == {"Code": code, "Message": str(error)}


# --- when the held session is replaced ----------------------------------------------------------


def test_a_fresh_held_session_is_served_without_calling_the_provider(
    provider: StubProvider, clock: Clock
) -> None:
    source = source_for(provider, [])
    held = session(0, START + timedelta(hours=1))
    source.hold(held)
    clock.advance(44 * 60)
    assert source.current() == held and provider.calls == 0


def test_a_session_in_the_refresh_window_is_replaced_once(
    provider: StubProvider, clock: Clock
) -> None:
    source = source_for(provider, [])
    source.hold(session(0, START + timedelta(hours=1)))
    clock.advance(46 * 60)
    replaced = source.current()
    assert replaced.access_key_id.endswith("1") and provider.calls == 1
    assert source.current() == replaced and provider.calls == 1


def test_a_new_session_that_looks_old_at_birth_is_not_replaced_for_a_minute(
    provider: StubProvider, clock: Clock
) -> None:
    """A clock ahead of AWS's: STS's new session already looks inside the refresh window."""
    provider.lifetime = 10 * 60
    source = source_for(provider, [])
    source.hold(session(0, START))  # expired
    first = source.current()
    clock.advance(REISSUE_AFTER - 1)
    assert source.current() == first and provider.calls == 1
    clock.advance(2)
    assert source.current() != first and provider.calls == 2


def test_an_expired_session_is_never_handed_out(provider: StubProvider, clock: Clock) -> None:
    source = source_for(provider, [])
    source.hold(session(0, START + timedelta(seconds=30)))
    clock.advance(31)
    provider.error = MfaError("An MFA code is needed.")
    with pytest.raises(MfaError):
        source.current()


def test_a_failure_is_reported_once_and_answered_from_memory_while_clients_retry(
    provider: StubProvider, clock: Clock
) -> None:
    lines: list[str] = []
    source = source_for(provider, lines)
    provider.error = AccessDeniedError("AssumeRole was denied.")
    for _ in range(3):
        with pytest.raises(AccessDeniedError):
            source.current()
        clock.advance(1)
    assert provider.calls == 1
    assert lines == ["error: refreshing Role-A failed: AssumeRole was denied."]
    clock.advance(FAILURE_HOLD)
    provider.error = None
    assert source.current().access_key_id.endswith("2") and provider.calls == 2


def test_a_new_session_already_expired_by_this_clock_is_an_error(
    provider: StubProvider, clock: Clock
) -> None:
    provider.lifetime = -5
    lines: list[str] = []
    with pytest.raises(AssumeError, match="already expired"):
        source_for(provider, lines).current()
    assert len(lines) == 1


# --- memory in front of the cache ---------------------------------------------------------------


class BrokenCache(MemoryCache):
    def get(self, key: str) -> Credentials | None:
        raise CacheUnavailableError("locked")

    def put(self, key: str, credentials: Credentials, info: dict[str, object]) -> None:
        raise CacheUnavailableError("locked")


def test_memory_serves_a_fresh_entry_and_writes_through(clock: Clock) -> None:
    inner = MemoryCache()
    cache = MemoryFirstCache(inner, clock, lambda line: None)
    fresh = session(1, START + timedelta(hours=1))
    cache.put("k", fresh, {})
    inner.items.clear()
    assert cache.get("k") == fresh
    cache.put("k2", fresh, {})
    assert inner.get("k2") == fresh


def test_a_later_entry_written_by_another_process_wins_over_a_stale_one(clock: Clock) -> None:
    inner = MemoryCache()
    cache = MemoryFirstCache(inner, clock, lambda line: None)
    cache.put("k", session(1, START + timedelta(minutes=5)), {})
    newer = session(2, START + timedelta(hours=1))
    inner.put("k", newer, {})
    assert cache.get("k") == newer


def test_a_broken_keyring_leaves_the_sessions_in_memory_with_one_warning(clock: Clock) -> None:
    warnings: list[str] = []
    cache = MemoryFirstCache(BrokenCache(), clock, warnings.append)
    fresh = session(1, START + timedelta(hours=1))
    cache.put("k", fresh, {})
    assert cache.get("k") == fresh
    assert cache.get("missing") is None
    assert len(warnings) == 1 and "memory" in warnings[0]


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (3, 3), (-15, 143), (-2, 130)])
def test_a_child_killed_by_a_signal_exits_128_plus_its_number(returncode: int,
                                                                status: int) -> None:
    assert exit_status(returncode) == status
