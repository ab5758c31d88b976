"""Drive a real bash, zsh, fish or pwsh: the one driver of real shells in the tests.

``Shell(kind, env, cwd=None, mode=...)`` starts shell ``kind`` (bash, zsh, fish
or pwsh) as a user ``env``; ``mode`` says how it is driven:

- ``"pipe"`` (the default): one persistent, non-interactive shell keeping its
  state between commands. Each command runs in the shell itself (not a
  subshell), its stderr to a file; then the shell prints NUL, the status, NUL.
  ``run``/``ok``/``call`` return stdout and stderr separately; ``var``,
  ``set_var``, ``export``, ``cd``, ``source``, ``complete``, ``which``... say
  things in this shell's syntax.
- ``"pty"``: an interactive shell on a pseudo-terminal (pexpect), for what only
  a terminal shows (TAB, prompts, job control, `envwrap shell`): ``send``,
  ``sendline``, ``expect``, ``expect_exact``, ``value(expr)``; ``child`` is the
  pexpect process.
- ``"script"``: each ``run(body)`` is one whole script in a new process, with
  envwrap loaded first the documented way (``load=False``: not); fish scripts
  can record values with ``out KEY VALUE...`` (see ``Run``).

What differs between shells (how to start one, run one command and read its
status, quote, set and read a variable, source a file, change directory,
complete a word) is its ``Dialect``; ``argv`` overrides how the shell is started
(options, an rc file, a wrapper), the mode's protocol staying the same.

``requires(kind)`` is the one rule for a shell that is missing: skip locally,
fail when CI is set (bash, zsh and fish must be tested there; pwsh cannot be
installed on CI machines, so it always skips).
"""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ENVWRAP = Path(sys.executable).parent / "envwrap"
ALL_SHELLS = ("bash", "zsh", "fish", "pwsh")
MUST_IN_CI = ("bash", "zsh", "fish")


def requires(kind: str) -> str:
    """The path of shell ``kind``; skip when it is not installed (fail in CI for
    the shells CI installs)."""
    path = shutil.which(kind)
    if path is None:
        if os.environ.get("CI") and kind in MUST_IN_CI:
            pytest.fail(f"{kind} is not installed, and CI must test it")
        pytest.skip(f"{kind} is not installed")
    return path


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


# ----------------------------------------------------------------- quoters (the tests' own)


def fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pwsh_quote(value: str) -> str:
    # PowerShell ends a verbatim string at ' and at the curly quotes U+2018..U+201B
    return "'" + re.sub("['\u2018-\u201b]", lambda m: m.group() * 2, value) + "'"


# ----------------------------------------------------------------- dialects


