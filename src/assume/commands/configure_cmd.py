"""`assume configure TARGET... --profile NAME`: a profile whose credential_process runs assume.

Every SDK and the AWS CLI then use the chain through `--profile NAME` / `AWS_PROFILE=NAME`
with no shell step, and assume's keyring cache serves them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click

from assume.completion import complete_profiles, complete_targets
from assume.errors import InputError
from assume.models import Plan
from assume.output import printable
from assume.validation import check_region


def assume_command_line() -> list[str]:
    """How to start this `assume` again: the console script that runs now, by absolute path,
    else this Python with `-m assume`."""
    program = sys.argv[0] if sys.argv else ""
    if Path(program).stem == "assume" and os.path.isfile(program) and os.access(program, os.X_OK):
        return [os.path.abspath(program)]
    return [sys.executable, "-m", "assume"]


def credential_process_line(
    targets: tuple[str, ...], source_profile: str | None, platform: str = sys.platform
) -> str:
    """The credential_process value, quoted the way botocore splits it again
    (shlex on POSIX, the Windows command-line rules on win32)."""
    words = [*assume_command_line(), *targets]
    if source_profile:
        words += ["--profile", source_profile]
    words += ["--format", "credential-process"]
    return subprocess.list2cmdline(words) if platform == "win32" else shlex.join(words)


def check_chain(
    targets: tuple[str, ...], source_profile: str | None, name: str, command: str
) -> Plan:
    """The chain must resolve now, and must not lead back to the profile being written
    (credential_process would then start itself, again and again). Returns its plan."""
    from assume.config import AwsConfig, Request, resolve

    if name in targets:
        raise InputError(f"Profile '{name}' cannot be one of its own TARGETs.")
    request = Request(targets=targets, profile=source_profile)
    config = AwsConfig.load()
    plan = resolve(request, config)
    first_is_role_profile = "role_arn" in config.profiles.get(targets[0], {})
    if not (first_is_role_profile or source_profile):
        raise InputError(
            f"'{targets[0]}' is not a profile with role_arn, so its source credentials would "
            f"come from the environment it runs in (which could select profile '{name}').",
            "Name the source with --source-profile PROFILE.",
        ).with_hints(plan.hints)
    after = AwsConfig({**config.profiles, name: {"credential_process": command}})
    plan = resolve(request, after)
    via = [hop.profile for hop in plan.hops]
    if plan.source.kind in ("profile", "profile_keys"):
        via.append(plan.source.name)
    if name in via:
        raise InputError(
            f"The chain for '{' '.join(targets)}' goes through profile '{name}', "
            "so that profile would call itself.",
            "Pick another --profile.",
        )
    return plan


@click.command("configure")
@click.argument("targets", nargs=-1, metavar="[TARGET...]", shell_complete=complete_targets)
@click.option("--profile", "-p", "name", required=True, metavar="NAME",
              shell_complete=complete_profiles, help="The profile to write in the AWS config.")
@click.option("--source-profile", metavar="PROFILE", shell_complete=complete_profiles,
              help="Source for the first hop (needed unless the first TARGET is a profile).")
@click.option("--region", "-r", metavar="REGION",
              help="Region to write (default: the chain's, as assume resolves it).")
@click.option("--no-region", is_flag=True, help="Write no region.")
@click.option("--force", is_flag=True, help="Replace or remove a profile assume did not write.")
@click.option("--remove", is_flag=True, help="Take the profile out of the AWS config.")
def configure_command(
    targets: tuple[str, ...], name: str, source_profile: str | None, region: str | None,
    no_region: bool, force: bool, remove: bool,
) -> None:
    """Write profile NAME to the AWS config with a credential_process that runs assume TARGET...

    The AWS CLI and every SDK then assume the chain through --profile NAME, served from
    assume's cache. The profile gets the region `assume TARGET...` would use (the role
    profile's, else AWS_REGION, else its source profile's, else [default]'s), so clients need
    none; a region already in the profile stays unless --region is given.

    The file (AWS_CONFIG_FILE, else ~/.aws/config) is written atomically and every other line
    stays as it was. A profile assume did not write is left alone unless --force.

    \b
    Examples:
      assume configure Role-A --profile role-a
      aws sts get-caller-identity --profile role-a
      assume configure Role-A --profile role-a-eu --region eu-west-1
      assume configure hub 222222222222:Deploy --profile deploy
      assume configure arn:aws:iam::123456789012:role/Audit --source-profile me --profile audit
      assume configure --remove --profile deploy
    """
    from assume import aws_config_writer
    from assume.config import AwsConfig, config_path

    aws_config_writer.check_profile_name(name)
    path = Path(config_path())
    where = printable(str(path))  # AWS_CONFIG_FILE may hold anything
    if remove:
        if targets or source_profile or region or no_region:
            raise InputError("--remove takes no TARGET, --source-profile or region option.")
        aws_config_writer.remove_profile(path, name, force=force)
        click.echo(f"Removed profile '{name}' from {where}.", err=True)
        return
    if not targets:
        raise InputError("No TARGET given.", "Usage: assume configure TARGET... --profile NAME")
    if region and no_region:
        raise InputError("Give --region or --no-region, not both.")
    if region:
        check_region(region)
    command = credential_process_line(targets, source_profile)
    plan = check_chain(targets, source_profile, name, command)
    settings = {"credential_process": command}
    defaults: dict[str, str] = {}
    if region:
        settings["region"] = region
    elif plan.region and not no_region:
        defaults["region"] = plan.region
    change = aws_config_writer.write_profile(path, name, settings, defaults=defaults, force=force)
    for hint in plan.hints:
        click.echo(printable(f"note: {hint}"), err=True)
    if change is aws_config_writer.Change.UNCHANGED:
        click.echo(f"Profile '{name}' in {where} is up to date.", err=True)
        return
    click.echo(f"{change.value.capitalize()} profile '{name}' in {where}:", err=True)
    click.echo(f"  credential_process = {command}", err=True)
    written = AwsConfig.load().profiles.get(name, {}).get("region")
    if written:
        click.echo(printable(f"  region = {written}"), err=True)
    else:
        click.echo("  (no region: clients then need AWS_REGION or --region; "
                   "add one with --region REGION)", err=True)
    click.echo(f"Try: aws sts get-caller-identity --profile {name}", err=True)


commands: list[click.Command] = [configure_command]
