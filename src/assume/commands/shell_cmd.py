"""`assume shell-init SHELL`: a shell function `assume` that changes the shell it runs in.

The role-assuming form (`assume TARGET...`, `assume --unset`) runs
`command assume --format <this shell's> ...`, captures stdout, and evaluates it only when the
exit code is 0 and every line is one of assume's own export/unset lines (anything else is
printed, as without the function); on error the shell's variables stay as they were.
Subcommands, help, version, --dry-run, an explicit --format, and use inside a command
substitution (`eval "$(assume Role-A)"`) run the real command unchanged.
"""

from __future__ import annotations

import click

from assume.commands_names import SUBCOMMANDS

SHELLS = ("bash", "zsh", "fish", "powershell")
# First words that always go straight to the real command.
PASS_FIRST = ("-h", "--help", "--version")

# The templates are raw strings: what is written here is what the shell reads.
_POSIX = r"""assume() {{
  case "${{1-}}" in
    ''|{first})
      command assume "$@"
      return
      ;;
  esac
  local __assume_arg
  for __assume_arg in "$@"; do
    case "$__assume_arg" in
      -h|--help|--dry-run|--format|--format=*|-f*)
        command assume "$@"
        return
        ;;
    esac
  done
  if [ "${{{subshell}:-0}}" -gt 0 ] && [ ! -t 1 ]; then
    command assume "$@"
    return
  fi
  # The whole output must be export/unset lines; matched in memory (a here-string could be
  # a temp file, and this text holds the secret).
  local __assume_out __assume_rc
  local __assume_line="(export AWS_[A-Z_]+='([^']|'\\\\'')*'|unset( AWS_[A-Z_]+)+)"
  local __assume_re="^${{__assume_line}}("$'\n'"${{__assume_line}})*\$"
  __assume_out="$(command assume --format sh "$@")"
  __assume_rc=$?
  if [ "$__assume_rc" -eq 0 ] && [[ $__assume_out =~ $__assume_re ]]; then
    eval "$__assume_out"
    __assume_remember "$@"
    return 0
  fi
  [ -z "$__assume_out" ] || printf '%s\n' "$__assume_out"
  return "$__assume_rc"
}}
"""

_FISH = r"""function assume --description 'Assume an AWS role in this shell'
    if test (count $argv) -eq 0; or contains -- $argv[1] {first}
        command assume $argv
        return
    end
    for arg in $argv
        switch $arg
            case -h --help --dry-run --format '--format=*' '-f*'
                command assume $argv
                return
        end
    end
    if status is-command-substitution; and not isatty stdout
        command assume $argv
        return
    end
    set -l out (command assume --format fish $argv)
    set -l rc $status
    set -l own "^(set -gx AWS_[A-Z_]+ '([^'\\\\]|\\\\.)*'|set -e AWS_[A-Z_]+(; or true)?)\$"
    if test $rc -ne 0; or string match -qvr -- $own $out
        test (count $out) -eq 0; or printf '%s\n' $out
        return $rc
    end
    printf '%s\n' $out | source
    __assume_remember $argv
    return 0
end
"""

