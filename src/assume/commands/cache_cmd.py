"""`assume cache list` and `assume cache clear [TARGET...]`."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

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
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON for scripts (expiry as ISO 8601 and epoch, seconds left).")
def cache_list(as_json: bool) -> None:
    """List cached sessions: role, source and time left. Never shows a secret.

    \b
    Examples:
      assume cache list
      assume cache list --json | jq -r '.[] | select(.seconds_left > 600) | .role'
    """
    from assume.cache import KeyringCache

    now = time.time()
    records: list[dict[str, object]] = []
    rows: list[list[str]] = []
    for entry in sorted(KeyringCache().entries().values(), key=lambda e: str(e.get("role"))):
        target, role = str(entry.get("profile") or entry.get("role")), str(entry.get("role"))
        source, expires = str(entry.get("source")), entry.get("expires")
        epoch = int(expires) if isinstance(expires, (int, float)) else None
        left = None if epoch is None else max(0, int(epoch - now))
        records.append({"target": target, "role": role, "source": source,
                        "expires": _iso(epoch), "expires_epoch": epoch, "seconds_left": left})
        rows.append([target, role, source, duration_text(left)])
    if as_json:
        click.echo(json.dumps(records, indent=2))
    elif not rows:
        click.echo("No cached sessions.", err=True)
    else:
        table("Cached sessions", ["Target", "Role", "Source", "Expires in"], rows)


def _iso(epoch: int | None) -> str | None:
    """An epoch as UTC ISO 8601 with a `Z`, the form the credentials carry."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        plan = Provider(cache).resolve_source(plan)  # the sessions of who the source is now
        keys = plan.cache_keys()
    else:
        keys = sorted(cache.keys())  # the index, and what searching the keyring finds
    for key in keys:
        cache.delete(key)
    click.echo(f"Cleared {len(keys)} cached session(s).", err=True)


commands: list[click.Command] = [cache_group]
