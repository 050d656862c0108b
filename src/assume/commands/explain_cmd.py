"""`assume explain` (why AssumeRole is refused, hop by hop, or offline from local documents)
and `assume policy` (the two documents that let a principal assume a role).

Reports are data the user asked for, so they go to stdout: rich on a terminal, plain text when
piped, JSON with --json. `explain` exits 0 when the request would be allowed, 1 when not.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from assume.commands.shared import build_request, make_provider, session_options
from assume.errors import InputError
from assume.output import printable

if TYPE_CHECKING:
    from assume.explain import ChainReport, HopReport, OfflineReport, SideReport
    from assume.policy_templates import AssumeRolePolicies

DENIED_EXIT = 1
STYLES = {
    "allow": "bold green",
    "explicit-deny": "bold red",
    "implicit-deny": "bold red",
    "unknown": "bold yellow",
}
SIDE_NAMES = {
    "trust": "the trust side fails (the role's trust policy)",
    "identity": "the identity side fails (the caller's identity policies)",
    "both": "both sides fail (the role's trust policy and the caller's identity policies)",
}
OFFLINE_OPTIONS = "--trust-policy, --identity-policy, --principal, --role, --context"

Piece = str | tuple[str, str]
PolicyFile = click.Path(exists=True, dir_okay=False, path_type=Path)


class Report:
    """Lines and labelled rows of text pieces, each plain or (text, rich style).

    Rich on a terminal (a row's text wraps under itself, beside its label), plain when piped.
    """

    LABEL = 10  # characters of the label column, after a two-space indent

    def __init__(self) -> None:
        self.entries: list[tuple[str | None, tuple[Piece, ...]]] = []

    def line(self, *pieces: Piece) -> None:
        self.entries.append((None, pieces))

    def row(self, label: str, *pieces: Piece) -> None:
        self.entries.append((label, pieces))

    def print(self) -> None:
        if sys.stdout.isatty():
            self._print_rich()
            return
        for label, pieces in self.entries:
            text = printable("".join(p if isinstance(p, str) else p[0] for p in pieces))
            sys.stdout.write((text if label is None else f"  {label:<{self.LABEL}}{text}") + "\n")

    def _print_rich(self) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        console = Console(highlight=False)
        for label, pieces in self.entries:
            text = Text.assemble(*(printable(p) if isinstance(p, str) else (printable(p[0]), p[1])
                                   for p in pieces))
            if label is None:
                console.print(text, soft_wrap=True)
                continue
            grid = Table.grid()
            grid.add_column(width=self.LABEL + 2, no_wrap=True)
            grid.add_column()
            grid.add_row(f"  {label}", text)
            console.print(grid)


def _verdict(decision: str) -> Piece:
    return (decision, STYLES.get(decision, "bold"))


def _side_lines(out: Report, side: SideReport, where: str | None = None) -> None:
    if where is None:
        where = f"read with {side.read_with}" if side.read_with else "could not be read"
    needed = "" if side.required is not False else ", not needed"
    out.row(side.side, _verdict(side.decision), f"  ({where}{needed})")
    out.row("", side.explanation)
    if side.deciding:
        out.row("", f"deciding: {', '.join(side.deciding)}")


def _causes(out: Report, causes: Sequence[Any]) -> None:
    for cause in causes:
        out.row("cause", (f"[{cause.code}]", "bold"), f" {cause.message}")


def _must_check(out: Report, sides: Sequence[SideReport | None]) -> None:
    for side in sides:
        if side is None or not side.must_check:
            continue
        if side.side == "trust":
            out.row("check", "The role's owner must check that its trust policy has:")
        else:
            out.row("check", "The caller's administrator must check that:")
        for check in side.must_check:
            out.row("", f"- {check}")


AWS_ANSWERS = {
    "allowed": "accepted the AssumeRole call",
    "denied": "refused: ",
    "failed": "the call failed: ",
    "skipped": "not asked: ",
}


def _hop_lines(out: Report, hop: HopReport, total: int) -> None:
    title = f"Hop {hop.number} of {total}: {hop.role_arn or hop.target}"
    if hop.target not in (hop.role_arn, ""):
        title += f"  (profile {hop.target})" if hop.role_arn else ""
    out.line((title, "bold"))
    if hop.caller_arn:
        out.row("caller", f"{hop.caller_arn}  (with {hop.source})")
    for side in (hop.trust, hop.identity):
        if side is not None:
            _side_lines(out, side)
    _causes(out, hop.causes)
    out.row("AWS", f"{AWS_ANSWERS[hop.aws.result]}{hop.aws.message}")
    for note in hop.notes:
        out.row("note", note)
    if hop.allowed:
        out.row("result", ("ALLOWED", STYLES["allow"]))
    else:
        why = f": {SIDE_NAMES[hop.failing_side]}" if hop.failing_side else ""
        out.row("result", (f"DENIED ({hop.decision})", "bold red"), why)
        _must_check(out, (hop.trust, hop.identity))


def render_chain(report: ChainReport) -> Report:
    """The human report of an online explanation."""
    out = Report()
    for hop in report.hops:
        _hop_lines(out, hop, report.total)
        out.line("")
    failing = report.failing
    if report.allowed:
        out.line(("Allowed", STYLES["allow"]), ": every hop of the chain would succeed.")
    elif failing is not None:
        why = SIDE_NAMES[failing.failing_side] if failing.failing_side else "see the causes above"
        out.line(
            (f"Denied at hop {failing.number} of {report.total}", "bold red"),
            f" ({failing.role_arn or failing.target}): {why}.",
        )
    return out


def render_offline(report: OfflineReport, trust_file: str, identity_files: Sequence[str]) -> Report:
    """The human report of an offline decision."""
    from assume.explain import SideReport

    found = report.decision
    out = Report()
    request = found.context
    out.line((f"{request.principal_arn} -> {request.resource}", "bold"))
    out.row("actions", ", ".join(request.actions))
    sources = {
        "trust": f"from {trust_file}",
        "identity": f"from {', '.join(identity_files)}" if identity_files else "none given",
    }
    for side in (found.trust, found.identity):
        report_side = SideReport(
            side.side, side.decision, side.required, None, side.explanation, side.deciding
        )
        _side_lines(out, report_side, sources[side.side])
    _causes(out, report.causes)
    if report.allowed:
        out.row("result", ("ALLOWED", STYLES["allow"]))
    else:
        failing = report.failing_side
        out.row("result", ("DENIED", "bold red"), f": {SIDE_NAMES[failing]}" if failing else "")
    out.row("", found.explanation)
    return out


# --------------------------------------------------------------------------- offline input


def _read_document(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path}: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno})."
        ) from None


def _context_keys(pairs: Sequence[str]) -> dict[str, str | list[str]]:
    """`KEY=VALUE` pairs; a key given several times becomes multivalued."""
    keys: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"Invalid --context '{pair}'.", "Write it as KEY=VALUE.")
        keys.setdefault(key.strip(), []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in keys.items()}


def _offline(
    trust_policy: Path | None,
    identity_policies: Sequence[Path],
    principal: str | None,
    role_arn: str | None,
    context_pairs: Sequence[str],
    params: dict[str, Any],
) -> OfflineReport:
    from assume import policy_eval, validation
    from assume.config import apply_options
    from assume.explain import explain_offline, request_context
    from assume.models import Hop

    if params["targets"]:
        raise InputError("Offline mode takes no TARGET.", f"Drop TARGET or drop {OFFLINE_OPTIONS}.")
    if params["profile"]:
        raise InputError("Offline mode reads no credentials; --profile does not apply.")
    missing = [name for name, value in
               (("--trust-policy", trust_policy), ("--principal", principal), ("--role", role_arn))
               if not value]
    if missing:
        raise InputError(
            f"Offline mode needs {', '.join(missing)}.",
            "Usage: assume explain --trust-policy FILE [--identity-policy FILE] "
            "--principal ARN --role ARN [--context KEY=VALUE ...]",
        )
    assert trust_policy and principal and role_arn
    hop = apply_options(Hop(role=validation.check_role_arn(role_arn)), build_request(params),
                         chained=False)
    try:
        context = request_context(principal, hop.role, hop, extra_keys=_context_keys(context_pairs))
    except ValueError as exc:
        raise InputError(f"Invalid --principal: {exc}.") from None
    trust = _read_document(trust_policy)
    identity = {str(path): _read_document(path) for path in identity_policies}
    documents: list[tuple[str, Any, Literal["trust", "identity"]]] = [
        (str(trust_policy), trust, "trust"),
        *((name, doc, "identity") for name, doc in identity.items()),
    ]
    for path, document, kind in documents:  # name the file a malformed policy came from
        try:
            policy_eval.evaluate_policy(document, context, policy_type=kind)
        except policy_eval.PolicyError as exc:
            raise InputError(f"{path}: {exc}.") from None
    return explain_offline(trust, identity, context, duration=hop.duration)


# --------------------------------------------------------------------------- commands


@click.command("explain")
@session_options
@click.option("--trust-policy", type=PolicyFile, help="Offline: the role's trust policy (JSON).")
@click.option("--identity-policy", "identity_policies", multiple=True, type=PolicyFile,
              help="Offline: an identity policy of the caller (JSON; repeatable).")
@click.option("--principal", metavar="ARN",
              help="Offline: the caller (user, role or session ARN, account ID, or service).")
@click.option("--role", "role_arn", metavar="ARN", help="Offline: the role's ARN.")
@click.option("--context", "context_pairs", multiple=True, metavar="KEY=VALUE",
              help="Offline: a request context key, e.g. aws:SourceIp=10.0.0.1 (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON for scripts.")
def explain_command(
    trust_policy: Path | None,
    identity_policies: tuple[Path, ...],
    principal: str | None,
    role_arn: str | None,
    context_pairs: tuple[str, ...],
    as_json: bool,
    **params: Any,
) -> None:
    """Say why AssumeRole on TARGET is (or would be) refused, hop by hop.

    A role can be assumed only when the caller's identity policy and the role's trust policy
    both allow it (in the same account, a trust policy naming the caller suffices). For each
    hop this reads the caller, the role's trust policy (iam:GetRole) and the caller's identity
    side (iam:SimulatePrincipalPolicy, else its policies), names the side and the hop that
    fail and the usual causes (ExternalId, MFA, session tags, durations, session name), and
    says what the role's owner must check where a side cannot be read.

    Offline, --trust-policy, --identity-policy, --principal and --role evaluate local documents
    without AWS. Exit status: 0 allowed, 1 denied, 2 bad input.

    \b
    Examples:
      assume explain Role-A
      assume explain hub 210987654321:Deploy --external-id abc123 --json
      assume explain --trust-policy trust.json --identity-policy alice.json \\
          --principal arn:aws:iam::111111111111:user/alice \\
          --role arn:aws:iam::222222222222:role/Deploy --context sts:ExternalId=abc123
    """
    if trust_policy or identity_policies or principal or role_arn or context_pairs:
        offline = _offline(
            trust_policy, identity_policies, principal, role_arn, context_pairs, params
        )
        if as_json:
            click.echo(json.dumps(offline.to_dict(), indent=2))
        else:
            render_offline(
                offline, str(trust_policy), [str(p) for p in identity_policies]
            ).print()
        if not offline.allowed:
            sys.exit(DENIED_EXIT)
        return
    from assume.config import resolve
    from assume.explain import explain_chain

    plan = resolve(build_request(params))
    for note in plan.notes:
        click.echo(printable(note), err=True)
    report = explain_chain(plan, make_provider(params, plan), refresh=params["refresh"])
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        render_chain(report).print()
    if not report.allowed:
        sys.exit(DENIED_EXIT)


def _apply_commands(policies: AssumeRolePolicies) -> list[str]:
    """AWS CLI commands that put the documents in place (file names as --only writes them)."""
    from assume.policy_templates import parse_principal_spec, parse_role_arn

    role = parse_role_arn(policies.role_arn)
    commands = []
    spec = parse_principal_spec(policies.principal, partition=role.partition)
    if policies.identity_policy is not None and spec.kind in ("user", "role", "assumed-role"):
        kind = "user" if spec.kind == "user" else "role"
        name = spec.trust_value.rsplit("/", 1)[1]
        commands.append(
            f"aws iam put-{kind}-policy --{kind}-name {name} --policy-name assume-{role.name} "
            "--policy-document file://identity-policy.json"
            + (f"   # in account {spec.account}" if spec.account != role.account else "")
        )
    commands.append(
        f"aws iam update-assume-role-policy --role-name {role.name} "
        "--policy-document file://trust-policy.json"
        + (f"   # in account {role.account}" if spec.account not in (None, role.account) else "")
    )
    return commands


def render_policies(policies: AssumeRolePolicies) -> Report:
    """Both documents with what each is for, how to apply them, and which are needed."""
    out = Report()
    identity = policies.identity_policy
    if identity is not None:
        needed = "required" if policies.identity_policy_required else "optional"
        out.line((f"Identity policy ({needed}): attach to {policies.principal}", "bold"))
        for line in json.dumps(identity, indent=2).splitlines():
            out.line(line)
        out.line("")
    out.line((f"Trust policy: the AssumeRolePolicyDocument of {policies.role_arn}", "bold"))
    for line in json.dumps(policies.trust_policy, indent=2).splitlines():
        out.line(line)
    out.line("")
    out.line(policies.note)
    out.line("Merge the statement into the role's trust policy if it already has others.")
    out.line("To apply, save each document (--only identity > identity-policy.json, "
             "--only trust > trust-policy.json), then run:")
    for command in _apply_commands(policies):
        out.line(f"  {command}")
    return out


@click.command("policy")
@click.argument("target", metavar="TARGET")
@click.option("--for", "principal", required=True, metavar="PRINCIPAL_ARN",
              help="Who will assume the role: user, role or session ARN, account ID, or service.")
@click.option("--external-id", help="Require this ExternalId in the trust policy.")
@click.option("--require-mfa", is_flag=True, help="Require MFA in the trust policy.")
@click.option("--tag-session", is_flag=True, help="Also allow sts:TagSession (for --tag).")
@click.option("--set-source-identity", is_flag=True,
              help="Also allow sts:SetSourceIdentity (for --source-identity).")
@click.option("--trust-account", is_flag=True,
              help="Trust the principal's whole account; its identity policy then decides.")
@click.option("--only", type=click.Choice(["identity", "trust"]),
              help="Print only that document, as plain JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print both documents as one JSON object.")
def policy_command(
    target: str,
    principal: str,
    external_id: str | None,
    require_mfa: bool,
    tag_session: bool,
    set_source_identity: bool,
    trust_account: bool,
    only: str | None,
    as_json: bool,
) -> None:
    """Print the policies that let PRINCIPAL_ARN assume TARGET's role.

    The identity policy goes on the caller, the trust policy on the role. Across accounts both
    are needed; in the same account the trust policy alone suffices when it names the
    principal. No AWS access is needed.

    \b
    Examples:
      assume policy arn:aws:iam::222222222222:role/Deploy \\
          --for arn:aws:iam::111111111111:user/alice --external-id abc123
      assume policy Deploy-profile --for arn:aws:iam::111111111111:role/CI --only trust
    """
    from assume.config import Request, resolve
    from assume.policy_templates import assume_role_policies

    hop = resolve(Request(targets=(target,))).hops[-1]
    if hop.is_bare_name:
        raise InputError(
            f"'{target}' is a bare role name, whose account is known only to AWS.",
            "Pass ACCOUNT:ROLE_NAME or the role ARN.",
        )
    try:
        policies = assume_role_policies(
            principal,
            hop.role,
            external_id=external_id,
            require_mfa=require_mfa,
            tag_session=tag_session,
            set_source_identity=set_source_identity,
            name_account=trust_account,
        )
    except ValueError as exc:
        raise InputError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    if only == "identity" and policies.identity_policy is None:
        raise InputError(f"{principal} needs no identity policy: {policies.note}")
    if only:
        document = policies.identity_policy if only == "identity" else policies.trust_policy
        click.echo(json.dumps(document, indent=2))
    elif as_json:
        click.echo(policies.to_json())
    else:
        render_policies(policies).print()


commands: list[click.Command] = [explain_command, policy_command]
