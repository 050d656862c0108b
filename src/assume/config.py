"""Read the AWS config and credentials files and turn TARGETs into a Plan of hops.

Pure stdlib (configparser), because the cache-hit path runs it on every `aws` command.
"""

from __future__ import annotations

import configparser
import os

from assume import validation
from assume.errors import AssumeError, ConfigError, InputError
from assume.models import MFA_SESSION_HOP, ROLE_HOP, Hop, Plan, Source, fingerprint
from assume.output import shown
from assume.records import Record

TYPE_CHECKING = False  # typing costs milliseconds on the hit path; mypy still reads the block
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")
# Profile settings through which the SDK finds credentials (whose, it alone knows).
SDK_CREDENTIAL_SETTINGS = ("credential_process", "sso_session", "sso_start_url",
                           "sso_account_id", "web_identity_token_file", "login_session")
MFA_SESSION_DURATION = 12 * 3600  # seconds: one MFA code a day serves every role
MAX_CONFIG_CHARS = 4 * 1024 * 1024  # config files are kilobytes; AWS_CONFIG_FILE may be /dev/zero
MAX_CHAIN = 100  # source_profile links followed: far beyond any real chain, well within the stack


class Request(Record):
    """What the user asked for: the targets and the options that shape the last hop."""

    targets: tuple[str, ...]
    profile: str | None = None
    region: str | None = None
    duration: int | None = None
    session_name: str | None = None
    external_id: str | None = None
    mfa_serial: str | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None


