# envwrap for PowerShell (Windows PowerShell 5.1 and PowerShell 7).
#
# Load it from your profile ($PROFILE) with either
#     envwrap init powershell | Out-String | Invoke-Expression
# or, with no Python at start-up, write it once and dot-source the file:
#     envwrap init powershell | Out-File -Encoding utf8 ~/envwrap.ps1    # in $PROFILE: . ~/envwrap.ps1
# `envwrap init` prepends $global:__envwrap_exe (the absolute path of the envwrap
# command) and the backend's answer for WORKON_HOME ($global:__envwrap_home, and
# where it came from in $global:__envwrap_home_src).
#
# Contract: every function here is thin. The backend decides; commands that must
# change this session print PowerShell code that is evaluated only when the
# backend exits 0. Private names start with __envwrap_. Settings are environment
# variables ($env:WORKON_HOME, $env:PROJECT_HOME, $env:VIRTUALENVWRAPPER_HOOK_DIR,
# ...), which the backend inherits. Every function is global, so loading from any
# scope works, and turns strict mode off for itself only.
#
# Sourced hooks (postactivate.ps1, predeactivate.ps1, postdeactivate.ps1,
# postmkvirtualenv.ps1, ...) run inside a function: state they keep must use
# $global: or $env:.
#
# Syntax is kept to what Windows PowerShell 5.1 parses: no ?? ?. ternaries or
# && || pipeline chains.

$global:__envwrap_loads = 1 + [int](Get-Variable -Name __envwrap_loads -Scope Global -ValueOnly -ErrorAction SilentlyContinue)

