"""`assume explain` with every policy type side by side: offline flags (--boundary,
--session-policy, --scp, --rcp), the live sides read through a fake IAM, AccessDenied wording
that names the side, and how long a session can last."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from assume import explain, explain_report
from assume.access_denied import named_side
from assume.models import Hop
from tests.test_explain_offline import (
    ROLE,
    SAME_ROLE,
    SESSION,
    USER,
    FakeReader,
    allow,
    document,
    explain_with,
    files,
    get_role,
    offline,
    run,
    simulation,
    trust,
)

__all__ = ["files"]  # the fixture, imported for this module's tests

ALLOW_ALL = document({"Effect": "Allow", "Action": "*", "Resource": "*"})
S3_ONLY = document({"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"})
DENY_STS = document(
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "NoRoles", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*"},
)
RCP_DENY = document({"Sid": "Perimeter", "Effect": "Deny", "Principal": "*",
                     "Action": "sts:AssumeRole", "Resource": "*",
                     "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "222222222222"}}})
SIDES = ("trust", "identity", "boundary", "session_policy", "scp", "rcp")


def sides(report: dict[str, Any]) -> dict[str, str]:
    return {name: report[name]["decision"] for name in SIDES}


# --------------------------------------------------------------------------- offline


def test_json_names_every_side_with_its_decision(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--scp", files("root.json", ALLOW_ALL), "--json")
    report = json.loads(out)
    assert code == 0 and report["decision"] == "allow" and report["allowed"] is True
    assert sides(report) == {"trust": "allow", "identity": "allow", "boundary": "not-applicable",
                             "session_policy": "not-applicable", "scp": "allow",
                             "rcp": "not-applicable"}


def test_every_scp_level_must_allow_root_first(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    """IAM UG "Policy evaluation logic": "If the enforcement code does not find any applicable
    Allow statements in the SCPs, the enforcement code returns a final decision of Deny"."""
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--scp", files("root.json", ALLOW_ALL), "--scp", files("ou.json", S3_ONLY),
                       "--json")
    report = json.loads(out)
    assert code == 1 and report["decision"] == "implicit-deny"
    assert report["scp"]["decision"] == "implicit-deny"
    assert [level["decision"] for level in report["scp"]["levels"]] == ["allow", "implicit-deny"]
    assert report["failing_side"] == "scp" and report["failing_sides"] == ["scp"]
    assert "service-control-policy" in [c["code"] for c in report["causes"]]


