"""PowerShell's dialect of ``make shells`` (tools/gen_shells.py): how the
generated blocks of envwrap.ps1 are written from the command table (the
commands, their argument completers and options, and ``__envwrap_call`` with
the variables it adds for the backend). A development tool: nothing at run time
imports it, and the wheel leaves it out (pyproject.toml).

Each maker takes the generator (``gen``: the table, the options each command's
parser defines) and returns the block's text.
"""

from __future__ import annotations

from envwrap.cli import table as t

CALL_NOTE = "made by `make shells` from envwrap/shells/powershell/generate.py; edit it there"


# Completion kind -> the parameter that carries the first argument, which
# Register-ArgumentCompleter completes.
PARAMETERS = {t.NAMES: "EnvName", t.FIRST_NAME: "EnvName", t.NAME_THEN_FILES: "EnvName",
                 t.SUBDIRS: "SubDir", t.SITE_SUBDIRS: "SubDir"}


def commands(gen) -> str:
    blocks = []
    for c in gen.generated_commands():
        runner = "__envwrap_run" if c.kind == t.EVAL else "__envwrap_call"
        parameter = PARAMETERS.get(c.completes)
        if parameter is None:
            blocks.append(f"function global:{c.name} {{\n    {runner} {c.name} @args\n}}")
            continue
        blocks.append(
            f"function global:{c.name} {{\n"
            f"    param([string]${parameter})\n"
            "    $argv = @($args)\n"
            f"    if ($PSBoundParameters.ContainsKey('{parameter}')) {{\n"
            f"        $argv = @(${parameter}) + $argv\n"
            "    }\n"
            f"    {runner} {c.name} @argv\n"
            "}")
    return "\n\n".join(blocks)


def _list(words) -> str:
    return "@(" + ", ".join(f"'{w}'" for w in words) + ")"


def _register(parameter: str, names: list[str], call: str) -> str:
    return (f"Register-ArgumentCompleter -ParameterName {parameter} -CommandName {_list(names)} -ScriptBlock {{\n"
            "    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)\n"
            f"    {call}\n"
            "}")


def completion(gen) -> str:
    names = [c.name for c in t.COMMANDS if PARAMETERS.get(c.completes) == "EnvName"]
    parts = [
        _register("EnvName", names, "__envwrap_offer $wordToComplete (__envwrap_names)"),
        _register("SubDir", gen.commands_with(t.SUBDIRS), "__envwrap_complete_subdirs $wordToComplete"),
        _register("SubDir", gen.commands_with(t.SITE_SUBDIRS), "__envwrap_complete_subdirs $wordToComplete -Site"),
        # -p VERSION: these functions declare no parameter (PowerShell would bind a
        # declared one to their first argument), so the completer is a native one,
        # which sees the whole line.
        f"Register-ArgumentCompleter -Native -CommandName {_list(gen.commands_with(t.PYTHON))} -ScriptBlock {{\n"
        "    param($wordToComplete, $commandAst, $cursorPosition)\n"
        "    __envwrap_complete_python $wordToComplete $commandAst $cursorPosition\n"
        "}",
        "# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb\n"
        "# takes one (first argument; every argument for rm and upgrade).\n"
        f"$global:__envwrap_verbs = {_list(t.PUBLIC_VERBS)}\n"
        f"$global:__envwrap_name_verbs = {_list(gen.name_verbs())}\n"
        f"$global:__envwrap_names_verbs = {_list(gen.names_verbs())}",
    ]
    return "\n\n".join(parts)


# What PowerShell's __envwrap_call adds to the environment the backend inherits
# (the user's settings are environment variables there, passed as they are):
# variable -> PowerShell expression. ENVWRAP_SORT is the shell's listing order.
def _call_variables() -> dict[str, str]:
    from envwrap import shells

    order = shells.get("powershell").listing_order
    return {"ENVWRAP_LOADS": "[string]$global:__envwrap_loads",
            "ENVWRAP_SORT": f"'{order}'",
            "ENVWRAP_SHELL_PID": "[string]$PID",
            "PYTHONIOENCODING": "'utf-8'"}


