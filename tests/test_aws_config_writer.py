"""Editing one profile of the AWS config: every other byte stays, writes are atomic."""

from __future__ import annotations

import configparser
import os
import stat
from pathlib import Path

import pytest

from assume import aws_config_writer
from assume.aws_config_writer import MARKER, Change, remove_profile, write_profile
from assume.errors import AssumeError, ConfigError, InputError

CONFIG = """\
# my AWS config; keep this comment
[default]
region = us-east-1
output = json

; the hub account
[profile hub]
role_arn = arn:aws:iam::111111111111:role/Hub
source_profile = me
s3 =
    max_concurrent_requests = 20
    addressing_style = path

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
# the last line has no newline
[profile me]
region = eu-west-1"""

COMMAND = "/opt/bin/assume hub --format credential-process"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.write_bytes(CONFIG.encode())
    path.chmod(0o640)
    return path


def profile_settings(path: Path, section: str) -> dict[str, str]:
    parser = configparser.RawConfigParser(default_section="\x00none")
    parser.read(path)
    return dict(parser.items(section))


def test_a_new_profile_is_appended_and_every_other_byte_is_kept(config: Path) -> None:
    assert write_profile(config, "deploy", {"credential_process": COMMAND}, force=False) \
        is Change.ADDED
    data = config.read_bytes()
    assert data.startswith(CONFIG.encode())
    assert data[len(CONFIG):] == (
        "\n\n[profile deploy]\n"
        f"{MARKER}; `assume configure --remove --profile deploy` removes it\n"
        f"credential_process = {COMMAND}\n"
    ).encode()
    assert profile_settings(config, "profile deploy") == {"credential_process": COMMAND}


def test_updating_a_managed_profile_changes_only_its_credential_process_line(
    config: Path,
) -> None:
    write_profile(config, "deploy", {"credential_process": COMMAND}, force=False)
    with config.open("ab") as handle:  # the user adds to the profile and writes more after it
        handle.write(b"region = ap-south-1\n\n# later\n[profile later]\nregion = x\n")
    before = config.read_bytes().splitlines(keepends=True)

    new_command = "/opt/bin/assume hub 222222222222:Deploy --format credential-process"
    assert write_profile(config, "deploy", {"credential_process": new_command}, force=False) \
        is Change.UPDATED

    after = config.read_bytes().splitlines(keepends=True)
    changed = [index for index, (old, new) in enumerate(zip(before, after, strict=True))
               if old != new]
    assert len(changed) == 1
    assert after[changed[0]] == f"credential_process = {new_command}\n".encode()
    assert profile_settings(config, "profile deploy")["region"] == "ap-south-1"


def test_writing_the_same_profile_again_leaves_the_file_alone(config: Path) -> None:
    write_profile(config, "deploy", {"credential_process": COMMAND}, force=False)
    before = config.stat()
    assert write_profile(config, "deploy", {"credential_process": COMMAND}, force=False) \
        is Change.UNCHANGED
    assert config.stat().st_ino == before.st_ino


def test_a_profile_assume_did_not_write_is_refused_and_the_file_untouched(config: Path) -> None:
    with pytest.raises(InputError, match="not written by assume"):
        write_profile(config, "hub", {"credential_process": COMMAND}, force=False)
    assert config.read_bytes() == CONFIG.encode()


def test_force_replaces_the_settings_of_a_foreign_profile_and_nothing_else(config: Path) -> None:
    assert write_profile(config, "hub", {"credential_process": COMMAND}, force=True) \
        is Change.REPLACED
    text = config.read_text()
    start = CONFIG.index("[profile hub]\n") + len("[profile hub]\n")
    end = CONFIG.index("\n[sso-session corp]")  # the blank line before it stays
    assert text == (
        CONFIG[:start]
        + f"{MARKER}; `assume configure --remove --profile hub` removes it\n"
        + f"credential_process = {COMMAND}\n"
        + CONFIG[end:]
    )
    assert profile_settings(config, "profile hub") == {"credential_process": COMMAND}


def test_the_default_profile_is_written_as_its_own_section(tmp_path: Path) -> None:
    path = tmp_path / "config"
    write_profile(path, "default", {"credential_process": COMMAND}, force=False)
    assert path.read_text().startswith("[default]\n")
    path.write_text("[profile default]\nregion = x\n")  # botocore reads this as default too
    assert write_profile(path, "default", {"credential_process": COMMAND}, force=True) \
        is Change.REPLACED
    assert profile_settings(path, "profile default") == {"credential_process": COMMAND}
    with pytest.raises(InputError):
        write_profile(tmp_path / "other", "x", {"credential_process": "a\nb"}, force=False)


def test_remove_takes_out_exactly_what_was_added(config: Path) -> None:
    write_profile(config, "deploy", {"credential_process": COMMAND}, force=False)
    remove_profile(config, "deploy", force=False)
    # The missing final newline was added for the new section; everything else is back.
    assert config.read_bytes() == (CONFIG + "\n").encode()


