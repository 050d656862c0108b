"""What every command that assumes a role shares: its options, the Request they build, and
the Provider wiring. `cli.py` and each `commands/*` module import this; nothing here imports
them, so imports point one way."""

from __future__ import annotations

from typing import Any

import click

from assume.completion import complete_profiles, complete_targets
from assume.config import Request, resolve
from assume.models import Credentials, Plan


def session_options(func: Any) -> Any:
    """Options shared by every command that assumes a role."""
    options = [
        click.argument("targets", nargs=-1, metavar="TARGET...", shell_complete=complete_targets),
        click.option("--profile", "-p", envvar=None, help="Source profile for the first hop.",
                     shell_complete=complete_profiles),
        click.option("--region", "-r", help="Region for STS and the printed AWS_REGION."),
        click.option("--duration", "-d", type=int, help="Session length in seconds (900-43200)."),
        click.option("--session-name", help="RoleSessionName (default: your user name)."),
        click.option("--external-id", help="ExternalId the role's trust policy requires."),
        click.option("--mfa-serial", help="MFA device ARN (default: the profile's mfa_serial)."),
        click.option("--mfa-token", help="The 6-digit MFA code (default: prompt on the terminal)."),
        click.option("--policy", help="Session policy: JSON text or @FILE."),
        click.option("--policy-arn", "policy_arns", multiple=True,
                     help="Managed session policy ARN."),
        click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Session tag."),
        click.option("--transitive-tag", "transitive", multiple=True, metavar="KEY",
                     help="Make a session tag transitive across further hops."),
        click.option("--source-identity", help="SourceIdentity to set on the session."),
        click.option("--refresh", is_flag=True, help="Ignore the cached session; get a new one."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the keyring."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_request(params: dict[str, Any]) -> Request:
    """A Request from the parsed options; tags are checked here so errors name the flag."""
    from assume.validation import parse_tag

    return Request(
        targets=tuple(params["targets"]),
        profile=params["profile"],
        region=params["region"],
        duration=params["duration"],
        session_name=params["session_name"],
        external_id=params["external_id"],
        mfa_serial=params["mfa_serial"],
        policy=params["policy"],
        policy_arns=tuple(params["policy_arns"]),
        tags=tuple(parse_tag(tag) for tag in params["tags"]),
        transitive_tag_keys=tuple(params["transitive"]),
        source_identity=params["source_identity"],
    )


def make_provider(params: dict[str, Any], plan: Plan) -> Any:
    """A Provider over the keyring (or no cache) that asks for MFA codes as configured."""
    from assume.cache import KeyringCache, NullCache
    from assume.prompt import MfaPrompter
    from assume.provider import Provider

    cache = NullCache() if params["no_cache"] else KeyringCache()
    processes = {hop.mfa_serial: hop.mfa_process for hop in plan.hops
                 if hop.mfa_serial and hop.mfa_process}
    return Provider(cache, prompter=MfaPrompter(params["mfa_token"], processes))


def obtain(params: dict[str, Any]) -> tuple[Plan, Credentials]:
    """Resolve the targets and get credentials for the last hop.

    The plan's hints (a TARGET that looks like a mistyped profile) go with any error, and to
    stderr on success when a person is watching it.
    """
    import sys

    from assume.errors import AssumeError

    plan = resolve(build_request(params))
    for note in plan.notes:
        click.echo(note, err=True)
    try:
        credentials = make_provider(params, plan).get(plan, refresh=params["refresh"])
    except AssumeError as exc:
        raise exc.with_hints(plan.hints) from None
    if plan.hints and sys.stderr.isatty():
        for hint in plan.hints:
            click.echo(f"note: {hint}", err=True)
    return plan, credentials
