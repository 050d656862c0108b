"""The account id travels with the credentials: parsed from the STS response, kept by the
cache codec, and printed by every format."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from assume import cache
from assume.formats import FORMATS, environment, render, render_unset
from assume.models import Credentials
from assume.sts import account_of

EXPIRES = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
CREDS = Credentials("ASIAEXAMPLE", "secret", "token", EXPIRES, 3600, "210987654321")
NO_ACCOUNT = CREDS._replace(account_id=None)


def test_account_comes_from_the_assumed_role_arn() -> None:
    response = {"AssumedRoleUser": {"Arn": "arn:aws-cn:sts::210987654321:assumed-role/R/s"}}
    assert account_of(response) == "210987654321"


@pytest.mark.parametrize("response", [{}, {"AssumedRoleUser": {"Arn": "not-an-arn"}},
                                      {"AssumedRoleUser": {"Arn": "arn:aws:sts::12:x/y"}}])
def test_a_response_without_a_role_arn_has_no_account(response: dict[str, object]) -> None:
    assert account_of(response) is None  # type: ignore[arg-type]


def test_credential_process_and_json_carry_account_id() -> None:
    assert json.loads(render(CREDS, None, "credential-process"))["AccountId"] == "210987654321"
    assert json.loads(render(CREDS, "eu-west-1", "json"))["AccountId"] == "210987654321"


def test_unknown_account_is_left_out_not_empty() -> None:
    assert "AccountId" not in json.loads(render(NO_ACCOUNT, None, "credential-process"))
    assert "AccountId" not in json.loads(render(NO_ACCOUNT, None, "json"))
    assert "AWS_ACCOUNT_ID" not in environment(NO_ACCOUNT, None)


@pytest.mark.parametrize("fmt", ["sh", "fish", "powershell", "dotenv"])
def test_shell_formats_set_aws_account_id(fmt: str) -> None:
    lines = [line for line in render(CREDS, None, fmt).splitlines() if "AWS_ACCOUNT_ID" in line]
    assert len(lines) == 1 and "210987654321" in lines[0]


@pytest.mark.parametrize("fmt", ["sh", "fish", "powershell"])
def test_unknown_account_unsets_a_stale_aws_account_id(fmt: str) -> None:
    assert "AWS_ACCOUNT_ID" in render(NO_ACCOUNT, None, fmt)
    assert "210987654321" not in render(NO_ACCOUNT, None, fmt)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("json", "credential-process")])
def test_unset_removes_aws_account_id(fmt: str) -> None:
    assert "AWS_ACCOUNT_ID" in render_unset(fmt)


def test_cache_keeps_the_account_and_reads_entries_without_one() -> None:
    store = cache.MemoryCache()
    store.put("with", CREDS, {})
    store.put("without", NO_ACCOUNT, {})
    assert store.get("with") == CREDS
    assert store.get("without") == NO_ACCOUNT
    assert '"i"' not in store.items["without"]  # one optional key: older entries still read


def test_repr_shows_the_account_but_no_secret() -> None:
    assert "210987654321" in repr(CREDS)
    assert "secret" not in repr(CREDS) and "token" not in repr(CREDS)


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "abcdefghijkl", 123456789012])
def test_an_entry_with_a_damaged_account_is_a_miss(account: object) -> None:
    store = cache.MemoryCache()
    store.put("k", CREDS, {})
    document = json.loads(store.items["k"])
    document["i"] = account
    store.items["k"] = json.dumps(document)
    assert store.get("k") is None