class Dialect:
    """How one shell says things. ``Q`` quotes one word."""

    name = ""
    init_name = ""           # the argument of `envwrap init`
    hook_suffix = ""         # the sourced hook's suffix (postactivate.fish)
    pipe_in_nul = False      # commands are sent NUL-terminated to a read loop

    @staticmethod
    def Q(value: str) -> str:
        return shlex.quote(value)

    def argv(self, errfile: str) -> list[str]:
        """How the shell starts in pipe mode (reading commands from stdin)."""
        raise NotImplementedError

    def script_argv(self) -> list[str]:
        """How the shell runs a script file in script mode (its path follows)."""
        return self.argv("")

    def pty_argv(self) -> list[str]:
        """How the shell starts interactive, in pty mode."""
        return [*self.argv(""), "-i"]

    # what script mode puts before every script (fish: `out`, `yesno`)
    script_prelude = ""

    def wrap(self, command: str, errfile: str) -> str:
        """The text sent to the shell to run ``command`` and report its status."""
        return f"{{ {command}\n}} 2>{self.Q(errfile)}; \\builtin printf '\\0%d\\0' \"$?\"\n"

    def load(self, exe: str) -> str:
        return f'eval "$({self.Q(exe)} init {self.init_name})"'

    def var(self, name: str) -> str:
        return f"[ -n \"${{{name}+x}}\" ] && \\builtin printf %s \"${name}\""

    def set_var(self, name: str, value: str) -> str:
        return f"{name}={self.Q(value)}"

    def unset_var(self, name: str) -> str:
        return f"unset {name}"

    def export(self, name: str, value: str) -> str:
        return f"export {name}={self.Q(value)}"

    def source(self, path: str) -> str:
        return f". {self.Q(path)}"

    def cd(self, path: str) -> str:
        return f"cd -- {self.Q(path)}"

    def pwd(self) -> str:
        return "\\builtin printf %s \"$PWD\""

    def has_function(self, name: str) -> str:
        return f"typeset -f {name} >/dev/null"

    # functions an activation defines besides deactivate, gone after deactivate
    venv_functions: tuple[str, ...] = ()

    def which(self, command: str) -> str:
        """Code printing the path the shell runs for ``command``."""
        return f"command -v {command}"

    def set_prompt(self) -> str:
        """Code making the user's prompt ``P> ``."""
        return "PS1='P> '"

    def prompt(self) -> str:
        """Code printing the prompt as set (bash, zsh: PS1 before expansion)."""
        return "\\builtin printf %s \"$PS1\""

    def complete(self, command: str, word: str) -> str:
        """Code printing, one per line, the names TAB offers after ``command word``
        (unquoted)."""
        raise NotImplementedError

    def set_expr(self, name: str, expr: str) -> str:
        """Code setting shell variable ``name`` to the value of ``expr`` (an
        expression of this shell, see ``ref``)."""
        return f"{name}={expr}"

    def ref(self, name: str) -> str:
        """The expression of a variable's value, ``unset`` when it is not set
        (``"pwd"``: the current directory)."""
        return '"$PWD"' if name == "pwd" else f'"${{{name}-unset}}"'

    def append_line(self, log: str, label: str, *names: str) -> str:
        """Code for a sourced hook: appends ``label VIRTUAL_ENV-or-none`` and the
        value of each variable of ``names`` to log."""
        more = "".join(f" {self.ref(n)}" for n in names)
        fmt = "%s " * (len(names) + 1) + "%s\\n"
        return f"printf '{fmt}' {self.Q(label)} \"${{VIRTUAL_ENV:-none}}\"{more} >> {self.Q(log)}\n"


class BashDialect(Dialect):
    name = init_name = "bash"

    def argv(self, errfile):
        return ["bash", "--noprofile", "--norc"]

    def has_function(self, name):
        return f"declare -F {name} >/dev/null"

    def complete(self, command, word):
        # what the function registered for ``command`` puts in COMPREPLY, read
        # back as the words the shell would see once TAB inserted them
        return (f"__t_f=$(complete -p {command} | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p'); "
                f"COMP_WORDS=({command} {self.Q(word)}); COMP_CWORD=1; COMPREPLY=(); "
                f"\"$__t_f\" {command} {self.Q(word)} {command}; "
                "for __t_w in \"${COMPREPLY[@]}\"; do eval \"printf '%s\\n' $__t_w\"; done; unset __t_f __t_w")


class ZshDialect(Dialect):
    name = init_name = "zsh"

    def argv(self, errfile):
        return ["zsh", "--no-rcs", "--no-globalrcs"]

    def pty_argv(self):
        return ["zsh", "-f", "-i"]

    def complete(self, command, word):
        # Outside a widget compadd cannot run: a stand-in prints what the
        # function offers, filtered by the typed word as compsys would. The
        # function is the one envwrap.zsh gives compdef for the commands
        # that take a name (compdef itself needs compinit, not loaded here).
        return (f"() {{ local -a words=({command} {self.Q(word)}); local CURRENT=2 PREFIX={self.Q(word)}; "
                "compadd() { local __t_a; [[ $1 == -a ]] && for __t_a in \"${(@P)2}\"; do "
                "[[ $__t_a == ${(b)PREFIX}* ]] && print -r -- \"$__t_a\"; done; }; "
                "__envwrap_complete_names; unfunction compadd }")


