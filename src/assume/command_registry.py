"""Attach the subcommands that live in their own modules to the main click group."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add every feature's commands; each module exposes `commands: list[click.Command]`."""
    from assume.commands import (
        cache_cmd,
        configure_cmd,
        explain_cmd,
        info_cmd,
        server_cmd,
        shell_cmd,
    )

    modules = (cache_cmd, info_cmd, configure_cmd, shell_cmd, explain_cmd, server_cmd)
    for module in modules:
        for command in module.commands:
            if command.name not in group.commands:
                group.add_command(command)
