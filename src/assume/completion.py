"""Values for shell completion that click cannot know: profile names from the AWS config."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from click.shell_completion import CompletionItem


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
