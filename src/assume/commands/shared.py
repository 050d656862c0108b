"""What every command that assumes a role shares: its options, the Request they build, and
the Provider wiring. `cli.py` and each `commands/*` module import this; nothing here imports
them, so imports point one way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from assume.completion import complete_profiles, complete_targets
from assume.config import Request, resolve
from assume.errors import AssumeError
from assume.models import Credentials, Plan
from assume.output import printable

if TYPE_CHECKING:
    from assume.server import CredentialsServer


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


def mfa_processes(plan: Plan) -> dict[str, str]:
    """The `mfa_process` command of each MFA device the chain uses."""
    return {hop.mfa_serial: hop.mfa_process for hop in plan.hops
            if hop.mfa_serial and hop.mfa_process}


def make_provider(params: dict[str, Any], plan: Plan) -> Any:
    """A Provider over the selected cache (or none) that asks for MFA codes as configured."""
    from assume.cache import NullCache
    from assume.cache_backend import select
    from assume.prompt import MfaPrompter
    from assume.provider import Provider

    cache = NullCache() if params["no_cache"] else select()
    return Provider(cache, prompter=MfaPrompter(params["mfa_token"], mfa_processes(plan)))


def _plan(params: dict[str, Any]) -> Plan:
    plan = resolve(build_request(params))
    for note in plan.notes:
        click.echo(printable(note), err=True)
    return plan


def _first_credentials(provider: Any, plan: Plan, params: dict[str, Any]) -> Credentials:
    """The last hop's credentials. The plan's hints (a TARGET that looks like a mistyped
    profile) go with any error, and to stderr on success when a person is watching it."""
    import sys

    try:
        credentials: Credentials = provider.get(plan, refresh=params["refresh"])
    except AssumeError as exc:
        raise exc.with_hints(plan.hints) from None
    if plan.hints and sys.stderr.isatty():
        for hint in plan.hints:
            click.echo(printable(f"note: {hint}"), err=True)
    return credentials


def obtain(params: dict[str, Any]) -> tuple[Plan, Credentials]:
    """Resolve the targets and get credentials for the last hop."""
    plan = _plan(params)
    credentials = _first_credentials(make_provider(params, plan), plan, params)
    return plan, credentials


def start_endpoint(params: dict[str, Any], port: int = 0) -> tuple[Plan, CredentialsServer]:
    """The credentials endpoint for the chain, serving. Its port is taken first and its first
    session obtained here, so that errors and MFA prompts come up front, on the terminal;
    after that it never prompts."""
    from assume.prompt import MfaPrompter
    from assume.server import CredentialsServer, MemoryFirstCache, SessionSource

    plan = _plan(params)
    provider = make_provider(params, plan)
    provider.cache = MemoryFirstCache(provider.cache, provider.clock, provider.warn)
    source = SessionSource(provider, plan)
    try:
        server = CredentialsServer(source, port)
    except OSError as exc:
        raise AssumeError(f"Cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}.",
                          "Choose another --port, or leave it out for a free one.") from None
    try:
        source.hold(_first_credentials(provider, plan, params))
    except BaseException:
        server.server_close()
        raise
    provider.prompter = MfaPrompter(None, mfa_processes(plan), terminal=False)
    return plan, server.start()
