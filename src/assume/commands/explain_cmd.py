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
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import click

from assume.commands.shared import build_request, make_provider, session_options
from assume.errors import InputError
from assume.output import printable

if TYPE_CHECKING:
    from assume.explain import OfflineReport
    from assume.explain_report import ChainReport, HopReport, SideReport
    from assume.policy_templates import AssumeRolePolicies
    from assume.session_limits import SessionLength

DENIED_EXIT = 1
STYLES = {
    "allow": "bold green",
    "explicit-deny": "bold red",
    "implicit-deny": "bold red",
    "invalid-request": "bold red",
    "not-applicable": "dim",
    "unknown": "bold yellow",
}
SIDE_NAMES = {
    "trust": "the trust side fails (the role's trust policy)",
    "identity": "the identity side fails (the caller's identity policies)",
    "both": "both sides fail (the role's trust policy and the caller's identity policies)",
    "boundary": "the caller's permissions boundary fails",
    "session_policy": "the session policy of the caller's session fails",
    "scp": "a service control policy of the caller's account fails",
    "rcp": "a resource control policy of the role's account fails",
}
SIDE_ROWS = {"session_policy": "session"}  # row labels are at most Report.LABEL characters
OFFLINE_OPTIONS = (
    "--trust-policy, --identity-policy, --boundary, --session-policy, --scp, --rcp, "
    "--principal, --role, --context"
)

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
    label = SIDE_ROWS.get(side.side, side.side)
    if side.decision == "not-applicable":
        out.row(label, _verdict(side.decision), f"  {side.explanation}")
        return
    if where is None:
        where = f"read with {side.read_with}" if side.read_with else "could not be read"
    needed = "" if side.required is not False else ", not needed"
    out.row(label, _verdict(side.decision), f"  ({where}{needed})")
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
        elif side.side in ("scp", "rcp"):
            out.row("check", f"{side.side.upper()}s cannot be read from here:")
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
    for side in (hop.trust, hop.identity, *hop.guardrails):
        if side is not None:
            _side_lines(out, side)
    _causes(out, hop.causes)
    if hop.session is not None:
        _session_lines(out, hop.session)
    out.row("AWS", f"{AWS_ANSWERS[hop.aws.result]}{hop.aws.message}")
    for note in hop.notes:
        out.row("note", note)
    if hop.allowed:
        out.row("result", ("ALLOWED", STYLES["allow"]))
    else:
        why = f": {SIDE_NAMES[hop.failing_side]}" if hop.failing_side else ""
        out.row("result", (f"DENIED ({hop.decision})", "bold red"), why)
        _must_check(out, (hop.trust, hop.identity, *hop.guardrails))


def _session_lines(out: Report, length: SessionLength) -> None:
    binding = length.binding
    out.row("duration", f"asked {length.requested}s, at most {length.maximum}s "
            f"(bound by {binding.source}); console at most {length.console_max}s")
    out.row("", length.advice)


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


def render_offline(report: OfflineReport, sources: dict[str, str]) -> Report:
    """The human report of an offline decision; ``sources`` names each side's files."""
    from assume.explain_report import SideReport

    found = report.decision
    out = Report()
    request = found.context
    out.line((f"{request.principal_arn} -> {request.resource}", "bold"))
    out.row("actions", ", ".join(request.actions))
    for side in found.sides:
        report_side = SideReport(
            side.side, side.decision, side.required, None, side.explanation, side.deciding
        )
        _side_lines(out, report_side, sources.get(side.side, "none given"))
    _causes(out, report.causes)
    _session_lines(out, report.session)
    if report.allowed:
        out.row("result", ("ALLOWED", STYLES["allow"]))
    else:
        failing = report.failing_side
        label = f"DENIED ({report.verdict})"
        out.row("result", (label, "bold red"), f": {SIDE_NAMES[failing]}" if failing else "")
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


class OfflineFiles(NamedTuple):
    """The documents of an offline explanation, by side."""

    trust: Path | None
    identity: Sequence[Path]
    boundary: Path | None
    session_policy: Path | None
    scps: Sequence[Path]
    rcps: Sequence[Path]

    @property
    def given(self) -> bool:
        """True when any document was given."""
        return any((self.trust, self.identity, self.boundary, self.session_policy, self.scps,
                    self.rcps))

    def sources(self) -> dict[str, str]:
        """Each side's files, for the report."""
        def names(paths: Sequence[Path | None]) -> str:
            given = [str(p) for p in paths if p is not None]
            return "from " + ", ".join(given) if given else "none given"

        return {
            "trust": names([self.trust]),
            "identity": names(self.identity),
            "boundary": names([self.boundary]),
            "session_policy": names([self.session_policy]),
            "scp": names(self.scps) + " (root first)" if self.scps else "none given",
            "rcp": names(self.rcps) + " (root first)" if self.rcps else "none given",
        }


