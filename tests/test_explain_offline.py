"""`assume explain` without AWS: offline mode on local documents (exit codes, --json shape,
bad input), `assume policy`, and the online explanation driven by a fake IAM reader (the
iam:SimulatePrincipalPolicy path that moto cannot serve, and refusals AWS alone can reveal)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from assume import explain, explain_report, iam_reads
from assume.cache import NullCache
from assume.cli import main
from assume.errors import AccessDeniedError
from assume.models import Credentials, Hop, Plan, Source

USER = "arn:aws:iam::111111111111:user/alice"
SESSION = "arn:aws:sts::111111111111:assumed-role/Hub/alice"
ROLE = "arn:aws:iam::222222222222:role/Deploy"
SAME_ROLE = "arn:aws:iam::111111111111:role/Local"
CLOCK = datetime(2026, 1, 1, tzinfo=timezone.utc)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`assume ARGS...` in this process: (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust(
    principal: Any = USER, action: Any = "sts:AssumeRole", **condition: Any
) -> dict[str, Any]:
    statement = {"Sid": "Trust", "Effect": "Allow", "Principal": {"AWS": principal},
                 "Action": action}
    if condition:
        statement["Condition"] = condition
    return document(statement)


def allow(resource: str = ROLE, action: Any = "sts:AssumeRole") -> dict[str, Any]:
    return document({"Sid": "Hop", "Effect": "Allow", "Action": action, "Resource": resource})


@pytest.fixture
def files(tmp_path: Path) -> Callable[[str, Any], str]:
    def write(name: str, content: Any) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    return write


def offline(trust_file: str, *identity: str, principal: str = USER, role: str = ROLE) -> list[str]:
    args = ["explain", "--trust-policy", trust_file, "--principal", principal, "--role", role]
    for path in identity:
        args += ["--identity-policy", path]
    return args


# --------------------------------------------------------------------------- offline mode


def test_offline_cross_account_allow_exits_0_with_both_sides_in_json(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, err = run(capsys, *offline(files("t.json", trust()), files("i.json", allow())),
                         "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["decision"] == "allow" and report["allowed"] is True
    assert report["same_account"] is False and report["failing_side"] is None
    assert report["trust"]["decision"] == "allow" and report["identity"]["decision"] == "allow"
    assert report["identity"]["required"] is True
    assert "trust:Trust" in report["deciding_statements"]
    assert any(s.startswith("identity:") and s.endswith(":Hop")
               for s in report["deciding_statements"])
    assert report["causes"] == []


def test_offline_cross_account_without_identity_policy_is_an_implicit_deny(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, _ = run(capsys, *offline(files("t.json", trust())), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["decision"] == "implicit-deny"
    assert report["trust"]["decision"] == "allow"
    assert report["identity"]["decision"] == "implicit-deny"
    assert report["failing_side"] == "identity"
    assert "identity-policy" in [c["code"] for c in report["causes"]]


def test_offline_explicit_deny_names_the_denying_statement(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    deny = document({"Sid": "NoProd", "Effect": "Deny", "Action": "sts:*", "Resource": ROLE})
    code, out, _ = run(capsys, *offline(files("t.json", trust()), files("i.json", allow()),
                                        files("deny.json", deny)), "--json")
    report = json.loads(out)
    assert code == 1
    assert report["decision"] == "explicit-deny"
    assert report["identity"]["decision"] == "explicit-deny"
    assert any(s.endswith("deny.json:NoProd") for s in report["deciding_statements"])


def test_offline_same_account_trust_naming_the_caller_needs_no_identity_policy(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    code, out, _ = run(capsys, *offline(files("t.json", trust()), role=SAME_ROLE), "--json")
    assert code == 0
    assert json.loads(out)["identity"]["required"] is False


def test_offline_same_account_trust_naming_the_account_leaves_it_to_the_identity_side(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    trust_file = files("t.json", trust("111111111111"))
    code, out, _ = run(capsys, *offline(trust_file, role=SAME_ROLE), "--json")
    assert code == 1 and json.loads(out)["failing_side"] == "identity"
    code, _, _ = run(capsys, *offline(trust_file, files("i.json", allow(SAME_ROLE)),
                                      role=SAME_ROLE))
    assert code == 0


@pytest.mark.parametrize(
    ("condition", "args", "cause"),
    [
        ({"StringEquals": {"sts:ExternalId": "abc123"}}, (), "external-id"),
        ({"StringEquals": {"sts:ExternalId": "abc123"}}, ("--external-id", "zzz999"),
         "external-id"),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, (), "mfa-required"),
        ({"StringLike": {"sts:RoleSessionName": "ci-*"}}, ("--session-name", "laptop"),
         "session-name"),
        ({}, ("--tag", "team=blue"), "tag-session"),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, ("--context", "aws:SourceIp=192.0.2.1"),
         "source-ip"),
    ],
    ids=["no-external-id", "wrong-external-id", "mfa", "session-name", "tags", "source-ip"],
)
def test_offline_common_causes_are_named(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str],
    condition: dict[str, Any], args: tuple[str, ...], cause: str,
) -> None:
    trust_file = files("t.json", trust(**condition))
    code, out, _ = run(capsys, *offline(trust_file, files("i.json", allow(action="sts:*"))),
                       *args, "--json")
    report = json.loads(out)
    assert code == 1
    assert cause in [c["code"] for c in report["causes"]]
    assert report["failing_side"] == "trust"


@pytest.mark.parametrize(
    ("condition", "args"),
    [
        ({"StringEquals": {"sts:ExternalId": "abc123"}}, ("--external-id", "abc123")),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}},
         ("--mfa-serial", "arn:aws:iam::111111111111:mfa/alice")),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, ("--context", "aws:SourceIp=10.1.2.3")),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
         ("--context", "aws:TagKeys=team", "--context", "aws:TagKeys=env")),
    ],
    ids=["external-id", "mfa", "source-ip", "multivalued-context"],
)
def test_offline_request_options_and_context_satisfy_conditions(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str],
    condition: dict[str, Any], args: tuple[str, ...],
) -> None:
    trust_file = files("t.json", trust(**condition))
    code, out, err = run(capsys, *offline(trust_file, files("i.json", allow())), *args)
    assert (code, err) == (0, ""), out


def test_offline_service_principal_needs_only_the_trust_policy(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    service_trust = document({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                              "Action": "sts:AssumeRole"})
    code, out, _ = run(capsys, *offline(files("t.json", service_trust),
                                        principal="ec2.amazonaws.com"), "--json")
    assert code == 0
    assert json.loads(out)["identity"]["required"] is False


def test_offline_role_session_over_an_hour_is_refused_although_the_policies_allow(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    trust_file = files("t.json", trust("arn:aws:iam::111111111111:role/Hub"))
    code, out, _ = run(capsys, *offline(trust_file, files("i.json", allow()), principal=SESSION),
                       "--duration", "7200", "--json")
    report = json.loads(out)
    assert code == 1
    # One field states the decision; the policies' own answer is beside it, and nothing says allow.
    assert report["decision"] == "invalid-request" and report["allowed"] is False
    assert report["policies"] == "allow"
    assert report["session"]["binding"] == "chained-role" and report["session"]["maximum"] == 3600
    assert "chained-duration" in [c["code"] for c in report["causes"]]


def test_offline_human_report_is_plain_text_on_stdout(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str]
) -> None:
    trust_file = files("t.json", trust(StringEquals={"sts:ExternalId": "abc123"}))
    code, out, err = run(capsys, *offline(trust_file, files("i.json", allow())))
    assert code == 1 and err == ""
    assert "\x1b[" not in out  # no colour codes when piped
    assert "trust" in out and "implicit-deny" in out and "[external-id]" in out
    assert "DENIED" in out


BAD_INPUT = {
    "missing-file": (lambda f: ["explain", "--trust-policy", "/nonexistent/t.json",
                                "--principal", USER, "--role", ROLE], "does not exist"),
    "not-json": (lambda f: offline(f("t.json", "{nope")), "not valid JSON"),
    "no-statement": (lambda f: offline(f("t.json", {"Version": "2012-10-17"})), "Statement"),
    "bad-principal": (lambda f: offline(f("t.json", trust()), principal="alice"), "--principal"),
    "bad-role": (lambda f: offline(f("t.json", trust()), role="arn:aws:iam::1:role/X"), "12"),
    "missing-role": (lambda f: ["explain", "--trust-policy", f("t.json", trust()),
                                "--principal", USER], "--role"),
    "target-too": (lambda f: [*offline(f("t.json", trust())), "Role-A"], "no TARGET"),
    "profile": (lambda f: [*offline(f("t.json", trust())), "--profile", "dev"], "--profile"),
    "bad-context": (lambda f: [*offline(f("t.json", trust())), "--context", "novalue"],
                    "KEY=VALUE"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_offline_bad_input_exits_2_with_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], files: Callable[[str, Any], str], case: str
) -> None:
    build, expected = BAD_INPUT[case]
    code, out, err = run(capsys, *build(files))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert expected in err


# --------------------------------------------------------------------------- assume policy


def test_policy_prints_both_documents_for_a_cross_account_principal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "policy", ROLE, "--for", USER, "--external-id", "abc123",
                       "--require-mfa", "--json")
    assert code == 0
    documents = json.loads(out)
    assert documents["identity_policy_required"] is True
    assert documents["identity_policy"]["Statement"][0]["Resource"] == ROLE
    statement = documents["trust_policy"]["Statement"][0]
    assert statement["Principal"] == {"AWS": USER}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "abc123"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }


def test_policy_for_a_same_account_principal_marks_the_identity_policy_optional(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "policy", "111111111111:Local", "--for", USER)
    assert code == 0
    assert "Identity policy (optional)" in out
    assert "update-assume-role-policy --role-name Local" in out
    assert '"AWS": "arn:aws:iam::111111111111:user/alice"' in out


def test_policy_for_an_assumed_role_session_trusts_its_role(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "policy", ROLE, "--for", SESSION, "--only", "trust")
    assert code == 0
    assert json.loads(out)["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::111111111111:role/Hub"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("policy", ROLE, "--for", "alice"), "Invalid principal"),
        (("policy", "Deploy", "--for", USER), "bare role name"),
        (("policy", ROLE, "--for", "ec2.amazonaws.com", "--only", "identity"),
         "needs no identity policy"),
        (("policy", ROLE, "--for", "ec2.amazonaws.com", "--require-mfa"), "MFA"),
        (("policy", ROLE), "--for"),
    ],
)
def test_policy_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert expected in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- online, faked


class FakeReader:
    """Answers like IAM would; an operation without an answer is AccessDenied."""

    def __init__(self, arn: str, answers: dict[str, Any]) -> None:
        self.arn = arn
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def caller(self) -> dict[str, str]:
        return {"Arn": self.arn, "Account": self.arn.split(":")[4], "UserId": "AIDAEXAMPLE"}

    def call(self, operation: str, **params: Any) -> Any:
        self.calls.append((operation, params))
        answer = self.answers.get(operation)
        if answer is None:
            raise iam_reads.ReadError(iam_reads.iam_action(operation), "AccessDenied")
        if isinstance(answer, Exception):
            raise answer
        return answer


def get_role(arn: str, trust_doc: dict[str, Any], max_duration: int = 3600) -> dict[str, Any]:
    path, name = "/", arn.rsplit("/", 1)[1]
    return {"Role": {"Arn": arn, "Path": path, "RoleName": name,
                     "AssumeRolePolicyDocument": trust_doc, "MaxSessionDuration": max_duration}}


def simulation(
    decision: str, *sources: str, actions: tuple[str, ...] = ("sts:AssumeRole",), **extra: Any
) -> dict[str, Any]:
    return {"EvaluationResults": [{
        "EvalActionName": action, "EvalResourceName": SAME_ROLE,
        "EvalDecision": decision,
        "MatchedStatements": [{"SourcePolicyId": s, "SourcePolicyType": "IAM Policy"}
                              for s in sources],
        **extra,
    } for action in actions]}


ACCEPTED = explain_report.Attempt("allowed")


def explain_with(
    reader: FakeReader, hop: Hop, answer: explain_report.Attempt = ACCEPTED
) -> tuple[explain_report.HopReport, list[str]]:
    asked: list[str] = []

    def attempt() -> explain_report.Attempt:
        asked.append(hop.role)
        return answer

    report = explain.explain_hop(reader, hop, number=1, source="test", mfa=None,
                                 attempt=attempt, clock=lambda: CLOCK)
    return report, asked


def test_the_identity_side_comes_from_simulate_principal_policy_when_permitted() -> None:
    both = ("sts:AssumeRole", "sts:TagSession")
    reader = FakeReader(USER, {
        "get_role": get_role(SAME_ROLE, trust("111111111111", list(both))),
        "simulate_principal_policy": simulation("allowed", "assume", actions=both),
    })
    report, asked = explain_with(reader, Hop(role=SAME_ROLE, mfa_serial="arn:aws:iam::1:mfa/a",
                                             tags=(("team", "blue"),)))
    assert report.allowed and report.decision == "allow" and asked == [SAME_ROLE]
    assert report.identity is not None
    assert report.identity.read_with == "iam:SimulatePrincipalPolicy"
    assert report.identity.required is True  # the trust policy names only the account
    sent = dict(next(params for op, params in reader.calls if op == "simulate_principal_policy"))
    assert sent["PolicySourceArn"] == USER and sent["ResourceArns"] == [SAME_ROLE]
    assert sent["ActionNames"] == list(both)
    types = {e["ContextKeyName"]: e["ContextKeyType"] for e in sent["ContextEntries"]}
    assert types["aws:MultiFactorAuthPresent"] == "boolean"
    assert types["aws:TagKeys"] == "stringList"
    assert types["aws:CurrentTime"] == "date"


def test_a_simulated_explicit_deny_fails_the_identity_side_without_calling_aws() -> None:
    reader = FakeReader(USER, {
        "get_role": get_role(SAME_ROLE, trust()),
        "simulate_principal_policy": simulation("explicitDeny", "guardrail"),
    })
    report, asked = explain_with(reader, Hop(role=SAME_ROLE))
    assert report.decision == "explicit-deny" and report.failing_side == "identity"
    assert report.identity is not None and report.identity.deciding == ("guardrail:simulated",)
    assert asked == [] and report.aws.result == "skipped"


def test_a_permissions_boundary_reported_by_the_simulator_is_a_named_cause() -> None:
    reader = FakeReader(USER, {
        "get_role": get_role(ROLE.replace("222222222222", "111111111111"), trust("111111111111")),
        "simulate_principal_policy": simulation(
            "implicitDeny", PermissionsBoundaryDecisionDetail={
                "AllowedByPermissionsBoundary": False}),
    })
    report, _ = explain_with(reader, Hop(role=ROLE.replace("222222222222", "111111111111")))
    assert "permissions-boundary" in [c.code for c in report.causes]
    assert report.failing_side == "identity"


def test_without_the_simulator_the_callers_policies_are_read_instead() -> None:
    reader = FakeReader(USER, {
        "get_role": get_role(SAME_ROLE, trust("111111111111")),
        "list_user_policies": {"PolicyNames": ["hop"]},
        "get_user_policy": {"PolicyDocument": allow(SAME_ROLE)},
        "list_attached_user_policies": {"AttachedPolicies": []},
        "list_groups_for_user": {"Groups": []},
    })
    report, _ = explain_with(reader, Hop(role=SAME_ROLE))
    assert report.allowed and report.identity is not None
    assert report.identity.read_with == "iam:Get*Policy"
    assert report.identity.deciding == ("hop:Hop",)
    assert any("SimulatePrincipalPolicy was not permitted" in note for note in report.notes)


def test_a_refusal_across_accounts_blames_the_unreadable_trust_policy() -> None:
    reader = FakeReader(USER, {"simulate_principal_policy": simulation("allowed", "assume")})
    refused = explain_report.Attempt("denied", "Access denied")
    report, asked = explain_with(reader, Hop(role=ROLE), refused)
    assert asked == [ROLE]
    assert report.decision == "unknown" and not report.allowed
    assert report.failing_side == "trust"
    assert "trust-side" in [c.code for c in report.causes]
    assert report.trust is not None and report.trust.decision == "unknown"
    checks = " ".join(report.trust.must_check)
    assert USER in checks and "sts:ExternalId" in checks and "MultiFactorAuthPresent" in checks


def test_a_refusal_with_an_unreadable_identity_side_blames_it() -> None:
    reader = FakeReader(USER, {"get_role": get_role(SAME_ROLE, trust("111111111111"))})
    report, _ = explain_with(reader, Hop(role=SAME_ROLE), explain_report.Attempt("denied", "no"))
    assert report.failing_side == "identity"
    assert "identity-side" in [c.code for c in report.causes]
    assert report.identity is not None and report.identity.must_check


def test_a_refusal_the_policies_do_not_explain_points_beyond_them() -> None:
    reader = FakeReader(USER, {
        "get_role": get_role(SAME_ROLE, trust()),
        "simulate_principal_policy": simulation("allowed", "assume"),
    })
    report, _ = explain_with(reader, Hop(role=SAME_ROLE), explain_report.Attempt("denied", "no"))
    assert report.evaluation == "allow" and not report.allowed
    assert "beyond-policies" in [c.code for c in report.causes]


def test_a_duration_over_max_session_duration_skips_the_call() -> None:
    reader = FakeReader(USER, {
        "get_role": get_role(SAME_ROLE, trust(), max_duration=3600),
        "simulate_principal_policy": simulation("allowed", "assume"),
    })
    report, asked = explain_with(reader, Hop(role=SAME_ROLE, duration=7200))
    assert asked == [] and not report.allowed
    assert "max-session-duration" in [c.code for c in report.causes]


class FakeProvider:
    """Hands out one set of credentials per hop, or refuses the hop named in `refuse`."""

    def __init__(self, refuse: str | None = None) -> None:
        self.cache: Any = NullCache()
        self.refuse = refuse
        self.plans: list[Plan] = []

    def get(self, plan: Plan, *, refresh: bool = False) -> Credentials:
        self.plans.append(plan)
        if plan.hops[-1].role == self.refuse:
            raise AccessDeniedError("Access denied: nope.")
        return Credentials(f"ASIA{len(plan.hops)}", "secret", "token")


def test_the_chain_is_walked_with_each_hops_credentials_and_stops_at_the_failing_hop() -> None:
    hub = "arn:aws:iam::111111111111:role/Hub"
    plan = Plan(Source("profile", "alice", "profile:alice"),
                (Hop(role=hub), Hop(role=SAME_ROLE), Hop(role=ROLE)), "us-east-1", ("x",))
    readers: list[Any] = []

    def reader(source: Any, region: str | None) -> FakeReader:
        readers.append(source)
        caller = USER if isinstance(source, Source) else SESSION
        role = hub if len(readers) == 1 else SAME_ROLE
        trusted = trust([USER, "arn:aws:iam::111111111111:role/Hub"])
        return FakeReader(caller, {"get_role": get_role(role, trusted),
                                   "simulate_principal_policy": simulation("allowed", "p")})

    provider = FakeProvider(refuse=SAME_ROLE)
    report = explain.explain_chain(plan, provider, reader=reader, clock=lambda: CLOCK)

    assert [hop.number for hop in report.hops] == [1, 2]  # hop 3 is never reached
    assert report.failing is not None and report.failing.number == 2
    assert report.to_dict()["failing_hop"] == 2 and report.to_dict()["allowed"] is False
    assert isinstance(readers[0], Source) and readers[1] == Credentials("ASIA1", "secret", "token")
    assert [len(p.hops) for p in provider.plans] == [1, 2]
    assert not isinstance(provider.cache, NullCache)  # one STS call per hop, even uncached
