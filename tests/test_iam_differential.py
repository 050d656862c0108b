"""assume.iam against an independent simulator, ``@cloud-copilot/iam-simulate`` (Strict mode).

About 1,100 generated AssumeRole requests (tests/support/iam_cases.py) go to both. Every
disagreement must be either a known simulator error or one of assume's documented choices,
each matched case by case by a predicate that names the feature and the direction of the
difference, with the documentation sentence behind it. Anything else fails the test. The
agreement rate and the excluded classes are printed.

Runs where Node is: needs Debian's ``nodejs`` and ``npm``; the package is installed once,
pinned, into a cache folder (tests/support/iam_simulate.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from assume.iam.assume_role import decide_assume_role
from assume.iam.context import ASSUME_ROLE
from assume.iam.verdict import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY
from tests.support import iam_cases, iam_simulate
from tests.support.iam_cases import Case

pytestmark = pytest.mark.skipif(
    not iam_simulate.available(),
    reason="node and npm are not installed (apt-get install nodejs npm)",
)

CASES = 1100
RESULTS = {"Allowed": ALLOW, "ExplicitlyDenied": EXPLICIT_DENY, "ImplicitlyDenied": IMPLICIT_DENY}

Predicate = Callable[[Case, str, str], bool]


@dataclass(frozen=True)
class Known:
    """A class of disagreement: its name, the documentation behind assume's answer, and the
    predicate that recognises one case of it (feature and direction)."""

    name: str
    source: str
    matches: Predicate


def _has(case: Case, *features: str) -> bool:
    return any(f in case.features for f in features)


# Conditions on keys of the AssumeRole request that the simulator drops for sts:TagSession and
# sts:SetSourceIdentity (its per-action key lists do not name them).
_REQUEST_KEY_CONDITIONS = frozenset(
    name for name, block, _, _ in iam_cases.CONDITIONS
    if any(key.lower() in ("sts:externalid", "sts:rolesessionname")
           for keys in block.values() for key in keys)
)

SIMULATOR_ERRORS = (
    Known(
        "root-user-caller",
        'STS API "AssumeRole": "You cannot call AssumeRole by using AWS root account '
        'credentials; access is denied."',
        lambda c, ours, theirs: _has(c, "caller-root") and ours == IMPLICIT_DENY
        and theirs == ALLOW,
    ),
    Known(
        "federated-user-caller",
        'IAM UG "Compare AWS STS credentials", GetFederationToken: "Cannot call AWS STS '
        'operations except GetCallerIdentity."',
        lambda c, ours, theirs: _has(c, "caller-federated-user") and ours == IMPLICIT_DENY
        and theirs == ALLOW,
    ),
    Known(
        "grant-to-the-session-not-limited-by-session-policy-or-boundary",
        'IAM UG "Policy evaluation logic": "Permissions granted directly to a session are not '
        'limited by an implicit deny in an identity-based policy, a permissions boundary, or '
        'session policy." and "Permissions boundaries and session policies do not limit '
        'permissions granted using the aws:PrincipalArn condition key with a wildcard(*) in the '
        'Principal element"',
        lambda c, ours, theirs: _has(c, "caller-session-same")
        and _has(c, "trust-principal-caller", "trust-principal-list", "trust-principal-star",
                 "trust-principal-aws-star", "trust-allow-notprincipal-other")
        and _has(c, "session-s3-only", "boundary-s3-only")
        and ours == ALLOW and theirs == IMPLICIT_DENY,
    ),
)

SIMULATOR_ERRORS += (
    Known(
        "negated-operator-on-a-missing-variable",
        'IAM UG "IAM policy elements: Variables and tags": "Inverted condition operators like '
        'StringNotEquals or StringNotLike do match against a null value"',
        lambda c, ours, theirs: _has(c, "cond-notequals-missing-variable")
        and ours == ALLOW and theirs == IMPLICIT_DENY,
    ),
)

DOCUMENTED_CHOICES = (
    Known(
        "aws-star-does-not-name-a-service",
        'IAM UG "AWS JSON policy elements: Principal": a wildcard in a trust policy lets "any '
        'IAM user in any account in your partition" assume the role; services are named under '
        '"Service" (see assume.iam)',
        lambda c, ours, theirs: _has(c, "caller-service") and _has(c, "trust-principal-aws-star")
        and ours == IMPLICIT_DENY and theirs == ALLOW,
    ),
    Known(
        "deny-notprincipal-must-list-the-account",
        'IAM UG "AWS JSON policy elements: NotPrincipal": "When you use NotPrincipal with Deny, '
        'you must also specify the account ARN of the not-denied principal. Otherwise, the '
        'policy might deny access to the entire account containing the principal."',
        lambda c, ours, theirs: _has(c, "trust-deny-notprincipal-caller-only")
        and ours == EXPLICIT_DENY,
    ),
    Known(
        "user-and-role-names-in-a-principal-ignore-case",
        'IAM API "CreateRole"/"CreateUser": names "are not distinguished by case"; IAM UG "AWS '
        'JSON policy elements: Principal": a role ARN in a trust policy "transforms to the '
        "role's unique principal ID when you save the policy\"",
        lambda c, ours, theirs: _has(c, "trust-principal-user-case",
                                     "trust-principal-role-of-session-case")
        and ours == ALLOW and theirs == IMPLICIT_DENY,
    ),
    Known(
        "one-request-one-context",
        'IAM UG "Policy evaluation logic": AWS "assembles the request information into a request '
        'context"; TagSession and SetSourceIdentity are authorised within the AssumeRole call, '
        "with its sts:ExternalId and sts:RoleSessionName",
        lambda c, ours, theirs: c.action != ASSUME_ROLE
        and any(f in _REQUEST_KEY_CONDITIONS for f in c.features)
        and ours == ALLOW and theirs == IMPLICIT_DENY,
    ),
)


def _ours(case: Case) -> str:
    guards = case.guards
    return decide_assume_role(
        case.trust, case.identity or None, case.context(),
        boundary=guards.get("boundary"), session_policy=guards.get("session_policy"),
        scps=guards.get("scps", ()), rcps=guards.get("rcps", ()),
    ).decision


def test_assume_agrees_with_iam_simulate_outside_listed_classes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = list(iam_cases.generate(CASES))
    simulations = [iam_cases.simulation(c, c.context().context_keys.to_dict()) for c in cases]
    answers = iam_simulate.simulate(iam_simulate.install(), simulations)
    assert len(answers) == len(cases)

    agreed = 0
    excluded: Counter[str] = Counter()
    unexplained: list[str] = []
    errors: list[str] = []
    for case, answer in zip(cases, answers, strict=True):
        if "error" in answer:
            errors.append(f"{case.label}: {answer['error']}")
            continue
        ours, theirs = _ours(case), RESULTS[answer["result"]]
        if ours == theirs:
            agreed += 1
            continue
        known = next((k for k in (*SIMULATOR_ERRORS, *DOCUMENTED_CHOICES)
                      if k.matches(case, ours, theirs)), None)
        if known is None:
            unexplained.append(f"{case.label}: assume {ours}, iam-simulate {theirs}")
        else:
            excluded[known.name] += 1

    compared = len(cases) - len(errors)
    lines = [
        "",
        f"iam-simulate {iam_simulate.VERSION}: {compared} cases compared, {agreed} agree "
        f"({100 * agreed / compared:.1f}%), {sum(excluded.values())} excluded, "
        f"{len(unexplained)} unexplained, {len(errors)} rejected by the simulator",
    ]
    for kind, known_list in (("simulator error", SIMULATOR_ERRORS),
                             ("documented choice", DOCUMENTED_CHOICES)):
        for known in known_list:
            lines.append(f"  {kind}: {known.name}: {excluded[known.name]} cases ({known.source})")
    with capsys.disabled():
        print("\n".join(lines))
    assert not errors, errors[:5]
    assert not unexplained, "\n".join(unexplained[:20])
    assert agreed / compared > 0.85
