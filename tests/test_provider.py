"""Provider: cache, refresh window, lock, STS, cache, with a fixed clock, a memory cache, a fake
STS gateway that counts its calls, and a fake locker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from keyring.errors import InitError, KeyringLocked

from assume.cache import KeyringCache, MemoryCache, NullCache
from assume.errors import AccessDeniedError
from assume.models import Credentials, Hop, Plan, Source
from assume.provider import Provider
from tests.support.memory_keyring import FaultyKeyring, MemoryKeyring

T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
ROLE_A = "arn:aws:iam::123456789012:role/Role-A"
ROLE_B = "arn:aws:iam::123456789012:role/Role-B"
MFA = "arn:aws:iam::123456789012:mfa/alice"
SOURCE = Source("profile", "alice", "profile:alice#0123456789abcdef", "us-east-1")
# A source profile whose keys come from a credential_process (or SSO, ...): only the SDK knows.
PROCESS_SOURCE = Source("profile", "me", "profile:me", "us-east-1", needs_resolving=True)
ALICE_KEYS = Credentials("AKIAALICE0000000", "alice-secret")
BOB_KEYS = Credentials("AKIABOB000000000", "bob-secret")
CALLERS = {"AKIAALICE0000000": "arn:aws:iam::123456789012:user/alice",
           "AKIABOB000000000": "arn:aws:iam::123456789012:user/bob"}


class Clock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Call:
    source: Source | Credentials
    hop: Hop
    region: str | None
    token_code: str | None
    result: Credentials


@dataclass
class FakeSts:
    """Returns new credentials on every call, expiring `duration` seconds after the clock."""

    clock: Clock
    calls: list[Call] = field(default_factory=list)
    source_keys: Credentials = ALICE_KEYS  # what the SDK resolves for a PROCESS_SOURCE
    resolved: int = 0
    asked_caller: list[str] = field(default_factory=list)

    def source_credentials(self, source: Source, region: str | None) -> Credentials:
        self.resolved += 1
        return self.source_keys

    def caller_arn(self, source: Source | Credentials, region: str | None) -> str:
        assert isinstance(source, Source) and source.credentials is not None
        self.asked_caller.append(source.credentials.access_key_id)
        return CALLERS[source.credentials.access_key_id]

    def assume_role(
        self, source: Source | Credentials, hop: Hop, region: str | None, token_code: str | None
    ) -> Credentials:
        lifetime = hop.duration or 3600
        number = len(self.calls) + 1
        result = Credentials(
            access_key_id=f"ASIAFAKE{number:08d}",
            secret_access_key=f"secret-{number}",
            session_token=f"token-{number}",
            expiration=self.clock() + timedelta(seconds=lifetime),
            lifetime=lifetime,
        )
        self.calls.append(Call(source, hop, region, token_code, result))
        return result

    def hops(self) -> list[str]:
        return [call.hop.role for call in self.calls]


class FakeLocker:
    """Records the keys it locks; `on_enter` runs while the lock is held."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.held: set[str] = set()
        self.on_enter: Callable[[str], None] | None = None

    def __call__(self, key: str, mfa: bool = False) -> AbstractContextManager[None]:
        return self._hold(key)

    @contextmanager
    def _hold(self, key: str) -> Iterator[None]:
        assert key not in self.held, "the same key locked twice at once"
        self.entered.append(key)
        self.held.add(key)
        try:
            if self.on_enter:
                self.on_enter(key)
            yield
        finally:
            self.held.discard(key)


class Prompter:
    def __init__(self, code: str = "123456") -> None:
        self.code = code
        self.asked: list[tuple[str, str]] = []

    def __call__(self, serial: str, reason: str) -> str:
        self.asked.append((serial, reason))
        return self.code


@dataclass
class Rig:
    provider: Provider
    cache: MemoryCache | KeyringCache
    sts: FakeSts
    clock: Clock
    locker: FakeLocker
    prompter: Prompter
    warnings: list[str]