# Run the backend. It inherits the environment; ENVWRAP_LOADS is added, and
# ENVWRAP_SORT=ordinal (environments listed in the order of __envwrap_names), and
# its output is read as UTF-8 (Windows PowerShell would use the OEM code page).
# BEGIN generated: call
# (made by `make shells` from envwrap/shells/powershell/generate.py; edit it there)
function global:__envwrap_call {
    Set-StrictMode -Off
    $PSNativeCommandUseErrorActionPreference = $false
    $exe = $global:__envwrap_exe
    if (-not $exe) {
        $found = Get-Command -Name envwrap -CommandType Application -ErrorAction SilentlyContinue |
            Select-Object -First 1
        if ($null -eq $found) {
            $Host.UI.WriteErrorLine('envwrap: cannot find the envwrap command; install envwrap and load it again')
            $global:LASTEXITCODE = 127
            return
        }
        $exe = $found.Path
    }
    $old_ENVWRAP_LOADS = [Environment]::GetEnvironmentVariable('ENVWRAP_LOADS')
    $old_ENVWRAP_SORT = [Environment]::GetEnvironmentVariable('ENVWRAP_SORT')
    $old_ENVWRAP_SHELL_PID = [Environment]::GetEnvironmentVariable('ENVWRAP_SHELL_PID')
    $old_PYTHONIOENCODING = [Environment]::GetEnvironmentVariable('PYTHONIOENCODING')
    $oldEncoding = $null
    try {
        $oldEncoding = [Console]::OutputEncoding
        [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding -ArgumentList $false
    } catch {
        $oldEncoding = $null
    }
    try {
        $env:ENVWRAP_LOADS = [string]$global:__envwrap_loads
        $env:ENVWRAP_SORT = 'ordinal'
        $env:ENVWRAP_SHELL_PID = [string]$PID
        $env:PYTHONIOENCODING = 'utf-8'
        & $exe @args
    } finally {
        $env:ENVWRAP_LOADS = $old_ENVWRAP_LOADS
        $env:ENVWRAP_SORT = $old_ENVWRAP_SORT
        $env:ENVWRAP_SHELL_PID = $old_ENVWRAP_SHELL_PID
        $env:PYTHONIOENCODING = $old_PYTHONIOENCODING
        if ($null -ne $oldEncoding) {
            try {
                [Console]::OutputEncoding = $oldEncoding
            } catch {
            }
        }
    }
}
# END generated: call

# Tell the user something the way the backend tells everything: the backend
# prints it (one escaped line, envwrap: ...) on its stderr, and sets
# $LASTEXITCODE to Status. A native command's stderr follows the caller's
# redirection (2>$null, 2>file, 2>&1: PowerShell captures the stderr of every
# native command whose error stream is redirected, inside functions too), where
# $Host.UI.WriteErrorLine would write to the console whatever was redirected.
# Costs a process: used only where something already went wrong.
function global:__envwrap_say {
    param([int]$Status, [string]$Message)
    __envwrap_call say ([string]$Status) $Message
}

# Ask the backend for PowerShell code and evaluate it, only on success. The code
# calls the helpers below, which throw on failure: that ends the evaluation at
# the first step that fails.
function global:__envwrap_run {
    Set-StrictMode -Off
    $code = @(__envwrap_call sh powershell @args) -join "`n"
    if ($LASTEXITCODE -ne 0 -or -not $code.Trim()) {
        return
    }
    try {
        Invoke-Expression $code
    } catch {
        __envwrap_say 1 $_.Exception.Message
    }
}

# Dot-source a script into the caller's scope (call it as `. __envwrap_dot FILE`).
# A path with wildcard characters or their escape ([ ] * ? `) is read and run as
# a script block instead, because PowerShell resolves such a path as a pattern.
function global:__envwrap_dot {
    param([string]$__envwrap_file)
    if ($__envwrap_file.IndexOfAny([char[]]'[]*?`') -ge 0) {
        . ([scriptblock]::Create([IO.File]::ReadAllText($__envwrap_file)))
    } else {
        . $__envwrap_file
    }
}

# Source a hook file; a failure is reported, not fatal.
# A hook the backend refused at activation (__envwrap_hooks_refused: lines of
# FILE<TAB>MESSAGE; others can write it) is not sourced: its line is said instead.
function global:__envwrap_source {
    param([string]$__envwrap_hook)
    Set-StrictMode -Off
    foreach ($__envwrap_e in ([string]$global:__envwrap_hooks_refused -split "`n")) {
        $__envwrap_p = $__envwrap_e -split "`t", 2
        if ($__envwrap_p.Count -eq 2 -and $__envwrap_p[0] -ceq $__envwrap_hook) {
            $__envwrap_st = $global:LASTEXITCODE
            __envwrap_say 0 ($__envwrap_p[1] -replace '^envwrap: ', '')
            $global:LASTEXITCODE = $__envwrap_st
            return
        }
    }
    try {
        . __envwrap_dot $__envwrap_hook
    } catch {
        $__envwrap_st = $global:LASTEXITCODE
        __envwrap_say 0 ("hook $__envwrap_hook failed: " + $_.Exception.Message)
        $global:LASTEXITCODE = $__envwrap_st
    }
}

function global:__envwrap_cd {
    param([string]$Path)
    Set-Location -LiteralPath $Path -ErrorAction Stop
}

# The backend's answer for the WORKON_HOME used when the user sets none: the
# directory, and where it comes from (config or default); at load, the
# preamble's. Exported when it is in use, so that programs started from this
# session (editors) find the environments; never over one the user set.
# ENVWRAP_EXPORTED_HOME marks the value as envwrap's own.
function global:__envwrap_set_home {
    param([string]$Path, [string]$Source)
    Set-StrictMode -Off
    $global:__envwrap_home = $Path
    $global:__envwrap_home_src = $Source
    if ($Path -and -not $env:VIRTUALFISH_HOME -and
        (-not $env:WORKON_HOME -or $env:WORKON_HOME -ceq $env:ENVWRAP_EXPORTED_HOME)) {
        $env:WORKON_HOME = $Path
        $env:ENVWRAP_EXPORTED_HOME = $Path
    }
}

# The directory holding the environments, as the backend resolves it (no
# process): the user's WORKON_HOME (unless it is the value envwrap exported;
# else virtualfish's VIRTUALFISH_HOME), a relative one below $HOME; else the
# backend's answer (the config file's, or the default %USERPROFILE%\Envs).
function global:__envwrap_workon_home {
    Set-StrictMode -Off
    $h = $env:WORKON_HOME
    if (-not $h -or $h -ceq $env:ENVWRAP_EXPORTED_HOME) {
        $h = $env:VIRTUALFISH_HOME
    }
    if (-not $h) {
        return $global:__envwrap_home
    }
    if ($h -eq '~' -or $h.StartsWith('~/') -or $h.StartsWith('~\')) {
        $h = $HOME + $h.Substring(1)
    }
    [IO.Path]::Combine([string]$HOME, $h)  # $h itself when it is rooted
}

# Whether the environments' directory may be listed; says why not. Only when
# it is not a directory, the backend is asked (one process, as saying anything
# costs here): it creates a missing one, as virtualenvwrapper's commands do, and
# says so; one that is a file is an error it reports.
function global:__envwrap_home_ok {
    Set-StrictMode -Off
    $h = __envwrap_workon_home
    if (-not $h -or [IO.Directory]::Exists($h)) {
        return $true
    }
    __envwrap_call ls | Out-Null
    return ($LASTEXITCODE -eq 0)
}
__envwrap_set_home $global:__envwrap_home $global:__envwrap_home_src

# Environment names, sorted: a directory listing, no Python (none when
# WORKON_HOME is unset, missing or unreadable).
function global:__envwrap_names {
    Set-StrictMode -Off
    $found = New-Object System.Collections.Generic.List[string]
    try {
        foreach ($dir in [IO.Directory]::GetDirectories((__envwrap_workon_home))) {
            $name = [IO.Path]::GetFileName($dir)
            if (-not $name.StartsWith('.', 'Ordinal') -and [IO.File]::Exists([IO.Path]::Combine($dir, 'pyvenv.cfg'))) {
                $found.Add($name)
            }
        }
    } catch {
        return
    }
    $found.Sort([StringComparer]::Ordinal)
    $found
}

function global:__envwrap_list {
    if (__envwrap_home_ok) {
        __envwrap_names
    }
}

# Called by the generated code: dot-source the env's Activate.ps1, keep its
# deactivate as __envwrap_venv_deactivate and install ours.
function global:__envwrap_activate {
    param([string]$Script, [string]$EnvDir, [string]$HookDir, [string]$Project, [string]$BinDir)
    Set-StrictMode -Off
    . __envwrap_dot $Script
    $original = Get-Command -Name deactivate -CommandType Function -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($null -eq $original) {
        throw "$Script defined no deactivate function"
    }
    Set-Item -Path 'Function:\global:__envwrap_venv_deactivate' -Value $original.ScriptBlock
    $global:__envwrap_venv = $EnvDir
    $global:__envwrap_hook_dir = $HookDir
    $global:__envwrap_project = $Project
    $global:__envwrap_bin = $BinDir
    $global:__envwrap_auto_act = $EnvDir  # for auto-activation: an env was activated (then maybe deactivated)
    $global:__envwrap_hooks_refused = ''  # the plan sets it next when a deactivate hook is refused
    function global:deactivate {
        param([switch]$NonDestructive)
        # --help prints help and changes nothing, as every command does ($args.Count
        # first: under the user's strict mode there is no $args[0] of none).
        if ($args.Count -and ([string]$args[0] -ceq '--help' -or [string]$args[0] -ceq '-h')) {
            __envwrap_run deactivate --help
            return
        }
        __envwrap_deactivate -NonDestructive:$NonDestructive
    }
}

# The env's own variables (envwrap vars), from the workon code: NAME VALUE
# pairs, set in the process environment ($env:). How to put each back (its
# value before, $null when unset) is kept as NAME, VALUE pairs in
# $global:__envwrap_undo, newest first, which deactivate applies: no process.
function global:__envwrap_vars_set {
    Set-StrictMode -Off
    for ($i = 0; $i + 1 -lt $args.Count; $i += 2) {
        $undo = , @([string]$args[$i], [Environment]::GetEnvironmentVariable([string]$args[$i]))
        if ($global:__envwrap_undo) {
            $undo += $global:__envwrap_undo
        }
        $global:__envwrap_undo = $undo
        [Environment]::SetEnvironmentVariable([string]$args[$i], [string]$args[$i + 1])
    }
}

# Deactivate the environment that envwrap activated, if one is active.
function global:__envwrap_leave {
    Set-StrictMode -Off
    if ($global:__envwrap_venv -and (Get-Command -Name deactivate -CommandType Function -ErrorAction SilentlyContinue)) {
        deactivate
    }
}

function global:__envwrap_source_if {
    param([string]$Dir, [string]$Name)
    if ($Dir) {
        $file = [IO.Path]::Combine($Dir, $Name)
        if ([IO.File]::Exists($file)) {
            __envwrap_source $file
        }
    }
}

# deactivate, with virtualenvwrapper's hooks: predeactivate.ps1 (the env's, then
# the global one, then the project's), the env's own deactivate,
# postdeactivate.ps1 (the env's, then the global one) with
# $VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV (the name virtualenvwrapper's code sets)
# and $VIRTUALENVWRAPPER_LAST_VIRTUALENV (the name its documentation gives) set
# to the env's path; both are removed afterwards.
function global:__envwrap_deactivate {
    param([switch]$NonDestructive)
    Set-StrictMode -Off
    $envDir = $global:__envwrap_venv
    $binDir = $global:__envwrap_bin
    $hookDir = [Environment]::GetEnvironmentVariable('VIRTUALENVWRAPPER_HOOK_DIR')
    if (-not $hookDir) {
        $hookDir = $global:__envwrap_hook_dir
    } elseif ($hookDir -eq '~' -or $hookDir.StartsWith('~/') -or $hookDir.StartsWith('~\')) {
        $hookDir = $HOME + $hookDir.Substring(1)
    } elseif (-not [IO.Path]::IsPathRooted($hookDir)) {
        # A relative hook directory is below $HOME, as the backend reads it.
        $hookDir = [IO.Path]::Combine($HOME, $hookDir)
    }
    $project = $global:__envwrap_project
    __envwrap_source_if $binDir 'predeactivate.ps1'
    __envwrap_source_if $hookDir 'predeactivate.ps1'
    if ($project) {
        __envwrap_source_if ([IO.Path]::Combine($project, '.virtualenvwrapper')) 'predeactivate.ps1'
    }
    # The status, as bash's deactivate returns it: 0, or that of the env's own
    # deactivate or of removing a temporary env when they fail ($LASTEXITCODE).
    $st = 0
    try {
        __envwrap_venv_deactivate -NonDestructive:$NonDestructive
    } catch {
        __envwrap_say 0 ('deactivate: ' + $_.Exception.Message)
        $st = 1
    }
    foreach ($undo in $global:__envwrap_undo) {  # the env's own variables back (__envwrap_vars_set)
        [Environment]::SetEnvironmentVariable($undo[0], $undo[1])
    }
    Remove-Variable -Name '__envwrap_undo' -Scope Global -ErrorAction SilentlyContinue
    if ($NonDestructive) {
        $global:LASTEXITCODE = $st
        return
    }
    Remove-Item -Path 'Function:\global:deactivate', 'Function:\global:__envwrap_venv_deactivate' -ErrorAction SilentlyContinue
    Remove-Variable -Name '__envwrap_venv', '__envwrap_bin', '__envwrap_hook_dir', '__envwrap_project' -Scope Global -ErrorAction SilentlyContinue
    $global:VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV = $envDir
    $global:VIRTUALENVWRAPPER_LAST_VIRTUALENV = $envDir
    __envwrap_source_if $binDir 'postdeactivate.ps1'
    __envwrap_source_if $hookDir 'postdeactivate.ps1'
    Remove-Variable -Name 'VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV', 'VIRTUALENVWRAPPER_LAST_VIRTUALENV' -Scope Global -ErrorAction SilentlyContinue
    if ($envDir -and [IO.File]::Exists([IO.Path]::Combine($envDir, '.envwrap-tmpenv'))) {
        __envwrap_call rm --tmp $envDir  # mktmpenv's: removed (see rmvirtualenv)
        if ($LASTEXITCODE) {
            $st = $LASTEXITCODE
        }
        __envwrap_out_of_gone ([IO.Path]::GetDirectoryName($envDir))
    }
    $global:LASTEXITCODE = $st
}

# After a removal: a location the removal took (the session was in the env) is
# left for $To (WORKON_HOME), as virtualenvwrapper does; a failed removal leaves
# it where it was. The backend steps out of the env before removing it (Windows
# removes no directory in use; this session's location is not the process's).
function global:__envwrap_out_of_gone {
    param([string]$To)
    $here = Get-Location -PSProvider FileSystem
    if ($To -and -not [IO.Directory]::Exists($here.ProviderPath) -and [IO.Directory]::Exists($To)) {
        Set-Location -LiteralPath $To
    }
}

# ----------------------------------------------------------------- commands
# Commands that take an environment name declare it as -EnvName (so that TAB
# completes it) and pass it on first, followed by everything else they got
# (workon: last).

function global:workon {
    param([string]$EnvName)
    Set-StrictMode -Off
    # Options (-c, -n) first: the backend reads `-n NAME` without its full parser.
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        __envwrap_run workon @args $EnvName
    } elseif ($args.Count) {
        __envwrap_run workon @args
    } else {
        __envwrap_list
    }
}

# BEGIN generated: commands
# (made by `make shells` from envwrap/cli/table.py; edit the table, not this)
function global:mkvirtualenv {
    __envwrap_run mkvirtualenv @args
}

function global:mktmpenv {
    __envwrap_run mktmpenv @args
}

function global:cpvirtualenv {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_run cpvirtualenv @argv
}

function global:mkproject {
    __envwrap_run mkproject @args
}

function global:cdsitepackages {
    param([string]$SubDir)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('SubDir')) {
        $argv = @($SubDir) + $argv
    }
    __envwrap_run cdsitepackages @argv
}

function global:cdproject {
    __envwrap_run cdproject @args
}

function global:showvirtualenv {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_call showvirtualenv @argv
}

function global:lssitepackages {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_call lssitepackages @argv
}

function global:add2virtualenv {
    __envwrap_call add2virtualenv @args
}

function global:toggleglobalsitepackages {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_call toggleglobalsitepackages @argv
}

function global:wipeenv {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_call wipeenv @argv
}

function global:setvirtualenvproject {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_call setvirtualenvproject @argv
}

function global:mvvirtualenv {
    param([string]$EnvName)
    $argv = @($args)
    if ($PSBoundParameters.ContainsKey('EnvName')) {
        $argv = @($EnvName) + $argv
    }
    __envwrap_call mvvirtualenv @argv
}

function global:allvirtualenv {
    __envwrap_call allvirtualenv @args
}
# END generated: commands

# Advanced, so that TAB completes a name at every position: the names are one
# parameter that takes every argument. An advanced function refuses a parameter
# it does not declare: -h is declared (-Help), and passed on as --help.
function global:rmvirtualenv {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromRemainingArguments = $true)][string[]]$EnvName,
        [Alias('h')][switch]$Help)
    $argv = @()
    if ($Help) {
        $argv = @('--help')
    }
    if ($null -ne $EnvName) {
        $argv = $argv + @($EnvName)
    }
    __envwrap_call rmvirtualenv @argv
    __envwrap_out_of_gone (__envwrap_workon_home)  # (no process: $LASTEXITCODE stays the backend's)
}