def config_path() -> str:
    """The AWS config file, as botocore finds it."""
    return os.path.expanduser(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"))


def credentials_path() -> str:
    """The AWS shared credentials file, as botocore finds it."""
    return os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"))


def _read(path: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(default_section="\x00none")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(MAX_CONFIG_CHARS + 1)
        if len(text) > MAX_CONFIG_CHARS:
            raise ConfigError(f"{shown(path)} is larger than "
                              f"{MAX_CONFIG_CHARS // (1024 * 1024)} MiB; it is not an AWS config.")
        parser.read_string(text, source=path)
    except FileNotFoundError:
        pass
    except (configparser.Error, UnicodeDecodeError) as exc:
        first_line = str(exc).splitlines()[0]
        raise ConfigError(f"Cannot parse {shown(str(path))}: {shown(first_line)}") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {shown(str(path))}: {exc.strerror}.") from None
    return parser


def close_names(name: str, names: Iterable[str]) -> list[str]:
    """Up to three of `names` that look like a typo of `name` (case aside), closest first."""
    import difflib

    by_lower = {candidate.lower(): candidate for candidate in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    return [by_lower[candidate] for candidate in close]


class AwsConfig:
    """The merged profiles of the AWS config and credentials files."""

    def __init__(self, profiles: dict[str, dict[str, str]]) -> None:
        self.profiles = profiles

    @classmethod
    def load(cls) -> AwsConfig:
        """Read both files the way botocore does (`[profile X]` in config, `[X]` in credentials)."""
        profiles: dict[str, dict[str, str]] = {}
        config = _read(config_path())
        for section in config.sections():
            name = section
            if section.startswith("profile "):
                name = section[len("profile ") :].strip()
            elif section != "default":
                continue
            profiles.setdefault(name, {}).update(config.items(section))
        credentials = _read(credentials_path())
        for section in credentials.sections():
            profiles.setdefault(section.strip(), {}).update(credentials.items(section))
        return cls(profiles)

    def profile(self, name: str, *, purpose: str = "profile") -> dict[str, str]:
        """The settings of a profile, or a ConfigError that suggests close names."""
        try:
            return self.profiles[name]
        except KeyError:
            close = close_names(name, self.profiles)
            names = ", ".join(f"'{shown(c)}'" for c in close)
            hint = f"Did you mean {names}?" if close else (
                f"Profiles are read from {shown(str(config_path()))} and "
                f"{shown(str(credentials_path()))}."
            )
            raise ConfigError(f"Unknown {purpose} '{shown(name)}'.", hint) from None

    def role_profiles(self) -> dict[str, dict[str, str]]:
        """Profiles that define a role (have role_arn)."""
        return {name: p for name, p in self.profiles.items() if "role_arn" in p}


def default_session_name() -> str:
    """The RoleSessionName used when none is given: the local user's name, sanitised."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "assume"
    return validation.sanitize_session_name(user)


def _profile_source(name: str, settings: dict[str, str]) -> Source:
    """A profile as the source. Static keys identify themselves by their key id; anything else
    (credential_process, SSO, login_session, web identity) is known once the SDK resolves it."""
    key_id = settings.get("aws_access_key_id")
    # botocore may prefer any of these to keys in the config file: then the SDK decides.
    if key_id and not any(setting in settings for setting in SDK_CREDENTIAL_SETTINGS):
        return _static_keys_source("profile", name, settings)
    return Source("profile", name, f"profile:{name}", settings.get("region"),
                  needs_resolving=True)


def _static_keys_source(kind: str, name: str, settings: dict[str, str]) -> Source:
    """A profile's own keys, keyed on a fingerprint of their key id."""
    identity = f"profile:{name}#{fingerprint(settings['aws_access_key_id'])}"
    return Source(kind, name, identity, settings.get("region"))


def _environment_source(kind: str, name: str, label: str) -> Source:
    """Keys in the environment: keyed on a fingerprint of AWS_ACCESS_KEY_ID, read right here,
    so a hit needs no SDK; without the variable, the SDK's answer decides."""
    key_id = os.environ.get("AWS_ACCESS_KEY_ID")
    if key_id:
        return Source(kind, name, f"{label}#{fingerprint(key_id)}")
    return Source(kind, name, label, needs_resolving=True)


def _default_source(config: AwsConfig) -> Source:
    if os.environ.get("AWS_ACCESS_KEY_ID"):
        return _environment_source("env", "", "env")
    profile = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    if profile:
        return _profile_source(profile, config.profile(profile, purpose="profile (AWS_PROFILE)"))
    if "default" in config.profiles:
        return _profile_source("default", config.profiles["default"])
    container = os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or os.environ.get(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    )
    if container:
        return Source("default", "container", f"container:{container}", needs_resolving=True)
    return Source("default", "", "default", needs_resolving=True)


def _int_setting(profile: str, key: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(
            f"Profile '{shown(profile)}' has {key} = '{shown(raw)}'; expected a number."
        ) from None


def _hop_from_profile(name: str, settings: dict[str, str]) -> Hop:
    role_arn = validation.check_role_arn(settings["role_arn"].strip())
    duration = settings.get("duration_seconds")
    session_name = settings.get("role_session_name")
    mfa_serial = settings.get("mfa_serial")
    external_id = settings.get("external_id")
    return Hop(
        role=role_arn,
        session_name=validation.check_session_name(session_name) if session_name else None,
        duration=_int_setting(name, "duration_seconds", duration) if duration else None,
        external_id=validation.check_external_id(external_id) if external_id else None,
        mfa_serial=validation.check_mfa_serial(mfa_serial) if mfa_serial else None,
        mfa_process=settings.get("mfa_process"),
        profile=name,
        region=_region_setting(name, settings),
    )


def _region_setting(name: str, settings: dict[str, str]) -> str | None:
    region = settings.get("region")
    return validation.check_region(region, f"profile {shown(name)}") if region else None


def expand_profile(
    config: AwsConfig, name: str, seen: tuple[str, ...] = ()
) -> tuple[Source, list[Hop]]:
    """Follow a profile's source_profile / credential_source chain the way botocore does."""
    settings = config.profile(name, purpose="source_profile" if seen else "profile")
    if "role_arn" not in settings or "web_identity_token_file" in settings:
        return _profile_source(name, settings), []
    if name in seen:
        cycle = " -> ".join(shown(link, 40) for link in (*seen, name))
        raise ConfigError(f"source_profile cycle: {cycle}.", "Point one profile at credentials.")
    if len(seen) >= MAX_CHAIN:
        raise ConfigError(
            f"The source_profile chain from '{shown(seen[0])}' is longer than {MAX_CHAIN} "
            "profiles.", "Point a profile nearer the start at credentials."
        )
    source_profile = settings.get("source_profile")
    credential_source = settings.get("credential_source")
    if source_profile and credential_source:
        raise ConfigError(
            f"Profile '{shown(name)}' has both source_profile and credential_source.", "Keep one."
        )
    hop = _hop_from_profile(name, settings)
    if source_profile:
        if source_profile == name and "aws_access_key_id" in settings:
            return _static_keys_source("profile_keys", name, settings), [hop]
        source, hops = expand_profile(config, source_profile, (*seen, name))
        return source, [*hops, hop]
    if credential_source:
        if credential_source not in CREDENTIAL_SOURCES:
            raise ConfigError(
                f"Profile '{shown(name)}' has credential_source = {shown(credential_source)}.",
                f"Use one of: {', '.join(CREDENTIAL_SOURCES)}.",
            )
        if credential_source == "Environment":
            source = _environment_source("credential_source", "Environment", "cs:Environment")
        else:  # instance or container metadata: who answers is known once resolved
            source = Source("credential_source", credential_source, f"cs:{credential_source}",
                            needs_resolving=True)
        return source, [hop]
    raise ConfigError(
        f"Profile '{shown(name)}' has role_arn but neither source_profile nor credential_source.",
        "Add source_profile = NAME.",
    )


def _hop_for_target(config: AwsConfig, target: str, region: str | None) -> Hop:
    if target in config.profiles:
        settings = config.profiles[target]
        if "role_arn" not in settings:
            raise ConfigError(
                f"Profile '{shown(target)}' has no role_arn, so it cannot be assumed.",
                f"Use it as the source instead: --profile {shown(target)}.",
            )
        return _hop_from_profile(target, settings)
    if target.startswith("arn:"):
        return Hop(role=validation.check_role_arn(target))
    account_role = validation.split_account_role(target)
    if account_role:
        account, name = account_role
        partition = validation.partition_for_region(region)
        return Hop(role=f"arn:{partition}:iam::{account}:role/{name}")
    return Hop(role=validation.check_role_name(target))


def apply_options(hop: Hop, request: Request, chained: bool) -> Hop:
    """Options on the command line shape the last hop and override its profile."""
    changes: dict[str, Any] = {}
    if request.duration is not None:
        validation.check_duration(request.duration, chained=chained)
        changes.update(duration=request.duration, duration_from_cli=True)
    if request.session_name:
        changes["session_name"] = validation.check_session_name(request.session_name)
    if request.external_id:
        changes["external_id"] = validation.check_external_id(request.external_id)
    if request.mfa_serial:
        changes["mfa_serial"] = validation.check_mfa_serial(request.mfa_serial)
    if request.policy:
        changes["policy"] = validation.load_policy(request.policy)
    if request.policy_arns:
        changes["policy_arns"] = validation.check_policy_arns(request.policy_arns)
    if request.tags or request.transitive_tag_keys:
        changes["tags"] = validation.check_tags(request.tags, request.transitive_tag_keys)
        changes["transitive_tag_keys"] = request.transitive_tag_keys
    if request.source_identity:
        changes["source_identity"] = validation.check_source_identity(request.source_identity)
    return hop._replace(**changes) if changes else hop


def _check_configured_duration(hop: Hop, chained: bool, notes: list[str]) -> Hop:
    """Validate a duration from the config; clamp it on a chained hop with a note."""
    if hop.duration is None or hop.duration_from_cli:
        return hop
    validation.check_duration(hop.duration, from_cli=False)
    if chained and hop.duration > validation.MAX_CHAINED_DURATION:
        notes.append(
            f"note: {hop.profile or hop.role}: duration_seconds {hop.duration} clamped to "
            f"{validation.MAX_CHAINED_DURATION}s, the limit for a role assumed by a role."
        )
        return hop._replace(duration=validation.MAX_CHAINED_DURATION)
    return hop


def resolve(request: Request, config: AwsConfig | None = None, *, hints: bool = True) -> Plan:
    """Turn the request's TARGETs into a Plan: the source and one Hop per AssumeRole call.

    A bare role name that looks like a typo of a role profile's name gives the plan a hint,
    and any error raised here carries it too; `hints=False` (the fast path, when nobody
    watches stderr) skips looking for them.
    """
    if not request.targets:
        raise InputError("No TARGET given.", "Try: assume ROLE_PROFILE, or see assume --help.")
    config = config or AwsConfig.load()
    typos = _bare_name_typos(config, request.targets) if hints else []
    try:
        plan = _resolve(request, config)
    except AssumeError as exc:
        where = "the account of its source"
        raise exc.with_hints(tuple(_typo_hint(target, close, where)
                                   for _, target, close in typos)) from None
    said = []
    for index, target, close in typos:
        hop_index = len(plan.hops) - len(request.targets) + index
        said.append(_typo_hint(target, close, _account_of_source(plan, hop_index)))
    return plan._replace(hints=tuple(said))


def _resolve(request: Request, config: AwsConfig) -> Plan:
    env_region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    region_hint = request.region or env_region
    hops: list[Hop] = []
    source: Source | None = None
    for index, target in enumerate(request.targets):
        if index == 0 and target in config.profiles and "role_arn" in config.profiles[target]:
            source, hops = expand_profile(config, target)
            if request.profile:
                _check_named_source(config, target, request.profile, source, hops)
            continue
        hops.append(_hop_for_target(config, target, region_hint))
    if source is None:
        if request.profile:
            source, source_hops = expand_profile(config, request.profile)
        else:
            source, source_hops = _default_source(config), []
            if source.kind == "profile" and "role_arn" in config.profiles.get(source.name, {}):
                source, source_hops = expand_profile(config, source.name)
        hops = [*source_hops, *hops]
    if not hops:
        raise ConfigError(
            f"Profile '{shown(request.targets[0])}' gets its role through "
            "web_identity_token_file, which boto3 assumes itself: there is no hop to make.",
            f"Use it as a source: assume ROLE --profile {shown(request.targets[0])}.",
        )
    notes: list[str] = []
    finished: list[Hop] = []
    for index, hop in enumerate(hops):
        chained = index > 0  # assumed with the role credentials of the hop before
        if index == len(hops) - 1:
            hop = apply_options(hop, request, chained)
        finished.append(_check_configured_duration(hop, chained, notes))
    finished = _with_mfa_session(config, source, finished, notes)
    region = _plan_region(config, request, finished[-1], source)
    return Plan(source=source, hops=tuple(finished), region=region, targets=request.targets,
                notes=tuple(notes))


def _plan_region(config: AwsConfig, request: Request, last: Hop, source: Source) -> str | None:
    """The region for STS and the printed AWS_REGION, checked wherever it came from: it is
    printed on a cache hit too, where no botocore call would refuse it."""
    candidates = [
        (request.region, "--region"),
        (last.region, f"profile {last.profile}"),
        (os.environ.get("AWS_REGION"), "AWS_REGION"),
        (os.environ.get("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"),
        (source.region, f"profile {source.name}"),
        (config.profiles.get("default", {}).get("region"), "profile default"),
    ]
    for region, origin in candidates:
        if region:
            return validation.check_region(region, shown(origin))
    return None


def _check_named_source(
    config: AwsConfig, target: str, profile: str, source: Source, hops: list[Hop]
) -> None:
    """--profile with a role profile as first TARGET: the same source given twice is no
    conflict (the chain already starts from it); a different one is refused."""
    chain = {hop.profile for hop in hops[:-1]}
    if source.kind in ("profile", "profile_keys"):
        chain.add(source.name)
    if profile in chain:
        return
    settings = config.profiles[target]
    key = "source_profile" if "source_profile" in settings else "credential_source"
    raise InputError(
        f"Profile '{shown(target)}' names its own source ({key} = "
        f"{shown(settings.get(key) or '')}), not '{shown(profile)}'; --profile cannot apply to it.",
        "Drop --profile, or pass the role ARN instead.",
    )


def _bare_name_typos(config: AwsConfig, targets: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """TARGETs taken as bare role names that look like a role profile's name mistyped, each
    with its position and the closest such profile."""
    typos = []
    for index, target in enumerate(targets):
        if (target in config.profiles or target.startswith("arn:")
                or validation.split_account_role(target)):
            continue
        close = close_names(target, config.role_profiles())
        if close:
            typos.append((index, target, close[0]))
    return typos


def _typo_hint(target: str, profile: str, where: str) -> str:
    return (f"no profile '{shown(target)}'; using it as a role name in {shown(where)}; "
            f"did you mean '{shown(profile)}'?")


def _account_of_source(plan: Plan, hop_index: int) -> str:
    """Where a bare role name at `hop_index` is looked up: the account of whatever assumes it."""
    before = plan.hops[hop_index - 1] if hop_index > 0 else None
    if before is None or before.kind == MFA_SESSION_HOP:
        return f"the account of {plan.source.label}"
    if before.role.startswith("arn:"):
        return f"account {before.role.split(':')[4]}"
    return f"the account of role {before.role}"


def _mfa_session_duration(config: AwsConfig, source: Source, first: Hop) -> int:
    raw = os.environ.get("ASSUME_MFA_SESSION_DURATION")
    for name in (first.profile, source.name):
        if not raw and name and name in config.profiles:
            raw = config.profiles[name].get("mfa_session_duration")
    if not raw:
        return MFA_SESSION_DURATION
    seconds = _int_setting(first.profile or source.name, "mfa_session_duration", raw)
    return validation.check_duration(seconds, from_cli=False)


def long_term_source(config: AwsConfig, source: Source) -> bool:
    """True when the source holds long-term keys, the only kind GetSessionToken accepts."""
    if source.needs_resolving:
        return False  # what the SDK will find is unknown here
    if source.kind == "env":
        return not os.environ.get("AWS_SESSION_TOKEN")
    if source.kind in ("profile", "profile_keys"):
        settings = config.profiles.get(source.name, {})
        return "aws_access_key_id" in settings and "aws_session_token" not in settings
    return False


def _with_mfa_session(
    config: AwsConfig, source: Source, hops: list[Hop], notes: list[str]
) -> list[Hop]:
    """Put an MFA session (GetSessionToken) in front of a first hop that needs MFA.

    One code then serves every role that shares the device for the session's life. Where
    the source cannot get an MFA session (role or temporary credentials), MFA goes on the
    AssumeRole call itself, and a note says why.
    """
    first = hops[0]
    if first.mfa_serial and long_term_source(config, source):
        session = Hop(
            role="",
            kind=MFA_SESSION_HOP,
            mfa_serial=first.mfa_serial,
            mfa_process=first.mfa_process or config.profiles.get(source.name, {}).get(
                "mfa_process"),
            duration=_mfa_session_duration(config, source, first),
            profile=source.name or None,
        )
        return [session, first._replace(mfa_serial=None), *hops[1:]]
    for hop in hops:
        if hop.mfa_serial and hop.kind == ROLE_HOP:
            why = ("its source is a role session" if hop is not first
                   else "its source has temporary or unknown credentials")
            notes.append(
                f"note: MFA on the AssumeRole call for {hop.profile or hop.role}: {why}, "
                "which cannot get an MFA session."
            )
    return hops