class FishDialect(Dialect):
    name = init_name = "fish"
    hook_suffix = ".fish"
    pipe_in_nul = True

    LOOP = r"""
while read -lz __t_cmd
    begin
        eval $__t_cmd
    end 2>$__t_err
    printf '\0%d\0' $status
end
"""

    @staticmethod
    def Q(value):
        return fish_quote(value)

    def argv(self, errfile):
        return ["fish", "--no-config", "--private", "-c", f"set -g __t_err {fish_quote(errfile)}\n{self.LOOP}"]

    def script_argv(self):
        return ["fish", "--no-config", "--private"]

    def pty_argv(self):
        return ["fish", "--no-config", "-i"]

    @property
    def script_prelude(self):
        return PRELUDE

    def wrap(self, command, errfile):
        return command + "\0"

    def load(self, exe):
        return f"{fish_quote(exe)} init fish | source"

    def var(self, name):
        return f"set -q {name}; and printf %s \"${name}\""

    def set_var(self, name, value):
        return f"set -g {name} {fish_quote(value)}"

    def unset_var(self, name):
        return f"set -e {name}"

    def export(self, name, value):
        return f"set -gx {name} {fish_quote(value)}"

    def source(self, path):
        return f"source {fish_quote(path)}"

    def cd(self, path):
        return f"cd {fish_quote(path)}"

    def pwd(self):
        return "printf %s \"$PWD\""

    def has_function(self, name):
        return f"functions -q {name}"

    venv_functions = ("__envwrap_venv_deactivate", "_old_fish_prompt")

    def which(self, command):
        return f"command -s {command}"

    def set_prompt(self):
        return "function fish_prompt; printf 'P> '; end"

    def prompt(self):
        return "fish_prompt"

    def complete(self, command, word):
        line = fish_quote(command + " " + fish_quote(word)[:-1])  # the word typed after an opening quote
        return f"printf '%s\\n' (complete -C {line} | string replace -r '\\t.*' '')"

    def set_expr(self, name, expr):
        return f"set -g {name} {expr}"

    def ref(self, name):
        if name == "pwd":
            return '"$PWD"'
        return f'"$(set -q {name}; and printf %s "${name}"; or printf unset)"'

    def append_line(self, log, label, *names):
        more = "".join(f" {self.ref(n)}" for n in names)
        fmt = "%s " * (len(names) + 1) + "%s\\n"
        return (f"set -q VIRTUAL_ENV; and set -l __t_v $VIRTUAL_ENV; or set -l __t_v none\n"
                f"printf '{fmt}' {fish_quote(label)} $__t_v{more} >> {fish_quote(log)}\n")


