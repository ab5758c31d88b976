"""Auto-activation on cd (opt-in), in real interactive bash, zsh and fish.

The prompt hooks run only in interactive shells, so each test drives one over a
pty (pexpect): every step is a line typed at the prompt, and a step is over when
the next prompt is drawn (the hooks ran by then). Values are read back through a
file the shell writes, so nothing depends on what the terminal echoes. Process
counts come from strace on the shell: every process it starts is a fork/clone
(threads are not counted), and the backend is a wrapper that logs each start.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

from conftest import HOSTILE_NAME, require_shell
from realshell import Shell

q = Shell.quote
PROMPT = "READY> "
SHELLS = ("bash", "zsh", "fish")
HOSTILE = HOSTILE_NAME  # conftest's one hostile name


def _fq(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Interactive:
    """One interactive shell with envwrap loaded from an init file (--auto)."""

    def __init__(self, kind: str, user: dict, tmp: Path, envwrap_exe: Path, cwd: Path,
                 rc_extra: str = "", strace: bool = False, auto: bool = True):
        require_shell(kind)
        self.kind, self.tmp = kind, tmp
        self.out = tmp / f"out-{kind}"
        self.log = tmp / f"backend-{kind}.log"
        self.trace = tmp / f"strace-{kind}.log"
        wrapper = tmp / "counting-envwrap"
        wrapper.write_text(f"#!/bin/sh\necho envwrap >> {q(str(self.log))}\nexec {q(str(envwrap_exe))} \"$@\"\n")
        wrapper.chmod(0o755)
        init = tmp / f"init.{kind}"
        argv = [str(envwrap_exe), "init", kind] + (["--auto"] if auto else [])
        text = subprocess.run(argv, env=user, capture_output=True, text=True, check=True).stdout
        init.write_text(text, encoding="utf-8")
        env = dict(user)
        if kind == "bash":
            rc = tmp / "bashrc"
            rc.write_text(f"{rc_extra}\n. {q(str(init))}\n__envwrap_exe=({q(str(wrapper))})\nPS1={q(PROMPT)}\n",
                          encoding="utf-8")
            cmd = ["bash", "--noprofile", "--rcfile", str(rc), "-i"]
        elif kind == "zsh":
            zdot = tmp / "zdot"
            zdot.mkdir(exist_ok=True)
            (zdot / ".zshrc").write_text(
                f"{rc_extra}\n. {q(str(init))}\n__envwrap_exe=({q(str(wrapper))})\nPROMPT={q(PROMPT)}\nRPROMPT=\n",
                encoding="utf-8")
            env["ZDOTDIR"] = str(zdot)
            cmd = ["zsh", "-i"]
        else:
            rc = tmp / "rc.fish"
            rc.write_text(f"{rc_extra}\nsource {_fq(str(init))}\nset -g __envwrap_exe {_fq(str(wrapper))}\n"
                          f"function fish_prompt; printf '%s' {_fq(PROMPT)}; end\n"
                          "function fish_greeting; end\n", encoding="utf-8")
            cmd = ["fish", "--no-config", "-i", "-C", f"source {_fq(str(rc))}"]
        if strace:
            if shutil.which("strace") is None:
                pytest.skip("strace not installed")
            cmd = ["strace", "-f", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o", str(self.trace)] + cmd
        self.child = Shell(kind, env, cwd=cwd, argv=cmd, mode="pty", timeout=60, dimensions=(50, 400)).child
        self.sync()
        self.log.write_text("")

    def sync(self) -> str:
        """Wait until the shell is at a prompt again, after everything typed so far
        (fish redraws its prompt, so a prompt alone is no sign): a command whose
        output, not its echo, holds DONE."""
        self.child.sendline("printf '%s%s\\n' DO NE")
        self.child.expect_exact("DONE")
        before = self.child.before
        self.child.expect_exact(PROMPT)
        return before

    def do(self, line: str) -> str:
        self.child.sendline(line)
        return self.sync()

    def var(self, name: str) -> str:
        self.out.unlink(missing_ok=True)
        if self.kind == "fish":
            self.do(f"printf '%s' \"${name}\" > {_fq(str(self.out))}")
        else:
            self.do(f"printf '%s' \"${{{name}-}}\" > {q(str(self.out))}")
        return self.out.read_text(encoding="utf-8")

    def starts(self) -> int:
        """Backend starts since the last call."""
        n = len(self.log.read_text().splitlines())
        self.log.write_text("")
        return n

    def forks(self) -> int:
        """Processes started (not threads) since strace began."""
        text = self.trace.read_text() if self.trace.exists() else ""
        return sum(1 for line in text.splitlines()
                   if re.search(r"\b(clone3?|v?fork)\(", line) and "CLONE_THREAD" not in line)

    def close(self) -> None:
        self.child.sendline("exit")
        self.child.expect(pexpect.EOF)
        self.child.close()


def _env(user: dict, name: str, envwrap_exe: Path) -> str:
    """Create env ``name`` in WORKON_HOME (no pip) with envwrap, and return its path."""
    subprocess.run([str(envwrap_exe), "new", "--without-pip", name], check=True, env=user, capture_output=True)
    return str(Path(user["WORKON_HOME"]) / name)


@pytest.fixture
def world(tmp_path, user, envwrap_exe):
    """Two projects with .venv files (path form and name form), a nested project,
    a marker-less directory, and an env for each."""
    root = tmp_path / "w"
    one = root / f"one {HOSTILE}"
    two = root / "two"
    inner = one / "sub" / "inner"
    plain = root / "plain" / "deeper"
    for d in (one / "sub", inner, two, plain):
        d.mkdir(parents=True, exist_ok=True)
    env_one = _env(user, f"e1 {HOSTILE}", envwrap_exe)
    env_two = _env(user, "e2", envwrap_exe)
    env_inner = _env(user, "e3", envwrap_exe)
    (one / ".venv").write_text(env_one + "\n", encoding="utf-8")
    (two / ".venv").write_text("e2\n", encoding="utf-8")  # virtualfish's form
    (inner / ".venv").write_text(env_inner + "\n", encoding="utf-8")
    return dict(root=root, one=one, two=two, inner=inner, plain=plain,
                env_one=env_one, env_two=env_two, env_inner=env_inner)


def _cd(path: Path, kind: str) -> str:
    return f"cd {_fq(str(path)) if kind == 'fish' else q(str(path))}"


@pytest.mark.parametrize("kind", SHELLS)
def test_cd_in_and_out_nested_and_name_form(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["root"])
    try:
        assert sh.var("VIRTUAL_ENV") == ""
        said = sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_one"], said
        assert sh.starts() == 1
        sh.do(_cd(world["one"] / "sub", kind))  # still inside: same env, no process
        assert sh.starts() == 0
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do(_cd(world["inner"], kind))  # a nested project: its own env
        assert sh.var("VIRTUAL_ENV") == world["env_inner"]
        sh.do(_cd(world["two"], kind))  # name form
        assert sh.var("VIRTUAL_ENV") == world["env_two"]
        assert sh.starts() == 2  # the activations of inner and two
        sh.do(_cd(world["plain"], kind))  # out of every tree: deactivated, no process
        assert sh.starts() == 0
        assert sh.var("VIRTUAL_ENV") == ""
        assert sh.var("PATH").split(":")[0] != os.path.join(world["env_two"], "bin")
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_manual_deactivate_is_respected_until_the_tree_is_left(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["root"])
    try:
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do("deactivate")
        sh.do(_cd(world["one"] / "sub", kind))
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(world["plain"], kind))
        sh.do(_cd(world["one"], kind))  # left and came back: active again
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_an_env_activated_by_hand_is_left_alone(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["plain"])
    try:
        sh.do("workon e2")
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_two"]
        sh.do(_cd(world["plain"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_two"]
        # ...and one chosen by hand inside an auto-activated tree stays on leaving it.
        sh.do("deactivate")
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do("workon e3")
        sh.do(_cd(world["plain"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_inner"]
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_a_shell_started_inside_a_project_activates_it(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["one"] / "sub")
    try:
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_off_unless_asked(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["one"], auto=False)
    try:
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(world["two"], kind))
        assert sh.var("VIRTUAL_ENV") == ""
        assert sh.starts() == 0
        # switched on in this shell by the config command, at once
        sh.do("envwrap config auto_activate true")
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_a_broken_env_says_one_line_and_is_not_retried(kind, user, tmp_path, envwrap_exe, world):
    bad = world["root"] / "bad"
    bad.mkdir()
    (bad / ".venv").write_text(str(Path(user["WORKON_HOME"]) / "gone") + "\n")
    (bad / "sub").mkdir()
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["root"])
    try:
        out = sh.do(_cd(bad, kind))
        said = [line for line in out.splitlines() if "envwrap:" in line]
        assert len(said) == 1 and "not an environment" in said[0], out
        sh.starts()
        sh.do(_cd(bad / "sub", kind))
        sh.do("true")
        assert sh.starts() == 0
        assert sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_processes_per_prompt(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["plain"], strace=True)
    try:
        sh.do("true")
        before = sh.forks()
        sh.do("")  # a prompt with PWD unchanged
        sh.do(_cd(world["root"], kind))  # between directories with no marker
        sh.do(_cd(world["plain"], kind))
        assert sh.forks() - before == 0
        assert sh.starts() == 0
        sh.do(_cd(world["one"], kind))
        assert sh.starts() == 1  # the activation: one backend process
        assert sh.forks() > before  # (which the trace does see)
        before = sh.forks()
        sh.do("")
        sh.do(_cd(world["one"] / "sub", kind))
        sh.do(_cd(world["plain"], kind))  # leaving deactivates without a process
        assert sh.forks() - before == 0
        assert sh.starts() == 0
    finally:
        sh.close()


USER_HOOKS = {
    "bash": "PROMPT_COMMAND='echo user-hook-ran > \"$HOME/hook\"'",
    "zsh": "mine() { echo user-hook-ran > \"$HOME/hook\"; }; precmd_functions+=(mine)",
    "fish": "function mine --on-event fish_prompt; echo user-hook-ran > $HOME/hook; end",
}


@pytest.mark.parametrize("kind", SHELLS)
def test_user_prompt_hooks_are_kept(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["root"], rc_extra=USER_HOOKS[kind])
    try:
        hook = Path(user["HOME"]) / "hook"
        hook.unlink(missing_ok=True)
        sh.do(_cd(world["one"], kind))
        assert hook.read_text().strip() == "user-hook-ran"
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
    finally:
        sh.close()


def test_bash_prompt_command_array_and_set_u(user, tmp_path, envwrap_exe, world):
    rc = "set -u; PROMPT_COMMAND=('echo first > \"$HOME/hook\"' 'echo second >> \"$HOME/hook\"')"
    sh = Interactive("bash", user, tmp_path, envwrap_exe, cwd=world["root"], rc_extra=rc)
    try:
        hook = Path(user["HOME"]) / "hook"
        sh.do(_cd(world["one"], "bash"))
        assert hook.read_text().split() == ["first", "second"]
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do(_cd(world["plain"], "bash"))
        assert sh.var("VIRTUAL_ENV") == ""
        assert sh.var("BASH_VERSION")  # the shell survived set -u throughout
    finally:
        sh.close()


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_set_u_posix(kind, user, tmp_path, envwrap_exe, world):
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["root"], rc_extra="set -u")
    try:
        sh.do(_cd(world["two"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_two"]
        sh.do(_cd(world["plain"], kind))
        assert sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()


@pytest.mark.parametrize("kind", SHELLS)
def test_project_local_venv_directory_and_hooks(kind, user, tmp_path, envwrap_exe, world):
    # (no quote or $ here: python -m venv's own activate script mangles those)
    local = world["root"] / "local dir è"
    local.mkdir()
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(local / ".venv")], check=True, env=user)
    hook_dir = Path(user["WORKON_HOME"])
    ext = ".fish" if kind == "fish" else ""
    (hook_dir / f"postactivate{ext}").write_text("echo post > \"$HOME/post\"\n")
    (hook_dir / f"postdeactivate{ext}").write_text("echo postde > \"$HOME/postde\"\n")
    # a .venv directory came with the project: activated on cd once allowed (test_trust)
    subprocess.run([str(envwrap_exe), "allow", str(local)], env=user, check=True, capture_output=True)
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["root"])
    try:
        sh.do(_cd(local, kind))
        assert sh.var("VIRTUAL_ENV") == str(local / ".venv")
        assert (Path(user["HOME"]) / "post").read_text().strip() == "post"
        sh.do(_cd(world["root"], kind))
        assert sh.var("VIRTUAL_ENV") == ""
        assert (Path(user["HOME"]) / "postde").read_text().strip() == "postde"
    finally:
        sh.close()


# ----------------------------------------------------------------- PowerShell
# pwsh cannot be installed here: the body is parse-checked with tree-sitter
# always, and run where pwsh is on PATH. Calling `prompt` is what the host does
# before each prompt; the user's prompt is defined before envwrap loads.

PS_AUTO_BODY = r"""
$ErrorActionPreference = 'Continue'
function global:Out {
    param([string]$Key)
    $values = @(foreach ($arg in $args) { [string]$arg })
    $record = ConvertTo-Json -Compress -InputObject (@($Key) + $values)
    [IO.File]::AppendAllText($env:T_OUT, $record + "`n", (New-Object System.Text.UTF8Encoding -ArgumentList $false))
}
function global:prompt { 'USER> ' }
& $env:T_ENVWRAP init powershell --auto | Out-String | Invoke-Expression
Set-Location -LiteralPath $env:T_ONE
Out p1 (prompt) ([string]$env:VIRTUAL_ENV)
Set-Location -LiteralPath (Join-Path $env:T_ONE 'sub')
Out p2 (prompt) ([string]$env:VIRTUAL_ENV)
deactivate
Set-Location -LiteralPath $env:T_ONE
Out p3 (prompt) ([string]$env:VIRTUAL_ENV)
Set-Location -LiteralPath $env:T_PLAIN
Out p4 (prompt) ([string]$env:VIRTUAL_ENV)
Set-Location -LiteralPath $env:T_TWO
Out p5 (prompt) ([string]$env:VIRTUAL_ENV)
Set-Location -LiteralPath $env:T_PLAIN
Out p6 (prompt) ([string]$env:VIRTUAL_ENV)
"""


def test_powershell_auto_body_parses(ps_parser):
    from pwsh import parse

    parse(ps_parser, PS_AUTO_BODY)


def test_powershell_auto_section_is_registered_only_when_enabled(user, envwrap_exe, ps_parser):
    """The preamble carries the decision; the static file registers nothing itself."""
    off = subprocess.run([str(envwrap_exe), "init", "powershell"], env=user, capture_output=True, text=True)
    on = subprocess.run([str(envwrap_exe), "init", "powershell", "--auto"], env=user, capture_output=True, text=True)
    assert "$global:__envwrap_auto = ''" in off.stdout
    assert "$global:__envwrap_auto = '1'" in on.stdout
    from pwsh import parse

    parse(ps_parser, on.stdout)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh not on PATH (not installable on this machine)")
def test_pwsh_auto_activation(user, tmp_path, envwrap_exe, world):
    import json

    script = tmp_path / "auto.ps1"
    script.write_text("\ufeff" + PS_AUTO_BODY, encoding="utf-8")
    out = tmp_path / "records.jsonl"
    env = dict(user, T_OUT=str(out), T_ENVWRAP=str(envwrap_exe), T_ONE=str(world["one"]),
               T_TWO=str(world["two"]), T_PLAIN=str(world["plain"]))
    proc = subprocess.run([shutil.which("pwsh"), "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
                          env=env, cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    rec = {key: values for key, *values in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rec["p1"][1] == world["env_one"] and rec["p1"][0].endswith("USER> ")
    assert rec["p2"][1] == world["env_one"]
    assert rec["p3"][1] == ""  # deactivated by hand inside: respected
    assert rec["p4"][1] == ""
    assert rec["p5"][1] == world["env_two"]
    assert rec["p6"][1] == ""


PS_DEACTIVATE_BODY = r"""
$ErrorActionPreference = 'Continue'
function global:prompt { 'USER> ' }
& $env:T_ENVWRAP init powershell --auto | Out-String | Invoke-Expression
Set-Location -LiteralPath $env:T_ONE
$null = prompt
$a = [string]$env:VIRTUAL_ENV
workon $env:T_NAME; deactivate
$null = prompt
Set-Location -LiteralPath (Join-Path $env:T_ONE 'sub')
$null = prompt
$b = [string]$env:VIRTUAL_ENV
[IO.File]::WriteAllText($env:T_OUT, "[$a][$b]")
"""


def test_powershell_deactivate_body_parses(ps_parser):
    from pwsh import parse

    parse(ps_parser, PS_DEACTIVATE_BODY)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh not on PATH (not installable on this machine)")
def test_pwsh_workon_and_deactivate_on_one_line_is_respected(user, tmp_path, envwrap_exe, world):
    script = tmp_path / "deact.ps1"
    script.write_text("\ufeff" + PS_DEACTIVATE_BODY, encoding="utf-8")
    out = tmp_path / "out.txt"
    env = dict(user, T_OUT=str(out), T_ENVWRAP=str(envwrap_exe), T_ONE=str(world["one"]), T_NAME=f"e1 {HOSTILE}")
    proc = subprocess.run([shutil.which("pwsh"), "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
                          env=env, cwd=tmp_path, capture_output=True, timeout=120, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == f"[{world['env_one']}][]"


PS_SWITCH_BODY = r"""
$ErrorActionPreference = 'Continue'
function global:prompt { 'USER> ' }
$mine = [string]$function:prompt
& $env:T_ENVWRAP init powershell --auto | Out-String | Invoke-Expression
$wrapped = [string]$function:prompt -cne $mine
envwrap config auto_activate false
$back = [string]$function:prompt -ceq $mine
envwrap config auto_activate true
$again = [string]$function:prompt -cne $mine
[IO.File]::WriteAllText($env:T_OUT, "$wrapped $back $again")
"""


def test_powershell_switch_body_parses(ps_parser):
    from pwsh import parse

    parse(ps_parser, PS_SWITCH_BODY)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh not on PATH (not installable on this machine)")
def test_pwsh_config_switches_the_prompt_wrapper_at_once(user, tmp_path, envwrap_exe):
    script = tmp_path / "switch.ps1"
    script.write_text("\ufeff" + PS_SWITCH_BODY, encoding="utf-8")
    out = tmp_path / "out.txt"
    proc = subprocess.run([shutil.which("pwsh"), "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(script)],
                          env=dict(user, T_OUT=str(out), T_ENVWRAP=str(envwrap_exe)), cwd=tmp_path,
                          capture_output=True, timeout=120, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "True True True"


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish", "powershell"])
def test_init_follows_the_config(kind, user, envwrap_exe):
    def preamble_auto() -> str:
        text = subprocess.run([str(envwrap_exe), "init", kind], env=user, capture_output=True, text=True,
                              check=True).stdout
        line = next(x for x in text.splitlines() if "__envwrap_auto " in x or "__envwrap_auto=" in x
                    or "__envwrap_auto =" in x)
        return line

    assert "1" not in preamble_auto()
    subprocess.run([str(envwrap_exe), "config", "auto_activate", "true"], env=user, check=True)
    assert "1" in preamble_auto()
    shown = subprocess.run([str(envwrap_exe), "config"], env=user, capture_output=True, text=True).stdout
    assert re.search(r"auto_activate\s+= true\s+\(config file\)", shown), shown
    assert re.search(r"python_envs\s+= true\s+\(default\)", shown), shown


@pytest.mark.parametrize("kind", SHELLS)
def test_a_deactivate_is_respected_however_it_was_typed(kind, user, tmp_path, envwrap_exe, world):
    """Issue 18.12: `workon proj; deactivate` on one line, or a deactivate of an
    env activated by hand, inside a project tree: nothing is activated again
    until the tree is left."""
    name = f"e1 {HOSTILE}"
    subprocess.run([str(envwrap_exe), "project", name, str(world["one"])], env=user, check=True,
                   capture_output=True)  # so that workon cds to the project
    typed = _fq(name) if kind == "fish" else q(name)
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["plain"])
    try:
        sh.do(f"workon {typed}; deactivate")  # from outside: workon cds in
        assert sh.var("PWD") == str(world["one"])
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(world["one"] / "sub", kind))
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(world["plain"], kind))
        sh.do(_cd(world["one"] / "sub", kind))  # left and came back: active
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do(f"workon {typed}; deactivate")  # from inside, after auto-activation
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(world["one"] / "sub", kind))
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(_cd(world["plain"], kind))
        sh.do("workon e2")  # by hand, carried into the tree, then deactivated there
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_two"]
        sh.do("deactivate")
        sh.do(_cd(world["one"] / "sub", kind))
        assert sh.var("VIRTUAL_ENV") == ""
        # a deactivate and a cd to another tree on one line: that tree activates
        sh.do(_cd(world["plain"], kind))
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do(f"deactivate; {_cd(world['two'], kind)}")
        assert sh.var("VIRTUAL_ENV") == world["env_two"]
    finally:
        sh.close()


HOOKS_SHOWN = {  # what the shell has registered for its prompt, as one string
    "bash": "printf '%s' \"${PROMPT_COMMAND[*]-}\"",
    "zsh": "printf '%s' \"${precmd_functions[*]-} ${chpwd_functions[*]-}\"",
    "fish": "functions -an | string match -e __envwrap_auto_on | string join ' '",
}


@pytest.mark.parametrize("kind", SHELLS)
def test_config_switches_the_hooks_off_and_on_at_once(kind, user, tmp_path, envwrap_exe, world):
    """Issue 19.9: after `envwrap config auto_activate false` no prompt hook of
    envwrap's stays registered in this shell; `true` registers it again."""
    sh = Interactive(kind, user, tmp_path, envwrap_exe, cwd=world["plain"],
                     rc_extra=USER_HOOKS[kind])
    shown = tmp_path / "hooks-shown"

    def hooks() -> str:
        sh.do(f"{HOOKS_SHOWN[kind]} > {_fq(str(shown)) if kind == 'fish' else q(str(shown))}")
        return shown.read_text(encoding="utf-8")

    try:
        assert "__envwrap_auto" in hooks()
        sh.do("envwrap config auto_activate false")
        left = hooks()
        assert "__envwrap_auto" not in left
        if kind != "fish":
            assert "mine" in left or "user-hook-ran" in left  # the user's own hook stays
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == ""
        sh.starts()
        sh.do(_cd(world["plain"], kind))
        assert sh.starts() == 0
        sh.do("envwrap config auto_activate true")
        assert "__envwrap_auto" in hooks()
        sh.do(_cd(world["one"], kind))
        assert sh.var("VIRTUAL_ENV") == world["env_one"]
        sh.do("envwrap config auto_activate true")  # registered once, not twice
        text = hooks()
        assert text.count("__envwrap_auto_hook") == (0 if kind == "fish" else (2 if kind == "zsh" else 1)), text
    finally:
        sh.close()
