"""`assume console`: the federation exchange against a local fake endpoint that records each
request, the sign-in URL, the chained-role cap, the browser, and clean errors."""

from __future__ import annotations

import json
import stat
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_assume
from tests.support import aws_world
from tests.support.federation_endpoint import TOKEN, FederationEndpoint
from tests.support.sts_server import StsServer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_keyring")]

ROLE_A_SESSION_ARN = f"arn:aws:sts::{aws_world.MAIN_ACCOUNT}:assumed-role/Role-A/hop"
ROLE_B_PREFIX = f"arn:aws:sts::{aws_world.MAIN_ACCOUNT}:assumed-role/Role-B/"


@pytest.fixture
def federation(world: aws_world.World) -> Iterator[FederationEndpoint]:
    with FederationEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def browser(tmp_path: Path) -> Path:
    """A BROWSER that records the URL it was asked to open (the fake token only)."""
    record = tmp_path / "browser-calls"
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{record}"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return record


def console(federation: FederationEndpoint, browser: Path, *args: str,
            **env: str) -> tuple[int, str, str]:
    result = run_assume("console", *args, env={
        "ASSUME_FEDERATION_ENDPOINT": federation.url,
        "BROWSER": str(browser.with_name("record-browser")), **env,
    })
    return result.returncode, result.stdout, result.stderr


def caller_of_session(world: aws_world.World, session: str) -> str:
    """Whose credentials the `Session` JSON carries, by asking STS with them."""
    keys = json.loads(session)
    assert set(keys) == {"sessionId", "sessionKey", "sessionToken"}
    sts = world.client("sts", key=keys["sessionId"], secret=keys["sessionKey"],
                       token=keys["sessionToken"])
    return str(sts.get_caller_identity()["Arn"])


def login_query(url: str, federation: FederationEndpoint) -> dict[str, str]:
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == federation.url
    return dict(urllib.parse.parse_qsl(parts.query))


def test_url_is_the_login_url_for_the_last_hops_session(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    code, out, err = console(federation, browser, "Role-A", "--url")
    assert code == 0, err
    (request,) = federation.requests
    assert request["Action"] == "getSigninToken"
    assert request["SessionDuration"] == "3600"
    assert caller_of_session(world, request["Session"]) == ROLE_A_SESSION_ARN
    assert out.count("\n") == 1
    assert login_query(out.strip(), federation) == {
        "Action": "login", "Issuer": "assume", "SigninToken": TOKEN,
        "Destination": "https://console.aws.amazon.com/console/home?region=us-east-1",
    }
    assert not browser.exists()  # --url opens no browser
    assert TOKEN not in err


def test_service_lands_on_that_services_console_in_the_region(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    code, out, err = console(federation, browser, "Role-A", "--url", "--service", "s3",
                             "--region", "eu-west-1")
    assert code == 0, err
    destination = login_query(out.strip(), federation)["Destination"]
    assert destination == "https://console.aws.amazon.com/s3/home?region=eu-west-1"


def test_destination_is_passed_through(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    page = "https://console.aws.amazon.com/iam/home#/roles"
    code, out, err = console(federation, browser, "Role-A", "--url", "--destination", page)
    assert code == 0, err
    assert login_query(out.strip(), federation)["Destination"] == page


def test_duration_becomes_the_session_duration(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    code, _, err = console(federation, browser, "Role-A", "--url", "--duration", "7200")
    assert code == 0, err
    assert federation.requests[-1]["SessionDuration"] == "7200"
    assert err == ""


def test_chained_hop_is_capped_at_one_hour_with_one_line(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    code, out, err = console(federation, browser, "Role-B", "--url", "--duration", "7200")
    assert code == 0, err
    (request,) = federation.requests
    assert "SessionDuration" not in request  # the endpoint refuses it for role chaining
    assert caller_of_session(world, request["Session"]).startswith(ROLE_B_PREFIX)
    assert len(err.strip().splitlines()) == 1 and "1 hour" in err
    assert login_query(out.strip(), federation)["SigninToken"] == TOKEN


def test_without_url_the_browser_opens_it_and_stdout_stays_empty(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    code, out, err = console(federation, browser, "Role-A")
    assert code == 0, err
    assert out == ""
    (opened,) = browser.read_text().splitlines()
    assert login_query(opened, federation)["SigninToken"] == TOKEN
    assert TOKEN not in err and "Role-A" in err


def test_no_browser_prints_the_url_on_stdout(
    world: aws_world.World, federation: FederationEndpoint, browser: Path, tmp_path: Path
) -> None:
    failing = tmp_path / "no-browser"
    failing.write_text("#!/bin/sh\nexit 1\n")
    failing.chmod(0o755)
    code, out, err = console(federation, browser, "Role-A", BROWSER=str(failing))
    assert code == 0, err
    assert login_query(out.strip(), federation)["SigninToken"] == TOKEN
    assert "No browser" in err and TOKEN not in err


def test_unreachable_endpoint_is_one_line_exit_1(
    world: aws_world.World, browser: Path, server: StsServer
) -> None:
    result = run_assume("console", "Role-A", "--url", env={
        "ASSUME_FEDERATION_ENDPOINT": "http://127.0.0.1:9/federation"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr


def test_refused_session_is_one_line_exit_1_without_secrets(
    world: aws_world.World, browser: Path
) -> None:
    with FederationEndpoint(status=400) as refusing:
        code, out, err = console(refusing, browser, "Role-A", "--debug")
        (request,) = refusing.requests
    assert code == 1 and out == ""
    assert "HTTP 400" in err
    session = json.loads(request["Session"])
    for secret in (session["sessionKey"], session["sessionToken"]):
        assert secret not in err


def test_debug_never_shows_the_token_url_or_session(
    world: aws_world.World, federation: FederationEndpoint, browser: Path
) -> None:
    code, _, err = console(federation, browser, "Role-A", "--url", "--debug")
    assert code == 0, err
    assert "debug:" in err
    session = json.loads(federation.requests[-1]["Session"])
    for secret in (TOKEN, session["sessionKey"], session["sessionToken"], "Action=login"):
        assert secret not in err


@pytest.mark.parametrize("args", [
    ("--url",),
    ("Role-A", "--service", "s3", "--destination", "https://console.aws.amazon.com/"),
    ("Role-A", "--destination", "javascript:alert(1)"),
    ("Role-A", "--service", "s3/../x"),
    ("Role-A", "--duration", "60"),
])
def test_bad_input_is_exit_2_before_any_call(
    world: aws_world.World, federation: FederationEndpoint, browser: Path, server: StsServer,
    args: tuple[str, ...],
) -> None:
    code, out, err = console(federation, browser, *args)
    assert code == 2, err
    assert out == "" and len(err.strip().splitlines()) == 1
    assert federation.requests == [] and server.calls().get("AssumeRole", 0) == 0


def test_console_is_a_subcommand_the_fast_path_leaves_alone() -> None:
    from assume import fastpath

    assert fastpath.run(["console", "Role-A"]) is None