class PwshDialect(Dialect):
    """PowerShell 7 (pwsh). Not installable on the machines this was written on:
    the loop and every generated line are parse-checked by tree-sitter in
    test_powershell.py, and run wherever pwsh is on PATH."""

    name = "pwsh"
    init_name = "powershell"
    hook_suffix = ".ps1"
    pipe_in_nul = True

    LOOP = r"""
$ErrorActionPreference = 'Continue'
[Console]::InputEncoding = New-Object System.Text.UTF8Encoding -ArgumentList $false
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding -ArgumentList $false
$OutputEncoding = [Console]::OutputEncoding
function global:prompt { 'P> ' }
$__t_in = [Console]::In
while ($true) {
    $__t_sb = New-Object System.Text.StringBuilder
    while (($__t_c = $__t_in.Read()) -gt 0) { [void]$__t_sb.Append([char]$__t_c) }
    if ($__t_c -lt 0) { break }
    $global:LASTEXITCODE = 0
    $__t_ok = $true
    try {
        . ([scriptblock]::Create($__t_sb.ToString())) 2> $env:T_SHELL_ERR | Out-Host
        $__t_ok = $?
    } catch {
        [IO.File]::AppendAllText($env:T_SHELL_ERR, [string]$_ + "`n")
        $__t_ok = $false
    }
    $__t_st = if ($global:LASTEXITCODE) { $global:LASTEXITCODE } elseif (-not $__t_ok) { 1 } else { 0 }
    [Console]::Out.Write("`0" + $__t_st + "`0")
    [Console]::Out.Flush()
}
"""

    @staticmethod
    def Q(value):
        return pwsh_quote(value)

    def argv(self, errfile):
        return ["pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", self.LOOP]

    def script_argv(self):
        return ["pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", "-File"]

    def pty_argv(self):
        return ["pwsh", "-NoLogo", "-NoProfile"]

    def wrap(self, command, errfile):
        return command + "\0"

    def load(self, exe):
        return f"& {pwsh_quote(exe)} init powershell | Out-String | Invoke-Expression"

    def var(self, name):
        return (f"if (Test-Path -LiteralPath env:{name}) "
                f"{{ [Console]::Out.Write([string](Get-Item env:{name}).Value) }} "
                f"elseif (Get-Variable -Name {name} -Scope Global -ErrorAction SilentlyContinue) "
                f"{{ [Console]::Out.Write([string](Get-Variable -Name {name} -Scope Global).Value) }} "
                "else { $global:LASTEXITCODE = 1 }")

    def set_var(self, name, value):
        return f"$global:{name} = {pwsh_quote(value)}"

    def unset_var(self, name):
        return f"Remove-Variable -Name {name} -Scope Global -ErrorAction SilentlyContinue"

    def export(self, name, value):
        return f"$env:{name} = {pwsh_quote(value)}"

    def source(self, path):
        return f". {pwsh_quote(path)}"

    def cd(self, path):
        return f"Set-Location -LiteralPath {pwsh_quote(path)}"

    def pwd(self):
        return "[Console]::Out.Write((Get-Location).Path)"

    def has_function(self, name):
        return (f"if (-not (Get-Command {name} -CommandType Function -ErrorAction SilentlyContinue)) "
                "{ $global:LASTEXITCODE = 1 }")

    def which(self, command):
        return f"[Console]::Out.WriteLine((Get-Command {command} -CommandType Application)[0].Source)"

    def set_prompt(self):
        return "function global:prompt { 'P> ' }"

    def prompt(self):
        return "[Console]::Out.Write((prompt))"

    def complete(self, command, word):
        line = f"{command} {word}"
        return (f"$__t_l = {pwsh_quote(line)}; (TabExpansion2 -inputScript $__t_l -cursorColumn $__t_l.Length)"
                ".CompletionMatches | ForEach-Object { $t = $_.CompletionText; "
                "if ($t -match \"^'.*'$\") { $t = $t.Substring(1, $t.Length - 2) -replace \"''\", \"'\" }; $t }")

    def set_expr(self, name, expr):
        return f"$global:{name} = {expr}"

    def ref(self, name):
        if name == "pwd":
            return "(Get-Location).Path"
        return (f"$(if (Test-Path env:{name}) {{ $env:{name} }} elseif (Test-Path variable:global:{name}) "
                f"{{ [string]$global:{name} }} else {{ 'unset' }})")

    def append_line(self, log, label, *names):
        more = "".join(f" + ' ' + ({self.ref(n)})" for n in names)
        return (f"$__t_v = if ($env:VIRTUAL_ENV) {{ $env:VIRTUAL_ENV }} else {{ 'none' }}\n"
                f"[IO.File]::AppendAllText({pwsh_quote(log)}, {pwsh_quote(label)} + ' ' + $__t_v{more} + \"`n\")\n")


