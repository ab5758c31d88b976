"""PowerShell: plan steps as calls to the functions in envwrap.ps1 (beside this file).

The code is run with ``Invoke-Expression`` inside a ``try`` in the function
``__envwrap_run``; the helpers it calls throw on failure, which ends it at the
first step that fails. Every value is a single-quoted literal from
:func:`quote` (below), and the code itself is ASCII apart from
those values. Windows PowerShell 5.1 syntax only.
"""

from __future__ import annotations

from envwrap.shells import BaseEmitter

# PowerShell treats the typographic single quotes as quote characters too.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def quote(value: str) -> str:
    """PowerShell: ``value`` as a single-quoted (verbatim) string; each quote
    character, ASCII or typographic (U+2018..U+201B), is doubled."""
    out = []
    for ch in value:
        out.append(ch + ch if ch in _PS_QUOTES else ch)
    return "'" + "".join(out) + "'"


q = quote


def ps_ascii(value: str) -> str:
    """A PowerShell expression for ``value`` made of ASCII only.

    ``envwrap init powershell | Out-String | Invoke-Expression`` decodes our output
    in the console's code page on Windows PowerShell 5.1, which garbles any other
    character; a non-ASCII value travels as base64 of its UTF-8 bytes instead.
    """
    if value.isascii():
        return quote(value)
    import base64

    encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return f"[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('{encoded}'))"


class Emitter(BaseEmitter):
    def _leave(self) -> str:
        return "__envwrap_leave"

    def _activate(self, script: str, bin_dir: str, env: str, hook_dir: str, project: str) -> str:
        # bin_dir (bin, or Scripts on Windows) holds the env's predeactivate.ps1 /
        # postdeactivate.ps1 hooks.
        return f"__envwrap_activate {q(script)} {q(env)} {q(hook_dir)} {q(project)} {q(bin_dir)}"

    def _vars(self, pairs: tuple) -> str:
        # __envwrap_vars_set saves each variable's state, then sets it.
        words = " ".join(f"{q(self.var_name(k))} {q(v)}" for k, v in pairs)
        return f"__envwrap_vars_set {words}"

    def _source(self, path: str) -> str:
        return f"__envwrap_source {q(path)}"

    def _cd(self, path: str) -> str:
        return f"__envwrap_cd {q(path)}"

    def _set(self, name: str, value: str) -> str:
        return f"$global:{self.var_name(name)} = {q(value)}"

    def _home(self, path: str, source: str) -> str:
        return f"__envwrap_set_home {q(path)} {q(source)}"

    def _list(self) -> str:
        return "__envwrap_list"

    def _print(self, text: str) -> str:
        # To the output stream, so that it can be piped (`mkvirtualenv --help | more`).
        return f"Write-Output {q(text.rstrip(chr(10)))}"


class PowerShell:
    """PowerShell: how envwrap starts it and loads itself into it."""

    name = "powershell"
    # envwrap init --write: how the hook file is cut into files loaded on first
    # use (a splitter of envwrap/shells/writer.py; None: one file), and the
    # start-up file that needs the line loading it (None: the shell reads its own).
    write_cut = None
    startup_file = "$PROFILE"

    def source_line(self, path: str) -> str:
        """The line that dot-sources envwrap's hook file ``path``."""
        return f". {ps_ascii(path)}\n"

    def subshell_argv(self, exe: str, name: str, environ: dict[str, str], load: str) -> list[str]:
        """The command line that starts ``exe`` as ``envwrap shell NAME`` (``load``:
        the code that loads envwrap, unless the user's profile did)."""
        # -Command is read in the console's code page: ASCII only (ps_ascii)

        code = ("if (-not (Get-Command -Name __envwrap_call -ErrorAction SilentlyContinue)) {\n"
                + load + "}\n"
                f"workon {ps_ascii(name)}\n"
                "if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }\n")
        return [exe, "-NoLogo", "-NoExit", "-Command", code]

    def sort_listing(self, names: list[str]) -> list[str]:
        """``names`` in .NET's ordinal order, PowerShell's (ENVWRAP_SORT=ordinal):
        UTF-16 code units."""
        return sorted(names, key=lambda n: n.encode("utf-16-be", "surrogatepass"))


SHELL = PowerShell()
