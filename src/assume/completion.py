"""Values for shell completion that click cannot know: profile names from the AWS config."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from click.shell_completion import CompletionItem, ShellComplete


def _profiles() -> dict[str, dict[str, str]]:
    from assume.config import AwsConfig
    from assume.errors import ConfigError

    try:
        return AwsConfig.load().profiles
    except ConfigError:
        return {}  # a broken config file must not turn TAB into an error message


def complete_targets(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Profiles that can be a TARGET (they have role_arn), with the role as their help."""
    from click.shell_completion import CompletionItem

    return [
        CompletionItem(name, help=settings["role_arn"])
        for name, settings in sorted(_profiles().items())
        if "role_arn" in settings and name.startswith(incomplete)
    ]


def complete_profiles(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Every profile in the config and credentials files."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(name) for name in sorted(_profiles()) if name.startswith(incomplete)]


_FISH_SOURCE = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \\
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split --max 1 "," -- $completion);

        if test "$metadata[1]" = "dir";
            __fish_complete_directories $metadata[2];
        else if test "$metadata[1]" = "file";
            __fish_complete_path $metadata[2];
        else if test "$metadata[1]" = "plain";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments \\
"(%(complete_func)s)";
"""


def _fish_complete_class() -> type[ShellComplete]:
    from click.shell_completion import FishComplete

    class AssumeFishComplete(FishComplete):
        """click's fish completion with one line per item: `type,value<TAB>help`.

        click 8.4.0-8.4.1 emit a fish script that splits on an unquoted newline, which breaks
        completion and runs each offered value as a command (pallets/click#3502, fixed in
        8.4.2 in this same form). Owning the template keeps the script the same on every click.
        """

        source_template = _FISH_SOURCE

        def format_completion(self, item: CompletionItem) -> str:
            value = " ".join(str(item.value).splitlines())
            if item.help:
                return f"{item.type},{value}\t{' '.join(item.help.split())}"
            return f"{item.type},{value}"

    return AssumeFishComplete


def register_shells() -> None:
    """Install the fish completion class above in click's registry (idempotent)."""
    from click.shell_completion import add_completion_class

    add_completion_class(_fish_complete_class(), "fish")
