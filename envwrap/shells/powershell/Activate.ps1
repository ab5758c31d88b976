# Activates this virtual environment in PowerShell (Windows PowerShell 5.1 or
# PowerShell 7): dot-source Scripts\Activate.ps1 (bin/Activate.ps1 outside Windows).
# Written by envwrap; every value below is a single-quoted literal, and this file
# starts with a UTF-8 byte order mark so that Windows PowerShell 5.1 reads
# non-ASCII names correctly. `deactivate` undoes it; `deactivate -NonDestructive`
# keeps the function itself.

function global:deactivate {
    param([switch]$NonDestructive)
    Set-StrictMode -Off
    if (Test-Path -LiteralPath 'Env:_OLD_VIRTUAL_PATH') {
        $env:PATH = $env:_OLD_VIRTUAL_PATH
        Remove-Item -LiteralPath 'Env:_OLD_VIRTUAL_PATH'
    }
    if (Test-Path -LiteralPath 'Env:_OLD_VIRTUAL_PYTHONHOME') {
        $env:PYTHONHOME = $env:_OLD_VIRTUAL_PYTHONHOME
        Remove-Item -LiteralPath 'Env:_OLD_VIRTUAL_PYTHONHOME'
    }
    if (Test-Path -LiteralPath 'Function:_OLD_VIRTUAL_PROMPT') {
        $saved = (Get-Item -LiteralPath 'Function:_OLD_VIRTUAL_PROMPT').ScriptBlock
        Set-Item -Path 'Function:\global:prompt' -Value $saved
        Remove-Item -Path 'Function:\global:_OLD_VIRTUAL_PROMPT'
    }
    if (Test-Path -LiteralPath 'Env:VIRTUAL_ENV') {
        Remove-Item -LiteralPath 'Env:VIRTUAL_ENV'
    }
    if (Test-Path -LiteralPath 'Env:VIRTUAL_ENV_PROMPT') {
        Remove-Item -LiteralPath 'Env:VIRTUAL_ENV_PROMPT'
    }
    if (-not $NonDestructive) {
        Remove-Item -Path 'Function:\global:deactivate' -ErrorAction SilentlyContinue
    }
}

# Undo any environment that is active now.
deactivate -NonDestructive

$env:VIRTUAL_ENV = __ENVWRAP_VENV_DIR__

$env:_OLD_VIRTUAL_PATH = $env:PATH
$env:PATH = __ENVWRAP_BIN_DIR__ + [IO.Path]::PathSeparator + $env:PATH

if (Test-Path -LiteralPath 'Env:PYTHONHOME') {
    $env:_OLD_VIRTUAL_PYTHONHOME = $env:PYTHONHOME
    Remove-Item -LiteralPath 'Env:PYTHONHOME'
}

$env:VIRTUAL_ENV_PROMPT = __ENVWRAP_VENV_PROMPT__

if (-not [Environment]::GetEnvironmentVariable('VIRTUAL_ENV_DISABLE_PROMPT')) {
    # Keep the current prompt as _OLD_VIRTUAL_PROMPT and show the name before it.
    $__envwrap_prompt = Get-Command -Name prompt -CommandType Function -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($null -ne $__envwrap_prompt) {
        Set-Item -Path 'Function:\global:_OLD_VIRTUAL_PROMPT' -Value $__envwrap_prompt.ScriptBlock
    } else {
        function global:_OLD_VIRTUAL_PROMPT {
            'PS ' + $executionContext.SessionState.Path.CurrentLocation + '> '
        }
    }
    Remove-Variable -Name __envwrap_prompt
    function global:prompt {
        $previous = _OLD_VIRTUAL_PROMPT
        __ENVWRAP_PROMPT__ + (@($previous) -join '')
    }
}
