"""`assume serve` and `assume exec --server`: a local credentials endpoint for long-running work,
so a child outlives any single session (a chained role's is capped at one hour)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click

from assume.commands.shared import session_options, start_endpoint

ENDPOINT_FORMATS = ("sh", "fish", "powershell", "dotenv", "json")
# What botocore reads from the default profile before it asks a container endpoint.
PROFILE_CREDENTIALS = ("aws_access_key_id", "role_arn", "credential_process", "sso_session",
                       "sso_start_url", "web_identity_token_file", "login_session")
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


def render_variables(values: dict[str, str], fmt: str) -> str:
    """The endpoint's two variables for a shell, a dotenv file or JSON; shell lines also unset
    the variables an SDK would prefer over the endpoint (static keys, a profile)."""
    from assume.formats import CONFLICTING_VARIABLES, CREDENTIAL_VARIABLES, SHELL_RENDERERS
    from assume.server import SHADOWING_VARIABLES

    if fmt == "json":
        return json.dumps(values, indent=2) + "\n"
    unset = [*CREDENTIAL_VARIABLES, *CONFLICTING_VARIABLES, *SHADOWING_VARIABLES]
    return SHELL_RENDERERS[fmt](values, unset)


def warn_if_the_default_profile_wins() -> None:
    """One line when the default profile holds credentials: with AWS_PROFILE gone, SDKs take
    those before they ask the endpoint."""
    from assume.config import AwsConfig

    default = AwsConfig.load().profiles.get("default", {})
    found = next((name for name in PROFILE_CREDENTIALS if name in default), None)
    if found:
        click.echo(f"warning: the default AWS profile sets {found}; SDKs use it before the "
                   "endpoint. Move it to a named profile to use the endpoint's credentials.",
                   err=True)


def exec_with_endpoint(params: dict[str, Any], command: list[str]) -> int:
    """Run COMMAND against the endpoint; the endpoint stops when COMMAND exits."""
    from assume.child import run_supervised
    from assume.formats import REGION_VARIABLES
    from assume.server import SHADOWING_VARIABLES
    from assume.shell import child_environment

    plan, server = start_endpoint(params)
    warn_if_the_default_profile_wins()
    try:
        region = dict.fromkeys(REGION_VARIABLES, plan.region) if plan.region else {}
        env = child_environment({**server.variables(), **region}, remove=SHADOWING_VARIABLES)
        return run_supervised(command, env)
    finally:
        server.stop()


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT/SIGTERM/SIGHUP, for as long as the block runs."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)


@click.command("serve")
@session_options
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port on 127.0.0.1 (default: a free one).")
@click.option("--format", "-f", "fmt", type=click.Choice(ENDPOINT_FORMATS),
              help="How to print the two variables (default: the surrounding shell's).")
def serve_command(port: int | None, fmt: str | None, **params: Any) -> None:
    """Serve TARGET's credentials on 127.0.0.1 until interrupted, refreshed as they age.

    \b
    Prints AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN; every
    AWS SDK and the AWS CLI given them fetch fresh credentials from this process.

    \b
    Examples:
      assume serve hub Deploy --format dotenv > endpoint.env
      assume serve Role-A --port 9911 --format json
    """
    from assume.shell import detect_format

    fmt = fmt or detect_format()
    _, server = start_endpoint(params, port or 0)
    warn_if_the_default_profile_wins()
    try:
        with _stop_signals() as stop:  # before printing: a reader may signal at once
            click.echo(render_variables(server.variables(), fmt), nl=False)
            sys.stdout.flush()
            click.echo(f"Serving credentials at {server.url} until interrupted (Ctrl-C).",
                       err=True)
            while not stop.wait(0.5):
                pass
    finally:
        server.stop()


commands: list[click.Command] = [serve_command]
