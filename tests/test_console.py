"""The federation exchange's pure parts: endpoints and console hosts by partition, the
SessionDuration rule, the Session JSON, and the deadline on a silent endpoint."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from assume import console
from assume.commands.console_cmd import is_chained, partition_of
from assume.errors import AssumeError, InputError
from assume.models import MFA_SESSION_HOP, Credentials, Hop, Plan, Source

CREDS = Credentials("ASIAEXAMPLE", "the-secret", "the-token")


@pytest.mark.parametrize(("partition", "endpoint", "region", "page"), [
    ("aws", "https://signin.aws.amazon.com/federation", "eu-west-1",
     "https://console.aws.amazon.com/s3/home?region=eu-west-1"),
    ("aws-cn", "https://signin.amazonaws.cn/federation", "cn-north-1",
     "https://console.amazonaws.cn/s3/home?region=cn-north-1"),
    ("aws-us-gov", "https://signin.amazonaws-us-gov.com/federation", "us-gov-west-1",
     "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-west-1"),
])
def test_endpoint_and_console_follow_the_partition(
    partition: str, endpoint: str, region: str, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(console.ENDPOINT_VARIABLE, raising=False)
    assert console.federation_endpoint(partition) == endpoint
    assert console.destination(partition, region, "s3") == page


def test_environment_overrides_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(console.ENDPOINT_VARIABLE, "http://127.0.0.1:1/federation")
    assert console.federation_endpoint("aws-cn") == "http://127.0.0.1:1/federation"


def test_console_home_without_service_or_region() -> None:
    assert console.destination("aws", None, None) == "https://console.aws.amazon.com/console/home"


def test_session_duration_rules() -> None:
    assert console.session_duration(None, chained=False) == (3600, None)
    assert console.session_duration(43200, chained=False) == (43200, None)
    duration, note = console.session_duration(7200, chained=True)
    assert duration is None and note and "1 hour" in note
    with pytest.raises(InputError):
        console.session_duration(43201, chained=False)


def test_session_json_holds_the_three_parts() -> None:
    assert json.loads(console.session_json(CREDS)) == {
        "sessionId": "ASIAEXAMPLE", "sessionKey": "the-secret", "sessionToken": "the-token"}


def test_long_term_keys_are_refused_with_a_hint() -> None:
    with pytest.raises(AssumeError, match="Assume a role first"):
        console.session_json(Credentials("AKIAEXAMPLE", "the-secret"))


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/federation"
    listener.close()


def test_a_silent_endpoint_is_an_error_within_the_deadline(silent_endpoint: str) -> None:
    signin = console.SignIn(silent_endpoint, "https://console.aws.amazon.com/", 3600)
    started = time.monotonic()
    with pytest.raises(AssumeError) as raised:
        console.signin_token(CREDS, signin, deadline=0.5)
    assert time.monotonic() - started < 5
    assert "the-secret" not in str(raised.value) and "the-token" not in str(raised.value)


def test_login_url_carries_issuer_destination_and_token() -> None:
    signin = console.SignIn("https://signin.aws.amazon.com/federation",
                            "https://console.aws.amazon.com/console/home?region=us-east-1", None)
    url = console.login_url("tok en", signin)
    assert url == (
        "https://signin.aws.amazon.com/federation?Action=login&Issuer=assume&Destination="
        "https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-east-1"
        "&SigninToken=tok+en"
    )


def _plan(*hops: Hop, source: Source | None = None, region: str | None = None) -> Plan:
    return Plan(source=source or Source("env", "", "env#x"), hops=hops, region=region)


def test_partition_comes_from_the_last_role_then_the_region() -> None:
    assert partition_of(_plan(Hop("arn:aws-cn:iam::123456789012:role/R"))) == "aws-cn"
    assert partition_of(_plan(Hop("Bare"), region="us-gov-west-1")) == "aws-us-gov"
    assert partition_of(_plan(Hop("Bare"))) == "aws"


def test_role_after_role_is_chained_role_after_mfa_session_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "")
    role, other = Hop("arn:aws:iam::123456789012:role/A"), Hop("arn:aws:iam::123456789012:role/B")
    assert is_chained(_plan(role, other))
    assert not is_chained(_plan(Hop("", kind=MFA_SESSION_HOP), role))
    assert not is_chained(_plan(role))  # environment keys without a token: an IAM user's
    monkeypatch.setenv("AWS_SESSION_TOKEN", "temporary")
    assert is_chained(_plan(role))  # a session's keys may well be a role's