# `envwrap config KEY VALUE` (or --unset) may move WORKON_HOME: the backend then
# prints code that brings this session's WORKON_HOME up to date at once.
function global:envwrap {
    Set-StrictMode -Off
    $verb = [string]$args[0]
    if ($verb -ceq 'config' -and $args.Count -gt 2) {
        # the backend's plan: this shell's WORKON_HOME and auto-activation at once
        __envwrap_run @args
        if ($LASTEXITCODE -eq 0) { __envwrap_auto_setup }
        return
    }
    __envwrap_call @args
    if ($verb -ceq 'allow' -and $LASTEXITCODE -eq 0) {
        # allowed or revoked: auto-activation looks again
        $global:__envwrap_auto_bad = $null
        $global:__envwrap_auto_told = @()
        $global:__envwrap_auto_pwd = $null
    }
}

function global:lsvirtualenv {
    Set-StrictMode -Off
    if ([string]$args[0] -ceq '-b') {
        __envwrap_list
    } else {
        __envwrap_call lsvirtualenv @args
    }
}

function global:cdvirtualenv {
    param([string]$SubDir)
    Set-StrictMode -Off
    $words = (@($SubDir) + $args) -ne ''
    $h = __envwrap_workon_home
    $target = [IO.Path]::Combine([string]$env:VIRTUAL_ENV, $SubDir)  # the env itself with no SubDir
    if ($env:VIRTUAL_ENV -and -not ([string]$words[0]).StartsWith('-') -and [IO.Directory]::Exists($target) -and
        (-not $h -or [IO.Directory]::Exists($h))) {
        Set-Location -LiteralPath $target
    } else {  # --help, no env active, no such directory, WORKON_HOME missing: the backend's plan says it
        __envwrap_run cdvirtualenv @words
    }
}

