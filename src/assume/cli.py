"""The click commands: parse, build a request, call the core, render.

The only place that turns errors into exit codes (0 ok, 1 request failed, 2 bad input).
stdout carries data only; everything for people goes to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from assume import __version__
from assume.commands.shared import build_request, make_provider, obtain, session_options
from assume.commands_names import SUBCOMMANDS
from assume.config import resolve
from assume.errors import AssumeError, CacheUnavailableError, InputError
from assume.formats import FORMATS, environment, render, render_unset
from assume.output import printable

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

DEFAULT_COMMAND = "assume"
USE_HINTS = {  # shown when shell lines are printed to a terminal instead of being evaluated
    "sh": 'eval "$(assume ...)"',
    "fish": "assume ... | source",
    "powershell": "assume ... | Invoke-Expression",
}


# main() takes --debug out of argv before click parses anything, so it works with every command;
# this option only lists it in the help and offers it to shell completion.
debug_option = click.option(
    "--debug", is_flag=True, expose_value=False,
    help="Log each step (hop, source, endpoint) on stderr, never a secret; any command "
         "takes it (or ASSUME_DEBUG=1).",
)


class AssumeGroup(click.Group):
    """`assume TARGET...` runs the default command; known names run subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h", "--version"):
            args = [DEFAULT_COMMAND, *args]
        elif not args and not ctx.resilient_parsing:  # shell completion parses resiliently
            args = ["--help"]
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Subcommands and global options, plus what `assume TARGET...` takes at that point."""
        items = super().shell_complete(ctx, incomplete)
        default = self.commands.get(DEFAULT_COMMAND)
        if default is not None:
            with default.make_context(DEFAULT_COMMAND, [], parent=ctx,
                                      resilient_parsing=True) as sub_ctx:
                if incomplete.startswith("-"):
                    items += default.shell_complete(sub_ctx, incomplete)
                else:
                    for param in default.get_params(sub_ctx):
                        if isinstance(param, click.Argument):
                            items += param.shell_complete(sub_ctx, incomplete)
        unique: dict[str, CompletionItem] = {}
        for item in items:
            unique.setdefault(item.value, item)  # -h/--help belong to both
        return list(unique.values())


@click.group(
    cls=AssumeGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Options for assuming a role: assume TARGET --help",
)
@click.version_option(__version__, "--version", prog_name="assume", message="%(prog)s %(version)s")
@debug_option
def cli() -> None:
    """Assume AWS IAM roles and hand the credentials to your shell, SDKs and scripts.

    \b
    Examples:
      eval "$(assume Role-A)"                  # bash/zsh: become Role-A
      assume Role-A | source                   # fish
      assume hub 222222222222:Deploy           # hop: hub, then Deploy in another account
      assume Role-A --format credential-process
      assume exec Role-A -- aws s3 ls
      eval "$(assume shell-init bash)"         # ~/.bashrc: then `assume Role-A` needs no eval
      assume configure Role-A --profile role-a # then: aws s3 ls --profile role-a
    """


class DefaultCommand(click.Command):
    """The hidden default command; its usage line reads `assume [OPTIONS] TARGET...`."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        prog = ctx.parent.info_name if ctx.parent and ctx.parent.info_name else "assume"
        formatter.write_usage(prog, " ".join(self.collect_usage_pieces(ctx)))


@cli.command(DEFAULT_COMMAND, cls=DefaultCommand, hidden=True)
@session_options
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS),
              help="Output format (default: the surrounding shell's).")
@click.option("--unset", is_flag=True, help="Print the lines that remove assume's variables.")
@click.option("--dry-run", is_flag=True,
              help="Print the planned chain (each hop, its source, cached until) and stop.")
@debug_option
def assume_command(fmt: str | None, unset: bool, dry_run: bool, **params: Any) -> None:
    """Assume TARGET (a chain when several) and print the credentials.

    \b
    TARGET is a profile with role_arn, a role ARN, ACCOUNT:ROLE_NAME, or a role name
    in the source account. Several TARGETs are assumed left to right.

    \b
    Examples:
      eval "$(assume Role-A)"
      eval "$(assume --unset)"
      assume arn:aws:iam::123456789012:role/Admin --duration 7200 --format json
      assume Role-B --dry-run
    """
    from assume.shell import detect_format

    if dry_run:
        print_plan(params)
        return
    fmt = fmt or detect_format()
    if unset:
        if params["targets"]:
            raise InputError("--unset takes no TARGET.")
        click.echo(render_unset(fmt), nl=False)
        return
    plan, credentials = obtain(params)
    output = render(credentials, plan.region, fmt)
    if sys.stdout.isatty() and fmt in USE_HINTS:
        click.echo(f"hint: to use these in this shell, run: {USE_HINTS[fmt]} "
                   f"(or once: assume shell-init --help)", err=True)
    click.echo(output, nl=False)


