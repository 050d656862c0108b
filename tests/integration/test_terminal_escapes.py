"""Values from the config, the command line or the environment reach a person's terminal as
text: their control characters are shown escaped, never sent as ESC/CSI/OSC sequences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.integration.test_info_commands import run_on_terminal
from tests.support import aws_world

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

TITLE = "\x1b]0;owned\x07"  # OSC: retitles the terminal window
CLEAR = "\x1b[2J"  # CSI: clears the screen
LINK = "[link=https://evil.example]x[/link]"  # rich markup: an OSC 8 hyperlink if interpreted
EVIL_PROFILE = f"evil{TITLE}"


def assert_no_raw_sequences(text: str) -> None:
    assert TITLE not in text and CLEAR not in text
    assert "\x07" not in text and "\x1b]" not in text  # no OSC at all, hyperlinks included


@pytest.fixture
def hostile_config(world: aws_world.World, home: Path) -> None:
    aws_world.write_config(
        home, world,
        f"[profile {EVIL_PROFILE}]\nrole_arn = {LINK}{CLEAR}\nsource_profile = alice\n"
        f"region = eu{CLEAR}\nmfa_serial = m{TITLE}\n\n"
        f"[profile ghost-source]\nrole_arn = {world.role_a}\nsource_profile = gh{TITLE}ost\n\n"
        f"[profile clamped{TITLE}]\nrole_arn = {world.role_b}\nsource_profile = Role-A\n"
        "duration_seconds = 7200\n",
    )


@pytest.mark.usefixtures("hostile_config")
def test_list_piped_escapes_control_characters() -> None:
    result = run_assume("list")
    assert result.returncode == 0, result.stderr
    assert_no_raw_sequences(result.stdout)
    row = next(line for line in result.stdout.splitlines() if line.startswith("evil"))
    assert row.split("\t") == [
        "evil\\x1b]0;owned\\x07", f"{LINK}\\x1b[2J", "source_profile alice",
        "m\\x1b]0;owned\\x07", "eu\\x1b[2J",
    ]


@pytest.mark.usefixtures("hostile_config")
def test_list_json_keeps_the_exact_values() -> None:
    result = run_assume("list", "--json")
    records = {record["profile"]: record for record in json.loads(result.stdout)}
    assert records[EVIL_PROFILE]["region"] == f"eu{CLEAR}"
    assert "\x1b" not in result.stdout  # JSON escapes it as \u001b


@pytest.mark.usefixtures("hostile_config")
def test_list_on_a_terminal_escapes_control_characters_and_rich_markup() -> None:
    shown = run_on_terminal("list", raw=True)
    assert_no_raw_sequences(shown)
    assert "evil\\x1b]0;owned\\x07" in shown
    assert LINK in shown  # printed as text, not turned into a link


@pytest.mark.usefixtures("hostile_config")
def test_an_error_that_echoes_a_config_value_escapes_it() -> None:
    result = run_assume("ghost-source")
    assert result.returncode == 2
    assert_no_raw_sequences(result.stderr)
    assert "Unknown source_profile 'gh\\x1b]0;owned\\x07ost'" in result.stderr


@pytest.mark.usefixtures("hostile_config")
def test_an_error_that_echoes_argv_escapes_it() -> None:
    result = run_assume(f"no{CLEAR}such{TITLE}", "--profile", "alice")
    assert result.returncode == 2
    assert_no_raw_sequences(result.stderr)
    assert "no\\x1b[2Jsuch\\x1b]0;owned\\x07" in result.stderr


@pytest.mark.usefixtures("hostile_config")
def test_a_note_that_names_a_profile_escapes_it() -> None:
    result = run_assume(f"clamped{TITLE}", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert_no_raw_sequences(result.stderr + result.stdout)
    assert "note: clamped\\x1b]0;owned\\x07: duration_seconds 7200 clamped" in result.stderr