# ----------------------------------------------------------------- completion
# No Python per TAB: names come from the same listing as lsvirtualenv -b.

# TAB's answer: each of $Words that starts with what was typed (its opening
# quote dropped; in a single-quoted word '' is one '), bare when that is safe,
# else single-quoted with every quote character (ASCII or typographic) doubled,
# as PowerShell reads it back. [CompletionResult]::new, not New-Object: a cmdlet
# call per word is what made TAB slow with many environments.
function global:__envwrap_offer {
    param([string]$Typed, [string[]]$Words, [string]$Type = 'ParameterValue', [string]$Case = 'OrdinalIgnoreCase')
    Set-StrictMode -Off
    if ($Typed -match "^['\u2018-\u201B]") {
        $Typed = $Typed.Substring(1).Replace("''", "'")
    } elseif ($Typed -match '^["\u201C-\u201E]') {
        $Typed = $Typed.Substring(1)
    }
    foreach ($word in $Words) {
        if ($word -and $word.StartsWith($Typed, [StringComparison]$Case)) {
            $text = $word
            if ($word -cnotmatch '^[A-Za-z_][A-Za-z0-9_.-]*$') {
                $text = "'" + ($word -replace "['\u2018-\u201B]", '$0$0') + "'"
            }
            [System.Management.Automation.CompletionResult]::new($text, $word, $Type, $word)
        }
    }
}

