"""Checks on user input, run before any network call. Each raises InputError with one clear line."""

from __future__ import annotations

import json
import os
import re

from assume.errors import InputError

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
MIN_DURATION = 900  # seconds, STS's floor
MAX_DURATION = 43200  # seconds, STS's ceiling (12 hours)
MAX_CHAINED_DURATION = 3600  # seconds: role credentials can assume a role for 1 hour at most
MAX_POLICY_ARNS = 10
MAX_TAGS = 50

ACCOUNT_ID = re.compile(r"^\d{12}$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_ROLE_ARN = re.compile(r"^arn:(?P<partition>[^:]*):iam::(?P<account>[^:]*):role/(?P<rest>.+)$")
_ROLE_PATH = re.compile(r"^(/[\x21-\x7e]+)*/$")
_SOURCE_IDENTITY = re.compile(r"^[\w+=,.@-]{2,64}$")
_TAG_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")
_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")
_MFA_SERIAL = re.compile(r"^[\w+=/:,.@-]{9,256}$")
_TOKEN_CODE = re.compile(r"^\d{6}$")
_POLICY_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy/[\x21-\x7e]+$")
_ACCOUNT_ROLE = re.compile(r"^(?P<account>\d+):(?P<name>.+)$")


def check_account(account: str) -> str:
    """An AWS account ID is exactly 12 digits (leading zeros count)."""
    if not ACCOUNT_ID.match(account):
        got = f"'{account}' has {len(account)} digits" if account.isdigit() else f"got '{account}'"
        raise InputError(f"AWS account IDs have 12 digits; {got}.", "Copy the full ID.")
    return account


def check_role_arn(arn: str) -> str:
    """A role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME."""
    match = _ROLE_ARN.match(arn)
    if not match:
        raise InputError(
            f"'{arn}' is not a role ARN.", "Expected arn:aws:iam::123456789012:role/NAME."
        )
    if match["partition"] not in PARTITIONS:
        raise InputError(
            f"Unknown partition '{match['partition']}' in '{arn}'.",
            f"Use one of: {', '.join(PARTITIONS)}.",
        )
    check_account(match["account"])
    path, _, name = match["rest"].rpartition("/")
    if not ROLE_NAME.match(name):
        raise InputError(
            f"Invalid role name '{name}' in '{arn}'.",
            "Role names are 1-64 characters of letters, digits and +=,.@_-.",
        )
    if path and not _ROLE_PATH.match(f"/{path}/"):
        raise InputError(f"Invalid role path in '{arn}'.")
    return arn


def check_role_name(name: str) -> str:
    """A bare role name, as in `Role-A`."""
    if not ROLE_NAME.match(name):
        raise InputError(
            f"'{name}' is neither a profile with role_arn, a role ARN, ACCOUNT:ROLE, "
            "nor a valid role name.",
        )
    return name


def split_account_role(target: str) -> tuple[str, str] | None:
    """Split `123456789012:RoleName` into its parts, or None if the target has another form."""
    match = _ACCOUNT_ROLE.match(target)
    if not match:
        return None
    return check_account(match["account"]), check_role_name(match["name"])


def partition_for_region(region: str | None) -> str:
    """The partition a region belongs to (`aws` when unknown)."""
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def check_duration(seconds: int, *, chained: bool = False, from_cli: bool = True) -> int:
    """Session length in seconds: 900..43200, and at most 3600 on a role-to-role hop."""
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise InputError(
            f"Duration {seconds}s is out of range.",
            f"Use {MIN_DURATION} to {MAX_DURATION} seconds (15 minutes to 12 hours).",
        )
    if chained and from_cli and seconds > MAX_CHAINED_DURATION:
        raise InputError(
            f"Duration {seconds}s is too long for a chained hop.",
            "A role assumed with another role's credentials lasts 1 hour (3600s) at most.",
        )
    return seconds


def check_session_name(name: str) -> str:
    """RoleSessionName: 2-64 characters of letters, digits and +=,.@_-."""
    if not SESSION_NAME.match(name):
        raise InputError(
            f"Invalid session name '{name}'.",
            "Use 2-64 characters of letters, digits and +=,.@_-.",
        )
    return name


def sanitize_session_name(raw: str) -> str:
    """Turn any text (a user name, an e-mail) into a valid RoleSessionName."""
    cleaned = re.sub(r"[^\w+=,.@-]", "-", raw)[:64]
    return cleaned if len(cleaned) >= 2 else f"assume-{cleaned}".rstrip("-")


def check_external_id(value: str) -> str:
    """ExternalId: 2-1224 characters of letters, digits and +=,.@:/_-."""
    if not EXTERNAL_ID.match(value):
        raise InputError(
            "Invalid external ID.", "Use 2-1224 characters of letters, digits and +=,.@:/_-."
        )
    return value


def check_source_identity(value: str) -> str:
    """SourceIdentity: 2-64 characters of letters, digits and +=,.@_-."""
    if not _SOURCE_IDENTITY.match(value):
        raise InputError(
            f"Invalid source identity '{value}'.",
            "Use 2-64 characters of letters, digits and +=,.@_-.",
        )
    return value


def check_mfa_serial(value: str) -> str:
    """An MFA device ARN or hardware serial."""
    if not _MFA_SERIAL.match(value):
        raise InputError(
            f"Invalid MFA serial '{value}'.",
            "Use the device ARN, e.g. arn:aws:iam::123456789012:mfa/alice.",
        )
    return value


def check_token_code(value: str) -> str:
    """An MFA code: six digits."""
    if not _TOKEN_CODE.match(value):
        raise InputError("The MFA code must be 6 digits.")
    return value


def load_policy(value: str) -> str:
    """A session policy given as JSON or `@file`; returned as compact JSON."""
    text = value
    if value.startswith("@"):
        path = os.path.expanduser(value[1:])
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise InputError(f"Cannot read policy file '{path}': {exc.strerror}.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The session policy is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    if not isinstance(document, dict):
        raise InputError("The session policy must be a JSON object.")
    return json.dumps(document, separators=(",", ":"))


def check_policy_arns(arns: tuple[str, ...]) -> tuple[str, ...]:
    """Managed policy ARNs for the session: at most 10."""
    if len(arns) > MAX_POLICY_ARNS:
        raise InputError(f"At most {MAX_POLICY_ARNS} policy ARNs may be passed.")
    for arn in arns:
        if not _POLICY_ARN.match(arn):
            raise InputError(
                f"'{arn}' is not a managed policy ARN.",
                "Expected arn:aws:iam::aws:policy/NAME or arn:aws:iam::123456789012:policy/NAME.",
            )
    return arns


def parse_tag(text: str) -> tuple[str, str]:
    """A session tag written `KEY=VALUE`."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise InputError(f"Invalid tag '{text}'.", "Write tags as KEY=VALUE.")
    if not _TAG_KEY.match(key) or key.lower().startswith("aws:"):
        raise InputError(f"Invalid tag key '{key}'.")
    if not _TAG_VALUE.match(value):
        raise InputError(f"Invalid value for tag '{key}'.")
    return key, value


def check_tags(
    tags: tuple[tuple[str, str], ...], transitive: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """At most 50 session tags, unique keys (case-insensitive), transitive keys among them."""
    if len(tags) > MAX_TAGS:
        raise InputError(f"At most {MAX_TAGS} session tags may be passed.")
    seen: set[str] = set()
    for key, _ in tags:
        if key.lower() in seen:
            raise InputError(f"Tag '{key}' is given twice.")
        seen.add(key.lower())
    for key in transitive:
        if key.lower() not in seen:
            raise InputError(f"Transitive tag key '{key}' is not among the --tag keys.")
    return tags