def call(gen) -> str:
    """__envwrap_call: each variable of _call_variables set for the call and
    put back after it, and the backend's output read as UTF-8."""
    variables = _call_variables()
    old = {name: f"$old_{name}" for name in variables}
    return "\n".join([
        "function global:__envwrap_call {",
        "    Set-StrictMode -Off",
        "    $PSNativeCommandUseErrorActionPreference = $false",
        "    $exe = $global:__envwrap_exe",
        "    if (-not $exe) {",
        "        $found = Get-Command -Name envwrap -CommandType Application -ErrorAction SilentlyContinue |",
        "            Select-Object -First 1",
        "        if ($null -eq $found) {",
        "            $Host.UI.WriteErrorLine("
        "'envwrap: cannot find the envwrap command; install envwrap and load it again')",
        "            $global:LASTEXITCODE = 127",
        "            return",
        "        }",
        "        $exe = $found.Path",
        "    }",
        *(f"    {old[name]} = [Environment]::GetEnvironmentVariable('{name}')" for name in variables),
        "    $oldEncoding = $null",
        "    try {",
        "        $oldEncoding = [Console]::OutputEncoding",
        "        [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding -ArgumentList $false",
        "    } catch {",
        "        $oldEncoding = $null",
        "    }",
        "    try {",
        *(f"        $env:{name} = {value}" for name, value in variables.items()),
        "        & $exe @args",
        "    } finally {",
        *(f"        $env:{name} = {old[name]}" for name in variables),
        "        if ($null -ne $oldEncoding) {",
        "            try {",
        "                [Console]::OutputEncoding = $oldEncoding",
        "            } catch {",
        "            }",
        "        }",
        "    }",
        "}",
    ])


def options(gen) -> str:
    """Each command's options, and a completer that offers them for a word that
    starts with '-' (the words PowerShell's own parameter binding leaves alone:
    these functions declare at most one parameter)."""
    rows = [(c.name, gen.command_options(c.name)) for c in gen.option_commands()]
    rows += [(f"envwrap {verb}", gen.verb_options(verb)) for verb in t.PUBLIC_VERBS]
    table = "\n".join(f"    '{key}' = {_list(w for o in options for w in o.words)}" for key, options in rows)
    names = [c.name for c in gen.option_commands()]
    return (
        "# Every command's options, read from the parser the command builds in the\n"
        "# backend; 'envwrap VERB' holds those of envwrap VERB.\n"
        f"$global:__envwrap_options = @{{\n{table}\n}}\n"
        "\n"
        "# The options of COMMAND (of envwrap VERB with -Verb) that start with what was typed.\n"
        "function global:__envwrap_complete_options {\n"
        "    param([string]$Command, [string]$Typed, [string]$Verb)\n"
        "    Set-StrictMode -Off\n"
        "    $key = $Command\n"
        "    if ($Verb) {\n"
        "        $key = $Command + ' ' + $Verb\n"
        "    }\n"
        "    foreach ($word in @($global:__envwrap_options[$key])) {\n"
        "        if ($word -and $word.StartsWith($Typed, [StringComparison]::Ordinal)) {\n"
        "            [System.Management.Automation.CompletionResult]::new($word, $word, 'ParameterName', $word)\n"
        "        }\n"
        "    }\n"
        "}\n"
        "\n"
        "# TAB on a word that starts with '-': the command's options (allvirtualenv's\n"
        "# before its command only). Other words keep their completers (EnvName, SubDir,\n"
        "# file names).\n"
        f"Register-ArgumentCompleter -Native -CommandName {_list(names)} -ScriptBlock {{\n"
        "    param($wordToComplete, $commandAst, $cursorPosition)\n"
        "    $typed = [string]$wordToComplete\n"
        "    if (-not $typed.StartsWith('-')) {\n"
        "        return\n"
        "    }\n"
        "    $command = [string]$commandAst.GetCommandName()\n"
        "    $before = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition })\n"
        "    if ($command -eq 'allvirtualenv' -and $before.Count -gt 1) {\n"
        "        return\n"
        "    }\n"
        "    __envwrap_complete_options $command $typed\n"
        "}"
    )


# Block -> (its maker, the note the block starts with; None: the table's).
BLOCKS = {
    "call": (call, CALL_NOTE),
    "commands": (commands, None),
    "completion": (completion, None),
    "options": (options, "options"),
}