# mkvirtualenv, mktmpenv, mkproject: after -p or --python, the Python versions
# the backend last found (WORKON_HOME\.envwrap\pythons, one a line; read here, no
# process), quoted (they start with a digit): unquoted, PowerShell would read
# 3.10 as the number 3.1.
# Elsewhere nothing, and PowerShell completes file names.
function global:__envwrap_complete_python {
    param([string]$Typed, $CommandAst, $CursorPosition)
    Set-StrictMode -Off
    $before = @($CommandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $CursorPosition })
    $h = __envwrap_workon_home
    if ($h -and $before.Count -ge 2 -and @('-p', '--python') -ccontains $before[-1].Extent.Text) {
        try {
            __envwrap_offer $Typed ([IO.File]::ReadAllLines([IO.Path]::Combine($h, '.envwrap', 'pythons')))
        } catch {
            # no versions found yet
        }
    }
}

# Directories below the active environment (with -Site: below its site-packages,
# Lib\site-packages on Windows, else the first lib/python*/site-packages), each
# with its parents as typed and a / after it.
function global:__envwrap_complete_subdirs {
    param([string]$Typed, [switch]$Site)
    Set-StrictMode -Off
    $base = $env:VIRTUAL_ENV
    if ($Site -and $base) {
        $found = @([IO.Path]::Combine($base, 'Lib', 'site-packages'))
        $lib = [IO.Path]::Combine($base, 'lib')
        if ([IO.Directory]::Exists($lib)) {
            $found += @([IO.Directory]::GetDirectories($lib, 'python*') | ForEach-Object { [IO.Path]::Combine($_, 'site-packages') })
        }
        $base = @($found | Where-Object { [IO.Directory]::Exists($_) })[0]
    }
    # (a .NET method takes $null for '': a relative path, which .NET would
    # read from the process's directory, not this session's location)
    if (-not $base) {
        return
    }
    $typedPath = $Typed.Trim([char]39, [char]34).Replace('\', '/')
    $parent = $typedPath -replace '[^/]*$', ''
    try {
        $subs = [IO.Directory]::GetDirectories([IO.Path]::Combine($base, $parent))
    } catch {
        return  # no such directory
    }
    __envwrap_offer $typedPath @($subs | ForEach-Object { $parent + [IO.Path]::GetFileName($_) + '/' }) ProviderContainer
}

# BEGIN generated: options
# (made by `make shells` from the backend's own parsers, see tools/gen_shells.py; edit those)
# Every command's options, read from the parser the command builds in the
# backend; 'envwrap VERB' holds those of envwrap VERB.
$global:__envwrap_options = @{
    'workon' = @('-h', '--help', '-c', '--cd', '-n', '--no-cd')
    'mkvirtualenv' = @('-h', '--help', '-a', '-i', '-r', '-p', '--python', '--creator', '--without-pip', '--no-pip', '--system-site-packages', '--prompt', '--copies', '--symlinks', '--clear', '--upgrade-deps', '--without-scm-ignore-files', '--from')
    'mktmpenv' = @('-h', '--help', '-a', '-i', '-r', '-p', '--python', '--creator', '--without-pip', '--no-pip', '--system-site-packages', '--prompt', '--copies', '--symlinks', '--clear', '--upgrade-deps', '--without-scm-ignore-files', '-c', '--cd', '-n', '--no-cd')
    'cpvirtualenv' = @('-h', '--help')
    'mkproject' = @('-h', '--help', '-i', '-r', '-p', '--python', '--creator', '--without-pip', '--no-pip', '--system-site-packages', '--prompt', '--copies', '--symlinks', '--clear', '--upgrade-deps', '--without-scm-ignore-files', '-f', '--force')
    'cdsitepackages' = @('-h', '--help')
    'cdproject' = @('-h', '--help')
    'showvirtualenv' = @('-h', '--help', '--json')
    'lssitepackages' = @('-h', '--help', '--path')
    'add2virtualenv' = @('-h', '--help', '-d')
    'toggleglobalsitepackages' = @('-h', '--help', '-q')
    'wipeenv' = @('-h', '--help')
    'setvirtualenvproject' = @('-h', '--help', '-f', '--force')
    'mvvirtualenv' = @('-h', '--help')
    'allvirtualenv' = @('-h', '--help')
    'rmvirtualenv' = @('-h', '--help')
    'lsvirtualenv' = @('-h', '--help', '-b', '--brief', '-l', '--long', '--json')
    'cdvirtualenv' = @('-h', '--help')
    'envwrap init' = @('-h', '--help', '--auto', '--write')
    'envwrap demo' = @('-h', '--help')
    'envwrap ls' = @('-h', '--help', '-b', '--brief', '-l', '--long', '--json')
    'envwrap path' = @('-h', '--help')
    'envwrap show' = @('-h', '--help', '--json')
    'envwrap run' = @('-h', '--help')
    'envwrap shell' = @('-h', '--help', '--shell')
    'envwrap which' = @('-h', '--help')
    'envwrap vars' = @('-h', '--help')
    'envwrap gc' = @('-h', '--help', '--unused', '--broken', '--missing-project', '--yes')
    'envwrap new' = @('-h', '--help', '-a', '-i', '-r', '-p', '--python', '--creator', '--without-pip', '--no-pip', '--system-site-packages', '--prompt', '--copies', '--symlinks', '--clear', '--upgrade-deps', '--without-scm-ignore-files')
    'envwrap rm' = @('-h', '--help')
    'envwrap cp' = @('-h', '--help')
    'envwrap mv' = @('-h', '--help')
    'envwrap adopt' = @('-h', '--help', '--scan', '--json', '-n', '--dry-run', '--copy')
    'envwrap export' = @('-h', '--help', '-o', '--output', '--format')
    'envwrap import' = @('-h', '--help', '-p', '--python')
    'envwrap project' = @('-h', '--help', '-f', '--force')
    'envwrap kernel' = @('-h', '--help')
    'envwrap sitepackages' = @('-h', '--help', '--path')
    'envwrap add-path' = @('-h', '--help', '-d')
    'envwrap toggle-global' = @('-h', '--help', '-q')
    'envwrap wipe' = @('-h', '--help')
    'envwrap repair' = @('-h', '--help', '-p', '--python')
    'envwrap upgrade' = @('-h', '--help', '-p', '--python', '--dry-run', '--all-broken')
    'envwrap pythons' = @('-h', '--help')
    'envwrap doctor' = @('-h', '--help', '--fix', '--json')
    'envwrap config' = @('-h', '--help', '--unset')
    'envwrap allow' = @('-h', '--help', '--revoke', '--list')
    'envwrap seed' = @('-h', '--help', '--update', '-p', '--python')
}

# The options of COMMAND (of envwrap VERB with -Verb) that start with what was typed.
function global:__envwrap_complete_options {
    param([string]$Command, [string]$Typed, [string]$Verb)
    Set-StrictMode -Off
    $key = $Command
    if ($Verb) {
        $key = $Command + ' ' + $Verb
    }
    foreach ($word in @($global:__envwrap_options[$key])) {
        if ($word -and $word.StartsWith($Typed, [StringComparison]::Ordinal)) {
            [System.Management.Automation.CompletionResult]::new($word, $word, 'ParameterName', $word)
        }
    }
}

# TAB on a word that starts with '-': the command's options (allvirtualenv's
# before its command only). Other words keep their completers (EnvName, SubDir,
# file names).
Register-ArgumentCompleter -Native -CommandName @('workon', 'mkvirtualenv', 'mktmpenv', 'cpvirtualenv', 'mkproject', 'cdsitepackages', 'cdproject', 'showvirtualenv', 'lssitepackages', 'add2virtualenv', 'toggleglobalsitepackages', 'wipeenv', 'setvirtualenvproject', 'mvvirtualenv', 'allvirtualenv', 'rmvirtualenv', 'lsvirtualenv', 'cdvirtualenv') -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $typed = [string]$wordToComplete
    if (-not $typed.StartsWith('-')) {
        return
    }
    $command = [string]$commandAst.GetCommandName()
    $before = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition })
    if ($command -eq 'allvirtualenv' -and $before.Count -gt 1) {
        return
    }
    __envwrap_complete_options $command $typed
}
# END generated: options