def test_an_explicit_deny_in_an_scp_wins(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--scp", files("root.json", DENY_STS), "--json")
    report = json.loads(out)
    assert code == 1 and report["decision"] == "explicit-deny"
    assert report["deciding_statements"] == ["scp:scp[0]:NoRoles"]


def test_an_rcp_of_the_roles_account_refuses_outsiders_and_full_access_is_implied(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    """RCPFullAWSAccess "can't be detached, so there will always be an Allow statement"."""
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--rcp", files("rcp.json", RCP_DENY), "--json")
    report = json.loads(out)
    assert code == 1 and report["decision"] == "explicit-deny"
    assert report["rcp"]["decision"] == "explicit-deny"
    assert report["failing_side"] == "rcp"
    inside = document({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                       "Resource": "*",
                       "Condition": {"StringEquals": {"aws:PrincipalAccount": "x"}}})
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--rcp", files("rcp2.json", inside), "--json")
    assert code == 0 and json.loads(out)["rcp"]["decision"] == "allow"


def test_the_boundary_limits_a_cross_account_caller(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--boundary", files("b.json", S3_ONLY), "--json")
    report = json.loads(out)
    assert code == 1 and report["boundary"]["decision"] == "implicit-deny"
    assert report["boundary"]["required"] is True and report["failing_side"] == "boundary"


def test_a_session_policy_limits_a_role_session_but_not_a_grant_to_the_session_itself(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    """IAM UG "Policy evaluation logic": "Permissions granted directly to a session are not
    limited by an implicit deny in an identity-based policy, a permissions boundary, or
    session policy"; a grant to the role ARN "is limited by an implicit deny in a permissions
    boundary or session policy"."""
    session_file = files("s.json", S3_ONLY)
    role_of_session = "arn:aws:iam::111111111111:role/Hub"
    for principal, allowed in ((SESSION, True), (role_of_session, False)):
        code, out, _ = run(
            capsys, *offline(files("t.json", trust(principal)), principal=SESSION,
                             role=SAME_ROLE),
            "--session-policy", session_file, "--json")
        report = json.loads(out)
        assert report["allowed"] is allowed and code == (0 if allowed else 1), principal
        assert report["session_policy"]["decision"] == "implicit-deny"
        assert report["session_policy"]["required"] is (not allowed)


def test_a_session_policy_does_not_apply_to_an_iam_user(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                       "--session-policy", files("s.json", S3_ONLY), "--json")
    report = json.loads(out)
    assert code == 0 and report["session_policy"]["decision"] == "not-applicable"


def test_the_human_report_lists_every_given_side_and_the_session_length(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, err = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                         "--boundary", files("b.json", S3_ONLY),
                         "--scp", files("root.json", ALLOW_ALL))
    assert code == 1 and err == ""
    assert "boundary  implicit-deny" in out and "scp       allow" in out
    assert "duration  asked 3600s" in out
    assert "DENIED (implicit-deny): the caller's permissions boundary fails" in out


def test_a_malformed_scp_is_named_by_file(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    bad = files("bad.json", document({"Effect": "Allow", "Action": "*"}))
    code, out, err = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                         "--scp", bad)
    assert code == 2 and out == ""
    assert "bad.json" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- live, faked


def test_the_boundary_is_read_through_get_user_and_get_policy_version() -> None:
    boundary_arn = "arn:aws:iam::111111111111:policy/s3-only"
    reader = FakeReader(USER, {
        "get_user": {"User": {"Arn": USER, "PermissionsBoundary": {
            "PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn}}},
        "get_role": get_role(SAME_ROLE, trust("111111111111")),
        "simulate_principal_policy": simulation("allowed", "assume"),
        "get_policy": {"Policy": {"DefaultVersionId": "v1"}},
        "get_policy_version": {"PolicyVersion": {"Document": S3_ONLY}},
    })
    report, asked = explain_with(reader, Hop(role=SAME_ROLE))
    assert asked == [] and not report.allowed
    assert report.to_dict()["boundary"]["decision"] == "implicit-deny"
    assert report.failing_side == "boundary" and report.decision == "implicit-deny"
    assert ("get_policy", {"PolicyArn": boundary_arn}) in reader.calls


def test_an_unreadable_boundary_says_what_to_check() -> None:
    reader = FakeReader(USER, {
        "get_user": {"User": {"Arn": USER, "PermissionsBoundary": {
            "PermissionsBoundaryArn": "arn:aws:iam::111111111111:policy/b"}}},
        "get_role": get_role(SAME_ROLE, trust("111111111111")),
        "simulate_principal_policy": simulation("allowed", "assume"),
    })
    report, _ = explain_with(reader, Hop(role=SAME_ROLE))
    boundary = report.to_dict()["boundary"]
    assert boundary["decision"] == "unknown"
    assert any("policy/b" in check for check in boundary["must_check"])


def test_the_session_policy_passed_on_the_previous_hop_limits_the_next() -> None:
    reader = FakeReader(SESSION, {
        "get_role": get_role("arn:aws:iam::111111111111:role/Hub", trust()),
        "simulate_principal_policy": simulation("allowed", "assume"),
    })
    report = explain.explain_hop(
        reader, Hop(role=ROLE), number=2, source="the session of hop 1", mfa=None,
        attempt=lambda: explain_report.Attempt("allowed"),
        session_policy=(json.dumps(S3_ONLY), ()),
    )
    found = report.to_dict()
    assert found["session_policy"]["decision"] == "implicit-deny"
    assert found["session_policy"]["read_with"] == "the previous hop's --policy/--policy-arn"
    assert report.failing_side == "session_policy" and not report.allowed


@pytest.mark.parametrize(
    ("message", "side", "decision"),
    [
        ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
         "sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Local with an explicit "
         "deny in a service control policy", "scp", "explicit-deny"),
        ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
         "sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Local because no "
         "identity-based policy allows the sts:AssumeRole action", "identity", "implicit-deny"),
        ("... because no permissions boundary allows the sts:AssumeRole action", "boundary",
         "implicit-deny"),
        ("... with an explicit deny in a resource control policy", "rcp", "explicit-deny"),
        ("... because no resource-based policy allows the sts:AssumeRole action", "trust",
         "implicit-deny"),
        ("... because no session policy allows the sts:AssumeRole action", "session_policy",
         "implicit-deny"),
    ],
)
def test_access_denied_wording_points_at_the_side(message: str, side: str, decision: str) -> None:
    assert named_side(message) == (side, decision)


def test_a_refusal_whose_message_names_an_scp_blames_the_scp() -> None:
    reader = FakeReader(USER, {
        "get_role": get_role(SAME_ROLE, trust()),
        "simulate_principal_policy": simulation("allowed", "assume"),
    })
    message = ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
               "sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Local with an "
               "explicit deny in a service control policy")
    report, _ = explain_with(reader, Hop(role=SAME_ROLE), explain_report.Attempt("denied", message))
    assert report.evaluation == "allow" and not report.allowed
    assert report.failing_side == "scp" and report.decision == "explicit-deny"
    assert "aws-names-side" in [c.code for c in report.causes]
    scp = report.to_dict()["scp"]
    assert scp["decision"] == "explicit-deny" and scp["read_with"] == "AWS's AccessDenied message"
    assert named_side("Access denied") is None


def test_a_chained_hop_over_an_hour_never_says_allow() -> None:
    reader = FakeReader(SESSION, {
        "get_role": get_role("arn:aws:iam::111111111111:role/Hub", trust(),
                             max_duration=43200),
        "simulate_principal_policy": simulation("allowed", "assume"),
    })
    report, asked = explain_with(reader, Hop(role=ROLE, duration=7200))
    found = report.to_dict()
    assert asked == []
    assert found["decision"] == "invalid-request" and found["allowed"] is False
    assert found["policies"] in ("allow", "unknown")
    assert found["session"]["binding"] == "chained-role"
    assert "assume exec --server" in found["session"]["advice"]