def make_rig(cache: MemoryCache | KeyringCache | None = None) -> Rig:
    clock = Clock()
    sts = FakeSts(clock)
    locker = FakeLocker()
    prompter = Prompter()
    warnings: list[str] = []
    used = cache if cache is not None else MemoryCache()
    provider = Provider(used, gateway=lambda: sts, clock=clock, prompter=prompter,
                        locker=locker, warn=warnings.append, callers={})
    return Rig(provider, used, sts, clock, locker, prompter, warnings)


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> Rig:
    monkeypatch.delenv("ASSUME_REFRESH_WINDOW", raising=False)
    return make_rig()


def plan(*hops: Hop) -> Plan:
    return Plan(SOURCE, hops, region="us-east-1")


HOP_A = Hop(ROLE_A, duration=3600, profile="Role-A")
HOP_B = Hop(ROLE_B, duration=3600, profile="Role-B")


# --- hits and misses -----------------------------------------------------------------------


def test_miss_calls_sts_once_and_caches_the_result(rig: Rig) -> None:
    target = plan(HOP_A)
    got = rig.provider.get(target)
    assert len(rig.sts.calls) == 1
    assert rig.sts.calls[0].source == SOURCE
    assert rig.sts.calls[0].region == "us-east-1"
    assert rig.cache.get(target.cache_keys()[0]) == got


def test_cache_hit_makes_no_sts_call_and_takes_no_lock(rig: Rig) -> None:
    target = plan(HOP_A)
    first = rig.provider.get(target)
    rig.locker.entered.clear()
    rig.clock.advance(60)
    assert rig.provider.get(target) == first
    assert len(rig.sts.calls) == 1
    assert rig.locker.entered == []


def test_hit_with_a_new_provider_over_the_same_cache_makes_no_call(rig: Rig) -> None:
    target = plan(HOP_A)
    first = rig.provider.get(target)
    again = Provider(rig.cache, gateway=lambda: pytest.fail("STS called on a hit"),
                     clock=rig.clock, locker=rig.locker)
    assert again.get(target) == first


def test_hit_never_creates_the_sts_gateway(rig: Rig) -> None:
    """A hit must not pay for boto3: the gateway factory runs only when a call is needed."""
    target = plan(HOP_A)
    rig.provider.get(target)
    created: list[int] = []
    fresh = Provider(rig.cache, gateway=lambda: created.append(1) or rig.sts,  # type: ignore[func-returns-value]
                     clock=rig.clock, locker=rig.locker)
    fresh.get(target)
    assert created == []


def test_lock_is_taken_for_each_missing_hop_key(rig: Rig) -> None:
    target = plan(HOP_A, HOP_B)
    rig.provider.get(target)
    assert rig.locker.entered == target.cache_keys()


def test_entry_filled_by_another_process_while_waiting_for_the_lock_is_used(rig: Rig) -> None:
    target = plan(HOP_A)
    theirs = Credentials("ASIATHEIRS", "their-secret", "their-token",
                         T0 + timedelta(hours=1), 3600)
    rig.locker.on_enter = lambda key: rig.cache.put(key, theirs, {"role": ROLE_A})
    assert rig.provider.get(target) == theirs
    assert rig.sts.calls == []


def test_null_cache_calls_every_time_without_locking(rig: Rig) -> None:
    provider = Provider(NullCache(), gateway=lambda: rig.sts, clock=rig.clock,
                        locker=rig.locker, warn=rig.warnings.append)
    provider.get(plan(HOP_A))
    provider.get(plan(HOP_A))
    assert len(rig.sts.calls) == 2
    assert rig.locker.entered == []


def test_cached_reports_a_fresh_entry_and_never_calls_sts(rig: Rig) -> None:
    target = plan(HOP_A)
    assert rig.provider.cached(target) is None
    assert rig.sts.calls == []
    got = rig.provider.get(target)
    assert rig.provider.cached(target) == got
    rig.clock.advance(3600 - 900)
    assert rig.provider.cached(target) is None
    assert len(rig.sts.calls) == 1


def test_cache_info_names_role_profile_source_and_expiry(rig: Rig) -> None:
    target = plan(HOP_A, HOP_B)
    got = rig.provider.get(target)
    key_a, key_b = target.cache_keys()
    assert rig.cache.entries() == {
        key_a: {"role": ROLE_A, "profile": "Role-A", "source": "profile alice",
                "expires": int(rig.sts.calls[0].result.expiration.timestamp())},  # type: ignore[union-attr]
        key_b: {"role": ROLE_B, "profile": "Role-B", "source": ROLE_A,
                "expires": int(got.expiration.timestamp())},  # type: ignore[union-attr]
    }