# BEGIN generated: completion
# (made by `make shells` from envwrap/cli/table.py; edit the table, not this)
Register-ArgumentCompleter -ParameterName EnvName -CommandName @('workon', 'cpvirtualenv', 'showvirtualenv', 'lssitepackages', 'toggleglobalsitepackages', 'wipeenv', 'setvirtualenvproject', 'mvvirtualenv', 'rmvirtualenv') -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    __envwrap_offer $wordToComplete (__envwrap_names)
}

Register-ArgumentCompleter -ParameterName SubDir -CommandName @('cdvirtualenv') -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    __envwrap_complete_subdirs $wordToComplete
}

Register-ArgumentCompleter -ParameterName SubDir -CommandName @('cdsitepackages') -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    __envwrap_complete_subdirs $wordToComplete -Site
}

Register-ArgumentCompleter -Native -CommandName @('mkvirtualenv', 'mktmpenv', 'mkproject') -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    __envwrap_complete_python $wordToComplete $commandAst $cursorPosition
}

# envwrap VERB NAME: the public verbs (envwrap --help), then names where the verb
# takes one (first argument; every argument for rm and upgrade).
$global:__envwrap_verbs = @('init', 'demo', 'ls', 'path', 'show', 'run', 'shell', 'which', 'vars', 'gc', 'new', 'rm', 'cp', 'mv', 'adopt', 'export', 'import', 'project', 'kernel', 'sitepackages', 'add-path', 'toggle-global', 'wipe', 'repair', 'upgrade', 'pythons', 'doctor', 'config', 'allow', 'seed')
$global:__envwrap_name_verbs = @('path', 'show', 'run', 'shell', 'which', 'vars', 'rm', 'cp', 'mv', 'export', 'project', 'sitepackages', 'wipe', 'repair', 'upgrade')
$global:__envwrap_names_verbs = @('rm', 'upgrade')
# END generated: completion

