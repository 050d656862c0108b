"""`assume console TARGET...`: open the AWS console as the last hop of a chain.

The chain is obtained as for every command (cache, MFA, notes); the session is exchanged at
the federation endpoint (see `assume.console`), and the sign-in URL goes to the browser, or
to stdout with --url or when no browser can be opened. The URL never reaches stderr or logs.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from assume.commands.shared import obtain, session_options
from assume.models import ROLE_HOP, Plan


def is_chained(plan: Plan) -> bool:
    """True when the last hop is assumed with role credentials (role chaining), or with
    credentials whose kind is unknown here (SSO, web identity, a container): AWS counts
    those as role sessions too."""
    if len(plan.hops) > 1:
        return plan.hops[-2].kind == ROLE_HOP
    from assume.config import AwsConfig, long_term_source

    return not long_term_source(AwsConfig.load(), plan.source)


def partition_of(plan: Plan) -> str:
    """The partition of the last hop's role, else of the region."""
    from assume.validation import PARTITIONS, partition_for_region

    role = plan.hops[-1].role
    if role.startswith("arn:") and role.split(":")[1] in PARTITIONS:
        return role.split(":")[1]
    return partition_for_region(plan.region)


def open_browser(url: str) -> bool:
    """Open `url` with Python's webbrowser (which honours BROWSER); False when none opens."""
    import webbrowser

    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False


@click.command("console")
@session_options
@click.option("--url", "print_url", is_flag=True,
              help="Print the sign-in URL on stdout instead of opening a browser.")
@click.option("--destination", metavar="URL", help="Console page to land on.")
@click.option("--service", metavar="NAME",
              help="Land on this service's console in the region (e.g. s3, ec2).")
def console_command(print_url: bool, destination: str | None, service: str | None,
                    **params: Any) -> None:
    """Sign in to the AWS console as TARGET (the last hop of the chain).

    --duration is the console session's length (900-43200 s, default 3600); a role assumed
    by a role gets at most one hour. The sign-in URL is a secret: --url prints it on stdout.

    \b
    Examples:
      assume console Role-A
      assume console hub 222222222222:Deploy --service s3 --region eu-west-1
      assume console Role-A --url | xclip -selection clipboard
    """
    from assume import console
    from assume.errors import InputError

    if destination and service:
        raise InputError("--destination and --service exclude each other.", "Pass one.")
    if not params["targets"]:
        raise InputError(
            "No TARGET given: an IAM user's long-term keys cannot sign in to the console "
            "through federation.", "Name a role to assume: assume console ROLE.")
    if destination:
        console.check_destination(destination)
    if service:
        console.check_service(service)
    requested = params["duration"]
    console.session_duration(requested, chained=False)  # a bad value fails before any call
    plan, credentials = obtain({**params, "duration": None})
    duration, note = console.session_duration(requested, is_chained(plan))
    if note:
        click.echo(f"note: {plan.hops[-1].label}: {note}", err=True)
    partition = partition_of(plan)
    signin = console.SignIn(
        endpoint=console.federation_endpoint(partition),
        destination=destination or console.destination(partition, plan.region, service),
        duration=duration,
    )
    url = console.login_url(console.signin_token(credentials, signin), signin)
    if print_url:
        click.echo(url)
        return
    if open_browser(url):
        click.echo(f"Opened the AWS console as {plan.hops[-1].label} in the browser.", err=True)
        return
    click.echo("No browser could be opened; the sign-in URL is on stdout (a secret: "
               "do not share it).", err=True)
    click.echo(url)
    sys.stdout.flush()


commands: list[click.Command] = [console_command]
