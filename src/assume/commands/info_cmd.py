"""`assume whoami [TARGET...]` and `assume list`: views of who you are and what you can become.

Both print a rich table on a terminal, tab-separated `key<TAB>value` / row lines when piped,
and JSON with `--json`. `list` reads the AWS config only; `whoami` calls GetCallerIdentity.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from typing import Any

import click

from assume.commands.shared import obtain, session_options
from assume.errors import InputError
from assume.output import duration_text, printable, shown, table
from assume.validation import check_region

WHOAMI_KEYS = ("account", "arn", "role", "session_name", "user", "expires", "seconds_left")
"""The keys of `assume whoami --json`, always all present (null when not applicable)."""

_TARGET_ONLY_OPTIONS = (
    "duration", "session_name", "external_id", "mfa_serial", "mfa_token", "policy",
    "policy_arns", "tags", "transitive", "source_identity", "refresh", "no_cache",
)


def parse_arn(arn: str) -> dict[str, str | None]:
    """Account, role, session name and user from a caller ARN (GetCallerIdentity's `Arn`).

    `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` gives role and session; `...:user/PATH/NAME`
    and `...:federated-user/NAME` give the user; `...:root` gives user `root`.
    """
    parts = arn.split(":", 5)
    account = parts[4] if len(parts) == 6 else None
    resource = parts[5] if len(parts) == 6 else ""
    found: dict[str, str | None] = {
        "account": account or None, "role": None, "session_name": None, "user": None,
    }
    kind, _, rest = resource.partition("/")
    if kind == "assumed-role" and "/" in rest:
        found["role"], found["session_name"] = rest.split("/", 1)
    elif kind in ("user", "federated-user") and rest:
        found["user"] = rest.rsplit("/", 1)[-1]
    elif resource == "root":
        found["user"] = "root"
    return found


def _parse_expiration(text: str) -> datetime | None:
    """AWS_CREDENTIAL_EXPIRATION (ISO 8601, `Z` or an offset) as an aware UTC datetime."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _environment_expiration() -> datetime | None:
    """The expiry of environment credentials, when AWS_CREDENTIAL_EXPIRATION describes them.

    It only applies when the keys themselves come from the environment (AWS_ACCESS_KEY_ID),
    the first provider in boto3's chain; otherwise it would describe other credentials.
    """
    text = os.environ.get("AWS_CREDENTIAL_EXPIRATION", "")
    if not text or not os.environ.get("AWS_ACCESS_KEY_ID"):
        return None
    parsed = _parse_expiration(text)
    if parsed is None:
        click.echo(
            f"warning: AWS_CREDENTIAL_EXPIRATION='{shown(text)}' is not an ISO 8601 time; "
            "time left unknown.",
            err=True,
        )
    return parsed


def identity_report(arn: str, expiration: datetime | None, now: datetime) -> dict[str, Any]:
    """The whoami record: WHOAMI_KEYS, with None where not known or not applicable."""
    found = parse_arn(arn)
    seconds = None if expiration is None else int((expiration - now).total_seconds())
    return {
        "account": found["account"],
        "arn": arn,
        "role": found["role"],
        "session_name": found["session_name"],
        "user": found["user"],
        "expires": (
            expiration.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            if expiration else None
        ),
        "seconds_left": seconds,
    }


def _report_rows(report: dict[str, Any]) -> list[list[str]]:
    rows = [["account", str(report["account"] or "-")], ["arn", report["arn"]]]
    if report["role"]:
        rows += [["role", report["role"]], ["session_name", report["session_name"] or "-"]]
    if report["user"]:
        rows.append(["user", report["user"]])
    seconds = report["seconds_left"]
    rows.append(["expires", report["expires"] or "unknown"])
    rows.append(["time_left", "unknown" if seconds is None else duration_text(seconds)])
    return rows


@click.command("whoami")
@session_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def whoami_command(as_json: bool, **params: Any) -> None:
    """Show the account, ARN, role, session name and time left of some credentials.

    \b
    Without TARGET: the credentials boto3 finds (environment, AWS_PROFILE or --profile,
    container or instance credentials); time left comes from AWS_CREDENTIAL_EXPIRATION.
    With TARGET...: the credentials `assume TARGET...` would print (cache included).

    \b
    Examples:
      assume whoami
      assume whoami Role-A
      assume whoami --json | jq -r .account
    """
    from assume.models import Source
    from assume.sts import BotoGateway

    region = params["region"] or os.environ.get("AWS_REGION") or os.environ.get(
        "AWS_DEFAULT_REGION"
    )
    if region:
        check_region(region, "--region" if params["region"] else "the environment")
    source: Any
    if params["targets"]:
        plan, source = obtain(params)
        region = plan.region
        expiration = source.expiration
    else:
        given = [
            "--" + name.replace("_", "-") for name in _TARGET_ONLY_OPTIONS if params[name]
        ]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise InputError(
                f"{', '.join(given)} {verb} only with a TARGET.", "Try: assume whoami TARGET ..."
            )
        if params["profile"]:
            source = Source("profile", params["profile"], f"profile:{params['profile']}")
            expiration = None
        elif os.environ.get("AWS_ACCESS_KEY_ID"):
            # The keys themselves, as boto3's first provider would take them; its parse of
            # AWS_CREDENTIAL_EXPIRATION would fail on a malformed one instead of warning.
            source = Source("env", "", "env")
            expiration = _environment_expiration()
        else:
            source = Source("default", "", "default")
            expiration = None
    arn = BotoGateway().caller_arn(source, region)
    report = identity_report(arn, expiration, datetime.now(timezone.utc))
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    table("Caller identity", ["Key", "Value"], _report_rows(report))


for _param in whoami_command.params:
    if _param.name == "targets":
        _param.metavar = "[TARGET...]"  # optional here: without it, the environment's identity


def _source_text(settings: dict[str, str]) -> str:
    if settings.get("source_profile"):
        return f"source_profile {settings['source_profile']}"
    if settings.get("credential_source"):
        return f"credential_source {settings['credential_source']}"
    if settings.get("web_identity_token_file"):
        return "web_identity_token_file"
    return "-"


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_command(as_json: bool) -> None:
    """List the role profiles in the AWS config: role ARN, source, MFA and region.

    \b
    Reads AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE only; makes no network call.

    \b
    Examples:
      assume list
      assume list --json | jq -r '.[].profile'
    """
    from assume.config import AwsConfig, config_path

    profiles = AwsConfig.load().role_profiles()
    if as_json:
        records = [
            {
                "profile": name,
                "role_arn": settings["role_arn"].strip(),
                "source": _source_text(settings) if _source_text(settings) != "-" else None,
                "mfa": settings.get("mfa_serial") or None,
                "region": settings.get("region") or None,
            }
            for name, settings in profiles.items()
        ]
        sys.stdout.write(json.dumps(records, indent=2) + "\n")
        return
    if not profiles:
        click.echo(printable(f"No role profiles (with role_arn) in {config_path()}."), err=True)
        return
    rows = [
        [
            name,
            settings["role_arn"].strip(),
            _source_text(settings),
            settings.get("mfa_serial") or "-",
            settings.get("region") or "-",
        ]
        for name, settings in profiles.items()
    ]
    table("Role profiles", ["Profile", "Role ARN", "Source", "MFA", "Region"], rows)


commands: list[click.Command] = [whoami_command, list_command]