def _offline(
    files: OfflineFiles,
    principal: str | None,
    role_arn: str | None,
    context_pairs: Sequence[str],
    params: dict[str, Any],
) -> OfflineReport:
    from assume import validation
    from assume.config import apply_options
    from assume.explain import explain_offline, request_context
    from assume.iam.document import PolicyError
    from assume.iam.evaluation import evaluate_policy
    from assume.models import Hop

    if params["targets"]:
        raise InputError("Offline mode takes no TARGET.", f"Drop TARGET or drop {OFFLINE_OPTIONS}.")
    if params["profile"]:
        raise InputError("Offline mode reads no credentials; --profile does not apply.")
    trust_policy = files.trust
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
    identity = {str(path): _read_document(path) for path in files.identity}
    boundary = _read_document(files.boundary) if files.boundary else None
    session = _read_document(files.session_policy) if files.session_policy else None
    scps = [_read_document(path) for path in files.scps]
    rcps = [_read_document(path) for path in files.rcps]
    documents: list[tuple[Path, Any, Literal["trust", "identity"]]] = [
        (trust_policy, trust, "trust"),
        *((Path(name), doc, "identity") for name, doc in identity.items()),
        *((path, doc, "identity") for path, doc in
          ((files.boundary, boundary), (files.session_policy, session)) if path is not None),
        *((path, doc, "identity") for path, doc in zip(files.scps, scps, strict=True)),
        *((path, doc, "trust") for path, doc in zip(files.rcps, rcps, strict=True)),
    ]
    for path, document, kind in documents:  # name the file a malformed policy came from
        try:
            evaluate_policy(document, context, policy_type=kind)
        except PolicyError as exc:
            raise InputError(f"{path}: {exc}.") from None
    return explain_offline(
        trust, identity, context, duration=hop.duration, boundary=boundary,
        session_policy=session, scps=scps, rcps=rcps,
    )


# --------------------------------------------------------------------------- commands


@click.command("explain")
@session_options
@click.option("--trust-policy", type=PolicyFile, help="Offline: the role's trust policy (JSON).")
@click.option("--identity-policy", "identity_policies", multiple=True, type=PolicyFile,
              help="Offline: an identity policy of the caller (JSON; repeatable).")
@click.option("--boundary", type=PolicyFile,
              help="Offline: the caller's permissions boundary (JSON).")
@click.option("--session-policy", type=PolicyFile,
              help="Offline: the session policy of the caller's own session (JSON).")
@click.option("--scp", "scps", multiple=True, type=PolicyFile,
              help="Offline: a service control policy of the caller's account, one per "
              "organization level, root first (JSON; repeatable).")
@click.option("--rcp", "rcps", multiple=True, type=PolicyFile,
              help="Offline: a resource control policy of the role's account, one per "
              "organization level, root first (JSON; repeatable).")
@click.option("--principal", metavar="ARN",
              help="Offline: the caller (user, role or session ARN, account ID, or service).")
@click.option("--role", "role_arn", metavar="ARN", help="Offline: the role's ARN.")
@click.option("--context", "context_pairs", multiple=True, metavar="KEY=VALUE",
              help="Offline: a request context key, e.g. aws:SourceIp=10.0.0.1 (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON for scripts.")
def explain_command(
    trust_policy: Path | None,
    identity_policies: tuple[Path, ...],
    boundary: Path | None,
    session_policy: Path | None,
    scps: tuple[Path, ...],
    rcps: tuple[Path, ...],
    principal: str | None,
    role_arn: str | None,
    context_pairs: tuple[str, ...],
    as_json: bool,
    **params: Any,
) -> None:
    """Say why AssumeRole on TARGET is (or would be) refused, hop by hop.

    Every policy type that can refuse the call is shown side by side: the role's trust
    policy, the caller's identity policies, its permissions boundary, the session policy of
    its own session, the SCPs of its account and the RCPs of the role's account. For each hop
    this reads what the caller can read (iam:GetRole, iam:SimulatePrincipalPolicy or the
    caller's policies, iam:GetUser/GetRole for the boundary), names the side and the hop that
    fail and the usual causes (ExternalId, MFA, session tags, session name), says what to ask
    for and from whom where a side cannot be read, and how long the session can last.

    Offline, --trust-policy, --identity-policy, --boundary, --session-policy, --scp, --rcp,
    --principal and --role evaluate local documents without AWS.
    Exit status: 0 allowed, 1 denied, 2 bad input.

    \b
    Examples:
      assume explain Role-A
      assume explain hub 210987654321:Deploy --external-id abc123 --json
      assume explain --trust-policy trust.json --identity-policy alice.json \\
          --principal arn:aws:iam::111111111111:user/alice \\
          --role arn:aws:iam::222222222222:role/Deploy --context sts:ExternalId=abc123
    """
    files = OfflineFiles(trust_policy, identity_policies, boundary, session_policy, scps, rcps)
    if files.given or principal or role_arn or context_pairs:
        offline = _offline(files, principal, role_arn, context_pairs, params)
        if as_json:
            click.echo(json.dumps(offline.to_dict(), indent=2))
        else:
            render_offline(offline, files.sources()).print()
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
