"""`assume cache list` and `assume cache clear [TARGET...]`."""

from __future__ import annotations

import time

import click

from assume.output import duration_text, table


@click.group("cache")
def cache_group() -> None:
    """Show or clear the sessions cached in the OS keyring.

    \b
    Examples:
      assume cache list
      assume cache clear Role-A
      assume cache clear
    """


@cache_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def cache_list(as_json: bool) -> None:
    """List cached sessions: role, source and time left. Never shows a secret.

    \b
    Examples:
      assume cache list
      assume cache list --json | jq -r '.[].role'
    """
    from assume.cache import KeyringCache

    now = time.time()
    rows = []
    for entry in sorted(KeyringCache().entries().values(), key=lambda e: str(e.get("role"))):
        expires = entry.get("expires")
        left = float(expires) - now if isinstance(expires, (int, float)) else None
        rows.append([
            str(entry.get("profile") or entry.get("role")),
            str(entry.get("role")),
            str(entry.get("source")),
            duration_text(left),
        ])
    table("Cached sessions", ["Target", "Role", "Source", "Expires in"], rows, as_json=as_json)


@cache_group.command("clear")
@click.argument("targets", nargs=-1, metavar="[TARGET...]")
@click.option("--profile", "-p", help="Source profile, as given when the session was made.")
def cache_clear(targets: tuple[str, ...], profile: str | None) -> None:
    """Remove cached sessions: every hop of TARGET's chain, or all of them.

    \b
    Examples:
      assume cache clear Role-A
      assume cache clear arn:aws:iam::123456789012:role/Admin --profile alice
      assume cache clear
    """
    from assume.cache import KeyringCache
    from assume.config import Request, resolve

    cache = KeyringCache()
    if targets:
        from assume.provider import Provider

        plan = resolve(Request(targets=targets, profile=profile))
        plan, _ = Provider(cache).resolve_source(plan)  # the sessions of who the source is now
        keys = plan.cache_keys()
    else:
        keys = sorted(cache.keys())  # the index, and what searching the keyring finds
    for key in keys:
        cache.delete(key)
    click.echo(f"Cleared {len(keys)} cached session(s).", err=True)


commands: list[click.Command] = [cache_group]
