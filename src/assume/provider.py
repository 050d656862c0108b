"""Walk a chain: cache, refresh window, lock, STS, cache. Every dependency is injected."""

from __future__ import annotations

import sys
from datetime import datetime, timezone

from assume.cache import EntryRefusedError, NullCache
from assume.errors import AccessDeniedError, CacheUnavailableError
from assume.freshness import is_fresh
from assume.models import MFA_SESSION_HOP, Credentials, Hop, Plan, fingerprint
from assume.output import printable


class _LazyLog:
    """`logging` costs milliseconds to import; the cache-hit path never logs."""

    def debug(self, message: str, *args: object) -> None:
        import logging

        logging.getLogger("assume").debug(message, *args)


log = _LazyLog()

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager

    from assume.interfaces import (
        CallerLookup,
        Clock,
        CredentialCache,
        Locker,
        Prompter,
        StsGateway,
    )


def utcnow() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


def _default_gateway() -> StsGateway:
    from assume.sts import BotoGateway

    return BotoGateway()


def _default_callers() -> CallerLookup:
    from assume.callers import CallerMemo

    return CallerMemo()


def _default_locker(key: str, mfa: bool = False) -> AbstractContextManager[None]:
    from assume.lock import single_flight

    return single_flight(key, mfa=mfa)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {printable(message)}\n")


def _no_prompt(serial: str, reason: str) -> str:
    from assume.errors import MfaError

    raise MfaError(f"An MFA code is needed for {serial}.", "Pass --mfa-token CODE.")


