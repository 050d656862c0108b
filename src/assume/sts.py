"""The only boto3 user: source sessions, AssumeRole, GetCallerIdentity, GetSessionToken.

Maps botocore's exceptions to AssumeError subclasses with one clear line each. Every client
has connect and read timeouts and a bounded retry budget (see `deadlines`), and every session
is checked against STS's own clock (its `Date` header) on arrival.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from assume import deadlines, freshness
from assume.errors import (
    AccessDeniedError,
    AssumeError,
    ConfigError,
    InputError,
    SourceCredentialsError,
    StsTimeoutError,
)
from assume.models import MFA_SESSION_HOP, Credentials, Hop, Source

log = logging.getLogger("assume")

DEFAULT_REGION = "us-east-1"
CLIENT_CONFIG = Config(
    connect_timeout=deadlines.STS_CONNECT_TIMEOUT,
    read_timeout=deadlines.STS_READ_TIMEOUT,
    retries={"mode": "standard", "total_max_attempts": deadlines.STS_MAX_ATTEMPTS},
)
ACCESS_DENIED_HINT = (
    "Both must hold: the caller's identity policy allows sts:AssumeRole on the role, "
    "and the role's trust policy names the caller."
)


def _session_from_credentials(credentials: Credentials, region: str | None) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        region_name=region,
    )


def _environment_keys(what: str) -> Credentials:
    """The keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read as the
    cache key reads them. AWS_CREDENTIAL_EXPIRATION is not needed to use them (botocore's
    EnvProvider fails on a malformed one)."""
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        raise SourceCredentialsError(f"{what} provided no credentials: AWS_ACCESS_KEY_ID is unset.")
    return Credentials(
        os.environ["AWS_ACCESS_KEY_ID"],
        os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        os.environ.get("AWS_SESSION_TOKEN"),
    )


def _credential_source(name: str) -> Credentials:
    """Credentials for a profile's credential_source, from botocore's own providers (the
    environment's keys directly)."""
    from botocore import credentials as providers
    from botocore.utils import InstanceMetadataFetcher

    if name == "Environment":
        return _environment_keys("credential_source Environment")
    provider: Any
    if name == "EcsContainer":
        provider = providers.ContainerProvider()
    else:
        provider = providers.InstanceMetadataProvider(
            iam_role_fetcher=InstanceMetadataFetcher(timeout=2, num_attempts=2)
        )
    loaded = provider.load()
    if loaded is None:
        raise SourceCredentialsError(f"credential_source {name} provided no credentials.")
    frozen = loaded.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token)


def source_session(source: Source | Credentials, region: str | None) -> boto3.Session:
    """A boto3 session holding the credentials a hop is assumed with."""
    if isinstance(source, Credentials):
        return _session_from_credentials(source, region)
    if source.credentials is not None:  # resolved once already: never resolve a second time
        return _session_from_credentials(source.credentials, region)
    if source.kind == "profile":
        return boto3.Session(profile_name=source.name, region_name=region)
    if source.kind == "profile_keys":
        from assume.config import AwsConfig

        settings = AwsConfig.load().profiles[source.name]
        keys = Credentials(
            settings["aws_access_key_id"],
            settings.get("aws_secret_access_key", ""),
            settings.get("aws_session_token"),
        )
        return _session_from_credentials(keys, region)
    if source.kind == "credential_source":
        return _session_from_credentials(_credential_source(source.name), region)
    if source.kind == "env":
        return _session_from_credentials(_environment_keys("the environment"), region)
    return boto3.Session(region_name=region)


def sts_client(session: boto3.Session, region: str | None) -> Any:
    """An STS client; AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL are honoured by botocore."""
    client = session.client(
        "sts", region_name=region or session.region_name or DEFAULT_REGION, config=CLIENT_CONFIG
    )
    log.debug("STS endpoint %s", client.meta.endpoint_url)
    return client