def test_sts_error_caches_nothing(rig: Rig) -> None:
    def refuse(*args: object) -> Credentials:
        raise AccessDeniedError("Not authorized to perform sts:AssumeRole.")

    rig.sts.assume_role = refuse  # type: ignore[method-assign]
    with pytest.raises(AccessDeniedError):
        rig.provider.get(plan(HOP_A))
    assert rig.cache.entries() == {}
    assert rig.locker.held == set(), "the lock is released on error"


# --- the refresh window ----------------------------------------------------------------------


def calls_after(rig: Rig, hop: Hop, seconds_left: float) -> int:
    """STS calls a second get makes when the cached entry has `seconds_left`."""
    target = plan(hop)
    rig.provider.get(target)
    before = len(rig.sts.calls)
    lifetime = hop.duration or 3600
    rig.clock.advance(lifetime - seconds_left)
    rig.provider.get(target)
    return len(rig.sts.calls) - before


@pytest.mark.parametrize(("seconds_left", "calls"), [(901, 0), (900, 1), (899, 1), (60, 1)])
def test_one_hour_session_is_refreshed_fifteen_minutes_before_expiry(
    rig: Rig, seconds_left: int, calls: int
) -> None:
    assert calls_after(rig, HOP_A, seconds_left) == calls


@pytest.mark.parametrize(("seconds_left", "calls"), [(900, 0), (601, 0), (600, 1), (300, 1)])
def test_fifteen_minute_session_stays_usable_while_more_than_ten_minutes_remain(
    rig: Rig, seconds_left: int, calls: int
) -> None:
    assert calls_after(rig, Hop(ROLE_A, duration=900), seconds_left) == calls


def test_stale_entry_is_replaced_with_one_call_and_the_new_one_is_cached(rig: Rig) -> None:
    target = plan(HOP_A)
    old = rig.provider.get(target)
    rig.clock.advance(3600 - 900)
    new = rig.provider.get(target)
    assert new != old
    assert len(rig.sts.calls) == 2
    assert rig.cache.get(target.cache_keys()[0]) == new
    assert rig.provider.get(target) == new
    assert len(rig.sts.calls) == 2


def test_entry_without_lifetime_uses_the_fifteen_minute_window(rig: Rig) -> None:
    target = plan(HOP_A)
    key = target.cache_keys()[0]
    rig.cache.put(key, Credentials("ASIAOLD", "s", "t", T0 + timedelta(seconds=901)), {})
    rig.provider.get(target)
    assert rig.sts.calls == []
    rig.clock.advance(1)
    rig.provider.get(target)
    assert len(rig.sts.calls) == 1


@pytest.mark.parametrize(("hop", "seconds_left", "calls"), [
    (HOP_A, 61, 0), (HOP_A, 60, 1), (Hop(ROLE_A, duration=900), 61, 0),
])
def test_refresh_window_override_from_the_environment(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, hop: Hop, seconds_left: int, calls: int
) -> None:
    monkeypatch.setenv("ASSUME_REFRESH_WINDOW", "60")
    assert calls_after(rig, hop, seconds_left) == calls


