"""The cache-hit path, run before click, boto3 or rich are imported.

`credential_process` runs `assume` on every `aws` command. When the command line is a plain
request (targets and --format/--profile/--region) and the keyring holds a fresh session, this
answers from the keyring and exits. On a miss it takes the session's single-flight lock at
once (waiting while another process refreshes it, then answering with that process's result)
and hands the lock to the full path, so a crowd of cold callers makes one STS call. Anything
else returns None and the full CLI takes over, so errors, prompts and help are always the full
path's.
"""

from __future__ import annotations

import os
import sys

from assume.formats import FORMATS

_VALUE_OPTIONS = {
    "--format": "format", "-f": "format", "--profile": "profile", "-p": "profile",
    "--region": "region", "-r": "region",
}


def parse(argv: list[str]) -> dict[str, object] | None:
    """Targets and the few options the fast path understands; None for anything else."""
    parsed: dict[str, object] = {"targets": []}
    args = iter(argv)
    for arg in args:
        name, sep, value = arg.partition("=")
        if name in _VALUE_OPTIONS:
            if not sep:
                value = next(args, "")
            if not value or _VALUE_OPTIONS[name] in parsed:
                return None
            parsed[_VALUE_OPTIONS[name]] = value
        elif arg.startswith("-"):
            return None
        else:
            parsed["targets"].append(arg)  # type: ignore[attr-defined]
    if not parsed["targets"] or parsed.get("format", "sh") not in FORMATS:
        return None
    return parsed


def run(argv: list[str]) -> int | None:
    """Print cached credentials and return 0, or None to hand over to the full CLI."""
    if os.environ.get("ASSUME_NO_FAST_PATH"):
        return None
    parsed = parse(argv)
    if parsed is None:
        return None
    from assume import commands_names

    if parsed["targets"][0] in commands_names.SUBCOMMANDS:  # type: ignore[index]
        return None
    try:
        from assume.cache import FastKeyringReader
        from assume.config import Request, resolve
        from assume.formats import render
        from assume.provider import Provider

        request = Request(
            targets=tuple(parsed["targets"]),  # type: ignore[arg-type]
            profile=parsed.get("profile"),  # type: ignore[arg-type]
            region=parsed.get("region"),  # type: ignore[arg-type]
        )
        plan = resolve(request, hints=sys.stderr.isatty())  # typo hints only for a person
        if plan.source.needs_resolving:
            return None  # whose credentials the SDK would find is unknown here: no key yet
        reader = FastKeyringReader()
        provider = Provider(reader)  # type: ignore[arg-type]
        credentials = provider.cached(plan)
        if credentials is None:
            if not reader.answered:
                return None  # the keyring could not say: the full path finds out why
            from assume.lock import HELD, UNAVAILABLE, claim_or_wait, release_taken

            key = plan.cache_keys()[-1]
            claim = claim_or_wait(key, bool(plan.hops[-1].mfa_serial))
            if claim == UNAVAILABLE:
                return None
            credentials = provider.cached(plan)  # what another process cached meanwhile
            if credentials is None:
                return None  # the full path refreshes (under the lock, when this one holds it)
            if claim == HELD:
                release_taken(key)
        fmt = parsed.get("format")
        if fmt is None:
            from assume.shell import detect_format

            fmt = detect_format()
        output = render(credentials, plan.region, str(fmt))
    except Exception:
        return None  # the full path will redo the work and report any error properly
    if plan.hints:  # a person is watching: say what TARGET was taken as
        sys.stderr.write("".join(f"note: {hint}\n" for hint in plan.hints))
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0
