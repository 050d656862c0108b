r"""Checks on user input, run before any network call. Each raises InputError with one clear line.

Every value is matched whole, and every pattern but the tags' is ASCII-only: Python's `\d`
and `\w` would take full-width digits and other scripts that AWS refuses, and `$` would let a
trailing newline through. The compiled patterns are anchored (`\A...\Z`), so `.match` is as
strict as `.fullmatch` for the modules that import them.
"""

from __future__ import annotations

import json
import os
import re

from assume.errors import InputError
from assume.output import shown

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
MIN_DURATION = 900  # seconds, STS's floor
MAX_DURATION = 43200  # seconds, STS's ceiling (12 hours)
MAX_CHAINED_DURATION = 3600  # seconds: role credentials can assume a role for 1 hour at most
MAX_POLICY_ARNS = 10
MAX_TAGS = 50
MAX_POLICY_BYTES = 64 * 1024  # far above STS's 2,048-character session policy limit


def _pattern(body: str, flags: int = re.ASCII) -> re.Pattern[str]:
    return re.compile(rf"\A(?:{body})\Z", flags)


ACCOUNT_ID = _pattern(r"\d{12}")
ROLE_NAME = _pattern(r"[\w+=,.@-]{1,64}")
SESSION_NAME = _pattern(r"[\w+=,.@-]{2,64}")
EXTERNAL_ID = _pattern(r"[\w+=,.@:/-]{2,1224}")
# What botocore accepts as a region (a host label), less the trailing newline its `$` allows.
REGION = _pattern(r"(?![0-9]+\Z)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")
_ROLE_ARN = _pattern(r"arn:(?P<partition>[^:]*):iam::(?P<account>[^:]*):role/(?P<rest>.+)")
_ROLE_PATH = _pattern(r"(/[\x21-\x7e]+)*/")
_MFA_SERIAL = _pattern(r"[\w+=/:,.@-]{9,256}")
_ACCOUNT_ROLE = _pattern(r"(?P<account>\d+):(?P<name>.+)")
# Options the cache-hit path never sees: compiled (and cached by `re`) on first use.
_SOURCE_IDENTITY = r"[\w+=,.@-]{2,64}"
_TOKEN_CODE = r"\d{6}"
_POLICY_ARN = r"arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy/[\x21-\x7e]+"
_NOT_SESSION_NAME = r"[^\w+=,.@-]"
# Tags are the one place AWS takes any script: [\p{L}\p{Z}\p{N}_.:/=+\-@]. Unicode `\w` is
# letters, numbers and `_`; the separators are spelled out, as `\s` would take tabs and newlines.
_TAG_CHARS = r"[\w .:/=+\-@\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_TAG_KEY = _TAG_CHARS + "{1,128}"
_TAG_VALUE = _TAG_CHARS + "{0,256}"


def _is(pattern: str, value: str, flags: int = re.ASCII) -> bool:
    return re.fullmatch(pattern, value, flags) is not None


def check_account(account: str) -> str:
    """An AWS account ID is exactly 12 digits (leading zeros count)."""
    if not ACCOUNT_ID.fullmatch(account):
        digits = account.isascii() and account.isdigit()
        got = f"'{account}' has {len(account)} digits" if digits else f"got '{shown(account)}'"
        raise InputError(f"AWS account IDs have 12 digits; {got}.", "Copy the full ID.")
    return account


def check_role_arn(arn: str) -> str:
    """A role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME."""
    match = _ROLE_ARN.fullmatch(arn)
    if not match:
        raise InputError(
            f"'{shown(arn)}' is not a role ARN.", "Expected arn:aws:iam::123456789012:role/NAME."
        )
    if match["partition"] not in PARTITIONS:
        raise InputError(
            f"Unknown partition '{shown(match['partition'])}' in '{shown(arn)}'.",
            f"Use one of: {', '.join(PARTITIONS)}.",
        )
    check_account(match["account"])
    path, _, name = match["rest"].rpartition("/")
    if not ROLE_NAME.fullmatch(name):
        raise InputError(
            f"Invalid role name '{shown(name)}' in '{shown(arn)}'.",
            "Role names are 1-64 characters of letters, digits and +=,.@_-.",
        )
    if path and not _ROLE_PATH.fullmatch(f"/{path}/"):
        raise InputError(f"Invalid role path in '{shown(arn)}'.")
    return arn


def check_role_name(name: str) -> str:
    """A bare role name, as in `Role-A`."""
    if not ROLE_NAME.fullmatch(name):
        raise InputError(
            f"'{shown(name)}' is neither a profile with role_arn, a role ARN, ACCOUNT:ROLE, "
            "nor a valid role name.",
        )
    return name


