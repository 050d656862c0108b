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
    return 0
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
        body = _FISH.format(first=" ".join(first))
    elif shell == "powershell":
        body = _POWERSHELL.format(first=", ".join(f"'{word}'" for word in first))
    else:
        subshell = "BASH_SUBSHELL" if shell == "bash" else "ZSH_SUBSHELL"
        body = _POSIX.format(first="|".join(first), subshell=subshell)
    label = "PowerShell" if shell == "powershell" else shell
    return (f"# assume shell integration ({label}): `assume TARGET...` and `assume --unset`"
            f" change this shell.\n{body}")


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
