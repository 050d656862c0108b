"""`assume cache list` and `assume cache clear [TARGET...]`."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import click

from assume.errors import AssumeError, CacheUnavailableError
from assume.interfaces import CredentialCache
from assume.output import duration_text, table


@click.group("cache")
def cache_group() -> None:
    """Show or clear the cached sessions (OS keyring or kernel keyring: ASSUME_CACHE_BACKEND).

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

    stderr names the cache backend in use (ASSUME_CACHE_BACKEND): `Cache backend: NAME`, or
    with nothing cached, `No cached sessions (cache backend: NAME).`

    \b
    Examples:
      assume cache list
      assume cache list --json | jq -r '.[] | select(.seconds_left > 600) | .role'
    """
    from assume.cache_backend import describe, select

    cache = select()
    name = describe(cache)
    now = time.time()
    records: list[dict[str, object]] = []
    rows: list[list[str]] = []
    for entry in sorted(_entries(cache).values(), key=lambda e: str(e.get("role"))):
        target, role = str(entry.get("profile") or entry.get("role")), str(entry.get("role"))
        source, expires = str(entry.get("source")), entry.get("expires")
        epoch = int(expires) if isinstance(expires, (int, float)) else None
        left = None if epoch is None else max(0, int(epoch - now))
        records.append({"target": target, "role": role, "source": source,
                        "expires": _iso(epoch), "expires_epoch": epoch, "seconds_left": left})
        rows.append([target, role, source, duration_text(left)])
    if not rows and not as_json:
        click.echo(f"No cached sessions (cache backend: {name}).", err=True)
        return
    click.echo(f"Cache backend: {name}", err=True)
    if as_json:
        click.echo(json.dumps(records, indent=2))
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
    from assume.cache_backend import select
    from assume.config import Request, resolve

    cache = select()
    if targets:
        from assume.provider import Provider

        plan = resolve(Request(targets=targets, profile=profile))
        plan = Provider(cache).resolve_source(plan)  # the sessions of who the source is now
        keys = plan.cache_keys()
    else:
        keys = list(_entries(cache))  # where the store can search, what it holds
    for key in keys:
        _delete(cache, key)
    click.echo(f"Cleared {len(keys)} cached session(s).", err=True)


def _entries(cache: CredentialCache) -> dict[str, dict[str, object]]:
    """The cache's entries; an unusable store lists nothing, with one warning."""
    try:
        return cache.entries()
    except CacheUnavailableError as exc:
        click.echo(f"warning: cache unavailable ({exc}).", err=True)
        return {}


def _delete(cache: CredentialCache, key: str) -> None:
    try:
        cache.delete(key)
    except CacheUnavailableError as exc:
        raise AssumeError(f"Cannot clear the cache: the keyring is unavailable ({exc}).") from None


commands: list[click.Command] = [cache_group]