Register-ArgumentCompleter -Native -CommandName envwrap -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    # The words before the one being typed: envwrap, then VERB when there is one.
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition })
    if ($words.Count -le 1) {
        __envwrap_offer $wordToComplete $global:__envwrap_verbs -Case Ordinal
        return
    }
    $verb = [string]$words[1]
    if (([string]$wordToComplete).StartsWith('-')) {
        # the options of envwrap VERB (the options block)
        __envwrap_complete_options envwrap ([string]$wordToComplete) $verb
    } elseif (($global:__envwrap_names_verbs -ccontains $verb) -or
        ($words.Count -eq 2 -and $global:__envwrap_name_verbs -ccontains $verb)) {
        __envwrap_offer $wordToComplete (__envwrap_names)
    }
}

# virtualenvwrapper's `initialize` hook, as initialize.ps1, dot-sourced once at
# load (a file test, no process): VIRTUALENVWRAPPER_HOOK_DIR, else WORKON_HOME.
function global:__envwrap_initialize {
    Set-StrictMode -Off
    $dir = [Environment]::GetEnvironmentVariable('VIRTUALENVWRAPPER_HOOK_DIR')
    if (-not $dir) {
        $dir = __envwrap_workon_home
    }
    __envwrap_source_if $dir 'initialize.ps1'
}
__envwrap_initialize

# ------------------------------------------------------- auto-activation on cd
# Opt-in: $__envwrap_auto = '1' comes from the preamble (`envwrap init powershell
# --auto`, or `envwrap config auto_activate true`, which also switches this
# session at once). A wrapper around the prompt function (the user's own is kept
# and called; load envwrap after whatever defines it) looks, only when the
# current directory or the active env changed since the last prompt, for a
# marker in it and its parents (file tests and reads: no process; see
# __envwrap_auto_find). One backend process runs only to activate. State (the
# same as bash's and zsh's, envwrap/shells/bash/auto.sh.in): __envwrap_auto_want
# (what the marker named when auto-activation activated the env now active;
# empty: no env, or one the user chose), __envwrap_auto_off (a tree where the
# user deactivated by hand, until left), __envwrap_auto_bad (a tree whose env
# failed to activate, until left), __envwrap_auto_told (the trees already told
# that they need `envwrap allow`), __envwrap_auto_pwd/_seen (the directory and
# VIRTUAL_ENV at the last look), __envwrap_auto_act
# (an env activated since the last look, set by __envwrap_activated).

# The nearest marker above the current directory: @(directory, env) or $null.
# The order and the rules of envwrap/env/discovery.py; a .python-envs not read
# cheaply names itself (the backend reads it again and says why).
function global:__envwrap_auto_find {
    Set-StrictMode -Off
    $d = $executionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
    $h = __envwrap_workon_home
    while ($d) {
        $t = $line = $null
        $bare = $false
        $list = [IO.Path]::Combine($d, '.python-envs')
        $venv = [IO.Path]::Combine($d, '.venv')
        try {
            # A .venv env (also PEP 832's implicit last line of a .python-envs beside
            # it), else a .python-envs' last non-blank line, else a .venv file's first
            # line: a path (absolute, or relative to the file) or virtualfish's bare name.
            if ([IO.File]::Exists([IO.Path]::Combine($venv, 'pyvenv.cfg'))) {
                $t = $venv
            } elseif ([IO.File]::Exists($list) -or [IO.Directory]::Exists($list)) {
                $t = $list
                if ([IO.File]::Exists($list) -and (New-Object IO.FileInfo $list).Length -le 1048576) {
                    $line = @([IO.File]::ReadAllLines($list, [Text.Encoding]::UTF8) | ForEach-Object { $_.Trim() } | Where-Object { $_ })[-1]
                }
            } elseif ([IO.File]::Exists($venv)) {
                $line = "$(@([IO.File]::ReadAllLines($venv, [Text.Encoding]::UTF8))[0])".Trim()
                $bare = -not ([IO.Path]::IsPathRooted($line) -or $line -match '[/\\]|^\.\.?$')
            }
            if ($line -and -not $bare) {
                $t = [IO.Path]::GetFullPath([IO.Path]::Combine($d, $line))
            } elseif ($line -and $h) {
                $t = [IO.Path]::Combine($h, $line)
            }
            # pyenv-virtualenv's way: a .python-version naming an env in WORKON_HOME.
            $version = [IO.Path]::Combine($d, '.python-version')
            if (-not $t -and $h -and [IO.File]::Exists($version)) {
                $line = "$(@([IO.File]::ReadAllLines($version))[0])".Trim()
                if ($line -and $line -notmatch '^\.|[/\\]' -and
                    [IO.File]::Exists([IO.Path]::Combine([IO.Path]::Combine($h, $line), 'pyvenv.cfg'))) {
                    $t = [IO.Path]::Combine($h, $line)
                }
            }
        } catch {
            # unreadable, or no path .NET takes: a .python-envs names itself (set above)
        }
        if ($t) {
            return , @($d, $t)
        }
        $d = [IO.Path]::GetDirectoryName($d)
    }
    return $null
}