# The prompt hook (bash and zsh): far from expiry it compares two integers, no process. The
# expiry is parsed once per new AWS_CREDENTIAL_EXPIRATION value, in shell arithmetic.
# @NOW@ sets __assume_now to the epoch; @M@ is the regex match array; @LOCAL@ resets zsh options.
_POSIX_HOOK = r"""__assume_remember() {
  # What the prompt hook re-runs: this successful `assume ARGS...`, less one-time options.
  @LOCAL@
  _ASSUME_LAST= _ASSUME_SEEN= _ASSUME_REFRESH_AT= _ASSUME_FAILED=
  _ASSUME_KEY=${AWS_ACCESS_KEY_ID-}
  local __assume_arg __assume_skip=
  for __assume_arg in "$@"; do
    if [ -n "$__assume_skip" ]; then
      __assume_skip=
      continue
    fi
    case "$__assume_arg" in
      --unset) _ASSUME_LAST=; return 0 ;;
      --refresh|--mfa-token=*) ;;
      --mfa-token) __assume_skip=1 ;;
      *) printf -v __assume_arg '%q' "$__assume_arg"; _ASSUME_LAST="$_ASSUME_LAST$__assume_arg " ;;
    esac
  done
}
__assume_schedule() {
  # _ASSUME_REFRESH_AT: the expiry (UTC ISO 8601) less the refresh window, as epoch seconds.
  @LOCAL@
  _ASSUME_SEEN=${AWS_CREDENTIAL_EXPIRATION-} _ASSUME_REFRESH_AT=
  local __assume_re='^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})'
  __assume_re+='(\.[0-9]+)?(Z|([+-])([0-9]{2}):?([0-9]{2}))$'
  [[ $_ASSUME_SEEN =~ $__assume_re ]] || return 0
  local -i y=$((10#${@M@[1]})) m=$((10#${@M@[2]})) d=$((10#${@M@[3]}))
  local -i s=$((10#${@M@[4]} * 3600 + 10#${@M@[5]} * 60 + 10#${@M@[6]})) off=0 window
  if [ -n "${@M@[9]}" ]; then
    off=$((10#${@M@[10]} * 3600 + 10#${@M@[11]} * 60))
    if [ "${@M@[9]}" = + ]; then s=$((s - off)); else s=$((s + off)); fi
  fi
  if [ "$m" -le 2 ]; then y=$((y - 1)); fi
  local -i expires=$(( (365 * y + y / 4 - y / 100 + y / 400
    + (153 * ((m + 9) % 12) + 2) / 5 + d - 1 - 719468) * 86400 + s ))
  if [[ ${ASSUME_REFRESH_WINDOW-} =~ ^[0-9]+$ ]]; then
    window=$((10#$ASSUME_REFRESH_WINDOW))
  else  # as the cache does: 15 minutes, or half a short session, but 10 minutes at least
    window=$(( (expires - $1) / 2 ))
    if [ "$window" -lt 600 ]; then window=600; fi
    if [ "$window" -gt 900 ]; then window=900; fi
  fi
  _ASSUME_REFRESH_AT=$((expires - window))
}
__assume_prompt_hook() {
  local __assume_rc=$?
  if [ "${ASSUME_AUTO_REFRESH:-1}" != 0 ] && [ -n "${_ASSUME_LAST-}" ] &&
    [ -n "${AWS_CREDENTIAL_EXPIRATION-}" ] && [ "${AWS_ACCESS_KEY_ID-}" = "${_ASSUME_KEY-}" ]
  then
    local __assume_now
    @NOW@
    if [ "$AWS_CREDENTIAL_EXPIRATION" != "${_ASSUME_SEEN-}" ]; then
      __assume_schedule "$__assume_now"
    fi
    if [ -n "${_ASSUME_REFRESH_AT-}" ] && [ "$__assume_now" -ge "$_ASSUME_REFRESH_AT" ] &&
      [ "$AWS_CREDENTIAL_EXPIRATION" != "${_ASSUME_FAILED-}" ]; then
      local __assume_tried=$AWS_CREDENTIAL_EXPIRATION
      eval "set -- $_ASSUME_LAST"
      # Never prompts; on failure assume's one error line stays, and no retry for this expiry.
      ASSUME_NO_TTY=1 assume "$@" || _ASSUME_FAILED=$__assume_tried
    fi
  fi
  return $__assume_rc
}
"""

_BASH_INSTALL = r"""case ";${PROMPT_COMMAND-};" in
  *";__assume_prompt_hook;"*) ;;
  *) PROMPT_COMMAND="__assume_prompt_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
"""

_ZSH_INSTALL = r"""zmodload zsh/datetime 2>/dev/null
autoload -Uz add-zsh-hook && add-zsh-hook precmd __assume_prompt_hook
"""

# fish has no clock builtin: /proc/uptime read by the `read` builtin is one (no process);
# elsewhere `date` runs. Unmatched regex groups vanish in fish, so fixed positions are parsed.
_FISH_HOOK = r"""function __assume_remember --description 'Remember what the prompt hook re-runs'
    set -g _assume_last
    set -g _assume_seen
    set -g _assume_failed
    set -g _assume_key $AWS_ACCESS_KEY_ID
    set -l skip 0
    for arg in $argv
        if test $skip = 1
            set skip 0
            continue
        end
        switch $arg
            case --unset
                set -g _assume_last
                return 0
            case --refresh '--mfa-token=*'
            case --mfa-token
                set skip 1
            case '*'
                set -ga _assume_last $arg
        end
    end
end
function __assume_clock --description 'Whole seconds on a clock read without a process'
    if test -r /proc/uptime; and read -l up </proc/uptime
        string split -f1 . -- $up
    else
        date +%s
    end
end
function __assume_schedule --description 'When the prompt hook refreshes, on __assume_clock'
    set -g _assume_seen $AWS_CREDENTIAL_EXPIRATION
    set -g _assume_refresh_at
    set -l iso $AWS_CREDENTIAL_EXPIRATION
    set -l re '^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)$'
    string match -qr -- $re $iso; or return 0
    set -l f (string replace -r -- $re '$1 $2 $3 $4 $5 $6 $7' $iso | string split ' ')
    set -l y (math $f[1])
    set -l m (math $f[2])
    set -l s (math "$f[4] * 3600 + $f[5] * 60 + $f[6]")
    if test $f[7] != Z
        set -l zone (string replace ':' '' -- $f[7])
        set -l off (math (string sub -s 2 -l 2 -- $zone) \* 3600 + (string sub -s 4 -- $zone) \* 60)
        if test (string sub -l 1 -- $zone) = +
            set s (math $s - $off)
        else
            set s (math $s + $off)
        end
    end
    test $m -le 2; and set y (math $y - 1)
    set -l days (math "365 * $y + floor($y / 4) - floor($y / 100) + floor($y / 400)" \
        + "floor((153 * (($m + 9) % 12) + 2) / 5) + $f[3] - 1 - 719468")
    set -l left (math "$days * 86400 + $s - "(date +%s))
    set -l window 0
    if string match -qr '^\d+$' -- "$ASSUME_REFRESH_WINDOW"
        set window $ASSUME_REFRESH_WINDOW
    else  # as the cache does: 15 minutes, or half a short session, but 10 minutes at least
        set window (math "min(900, max(600, floor($left / 2)))")
    end
    set -g _assume_refresh_at (math (__assume_clock) + $left - $window)
end
function __assume_prompt_hook --on-event fish_prompt --description 'Refresh near expiry'
    test "$ASSUME_AUTO_REFRESH" = 0; and return 0
    set -q _assume_last[1]; and set -q AWS_CREDENTIAL_EXPIRATION; or return 0
    test "$AWS_ACCESS_KEY_ID" = "$_assume_key"; or return 0
    if test "$AWS_CREDENTIAL_EXPIRATION" != "$_assume_seen"
        __assume_schedule
    end
    set -q _assume_refresh_at[1]; or return 0
    test (__assume_clock) -ge $_assume_refresh_at; or return 0
    test "$AWS_CREDENTIAL_EXPIRATION" != "$_assume_failed"; or return 0
    set -l tried $AWS_CREDENTIAL_EXPIRATION
    # Never prompts; on failure assume's one error line stays, and no retry for this expiry.
    ASSUME_NO_TTY=1 assume $_assume_last; or set -g _assume_failed $tried
end
"""

