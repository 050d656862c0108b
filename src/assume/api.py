"""The Python API for scripts: role hopping with the same cache and chain as the CLI.

    import assume
    s3 = assume.session("hub", "210987654321:Auditor").client("s3")
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from assume.models import Credentials


def _provider_and_plan(
    targets: tuple[str, ...], options: dict[str, Any], clock: Callable[[], datetime] | None
) -> tuple[Any, Any]:
    from assume.cache import NullCache
    from assume.cache_backend import select
    from assume.config import Request, resolve
    from assume.prompt import MfaPrompter
    from assume.provider import Provider, utcnow

    no_cache = bool(options.pop("no_cache", False))
    mfa_token = options.pop("mfa_token", None)
    tags = options.pop("tags", ())
    if isinstance(tags, dict):
        tags = tuple(tags.items())
    request = Request(targets=targets, tags=tuple(tags), **options)
    plan = resolve(request)
    processes = {h.mfa_serial: h.mfa_process for h in plan.hops if h.mfa_serial and h.mfa_process}
    provider = Provider(NullCache() if no_cache else select(), clock=clock or utcnow,
                        prompter=MfaPrompter(mfa_token, processes))
    return provider, plan


def credentials(*targets: str, **options: Any) -> Credentials:
    """Frozen credentials for the chain `targets` (cached like the CLI's).

    Options are the CLI's, as keywords: profile, region, duration, session_name, external_id,
    mfa_serial, mfa_token, policy, policy_arns, tags (dict or pairs), transitive_tag_keys,
    source_identity, no_cache. Raises `assume.errors.AssumeError` on failure.
    """
    provider, plan = _provider_and_plan(targets, dict(options), None)
    return provider.get(plan)  # type: ignore[no-any-return]


def session(
    *targets: str, clock: Callable[[], datetime] | None = None, **options: Any
) -> Any:
    """A boto3 Session whose credentials refresh themselves through the same cache and chain.

    `clock` (returning an aware UTC datetime) is for tests; options are those of `credentials`.
    """
    import boto3
    import botocore.session
    from botocore.credentials import CredentialProvider, RefreshableCredentials

    provider, plan = _provider_and_plan(targets, dict(options), clock)

    def fetch() -> dict[str, Any]:
        fresh: Credentials = provider.get(plan)
        return {
            "access_key": fresh.access_key_id,
            "secret_key": fresh.secret_access_key,
            "token": fresh.session_token,
            "expiry_time": fresh.expiration_iso,
        }

    class AssumeProvider(CredentialProvider):  # type: ignore[misc]
        METHOD = "assume"

        def load(self) -> RefreshableCredentials:
            first: Credentials = provider.get(plan)
            options = {"time_fetcher": clock} if clock is not None else {}
            return RefreshableCredentials(
                first.access_key_id, first.secret_access_key, first.session_token,
                first.expiration, refresh_using=fetch, method=self.METHOD, **options,
            )

    core = botocore.session.Session()
    resolver = core.get_component("credential_provider")
    resolver.insert_before("env", AssumeProvider())
    return boto3.Session(botocore_session=core, region_name=plan.region)