# $Dir when $Path (by default the current directory) is $Dir or below it, else $null.
function global:__envwrap_auto_in {
    param([string]$Dir, [string]$Path = $executionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath)
    Set-StrictMode -Off
    $sep = [IO.Path]::DirectorySeparatorChar
    if ($Dir -and ($Path -eq $Dir -or $Path.StartsWith($Dir.TrimEnd($sep) + $sep))) {
        return $Dir
    }
}

# At a prompt, when the directory changed, or an env was activated or
# deactivated since the last look: activate the env of the current directory,
# or leave the one auto-activation activated.
function global:__envwrap_auto_hook {
    Set-StrictMode -Off
    $here = $executionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
    if ($global:__envwrap_auto -ne '1' -or ($here -ceq $global:__envwrap_auto_pwd -and
        [string]$env:VIRTUAL_ENV -ceq [string]$global:__envwrap_auto_seen -and -not $global:__envwrap_auto_act)) {
        return
    }
    $w = $global:__envwrap_auto_pwd
    $d = if ($global:__envwrap_auto_act) { $global:__envwrap_auto_act } else { $global:__envwrap_auto_seen }
    $global:__envwrap_auto_pwd = $here
    $saved = $global:LASTEXITCODE  # the user's prompt may show it
    try {
        # An env replaced or deactivated since the last look is the user's business.
        if ([string]$env:VIRTUAL_ENV -cne [string]$global:__envwrap_auto_seen) {
            $global:__envwrap_auto_want = $null
        }
        $global:__envwrap_auto_off = __envwrap_auto_in $global:__envwrap_auto_off
        $global:__envwrap_auto_bad = __envwrap_auto_in $global:__envwrap_auto_bad
        $r, $t = __envwrap_auto_find  # both $null when nothing is found
        # A deactivate typed since the last look (of the env active then, or of one
        # activated since: `workon proj; deactivate` on one line), with nothing
        # active now in a tree: respected until the tree is left, when it was typed
        # inside the tree or deactivated the tree's own env.
        if ($r -and -not $env:VIRTUAL_ENV -and $d -and ($d -ceq $t -or (__envwrap_auto_in $r $w))) {
            $global:__envwrap_auto_off = $r
        }
        # Another env named, in a tree not refused, and no env the user chose:
        # activate (status 3: the user neither made nor allowed this env, said once
        # per tree in this session; -q asks the backend to stay quiet), else no
        # retry until the tree is left.
        $want = $global:__envwrap_auto_want
        if ($t -and $t -cne $want -and $r -cne $global:__envwrap_auto_off -and $r -cne $global:__envwrap_auto_bad -and
            ($want -or -not $env:VIRTUAL_ENV)) {
            $told = @($global:__envwrap_auto_told) -ccontains $r
            $q = @('-q') * [int]$told
            $global:LASTEXITCODE = 0
            __envwrap_run auto @q $r $t
            if ($LASTEXITCODE -eq 0 -and $env:VIRTUAL_ENV) {
                $global:__envwrap_auto_want = $want = $t
            } else {
                if ($LASTEXITCODE -eq 3 -and -not $told) {
                    $global:__envwrap_auto_told = @($global:__envwrap_auto_told) + @($r)
                }
                $global:__envwrap_auto_bad = $r
            }
        }
        # What auto-activation activated belongs to a tree that was left (or refused).
        if ($want -and $t -cne $want) {
            $global:__envwrap_auto_want = $null
            __envwrap_leave
        }
    } finally {
        $global:LASTEXITCODE = $saved
        $global:__envwrap_auto_seen = [string]$env:VIRTUAL_ENV
        $global:__envwrap_auto_act = $null
    }
}

# Wrap the prompt function, keeping the user's, unless ours is the prompt
# already; with auto-activation off, put the user's back (when ours is still
# the prompt) and forget what auto-activation knew.
function global:__envwrap_auto_setup {
    Set-StrictMode -Off
    $global:__envwrap_auto_pwd = $null  # look again at the next prompt
    $wrapped = $global:__envwrap_auto_ours -and [string]$function:prompt -ceq $global:__envwrap_auto_ours
    if ($global:__envwrap_auto -ne '1') {
        $global:__envwrap_auto_want = $global:__envwrap_auto_off = $global:__envwrap_auto_bad = $null
        if ($wrapped -and $global:__envwrap_auto_prompt) {
            Set-Item -Path 'Function:\global:prompt' -Value $global:__envwrap_auto_prompt
        }
        return
    }
    if ($wrapped) {
        return
    }
    $global:__envwrap_auto_prompt = $function:prompt
    function global:prompt {
        __envwrap_auto_hook
        if ($global:__envwrap_auto_prompt) {
            & $global:__envwrap_auto_prompt
        } else {
            "PS $($executionContext.SessionState.Path.CurrentLocation)$('>' * ($nestedPromptLevel + 1)) "
        }
    }
    $global:__envwrap_auto_ours = [string]$function:prompt
}
__envwrap_auto_setup
