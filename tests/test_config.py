"""How TARGETs and the AWS config become a Plan of hops (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assume.config import Request, resolve
from assume.errors import ConfigError, InputError

CONFIG = """
[default]
region = us-east-1

[profile base]
region = eu-central-1

[profile hub]
role_arn = arn:aws:iam::111111111111:role/Hub
source_profile = base
role_session_name = me
duration_seconds = 7200

[profile deep]
role_arn = arn:aws:iam::222222222222:role/Deep
source_profile = hub
external_id = ext-123
duration_seconds = 7200
region = ap-south-1

[profile ec2]
role_arn = arn:aws:iam::333333333333:role/FromInstance
credential_source = Ec2InstanceMetadata

[profile loop-a]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::111111111111:role/B
source_profile = loop-a

[profile self]
role_arn = arn:aws:iam::111111111111:role/Self
source_profile = self

[profile both]
role_arn = arn:aws:iam::111111111111:role/Both
source_profile = base
credential_source = Environment

[profile orphan]
role_arn = arn:aws:iam::111111111111:role/Orphan
"""

CREDENTIALS = """
[base]
aws_access_key_id = AKIABASE0000000000
aws_secret_access_key = secret

[self]
aws_access_key_id = AKIASELF0000000000
aws_secret_access_key = secret
"""


@pytest.fixture(autouse=True)
def aws_files(home: Path) -> None:
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(CONFIG)
    (home / ".aws" / "credentials").write_text(CREDENTIALS)


def test_source_profile_chain_becomes_one_hop_per_role() -> None:
    plan = resolve(Request(targets=("deep",)))
    assert plan.source.kind == "profile" and plan.source.name == "base"
    assert [hop.role for hop in plan.hops] == [
        "arn:aws:iam::111111111111:role/Hub",
        "arn:aws:iam::222222222222:role/Deep",
    ]
    assert plan.hops[0].session_name == "me"
    assert plan.hops[1].external_id == "ext-123"
    assert plan.region == "ap-south-1"


def test_configured_duration_on_chained_hop_is_clamped_with_a_note() -> None:
    plan = resolve(Request(targets=("deep",)))
    assert plan.hops[0].duration == 7200  # first hop: assumed by a user, may be long
    assert plan.hops[1].duration == 3600
    assert any("clamped to 3600" in note for note in plan.notes)


def test_cli_duration_over_an_hour_on_chained_hop_is_a_usage_error() -> None:
    with pytest.raises(InputError, match="1 hour"):
        resolve(Request(targets=("deep",), duration=7200))


def test_options_shape_only_the_last_hop() -> None:
    plan = resolve(Request(targets=("hub", "222222222222:Next"), external_id="xyz",
                           tags=(("team", "a"),), session_name="sess"))
    assert plan.hops[0].external_id is None and plan.hops[0].session_name == "me"
    assert plan.hops[-1].role == "arn:aws:iam::222222222222:role/Next"
    assert plan.hops[-1].external_id == "xyz"
    assert plan.hops[-1].tags == (("team", "a"),)


def test_cycle_in_source_profile_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="cycle: loop-a -> loop-b -> loop-a"):
        resolve(Request(targets=("loop-a",)))


def test_self_referencing_source_profile_uses_its_own_keys() -> None:
    plan = resolve(Request(targets=("self",)))
    assert plan.source.kind == "profile_keys" and plan.source.name == "self"
    assert len(plan.hops) == 1


def test_credential_source_is_the_first_hops_source() -> None:
    plan = resolve(Request(targets=("ec2",)))
    assert plan.source.kind == "credential_source" and plan.source.name == "Ec2InstanceMetadata"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("both", "both source_profile and credential_source"),
        ("orphan", "neither source_profile nor credential_source"),
        ("base", "has no role_arn"),
    ],
)
def test_misconfigured_profiles_are_config_errors(target: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve(Request(targets=(target,)))


def test_unknown_source_profile_suggests_close_names() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'base'"):
        resolve(Request(targets=("arn:aws:iam::111111111111:role/X",), profile="bsae"))


def test_account_role_target_uses_partition_of_region() -> None:
    plan = resolve(Request(targets=("123456789012:Admin",), profile="base", region="cn-north-1"))
    assert plan.hops[0].role == "arn:aws-cn:iam::123456789012:role/Admin"


def test_bare_role_name_is_resolved_at_call_time() -> None:
    plan = resolve(Request(targets=("Admin",), profile="base"))
    assert plan.hops[0].is_bare_name and plan.hops[0].role == "Admin"


def test_environment_keys_are_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV000000000000")
    plan = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",)))
    assert plan.source.kind == "env"
    assert "ASIAENV" not in plan.source.identity  # a fingerprint, not the key id


def test_aws_profile_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "base")
    plan = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",)))
    assert plan.source.name == "base"


def test_cache_keys_differ_by_source_and_by_session_parameters() -> None:
    base = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",), profile="base"))
    other_source = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",), profile="self"))
    with_eid = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",), profile="base",
                               external_id="abc"))
    keys = {base.cache_keys()[-1], other_source.cache_keys()[-1], with_eid.cache_keys()[-1]}
    assert len(keys) == 3
    again = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",), profile="base"))
    assert again.cache_keys() == base.cache_keys()


def test_unparsable_config_is_a_config_error(home: Path) -> None:
    (home / ".aws" / "config").write_text("[profile x\nregion = 1\n")
    with pytest.raises(ConfigError, match="Cannot parse"):
        resolve(Request(targets=("x",)))


# --- the source identity in the cache key (issue 10, item 1) ---------------------------------

ENV_ROLE = """
[profile env-role]
role_arn = arn:aws:iam::111111111111:role/FromEnv
credential_source = Environment