def split_account_role(target: str) -> tuple[str, str] | None:
    """Split `123456789012:RoleName` into its parts, or None if the target has another form."""
    match = _ACCOUNT_ROLE.fullmatch(target)
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
    if not SESSION_NAME.fullmatch(name):
        raise InputError(
            f"Invalid session name '{shown(name)}'.",
            "Use 2-64 characters of letters, digits and +=,.@_-.",
        )
    return name


def sanitize_session_name(raw: str) -> str:
    """Turn any text (a user name, an e-mail) into a valid RoleSessionName."""
    cleaned = re.sub(_NOT_SESSION_NAME, "-", raw, flags=re.ASCII)[:64]
    return cleaned if len(cleaned) >= 2 else f"assume-{cleaned}".rstrip("-")


def check_external_id(value: str) -> str:
    """ExternalId: 2-1224 characters of letters, digits and +=,.@:/_-."""
    if not EXTERNAL_ID.fullmatch(value):
        raise InputError(
            "Invalid external ID.", "Use 2-1224 characters of letters, digits and +=,.@:/_-."
        )
    return value


def check_source_identity(value: str) -> str:
    """SourceIdentity: 2-64 characters of letters, digits and +=,.@_-."""
    if not _is(_SOURCE_IDENTITY, value):
        raise InputError(
            f"Invalid source identity '{shown(value)}'.",
            "Use 2-64 characters of letters, digits and +=,.@_-.",
        )
    return value


def check_mfa_serial(value: str) -> str:
    """An MFA device ARN or hardware serial."""
    if not _MFA_SERIAL.fullmatch(value):
        raise InputError(
            f"Invalid MFA serial '{shown(value)}'.",
            "Use the device ARN, e.g. arn:aws:iam::123456789012:mfa/alice.",
        )
    return value


def check_token_code(value: str) -> str:
    """An MFA code: six digits."""
    if not _is(_TOKEN_CODE, value):
        raise InputError("The MFA code must be 6 digits.")
    return value


def check_region(region: str, origin: str = "--region") -> str:
    """A region name as botocore accepts one (a host label such as `us-east-1`)."""
    if not REGION.fullmatch(region):
        raise InputError(
            f"Invalid region '{shown(region)}' (from {origin}).", "Regions look like us-east-1."
        )
    return region


def _read_policy_file(value: str) -> str:
    """The text of `@FILE`, read no further than MAX_POLICY_BYTES (it may be /dev/zero)."""
    path = os.path.expanduser(value[1:])
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise InputError(f"Cannot read policy file '{shown(path)}': {exc.strerror}.") from None
    if len(data) > MAX_POLICY_BYTES:
        raise InputError(f"The policy file '{shown(path)}' is larger than "
                         f"{MAX_POLICY_BYTES // 1024} KiB.", "STS allows 2,048 characters.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"The policy file '{shown(path)}' is not UTF-8 text.") from None


def load_policy(value: str) -> str:
    """A session policy given as JSON or `@file`; returned as compact JSON."""
    text = _read_policy_file(value) if value.startswith("@") else value
    if len(text) > MAX_POLICY_BYTES:
        raise InputError(f"The session policy is larger than {MAX_POLICY_BYTES // 1024} KiB.",
                         "STS allows 2,048 characters.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The session policy is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise InputError("The session policy is nested too deeply to be a policy.") from None
    if not isinstance(document, dict):
        raise InputError("The session policy must be a JSON object.")
    return json.dumps(document, separators=(",", ":"))


def check_policy_arns(arns: tuple[str, ...]) -> tuple[str, ...]:
    """Managed policy ARNs for the session: at most 10."""
    if len(arns) > MAX_POLICY_ARNS:
        raise InputError(f"At most {MAX_POLICY_ARNS} policy ARNs may be passed.")
    for arn in arns:
        if not _is(_POLICY_ARN, arn):
            raise InputError(
                f"'{shown(arn)}' is not a managed policy ARN.",
                "Expected arn:aws:iam::aws:policy/NAME or arn:aws:iam::123456789012:policy/NAME.",
            )
    return arns


def parse_tag(text: str) -> tuple[str, str]:
    """A session tag written `KEY=VALUE`."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise InputError(f"Invalid tag '{shown(text)}'.", "Write tags as KEY=VALUE.")
    if not _is(_TAG_KEY, key, 0) or key.lower().startswith("aws:"):
        raise InputError(f"Invalid tag key '{shown(key)}'.")
    if not _is(_TAG_VALUE, value, 0):
        raise InputError(f"Invalid value for tag '{shown(key)}'.")
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
            raise InputError(f"Tag '{shown(key)}' is given twice.")
        seen.add(key.lower())
    for key in transitive:
        if key.lower() not in seen:
            raise InputError(f"Transitive tag key '{shown(key)}' is not among the --tag keys.")
    return tags