class DashDialect(BashDialect):
    """dash, the plain POSIX sh (for the POSIX quoter; envwrap has no dash hook)."""

    name = "dash"
    init_name = ""

    def argv(self, errfile):
        return ["dash"]

    def wrap(self, command, errfile):
        return f"{{ {command}\n}} 2>{self.Q(errfile)}; printf '\\0%d\\0' \"$?\"\n"


DIALECTS = {d.name: d for d in (BashDialect(), ZshDialect(), FishDialect(), PwshDialect(), DashDialect())}


# ----------------------------------------------------------------- the driver


class Shell:
    """A real ``kind`` shell (bash, zsh, fish or pwsh) under ``env``, driven in
    ``mode`` "pipe" (this class: persistent, over pipes), "pty" (``PtyShell``)
    or "script" (``ScriptShell``); see the module's docstring."""

    def __new__(cls, *args, mode: str = "pipe", **options):
        if cls is Shell:
            cls = {"pipe": Shell, "pty": PtyShell, "script": ScriptShell}[mode]
        return object.__new__(cls)

    def __init__(self, kind: str, env: dict, cwd: Path | None = None, argv: list[str] | None = None,
                 mode: str = "pipe"):
        self.kind = kind
        self.env = env
        self.dialect = DIALECTS[kind]
        self.q = self.dialect.Q
        fd, self.errfile = tempfile.mkstemp(prefix="envwrap-stderr-")
        os.close(fd)
        self.proc = subprocess.Popen(
            argv or self.dialect.argv(self.errfile), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=dict(env, T_SHELL_ERR=self.errfile), cwd=cwd,
        )

    @staticmethod
    def quote(value: str) -> str:
        """POSIX quoting (bash and zsh); ``self.q`` quotes for this shell."""
        return shlex.quote(value)

    def run(self, command: str, timeout: float = 120) -> Result:
        script = self.dialect.wrap(command, self.errfile)
        assert self.proc.stdin and self.proc.stdout
        with open(self.errfile, "wb"):
            pass  # the shells that append (pwsh) see only this command's messages
        self.proc.stdin.write(script.encode())
        self.proc.stdin.flush()
        buf = b""
        fd = self.proc.stdout.fileno()
        while True:
            # a command that waits for input (or a value run as one) must not hang the test
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"{self.kind} did not answer in {timeout}s; output so far: {buf!r}"
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"{self.kind} exited; output so far: {buf!r}")
            buf += chunk
            if buf.endswith(b"\0") and buf.count(b"\0") >= 2:
                head, status, _ = buf.rsplit(b"\0", 2)
                if status.isdigit():
                    break
        with open(self.errfile, "rb") as fh:
            err = fh.read().decode("utf-8", "replace")
        return Result(int(status), head.decode("utf-8", "replace"), err)

    def ok(self, command: str) -> Result:
        result = self.run(command)
        assert result.status == 0, f"{command!r} failed: {result}"
        return result

    def line(self, *words: str) -> str:
        """One command line of ``words``, each quoted for this shell."""
        return " ".join(self.q(w) if i else w for i, w in enumerate(words))

    def call(self, *words: str) -> Result:
        return self.run(self.line(*words))

    def var(self, name: str) -> str | None:
        result = self.run(self.dialect.var(name))
        return result.stdout if result.status == 0 else None

    def set_var(self, name: str, value: str) -> None:
        self.ok(self.dialect.set_var(name, value))

    def export(self, name: str, value: str) -> None:
        self.ok(self.dialect.export(name, value))

    def cd(self, path) -> None:
        self.ok(self.dialect.cd(str(path)))

    def pwd(self) -> str:
        return self.ok(self.dialect.pwd()).stdout

    def source(self, path) -> Result:
        return self.run(self.dialect.source(str(path)))

    def has_function(self, name: str) -> bool:
        return self.run(self.dialect.has_function(name)).status == 0

    def complete(self, command: str, word: str) -> list[str]:
        return [line for line in self.ok(self.dialect.complete(command, word)).lines if line]

    def which(self, command: str) -> str:
        return self.ok(self.dialect.which(command)).stdout.strip()

    def prompt(self) -> str:
        return self.ok(self.dialect.prompt()).stdout

    def load(self, exe) -> Result:
        return self.run(self.dialect.load(str(exe)))

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        finally:
            os.unlink(self.errfile)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PtyShell(Shell):
    """``Shell(kind, env, mode="pty")``: an interactive shell on a pseudo-terminal."""

    def __init__(self, kind: str, env: dict, cwd: Path | None = None, argv: list[str] | None = None,
                 mode: str = "pty", timeout: float = 30, dimensions: tuple[int, int] = (40, 500)):
        import pexpect

        requires(kind)
        self.kind = kind
        self.env = env
        self.dialect = DIALECTS[kind]
        self.q = self.dialect.Q
        argv = argv or self.dialect.pty_argv()
        self.child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=None if cwd is None else str(cwd),
                                   encoding="utf-8", timeout=timeout, dimensions=dimensions)

    def run(self, command: str, timeout: float = 120) -> Result:
        raise TypeError("a pty shell is driven by send/expect; use mode='pipe' to run commands")

    def send(self, text: str) -> None:
        self.child.send(text)

    def sendline(self, line: str = "") -> None:
        self.child.sendline(line)

    def expect(self, pattern, **kw) -> int:
        return self.child.expect(pattern, **kw)

    def expect_exact(self, pattern, **kw) -> int:
        return self.child.expect_exact(pattern, **kw)

    @property
    def before(self) -> str:
        return self.child.before

    @property
    def match(self):
        return self.child.match

    def value(self, expr: str) -> str:
        """Print the value of ``expr`` (this shell's syntax) and read it back."""
        # The echoed command line holds "RESULT " and never "RESULT=[".
        self.child.sendline(f"printf '%s=[%s]\\n' RESULT {expr}")
        self.child.expect(r"RESULT=\[([^\]]*)\]\r?\n")
        return self.child.match.group(1)

    def close(self) -> None:
        self.child.close(force=True)


