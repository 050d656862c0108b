"""The data `assume` passes around: credentials, the hops of a chain, and their cache keys.

Immutable records (`records.Record`, typing.NamedTuple's syntax) rather than dataclasses: the
cache-hit path builds these on every `aws` command, and importing `dataclasses` (it pulls in
`inspect`) or `typing` costs that path milliseconds. Change one with `value._replace(field=...)`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from assume.records import Record

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # the bare C hash: hashlib loads OpenSSL, which costs the hit path milliseconds
        from _sha2 import sha256  # Python 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.10, 3.11
        except ImportError:
            from hashlib import sha256

CACHE_KEY_VERSION = 2  # 2: SDK-resolved sources are keyed on their caller


class Credentials(Record):
    """Temporary (or long-term) AWS credentials. `repr` never shows the secrets."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: datetime | None = None
    lifetime: int | None = None  # seconds the session was granted for, when known
    account_id: str | None = None  # the 12-digit account of the assumed role, when known

    def __repr__(self) -> str:
        return (f"Credentials(access_key_id={self.access_key_id!r}, "
                f"expiration={self.expiration!r}, lifetime={self.lifetime!r}, "
                f"account_id={self.account_id!r})")

    def seconds_left(self, now: datetime) -> float | None:
        """Seconds until expiry, or None for credentials that do not expire."""
        if self.expiration is None:
            return None
        return (self.expiration - now).total_seconds()

    @property
    def expiration_iso(self) -> str | None:
        """Expiration as UTC ISO 8601 with a `Z`, the form credential_process expects."""
        if self.expiration is None:
            return None
        return self.expiration.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Source(Record):
    """Where the first hop's credentials come from.

    kind is `profile`, `credential_source`, `env` or `default` (boto3's default chain);
    identity is a stable, secret-free label that keeps two callers' cache entries apart.

    Where the credentials come from the SDK (credential_process, SSO, login_session, web
    identity, container or instance metadata), the config only says where to look, not who
    answers: such a source `needs_resolving`, and no cache key exists until `resolved` adds
    the identity its credentials really belong to, and the credentials themselves (the first
    hop is assumed with exactly those, never with a second resolution).
    """

    kind: str
    name: str
    identity: str
    region: str | None = None
    needs_resolving: bool = False
    credentials: Credentials | None = None

    def resolved(self, caller: str, credentials: Credentials) -> Source:
        """This source, keyed on the identity (caller ARN) its credentials turned out to be."""
        return self._replace(identity=f"{self.identity}|{caller}", needs_resolving=False,
                             credentials=credentials)

    @property
    def label(self) -> str:
        """A short human description, e.g. `profile dev` or `environment`."""
        if self.kind == "profile":
            return f"profile {self.name}"
        if self.kind == "credential_source":
            return f"credential_source {self.name}"
        if self.kind == "env":
            return "environment"
        return "default credential chain"


ROLE_HOP = "role"
MFA_SESSION_HOP = "mfa-session"


class Hop(Record):
    """One STS call. For an AssumeRole hop, `role` is a full role ARN or a bare role name;
    an MFA-session hop (GetSessionToken) has kind `mfa-session` and no role."""

    role: str
    kind: str = ROLE_HOP
    session_name: str | None = None
    duration: int | None = None
    duration_from_cli: bool = False
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_process: str | None = None  # a command that prints the code (not part of the key)
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    profile: str | None = None
    region: str | None = None

    @property
    def is_bare_name(self) -> bool:
        """True when the account is taken from the source credentials at call time."""
        return self.kind == ROLE_HOP and not self.role.startswith("arn:")

    @property
    def label(self) -> str:
        """What this hop obtains, for people: the role, or the MFA session of a device."""
        if self.kind == MFA_SESSION_HOP:
            return f"MFA session ({self.mfa_serial})"
        return self.role

    def cache_key(self, source_key: str) -> str:
        """A hash of everything that changes the session this hop yields."""
        parts = {
            "v": CACHE_KEY_VERSION,
            "kind": self.kind,
            "source": source_key,
            "role": self.role,
            "session_name": self.session_name,
            "duration": self.duration,
            "external_id": self.external_id,
            "mfa_serial": self.mfa_serial,
            "policy": self.policy,
            "policy_arns": sorted(self.policy_arns),
            "tags": sorted(self.tags),
            "transitive": sorted(self.transitive_tag_keys),
            "source_identity": self.source_identity,
        }
        blob = json.dumps(parts, sort_keys=True, separators=(",", ":"))
        return sha256(blob.encode()).hexdigest()[:40]


class UnresolvedSourceError(ValueError):
    """A cache key was asked for before the source's credentials were resolved."""


class Plan(Record):
    """A resolved chain: the source and the hops, assumed left to right, and notes for people
    (a clamped duration, where MFA goes)."""

    source: Source
    hops: tuple[Hop, ...]
    region: str | None = None
    targets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()  # possible typos: said with any failure, on success on a terminal

    def cache_keys(self) -> list[str]:
        """The cache key of each hop; each builds on the key of the hop before it.

        Raises UnresolvedSourceError while the source's identity is unknown: keying on a
        profile or source name alone would hand one identity's session to another.
        """
        if self.source.needs_resolving:
            raise UnresolvedSourceError(f"the identity behind {self.source.label} is not known yet")
        keys: list[str] = []
        previous = self.source.identity
        for hop in self.hops:
            previous = hop.cache_key(previous)
            keys.append(previous)
        return keys


def fingerprint(value: str) -> str:
    """A short, non-reversible tag for an access key id, for cache keys and logs."""
    return sha256(value.encode()).hexdigest()[:16]