def print_plan(params: dict[str, Any]) -> None:
    """The chain that would run: each hop, its source and whether the cache holds it."""
    from assume.models import MFA_SESSION_HOP
    from assume.output import table

    plan = resolve(build_request(params))
    for note in (*plan.notes, *(f"note: {hint}" for hint in plan.hints)):
        click.echo(printable(note), err=True)
    provider = make_provider(params, plan)
    rows = []
    previous = plan.source.label
    for index, (hop, _, cached) in enumerate(provider.status(plan), start=1):
        call = "GetSessionToken" if hop.kind == MFA_SESSION_HOP else "AssumeRole"
        target = hop.label + (" (account of the source)" if hop.is_bare_name else "")
        state = f"cached until {cached.expiration_iso}" if cached and cached.expiration_iso \
            else "cached" if cached else "STS call needed"
        if params["refresh"] and index == len(plan.hops):
            state = "STS call needed (--refresh)"
        elif plan.source.needs_resolving:
            state = f"unknown until {plan.source.label} is resolved"
        rows.append([str(index), call, target, previous, state])
        previous = hop.label
    table("Planned chain", ["Hop", "Call", "Target", "Source", "Cache"], rows)


class ExecCommand(click.Command):
    """Splits `TARGET... -- COMMAND ARGS...` before click sees the arguments."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            split = args.index("--")
            ctx.meta["exec_command"] = args[split + 1 :]
            args = args[:split]
        else:
            ctx.meta["exec_command"] = []
        return super().parse_args(ctx, args)


@cli.command("exec", cls=ExecCommand)
@session_options
@click.option("--server", is_flag=True,
              help="Give COMMAND a local credentials endpoint that keeps refreshing, "
                   "instead of fixed keys (for work that outlives a session).")
@debug_option
@click.pass_context
def exec_command(ctx: click.Context, /, server: bool, **params: Any) -> None:
    """Run COMMAND with TARGET's credentials; exit with its exit code.

    \b
    Examples:
      assume exec Role-A -- aws sts get-caller-identity
      assume exec hub 222222222222:Deploy -- terraform apply
      assume exec --server hub Deploy -- terraform apply   # runs past the 1-hour cap
    """
    from assume.shell import run

    command = ctx.meta["exec_command"]
    if not command:
        raise InputError("No command given.", "Usage: assume exec TARGET... -- COMMAND [ARGS...]")
    if server:
        from assume.commands.server_cmd import exec_with_endpoint

        sys.exit(exec_with_endpoint(params, command))
    plan, credentials = obtain(params)
    sys.exit(run(command, environment(credentials, plan.region)))


def _extract_debug(argv: list[str]) -> tuple[list[str], bool]:
    """Remove --debug from anywhere before `--`, so it works with every command."""
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end] or os.environ.get("ASSUME_DEBUG", "") not in ("", "0")
    kept = [arg for arg in argv[:end] if arg != "--debug"] + argv[end:]
    return kept, debug


def _configure_logging(debug: bool) -> None:
    if not debug:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    logger = logging.getLogger("assume")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


MAX_ERROR_CHARS = 1000  # an error line that long has echoed something it should have cut


def _one_line(text: str) -> str:
    """The text as one line a terminal shows as is: whitespace folded, controls escaped."""
    line = printable(" ".join(text.split()))
    return line if len(line) <= MAX_ERROR_CHARS else line[:MAX_ERROR_CHARS] + "..."


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map every error to one line on stderr and an exit code."""
    from assume import command_registry

    command_registry.register(cli)
    args, debug = _extract_debug(sys.argv[1:] if argv is None else argv)
    _configure_logging(debug)
    try:
        cli.main(args=args, prog_name="assume", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("error: aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        hint = " See assume --help." if isinstance(exc, click.UsageError) else ""
        click.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
        sys.exit(exc.exit_code)
    except AssumeError as exc:
        if debug:
            logging.getLogger("assume").debug("error", exc_info=True)
        click.echo(f"error: {_one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except CacheUnavailableError as exc:
        click.echo(f"error: the keyring is unavailable: {_one_line(str(exc))}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("error: interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"error: unexpected {type(exc).__name__}: {_one_line(str(exc))} "
            "(run with --debug for details)",
            err=True,
        )
        sys.exit(1)