def test_remove_in_the_middle_keeps_the_sections_around_it(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile a]\nregion = x\n")
    write_profile(path, "deploy", {"credential_process": COMMAND}, force=False)
    with path.open("a") as handle:
        handle.write("\n# about b\n[profile b]\nregion = y\n")
    remove_profile(path, "deploy", force=False)
    assert path.read_text() == "[profile a]\nregion = x\n\n# about b\n[profile b]\nregion = y\n"


def test_remove_refuses_a_foreign_profile_unless_forced(config: Path) -> None:
    with pytest.raises(InputError, match="not written by assume"):
        remove_profile(config, "hub", force=False)
    assert config.read_bytes() == CONFIG.encode()
    remove_profile(config, "hub", force=True)
    assert "[profile hub]" not in config.read_text()
    assert "; the hub account\n[sso-session corp]" in config.read_text()
    with pytest.raises(ConfigError, match="No profile 'hub'"):
        remove_profile(config, "hub", force=True)


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config"
    original = b"[default]\r\nregion = us-east-1\r\n"
    path.write_bytes(original)
    write_profile(path, "deploy", {"credential_process": COMMAND}, force=False)
    data = path.read_bytes()
    assert data.startswith(original)
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_an_indented_header_inside_a_value_is_not_a_section(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile a]\nnote =\n  [profile deploy]\n")
    write_profile(path, "deploy", {"credential_process": COMMAND}, force=False)
    assert profile_settings(path, "profile a") == {"note": "\n[profile deploy]"}
    assert profile_settings(path, "profile deploy") == {"credential_process": COMMAND}


def test_a_profile_defined_twice_or_a_broken_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile a]\nx = 1\n[profile  a]\ny = 2\n")
    with pytest.raises(ConfigError, match="2 sections"):
        write_profile(path, "a", {"credential_process": COMMAND}, force=True)
    path.write_text("not an ini file\n")
    with pytest.raises(ConfigError, match="Cannot parse"):
        write_profile(path, "a", {"credential_process": COMMAND}, force=True)
    assert path.read_text() == "not an ini file\n"


@pytest.mark.parametrize("name", ["my profile", "a]b", "x\ny", "", "[x"])
def test_names_botocore_would_misread_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="cannot be a profile name"):
        write_profile(tmp_path / "config", name, {"credential_process": COMMAND}, force=False)
    assert not (tmp_path / "config").exists()


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_crash_mid_write_leaves_the_old_file_intact(
    config: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(aws_config_writer.os, failing, crash)
    with pytest.raises(AssumeError, match=r"No space left on device\. It was left as it was"):
        write_profile(config, "deploy", {"credential_process": COMMAND}, force=False)
    assert config.read_bytes() == CONFIG.encode()
    assert sorted(p.name for p in config.parent.iterdir()) == ["config"]  # no temp file left


def test_a_file_changed_by_another_program_meanwhile_is_not_overwritten(config: Path) -> None:
    with pytest.raises(AssumeError, match="changed while assume was editing it"):
        aws_config_writer.write_atomic(config, b"new", expected=b"what it was before")
    assert config.read_bytes() == CONFIG.encode()


def test_the_file_keeps_its_mode_and_a_new_one_is_private(config: Path, tmp_path: Path) -> None:
    write_profile(config, "deploy", {"credential_process": COMMAND}, force=False)
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    new = tmp_path / "fresh" / "config"
    write_profile(new, "deploy", {"credential_process": COMMAND}, force=False)
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


def test_a_symlinked_config_is_edited_through_the_link(config: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(config)
    write_profile(link, "deploy", {"credential_process": COMMAND}, force=False)
    assert link.is_symlink()
    assert os.path.realpath(link) == str(config)
    assert "[profile deploy]" in config.read_text()


def test_defaults_are_written_only_where_the_profile_has_no_such_key(config: Path) -> None:
    settings = {"credential_process": COMMAND}
    assert write_profile(config, "deploy", settings, defaults={"region": "eu-west-1"},
                         force=False) is Change.ADDED
    assert profile_settings(config, "profile deploy") == {**settings, "region": "eu-west-1"}
    text = config.read_text().replace("region = eu-west-1\n", "region = ap-south-1\n")
    config.write_text(text)  # the user picks another region for the profile
    assert write_profile(config, "deploy", settings, defaults={"region": "eu-west-1"},
                         force=False) is Change.UNCHANGED
    assert profile_settings(config, "profile deploy")["region"] == "ap-south-1"
    config.write_text(text.replace("region = ap-south-1\n", ""))
    assert write_profile(config, "deploy", settings, defaults={"region": "eu-west-1"},
                         force=False) is Change.UPDATED
    assert profile_settings(config, "profile deploy")["region"] == "eu-west-1"


def test_a_replaced_profile_gets_the_defaults_not_its_old_settings(config: Path) -> None:
    write_profile(config, "me", {"credential_process": COMMAND}, defaults={"region": "x-1"},
                  force=True)
    assert profile_settings(config, "profile me") == {"credential_process": COMMAND,
                                                      "region": "x-1"}
