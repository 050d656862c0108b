"""Pure renderers: credentials in, text for a shell, a dotenv file, JSON or credential_process out.

Every value is quoted for its target so that nothing from a config file or a server can inject
code into a shell that evaluates the output. dotenv has no quoting that its readers agree on,
so its values are written bare and must consist of characters that every reader takes
literally (see `dotenv_value`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from assume.errors import InputError
from assume.models import Credentials

FORMATS = ("sh", "fish", "powershell", "dotenv", "json", "credential-process")

CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
# Variables that would contradict freshly set credentials (a profile would win over them
# in some tools, an old token alias would be sent alongside).
CONFLICTING_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
)
ALL_VARIABLES = CREDENTIAL_VARIABLES + REGION_VARIABLES + CONFLICTING_VARIABLES


def environment(credentials: Credentials, region: str | None) -> dict[str, str]:
    """The variables to set, in a stable order."""
    values = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
    }
    if credentials.session_token:
        values["AWS_SESSION_TOKEN"] = credentials.session_token
    if credentials.expiration_iso:
        values["AWS_CREDENTIAL_EXPIRATION"] = credentials.expiration_iso
    if region:
        values["AWS_REGION"] = region
        values["AWS_DEFAULT_REGION"] = region
    return values


def variables_to_unset(values: dict[str, str]) -> list[str]:
    """Variables that must go so the new ones are not contradicted."""
    unset = [name for name in CREDENTIAL_VARIABLES if name not in values]
    return unset + list(CONFLICTING_VARIABLES)


def quote_sh(value: str) -> str:
    """POSIX single quotes: nothing inside is special; a quote becomes '\\''."""
    return "'" + value.replace("'", "'\\''") + "'"


def quote_fish(value: str) -> str:
    """fish single quotes: only backslash and quote are escapes inside them."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_powershell(value: str) -> str:
    """PowerShell verbatim strings; PowerShell also treats the typographic quotes as quotes."""
    for quote in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        value = value.replace(quote, quote * 2)
    return "'" + value + "'"


# The characters of access keys, secrets, tokens (base64), ISO times and region names.
_DOTENV_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.:-")


def dotenv_value(name: str, value: str) -> str:
    """`value` written bare, when sh, python-dotenv and `docker --env-file` all read it back
    exactly; an InputError otherwise (which never repeats the value: it may be a secret).

    docker takes everything after `=` literally (quotes included), so nothing can be quoted;
    sh would expand `$`, quotes, spaces and `~`, and zsh expands `=` at the start of a value
    or after a `:`; python-dotenv expands `${...}` and drops ` #...`.
    """
    if _DOTENV_SAFE.issuperset(value) and not value.startswith("=") and ":=" not in value:
        return value
    raise InputError(
        f"{name} cannot be written to a dotenv file exactly: it holds a character other than "
        "letters, digits and + / = _ . : - (or = at its start or after a colon).",
        "Use --format json or a shell format.",
    )


def _sh(values: dict[str, str], unset: list[str]) -> str:
    lines = [f"export {name}={quote_sh(value)}" for name, value in values.items()]
    if unset:
        lines.append("unset " + " ".join(unset))
    return "\n".join(lines) + "\n"


def _fish(values: dict[str, str], unset: list[str]) -> str:
    lines = [f"set -gx {name} {quote_fish(value)}" for name, value in values.items()]
    # `set -e` of a variable that is not set fails (status 4); without `or true` that status
    # would become the status of `assume ... | source` and break `; and` / `&&` after it.
    lines += [f"set -e {name}; or true" for name in unset]
    return "\n".join(lines) + "\n"


def _powershell(values: dict[str, str], unset: list[str]) -> str:
    lines = [f"$Env:{name} = {quote_powershell(value)}" for name, value in values.items()]
    lines += [f"Remove-Item Env:{name} -ErrorAction SilentlyContinue" for name in unset]
    return "\n".join(lines) + "\n"


def _dotenv(values: dict[str, str], unset: list[str]) -> str:
    lines = [f"{name}={dotenv_value(name, value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n" if lines else ""


SHELL_RENDERERS: dict[str, Callable[[dict[str, str], list[str]], str]] = {
    "sh": _sh,
    "fish": _fish,
    "powershell": _powershell,
    "dotenv": _dotenv,
}


def render(credentials: Credentials, region: str | None, fmt: str) -> str:
    """Render credentials in one of FORMATS."""
    if fmt == "credential-process":
        return credential_process(credentials)
    if fmt == "json":
        document: dict[str, object] = {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "SessionToken": credentials.session_token,
            "Expiration": credentials.expiration_iso,
        }
        if region:
            document["Region"] = region
        return json.dumps(document, indent=2) + "\n"
    values = environment(credentials, region)
    return SHELL_RENDERERS[fmt](values, variables_to_unset(values))


def credential_process(credentials: Credentials) -> str:
    """Exactly the JSON the AWS SDKs expect from a `credential_process` command."""
    document: dict[str, object] = {
        "Version": 1,
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
    }
    if credentials.session_token:
        document["SessionToken"] = credentials.session_token
    if credentials.expiration_iso:
        document["Expiration"] = credentials.expiration_iso
    return json.dumps(document) + "\n"


def render_unset(fmt: str) -> str:
    """Lines that remove every variable `assume` sets."""
    if fmt in ("json", "credential-process"):
        raise InputError(f"--unset has no meaning for --format {fmt}.", "Use a shell format.")
    if fmt == "dotenv":
        return "".join(f"{name}=\n" for name in ALL_VARIABLES)
    return SHELL_RENDERERS[fmt]({}, list(ALL_VARIABLES))