[profile me]
credential_process = /bin/print-keys

[profile process-role]
role_arn = arn:aws:iam::111111111111:role/FromProcess
source_profile = me
"""


@pytest.fixture
def identity_config(home: Path) -> None:
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "config").write_text(ENV_ROLE)


def test_environment_credential_source_is_keyed_on_the_access_key_in_the_environment(
    identity_config: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAALICE0000000")
    alice = resolve(Request(targets=("env-role",)))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIABOB000000000")
    bob = resolve(Request(targets=("env-role",)))
    assert not alice.source.needs_resolving
    assert alice.cache_keys() != bob.cache_keys()
    assert "AKIA" not in alice.source.identity


@pytest.mark.parametrize(
    ("target", "profile"),
    [("process-role", None), ("arn:aws:iam::111111111111:role/X", "me"),
     ("env-role", None), ("ec2", None)],
    ids=["credential-process-source", "credential-process-profile", "environment-without-keys",
         "instance-metadata"],
)
def test_sources_only_the_sdk_can_resolve_have_no_cache_key_yet(
    identity_config: None, home: Path, target: str, profile: str | None
) -> None:
    with (home / ".aws" / "config").open("a") as config:
        config.write("\n[profile ec2]\nrole_arn = arn:aws:iam::333333333333:role/I\n"
                     "credential_source = Ec2InstanceMetadata\n")
    plan = resolve(Request(targets=(target,), profile=profile))
    assert plan.source.needs_resolving


def test_a_bare_name_close_to_a_role_profile_carries_a_did_you_mean_hint() -> None:
    plan = resolve(Request(targets=("hbu",), profile="base"))
    assert plan.hops[0].is_bare_name
    assert plan.hints == ("no profile 'hbu'; using it as a role name in the account of "
                          "profile base; did you mean 'hub'?",)
    later = resolve(Request(targets=("hub", "Deeep")))
    assert later.hints == ("no profile 'Deeep'; using it as a role name in account "
                           "111111111111; did you mean 'deep'?",)


def test_a_bare_name_far_from_every_profile_has_no_hint() -> None:
    assert resolve(Request(targets=("Admin",), profile="base")).hints == ()


def test_a_failure_in_resolving_names_the_close_profile() -> None:
    with pytest.raises(ConfigError, match=r"Did you mean 'base'\?.*did you mean 'hub'\?"):
        resolve(Request(targets=("hbu",), profile="bsae"))


@pytest.mark.parametrize(("target", "profile"),
                         [("hub", "base"), ("deep", "hub"), ("deep", "base"), ("self", "self")])
def test_profile_naming_the_source_the_chain_already_has_is_accepted(
    target: str, profile: str
) -> None:
    assert resolve(Request(targets=(target,), profile=profile)) == \
        resolve(Request(targets=(target,)))


@pytest.mark.parametrize(("target", "profile", "names"),
                         [("hub", "self", "source_profile = base"),
                          ("ec2", "base", "credential_source = Ec2InstanceMetadata")])
def test_profile_naming_another_source_than_the_profiles_own_is_refused(
    target: str, profile: str, names: str
) -> None:
    with pytest.raises(InputError, match=f"names its own source \\({names}\\)"):
        resolve(Request(targets=(target,), profile=profile))


def test_static_keys_next_to_a_credential_process_wait_for_the_sdk(
    identity_config: None, home: Path
) -> None:
    """botocore may prefer the process (or SSO) to keys in the config file: whose keys are
    used is known once resolved, so the key id in the file alone is no identity."""
    with (home / ".aws" / "config").open("a") as config:
        config.write("\n[profile both]\naws_access_key_id = AKIASTATIC000000\n"
                     "aws_secret_access_key = x\ncredential_process = /bin/print-keys\n")
    plan = resolve(Request(targets=("arn:aws:iam::111111111111:role/X",), profile="both"))
    assert plan.source.needs_resolving


def test_a_profile_that_is_its_own_source_is_keyed_on_its_keys(home: Path) -> None:
    (home / ".aws" / "config").write_text(
        "[profile self-role]\nrole_arn = arn:aws:iam::111111111111:role/X\n"
        "source_profile = self-role\naws_access_key_id = AKIASELFROLE0000\n"
        "aws_secret_access_key = x\n")
    plan = resolve(Request(targets=("self-role",)))
    assert plan.source.kind == "profile_keys" and not plan.source.needs_resolving
    assert plan.source.identity.startswith("profile:self-role#")