class Provider:
    """Hands out credentials for a Plan, calling STS only for hops without a fresh cache entry."""

    def __init__(
        self,
        cache: CredentialCache,
        *,
        gateway: Callable[[], StsGateway] = _default_gateway,
        clock: Clock = utcnow,
        prompter: Prompter = _no_prompt,
        locker: Locker = _default_locker,
        warn: Callable[[str], None] = _warn,
        callers: CallerLookup | None = None,
    ) -> None:
        self.cache = cache
        self._gateway_factory = gateway
        self._gateway: StsGateway | None = None
        self.clock = clock
        self.prompter = prompter
        self.locker = locker
        self.warn = warn
        self._callers = callers

    @property
    def gateway(self) -> StsGateway:
        """The STS gateway, created on first need (so a cache hit never imports boto3)."""
        if self._gateway is None:
            self._gateway = self._gateway_factory()
        return self._gateway

    def cached(self, plan: Plan) -> Credentials | None:
        """The target's credentials if the cache holds them fresh; never calls STS.

        None for a source only the SDK can resolve: whose session it would be is unknown.
        """
        if plan.source.needs_resolving:
            return None
        found = self._read(plan.cache_keys()[-1])
        return found if is_fresh(found, self.clock()) else None

    def status(self, plan: Plan) -> Iterator[tuple[Hop, str, Credentials | None]]:
        """Each hop with its cache key and its fresh cached credentials, if any (no key and
        nothing cached while the source is unresolved: this never calls anything)."""
        if plan.source.needs_resolving:
            for hop in plan.hops:
                yield hop, "", None
            return
        for hop, key in zip(plan.hops, plan.cache_keys(), strict=True):
            found = self._read(key)
            yield hop, key, found if is_fresh(found, self.clock()) else None

    def resolve_source(self, plan: Plan) -> Plan:
        """For a source the SDK resolves, get its credentials once and key the plan on the
        identity they belong to (its caller ARN). The resolved source carries the credentials:
        the first hop is assumed with exactly these, so the session is stored under the
        identity that obtained it."""
        if not plan.source.needs_resolving:
            return plan
        region = plan.hops[0].region or plan.region
        credentials = self.gateway.source_credentials(plan.source, region)
        unkeyed = plan.source._replace(credentials=credentials)
        tag = fingerprint(credentials.access_key_id)
        callers = self._callers if self._callers is not None else _default_callers()
        caller = callers.get(tag)
        if caller is None:
            caller = self.gateway.caller_arn(unkeyed, region)
            callers[tag] = caller
        log.debug("source %s resolved to %s", plan.source.label, caller)
        return plan._replace(source=plan.source.resolved(caller, credentials))

    def get(self, plan: Plan, *, refresh: bool = False) -> Credentials:
        """Credentials for the last hop, reusing the deepest fresh hop of the chain."""
        plan = self.resolve_source(plan)
        keys = plan.cache_keys()
        last = len(keys) - 1
        start, current = 0, None
        for index in range(last, -1, -1):
            if refresh and index == last:
                continue
            found = self._read(keys[index])
            if is_fresh(found, self.clock()):
                log.debug("hop %d/%d: cache hit for %s", index + 1, last + 1,
                          plan.hops[index].label)
                start, current = index + 1, found
                break
        for index in range(start, last + 1):
            force = refresh and index == last
            current = self._fetch(plan, index, keys[index], current, force=force)
        assert current is not None
        return current

    def _fetch(
        self, plan: Plan, index: int, key: str, source: Credentials | None, force: bool
    ) -> Credentials:
        hop = plan.hops[index]
        from contextlib import nullcontext

        needs_code = bool(hop.mfa_serial)
        lock = nullcontext() if isinstance(self.cache, NullCache) else self.locker(key, needs_code)
        with lock:
            if not force:
                found = self._read(key)  # another process may have refreshed while we waited
                if is_fresh(found, self.clock()):
                    log.debug("hop %d: filled by another process while waiting", index + 1)
                    return found  # type: ignore[return-value]
            source_label = plan.source.label if index == 0 else plan.hops[index - 1].label
            action = "GetSessionToken for" if hop.kind == MFA_SESSION_HOP else "AssumeRole"
            log.debug("hop %d/%d: %s %s from %s", index + 1, len(plan.hops), action, hop.label,
                      source_label)
            reason = ""
            if hop.kind == MFA_SESSION_HOP:
                reason = f"starts a {(hop.duration or 0) // 3600}h MFA session for every role"
            code = self.prompter(hop.mfa_serial, reason) if hop.mfa_serial else None
            region = hop.region or plan.region
            try:
                credentials = self.gateway.assume_role(source or plan.source, hop, region, code)
            except AccessDeniedError:
                session = plan.hops[index - 1] if index else None
                if session is None or session.kind != MFA_SESSION_HOP or source is None:
                    raise
                credentials = self._assume_with_mfa_on_the_call(source, hop, session, region)
            self._write(key, credentials, plan, index)
            return credentials

    def _assume_with_mfa_on_the_call(
        self, source: Credentials, hop: Hop, session: Hop, region: str | None
    ) -> Credentials:
        """A role that refuses the MFA session (say its trust policy limits
        aws:MultiFactorAuthAge) gets the code on the AssumeRole call itself."""
        serial = str(session.mfa_serial)
        self.warn(
            f"{hop.label} refused the MFA session; its trust policy may want MFA on the "
            "AssumeRole call itself (e.g. a limit on aws:MultiFactorAuthAge), so asking again."
        )
        code = self.prompter(serial, "for the AssumeRole call itself")
        return self.gateway.assume_role(source, hop._replace(mfa_serial=serial), region, code)

    def _read(self, key: str) -> Credentials | None:
        try:
            return self.cache.get(key)
        except CacheUnavailableError as exc:
            self._disable(exc)
            return None

    def _write(self, key: str, credentials: Credentials, plan: Plan, index: int) -> None:
        hop = plan.hops[index]
        info: dict[str, object] = {
            "role": hop.label,
            "profile": hop.profile,
            "source": plan.source.label if index == 0 else plan.hops[index - 1].label,
            "expires": int(credentials.expiration.timestamp()) if credentials.expiration else None,
        }
        try:
            self.cache.put(key, credentials, info)
        except EntryRefusedError as exc:
            self.warn(f"{exc}: {hop.label} was not cached (any older session was removed).")
        except CacheUnavailableError as exc:
            self._disable(exc)

    def _disable(self, exc: CacheUnavailableError) -> None:
        self.warn(f"keyring unavailable ({exc}); continuing without the cache.")
        self.cache = NullCache()