def server_time(response: dict[str, Any]) -> datetime | None:
    """STS's clock when it answered (its `Date` header), when it sent one that parses."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        sent = parsedate_to_datetime(headers["date"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc)


def session_from(response: dict[str, Any]) -> tuple[Credentials, float]:
    """The session in `response` with its expiry on this machine's clock, and the clock skew
    (seconds STS's clock is ahead of this one). Refused when STS's clock (or, without a Date
    header, this one) says it has already expired."""
    now = datetime.now(timezone.utc)
    raw = response["Credentials"]
    expiration: datetime = raw["Expiration"]
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=timezone.utc)
    issued = Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretAccessKey"],
        session_token=raw.get("SessionToken"),
        expiration=expiration,
        account_id=account_of(response),
    )
    skew = freshness.clock_skew(server_time(response), now)
    credentials = freshness.on_this_clock(issued, skew, now)
    if (credentials.seconds_left(now) or 0) <= 0:
        raise AssumeError(
            f"STS returned a session that had already expired (at {issued.expiration_iso}).",
            "Check the clocks of this machine and of the STS endpoint.",
        )
    return credentials, skew


def account_of(response: dict[str, Any]) -> str | None:
    """The account of an AssumeRole* response's role (from AssumedRoleUser.Arn), or None
    for responses without one (GetSessionToken)."""
    arn = str(response.get("AssumedRoleUser", {}).get("Arn", ""))
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None


def assume_role_arguments(hop: Hop, role_arn: str, token_code: str | None) -> dict[str, Any]:
    """The AssumeRole parameters for a hop."""
    from assume.config import default_session_name

    args: dict[str, Any] = {
        "RoleArn": role_arn,
        "RoleSessionName": hop.session_name or default_session_name(),
    }
    if hop.duration:
        args["DurationSeconds"] = hop.duration
    if hop.external_id:
        args["ExternalId"] = hop.external_id
    if hop.mfa_serial and token_code:
        args["SerialNumber"] = hop.mfa_serial
        args["TokenCode"] = token_code
    if hop.policy:
        args["Policy"] = hop.policy
    if hop.policy_arns:
        args["PolicyArns"] = [{"arn": arn} for arn in hop.policy_arns]
    if hop.tags:
        args["Tags"] = [{"Key": key, "Value": value} for key, value in hop.tags]
    if hop.transitive_tag_keys:
        args["TransitiveTagKeys"] = list(hop.transitive_tag_keys)
    if hop.source_identity:
        args["SourceIdentity"] = hop.source_identity
    return args


def describe_source(source: Source | Credentials) -> str:
    """A secret-free description of where a hop's credentials come from."""
    return "the previous hop's role" if isinstance(source, Credentials) else source.label


def _stderr_warning(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


class BotoGateway:
    """STS through boto3, with errors turned into one clear line each."""

    def __init__(self, warn: Callable[[str], None] = _stderr_warning) -> None:
        self._warn = warn
        self._skew_told = False

    def _session(self, response: dict[str, Any]) -> Credentials:
        """The response's session; the first large clock skew is told once (every hop of a
        chain meets the same clock)."""
        credentials, skew = session_from(response)
        if abs(skew) > freshness.CLOCK_SKEW_WARNING and not self._skew_told:
            self._skew_told = True
            self._warn(freshness.skew_warning(skew))
        return credentials

    def source_credentials(self, source: Source, region: str | None) -> Credentials:
        """The credentials boto3 resolves for `source` (credential_process, SSO, ...), once."""
        with translate_errors(source):
            found = source_session(source, region).get_credentials()
            if found is None:
                raise SourceCredentialsError(
                    f"No source credentials found ({describe_source(source)}).",
                    "Set AWS credentials, pass --profile, or run on a host with an instance "
                    "role.",
                )
            frozen = found.get_frozen_credentials()
            return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    def caller_arn(self, source: Source | Credentials, region: str | None) -> str:
        """The ARN of the identity behind `source` (GetCallerIdentity)."""
        with translate_errors(source):
            client = sts_client(source_session(source, region), region)
            return str(client.get_caller_identity()["Arn"])

    def assume_role(
        self, source: Source | Credentials, hop: Hop, region: str | None, token_code: str | None
    ) -> Credentials:
        """AssumeRole for one hop (GetSessionToken for an MFA-session hop); a bare role name
        is placed in the caller's account."""
        if hop.kind == MFA_SESSION_HOP:
            return self.session_token(source, hop, region, token_code)
        with translate_errors(source):
            session = source_session(source, region)
            client = sts_client(session, region)
            role_arn = hop.role
            if hop.is_bare_name:
                caller = client.get_caller_identity()["Arn"]
                partition, account = caller.split(":")[1], caller.split(":")[4]
                role_arn = f"arn:{partition}:iam::{account}:role/{hop.role}"
            try:
                response = client.assume_role(**assume_role_arguments(hop, role_arn, token_code))
            except botocore.exceptions.ClientError as exc:
                raise _assume_role_error(exc, client, role_arn, hop) from None
            return self._session(response)


    def session_token(
        self, source: Source | Credentials, hop: Hop, region: str | None, token_code: str | None
    ) -> Credentials:
        """GetSessionToken with the MFA device: a session every role can be assumed from."""
        with translate_errors(source):
            client = sts_client(source_session(source, region), region)
            args: dict[str, Any] = {"SerialNumber": hop.mfa_serial, "TokenCode": token_code}
            if hop.duration:
                args["DurationSeconds"] = hop.duration
            return self._session(client.get_session_token(**args))


def _assume_role_error(
    exc: botocore.exceptions.ClientError, client: Any, role_arn: str, hop: Hop
) -> AssumeError:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", ""), error.get("Message", "")
    if code == "AccessDenied":
        try:
            caller = client.get_caller_identity()["Arn"]
        except Exception:
            caller = "the caller"
        return AccessDeniedError(
            f"Access denied: {caller} may not assume {role_arn}. {ACCESS_DENIED_HINT}",
            "Run `assume explain` on the same TARGET to see which one fails.",
        )
    if code == "ValidationError" and "DurationSeconds" in message:
        if "chaining" in message:
            return AssumeError(
                f"{role_arn}: a role assumed by a role lasts 1 hour (3600s) at most.",
                "Use --duration 3600 or less.",
            )
        return AssumeError(
            f"{role_arn}: the requested duration ({hop.duration}s) exceeds the role's "
            "MaxSessionDuration.",
            "Ask for less, or raise the role's maximum session duration.",
        )
    return AssumeError(f"AssumeRole {role_arn} failed: {code}: {message}")


class translate_errors:
    """Turn botocore's exceptions into AssumeError subclasses with one line each."""

    def __init__(self, source: Source | Credentials) -> None:
        self.source = source

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, AssumeError):
            return
        raise _translate(exc, self.source) from None


def _translate(exc: BaseException, source: Source | Credentials) -> BaseException:
    errors = botocore.exceptions
    where = describe_source(source)
    if isinstance(exc, errors.ProfileNotFound):
        return ConfigError(f"Unknown profile: {exc.kwargs.get('profile')}.")
    if isinstance(exc, errors.NoCredentialsError):
        return SourceCredentialsError(
            f"No source credentials found ({where}).",
            "Set AWS credentials, pass --profile, or run on a host with an instance role.",
        )
    if isinstance(exc, errors.CredentialRetrievalError):
        return SourceCredentialsError(
            f"Could not get the source credentials ({where}) from "
            f"{exc.kwargs.get('provider', 'their provider')}.",
            "Check that the instance, container or credential_process can supply them.",
        )
    signin = _signin_error(exc, source)
    if signin is not None:
        return signin
    if isinstance(exc, errors.InvalidRegionError):
        return InputError(f"Invalid region name {exc.kwargs.get('region_name')!r}.")
    if isinstance(exc, errors.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code in ("InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch"):
            return SourceCredentialsError(
                f"The source credentials ({where}) were rejected: {code}.",
                "Refresh them and try again.",
            )
        return AssumeError(f"STS error {code}: {error.get('Message', '')}")
    if isinstance(exc, (errors.ReadTimeoutError, errors.ConnectTimeoutError)):
        tries = deadlines.STS_MAX_ATTEMPTS
        return StsTimeoutError(
            f"STS did not answer ({tries} tries, {deadlines.STS_READ_TIMEOUT}s each): {exc}.",
            "Check the network and the endpoint, then try again.",
        )
    if isinstance(exc, errors.EndpointConnectionError):
        return AssumeError(f"Cannot reach STS: {exc}.", "Check the network and the endpoint.")
    if isinstance(exc, errors.BotoCoreError):
        return AssumeError(f"{type(exc).__name__}: {exc}")
    return exc


def _signin_error(exc: BaseException, source: Source | Credentials) -> AssumeError | None:
    """A source that needs a sign-in first (IAM Identity Center, `aws login`, a web identity
    token file): one line naming the command that fixes it."""
    errors = botocore.exceptions
    profile = source.name if isinstance(source, Source) and source.kind == "profile" else ""
    option = f" --profile {profile}" if profile and profile != "default" else ""
    if isinstance(exc, (errors.SSOError, errors.TokenRetrievalError)):
        if isinstance(exc, errors.TokenRetrievalError) and exc.kwargs.get("provider") != "sso":
            return None
        return SourceCredentialsError(
            f"The IAM Identity Center (SSO) session of {describe_source(source)} has expired "
            "or is missing.", f"Run: aws sso login{option}")
    # older botocore has no `aws login` support, nor these classes
    if isinstance(exc, getattr(errors, "LoginInsufficientPermissions", ())):
        return SourceCredentialsError(f"{describe_source(source)}: {exc}")
    if isinstance(exc, getattr(errors, "LoginError", ())):
        return SourceCredentialsError(
            f"The `aws login` session of {describe_source(source)} has expired or is missing.",
            f"Run: aws login{option}")
    if isinstance(exc, errors.MissingDependencyException) and "login" in str(exc):
        return SourceCredentialsError(
            f"{describe_source(source)} uses login_session, which needs botocore's CRT "
            "support.", "Run: pip install 'botocore[crt]'")
    if isinstance(exc, FileNotFoundError) and profile:
        return SourceCredentialsError(
            f"{describe_source(source)}: cannot read {exc.filename}.",
            "Check its web_identity_token_file (or the file the profile names).")
    return None