# ----------------------------------------------------------------- prompt sessions
# Tests that start a shell as a user's starts (their own rc files, PROMPT as the
# prompt) and type into it one command at a time.

PROMPT = "READY> "


class PromptSession:
    """Typing into an interactive shell: ``self.child`` is its pexpect child (with
    PROMPT as prompt), ``self.kind`` its kind, ``self.out`` a scratch file."""

    def sync(self) -> str:
        """Wait until the shell is at a prompt again, after everything typed so far
        (fish redraws its prompt, so a prompt alone is no sign): a command whose
        output, not its echo, holds DONE. Returns what came before it."""
        self.child.sendline("printf '%s%s\\n' DO NE")
        self.child.expect_exact("DONE")
        before = self.child.before
        self.child.expect_exact(PROMPT)
        return before

    def do(self, line: str) -> str:
        self.child.sendline(line)
        return self.sync()

    def var(self, name: str) -> str:
        """The shell variable ``name`` ("" when unset)."""
        self.out.unlink(missing_ok=True)
        ref = f'"${name}"' if self.kind == "fish" else f'"${{{name}-}}"'
        self.do(f"printf '%s' {ref} > {DIALECTS[self.kind].Q(str(self.out))}")
        return self.out.read_text(encoding="utf-8")

    def close(self) -> None:
        import pexpect

        self.child.sendline("exit")
        self.child.expect(pexpect.EOF)
        self.child.close()


def forks(trace: Path) -> int:
    """Processes (not threads) an ``strace -f -e trace=clone,...`` log shows started."""
    import re

    text = trace.read_text() if trace.exists() else ""
    return sum(1 for line in text.splitlines()
               if re.search(r"\b(clone3?|v?fork)\(", line) and "CLONE_THREAD" not in line)