_POWERSHELL = r"""function assume {{
    $exe = Get-Command -Name assume -CommandType Application -ErrorAction Stop |
        Select-Object -First 1
    $passThrough = ($args.Count -eq 0) -or (@({first}) -ccontains [string]$args[0])
    foreach ($arg in $args) {{
        if ([string]$arg -cmatch '^(-h|--help|--dry-run|--format|--format=.*|-f.*)$') {{
            $passThrough = $true
        }}
    }}
    if ($passThrough -or $MyInvocation.PipelinePosition -lt $MyInvocation.PipelineLength) {{
        & $exe @args
        return
    }}
    $out = @(& $exe --format powershell @args)
    $own = '^(\$Env:AWS_[A-Z_]+ = ''.*''|' +
        'Remove-Item Env:AWS_[A-Z_]+ -ErrorAction SilentlyContinue)$'
    $other = @($out | Where-Object {{ [string]$_ -cnotmatch $own }})
    if ($LASTEXITCODE -eq 0 -and $out.Count -gt 0 -and $other.Count -eq 0) {{
        Invoke-Expression ($out -join [Environment]::NewLine)
    }} else {{
        $out
    }}
}}
"""


def function_source(shell: str) -> str:
    """The function definition for `shell`."""
    first = sorted(SUBCOMMANDS) + list(PASS_FIRST)
    if shell == "fish":
        body = _FISH.format(first=" ".join(first)) + _FISH_HOOK
    elif shell == "powershell":
        body = _POWERSHELL.format(first=", ".join(f"'{word}'" for word in first))
    else:
        subshell = "BASH_SUBSHELL" if shell == "bash" else "ZSH_SUBSHELL"
        body = _POSIX.format(first="|".join(first), subshell=subshell) + _posix_hook(shell)
    label = "PowerShell" if shell == "powershell" else shell
    return (f"# assume shell integration ({label}): `assume TARGET...` and `assume --unset`"
            f" change this shell.\n{body}")


def _posix_hook(shell: str) -> str:
    """The prompt hook's functions and their installation, for bash or zsh."""
    if shell == "bash":
        now, match, local, install = ("printf -v __assume_now '%(%s)T' -1", "BASH_REMATCH",
                                      "", _BASH_INSTALL)
    else:
        now, match, local, install = ('__assume_now=${EPOCHSECONDS:-$(date +%s)}', "match",
                                      "emulate -L zsh", _ZSH_INSTALL)
    hook = _POSIX_HOOK.replace("@NOW@", now).replace("@M@", match)
    hook = hook.replace("  @LOCAL@\n", f"  {local}\n" if local else "")
    return hook + install


@click.command("shell-init")
@click.argument("shell", type=click.Choice(SHELLS))
def shell_init(shell: str) -> None:
    """Print a shell function so that `assume TARGET` changes the current shell, no eval.

    Load it from your shell's startup file. Then `assume Role-A` sets the credentials in that
    shell and `assume --unset` clears them; subcommands, --help and an explicit --format work
    as without the function. On error nothing changes and the exit code is assume's.

    \b
    Examples:
      eval "$(assume shell-init bash)"                  # in ~/.bashrc
      eval "$(assume shell-init zsh)"                   # in ~/.zshrc
      assume shell-init fish | source                   # in ~/.config/fish/config.fish
      assume shell-init powershell | Out-String | Invoke-Expression   # in $PROFILE
    """
    click.echo(function_source(shell), nl=False)


commands: list[click.Command] = [shell_init]