@pytest.mark.parametrize("value", ["soon", "-60", "", "1.5"])
def test_unusable_refresh_window_override_is_ignored(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ASSUME_REFRESH_WINDOW", value)
    assert calls_after(rig, HOP_A, 900) == 1
    assert calls_after(make_rig(), HOP_A, 901) == 0


@pytest.mark.parametrize("window", [None, "0"])
@pytest.mark.parametrize("seconds_past", [0, 1, 86400])
def test_expired_entry_is_never_returned(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, window: str | None, seconds_past: int
) -> None:
    if window is not None:
        monkeypatch.setenv("ASSUME_REFRESH_WINDOW", window)
    target = plan(HOP_A)
    old = rig.provider.get(target)
    rig.clock.advance(3600 + seconds_past)
    assert rig.provider.cached(target) is None
    new = rig.provider.get(target)
    assert new != old
    assert new.seconds_left(rig.clock()) == 3600


# --- --refresh and chains ----------------------------------------------------------------------


def test_refresh_calls_once_even_when_the_entry_is_fresh(rig: Rig) -> None:
    target = plan(HOP_A)
    old = rig.provider.get(target)
    new = rig.provider.get(target, refresh=True)
    assert len(rig.sts.calls) == 2
    assert new != old
    assert rig.provider.get(target) == new, "the refreshed session replaces the cached one"


def test_refresh_calls_once_for_the_last_hop_only(rig: Rig) -> None:
    target = plan(HOP_A, HOP_B)
    rig.provider.get(target)
    first_hop = rig.sts.calls[0].result
    rig.provider.get(target, refresh=True)
    assert rig.sts.hops() == [ROLE_A, ROLE_B, ROLE_B]
    assert rig.sts.calls[-1].source == first_hop


def test_chain_with_a_fresh_first_hop_makes_one_call_from_the_cached_first_hop(rig: Rig) -> None:
    first_hop = rig.provider.get(plan(HOP_A))
    rig.clock.advance(600)
    got = rig.provider.get(plan(HOP_A, HOP_B))
    assert rig.sts.hops() == [ROLE_A, ROLE_B]
    assert rig.sts.calls[1].source == first_hop
    assert got == rig.sts.calls[1].result


def test_cold_chain_calls_each_hop_in_order_with_the_previous_hop_as_source(rig: Rig) -> None:
    got = rig.provider.get(plan(HOP_A, HOP_B))
    assert rig.sts.hops() == [ROLE_A, ROLE_B]
    assert rig.sts.calls[0].source == SOURCE
    assert rig.sts.calls[1].source == rig.sts.calls[0].result
    assert got == rig.sts.calls[1].result


def test_chain_with_a_fresh_last_hop_makes_no_call_even_if_the_first_is_stale(rig: Rig) -> None:
    target = plan(HOP_A, Hop(ROLE_B, duration=7200))
    got = rig.provider.get(target)
    rig.clock.advance(3600)  # the first hop has expired, the last has an hour left
    assert rig.provider.get(target) == got
    assert len(rig.sts.calls) == 2


def test_chain_with_a_stale_first_hop_renews_both(rig: Rig) -> None:
    target = plan(HOP_A, HOP_B)
    rig.provider.get(target)
    rig.clock.advance(3600 - 900)
    rig.provider.get(target)
    assert rig.sts.hops() == [ROLE_A, ROLE_B, ROLE_A, ROLE_B]
    assert rig.sts.calls[3].source == rig.sts.calls[2].result


def test_hop_region_wins_over_the_plan_region(rig: Rig) -> None:
    rig.provider.get(plan(Hop(ROLE_A, region="eu-west-1")))
    assert rig.sts.calls[0].region == "eu-west-1"


# --- keyring faults ----------------------------------------------------------------------------


@pytest.fixture
def faulty_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ASSUME_REFRESH_WINDOW", raising=False)
    return home


FAULTS = {
    "locked": KeyringLocked("Failed to unlock the collection!"),
    "no-backend": InitError("Failed to create the collection: no D-Bus."),
    "dbus-gone": ConnectionResetError("Connection reset by peer"),
}


@pytest.mark.parametrize("error", list(FAULTS.values()), ids=list(FAULTS))
@pytest.mark.parametrize("hops", [(HOP_A,), (HOP_A, HOP_B)], ids=["one-hop", "two-hops"])
def test_keyring_fault_warns_exactly_once_and_still_returns_credentials(
    faulty_home: Path, error: Exception, hops: tuple[Hop, ...]
) -> None:
    backend = FaultyKeyring(error)
    rig = make_rig(KeyringCache(backend))
    got = rig.provider.get(plan(*hops))
    assert got == rig.sts.calls[-1].result
    assert len(rig.sts.calls) == len(hops)
    assert len(rig.warnings) == 1
    assert type(error).__name__ in rig.warnings[0]
    assert backend.calls["get_password:raised"] == 1, "the keyring is not asked again"


def test_keyring_write_fault_warns_once_and_still_returns_credentials(faulty_home: Path) -> None:
    backend = FaultyKeyring(KeyringLocked("locked"), methods=["set_password"])
    rig = make_rig(KeyringCache(backend))
    got = rig.provider.get(plan(HOP_A, HOP_B))
    assert got == rig.sts.calls[-1].result
    assert len(rig.warnings) == 1
    assert backend.items == {}


def test_keyring_fault_warning_is_one_stderr_line_and_stdout_stays_empty(
    faulty_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    provider = Provider(KeyringCache(FaultyKeyring()), gateway=lambda: FakeSts(clock),
                        clock=clock, locker=FakeLocker())
    provider.get(plan(HOP_A, HOP_B))
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("warning: ")


def test_working_keyring_gives_no_warning(faulty_home: Path) -> None:
    rig = make_rig(KeyringCache(MemoryKeyring()))
    target = plan(HOP_A, HOP_B)
    got = rig.provider.get(target)
    assert rig.provider.get(target) == got
    assert rig.warnings == []
    assert len(rig.sts.calls) == 2


# --- MFA ---------------------------------------------------------------------------------------


def test_mfa_prompter_is_called_only_on_a_miss_for_a_hop_with_mfa_serial(rig: Rig) -> None:
    target = plan(Hop(ROLE_A, duration=3600, mfa_serial=MFA))
    rig.provider.get(target)
    assert [serial for serial, _ in rig.prompter.asked] == [MFA]
    assert rig.sts.calls[0].token_code == "123456"
    rig.provider.get(target)
    assert len(rig.prompter.asked) == 1, "a hit asks for no code"
    rig.clock.advance(3600 - 900)
    rig.provider.get(target)
    assert len(rig.prompter.asked) == 2, "a refresh needs a new code"


def test_hop_without_mfa_serial_never_prompts(rig: Rig) -> None:
    rig.provider.get(plan(HOP_A, HOP_B))
    assert rig.prompter.asked == []
    assert [call.token_code for call in rig.sts.calls] == [None, None]


def test_chain_with_cached_mfa_hop_does_not_prompt_for_the_next_hop(rig: Rig) -> None:
    mfa_hop = Hop(ROLE_A, duration=3600, mfa_serial=MFA)
    rig.provider.get(plan(mfa_hop))
    rig.provider.get(plan(mfa_hop, HOP_B))
    assert len(rig.prompter.asked) == 1
    assert rig.sts.calls[1].token_code is None


def test_mfa_code_goes_to_the_hop_that_names_the_device(rig: Rig) -> None:
    rig.provider.get(plan(HOP_A, Hop(ROLE_B, mfa_serial=MFA)))
    assert [call.token_code for call in rig.sts.calls] == [None, "123456"]


def test_role_that_refuses_the_mfa_session_gets_the_code_on_the_call_itself(rig: Rig) -> None:
    session = Hop("", kind="mfa-session", mfa_serial=MFA, duration=43200)
    real_assume = rig.sts.assume_role

    def refuse_unless_mfa_on_the_call(
        source: Source | Credentials, hop: Hop, region: str | None, code: str | None
    ) -> Credentials:
        if hop.kind == "role" and hop.mfa_serial is None:
            real_assume(source, hop, region, code)  # counted, then refused
            raise AccessDeniedError("Access denied")
        return real_assume(source, hop, region, code)

    rig.sts.assume_role = refuse_unless_mfa_on_the_call  # type: ignore[method-assign]
    creds = rig.provider.get(plan(session, HOP_A))
    assert [c.hop.kind for c in rig.sts.calls] == ["mfa-session", "role", "role"]
    assert rig.sts.calls[2].hop.mfa_serial == MFA and rig.sts.calls[2].token_code == "123456"
    assert rig.sts.calls[2].source == rig.sts.calls[0].result  # still from the MFA session
    assert creds == rig.sts.calls[2].result
    assert len(rig.prompter.asked) == 2
    assert len(rig.warnings) == 1 and "refused the MFA session" in rig.warnings[0]


def test_access_denied_without_an_mfa_session_is_not_retried(rig: Rig) -> None:
    def refuse(source: Source | Credentials, hop: Hop, region: str | None,
               code: str | None) -> Credentials:
        raise AccessDeniedError("Access denied")

    rig.sts.assume_role = refuse  # type: ignore[method-assign]
    with pytest.raises(AccessDeniedError):
        rig.provider.get(plan(HOP_A))
    assert rig.prompter.asked == []


# --- sources only the SDK can resolve (issue 10, item 1) ------------------------------------


def process_plan(*hops: Hop) -> Plan:
    return Plan(PROCESS_SOURCE, hops, region="us-east-1")


def test_unresolved_source_has_no_cache_key() -> None:
    from assume.models import UnresolvedSourceError

    with pytest.raises(UnresolvedSourceError):
        process_plan(HOP_A).cache_keys()


def test_sdk_source_is_assumed_with_the_very_credentials_it_was_keyed_on(rig: Rig) -> None:
    rig.provider.get(process_plan(HOP_A))
    assert rig.sts.resolved == 1
    source = rig.sts.calls[0].source
    assert isinstance(source, Source) and source.label == "profile me"
    assert source.credentials == ALICE_KEYS, "no second resolution between key and call"


def test_another_identity_behind_the_same_profile_never_gets_the_cached_session(
    rig: Rig,
) -> None:
    alice = rig.provider.get(process_plan(HOP_A))
    rig.sts.source_keys = BOB_KEYS  # the credential_process now answers with Bob's keys
    bob = rig.provider.get(process_plan(HOP_A))
    assert bob != alice
    assert [call.source.credentials for call in rig.sts.calls  # type: ignore[union-attr]
            ] == [ALICE_KEYS, BOB_KEYS]
    rig.sts.source_keys = ALICE_KEYS
    assert rig.provider.get(process_plan(HOP_A)) == alice, "each keeps its own entry"
    assert len(rig.sts.calls) == 2


def test_caller_of_a_known_key_is_remembered_not_asked_again(rig: Rig) -> None:
    rig.provider.get(process_plan(HOP_A))
    rig.provider.get(process_plan(HOP_A))
    assert rig.sts.asked_caller == ["AKIAALICE0000000"]
    assert len(rig.sts.calls) == 1


def test_cached_and_status_never_serve_an_unresolved_source(rig: Rig) -> None:
    rig.provider.get(process_plan(HOP_A))
    assert rig.provider.cached(process_plan(HOP_A)) is None
    assert [found for _, _, found in rig.provider.status(process_plan(HOP_A))] == [None]
    assert rig.sts.resolved == 1, "neither resolves the source"


# --- implausible and refused entries (issue 10, items 5 and 9) ------------------------------


def test_entry_expiring_beyond_any_real_session_is_never_served(rig: Rig) -> None:
    target = plan(HOP_A)
    forged = Credentials("ASIAFORGED000000", "secret", "token", T0 + timedelta(days=30), 3600)
    rig.cache.put(target.cache_keys()[0], forged, {"role": ROLE_A})
    assert rig.provider.cached(target) is None
    got = rig.provider.get(target)
    assert got != forged
    assert len(rig.sts.calls) == 1
    assert rig.cache.get(target.cache_keys()[0]) == got, "the implausible entry is replaced"


def test_entry_expiring_later_than_its_lifetime_allows_is_never_served(rig: Rig) -> None:
    target = plan(HOP_A)
    forged = Credentials("ASIAFORGED000000", "secret", "token", T0 + timedelta(hours=20), 3600)
    rig.cache.put(target.cache_keys()[0], forged, {"role": ROLE_A})
    assert rig.provider.get(target) != forged


def test_session_too_large_to_cache_warns_and_the_older_one_is_not_served(rig: Rig) -> None:
    target = plan(HOP_A)
    older = rig.provider.get(target)
    huge_sts = rig.sts.assume_role

    def huge(*args: object) -> Credentials:
        found = huge_sts(*args)  # type: ignore[arg-type]
        return found._replace(session_token="x" * 20_000)

    rig.sts.assume_role = huge  # type: ignore[method-assign]
    big = rig.provider.get(target, refresh=True)
    assert len(rig.warnings) == 1 and "too large" in rig.warnings[0], rig.warnings
    assert rig.cache.get(target.cache_keys()[0]) is None
    rig.sts.assume_role = huge_sts  # type: ignore[method-assign]
    again = rig.provider.get(target)
    assert again not in (older, big)
    assert len(rig.sts.calls) == 3