# ----------------------------------------------------------------- scripts (mode="script")
# Tests of fish's own features (completion tables, event handlers, universal
# variables) run one whole fish script and read back what it recorded: values
# go in through environment variables and come back through a record file
# (``out KEY VALUE...`` appends KEY and each value, separated by \\x1f and
# ended by NUL), so they compare byte for byte.


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    records: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def returncode(self) -> int:  # read like a subprocess.CompletedProcess
        return self.status

    def all(self, key: str) -> list[list[str]]:
        return [values for k, values in self.records if k == key]

    def __getitem__(self, key: str) -> list[str]:
        found = self.all(key)
        assert found, f"no record {key!r}; stderr: {self.stderr}"
        return found[-1]

    def one(self, key: str) -> str:
        values = self[key]
        assert len(values) == 1, (key, values)
        return values[0]


PRELUDE = r"""
function out --description 'record KEY VALUES... for the test'
    printf '%s' $argv[1] >>$T_OUT
    for v in $argv[2..-1]
        printf '\x1f%s' $v >>$T_OUT
    end
    printf '\x00' >>$T_OUT
end
function yesno --description 'yes if the command succeeds'
    if $argv >/dev/null
        echo yes
    else
        echo no
    end
end
"""


class ScriptShell(Shell):
    """``Shell(kind, env, cwd, mode="script")``: each ``run`` is one whole script
    in a new process (scripts and records in ``cwd``, else in a directory of
    their own)."""

    def __init__(self, kind: str, env: dict, cwd: Path | None = None, argv: list[str] | None = None,
                 mode: str = "script"):
        requires(kind)
        self.kind = kind
        self.env = env
        self.dialect = DIALECTS[kind]
        self.q = self.dialect.Q
        self.argv = argv or self.dialect.script_argv()
        self.cwd = cwd
        self.own_dir = None if cwd is not None else Path(tempfile.mkdtemp(prefix="envwrap-scripts-"))
        self.tmp = Path(cwd) if cwd is not None else self.own_dir
        self.count = 0

    def run(self, body: str, vars: dict | None = None, load: bool = True, before: str = "",
            timeout: float = 120, prelude: bool = True) -> Run:
        """Run the dialect's prelude (unless not ``prelude``), ``before``, envwrap's
        loader (unless not ``load``), then ``body``, as one script, with ``vars``
        added to the environment."""
        self.count += 1
        out = self.tmp / f"records-{self.count}"
        script = self.tmp / f"script-{self.count}{self.dialect.hook_suffix or '.sh'}"
        text = (self.dialect.script_prelude if prelude else "") + before
        if load:
            text += self.dialect.load(str(ENVWRAP)) + "\n"
        script.write_text(text + body, encoding="utf-8")
        env = dict(self.env)
        env.update(vars or {})
        env["T_OUT"] = str(out)
        out.unlink(missing_ok=True)  # another Shell may have run in this directory before
        proc = subprocess.run([*self.argv, str(script)], env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
        records = []
        if out.exists():
            for chunk in out.read_bytes().split(b"\0")[:-1]:
                key, *values = chunk.decode("utf-8", "surrogateescape").split("\x1f")
                records.append((key, values))
        return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                   proc.stderr.decode("utf-8", "replace"), records)

    def close(self) -> None:
        if self.own_dir is not None:
            shutil.rmtree(self.own_dir, ignore_errors=True)


def run_script(kind: str, env: dict, code: str, argv: list[str] | None = None, cwd: Path | None = None,
               timeout: float = 120) -> Run:
    """``code`` as one script of a new ``kind`` shell, as written (no prelude,
    envwrap not loaded unless ``code`` loads it); ``argv``: how the shell
    starts (its options), the script's path following."""
    with Shell(kind, env, cwd=cwd, argv=argv, mode="script") as shell:
        return shell.run(code, load=False, prelude=False, timeout=timeout)
