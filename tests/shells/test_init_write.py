"""``envwrap init SHELL --write``: the files it writes, and real interactive bash,
zsh and fish started with them as a user starts a shell.

What is asserted is deterministic: which files are written (and never over a
file envwrap did not write), what fish sources at start (its own profile of the
start-up), which processes a start-up creates (strace), and that the commands,
TAB, deactivate and auto-activation work from the written files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

from envwrap import shells
from envwrap.shells import fishsplit, posixsplit, writer

from conftest import require_shell, snapshot
from realshell import Shell

q = Shell.quote
PROMPT = "READY> "
HOSTILE = "a b'c$`d é"


def _fq(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write(user: dict, envwrap_exe: Path, shell: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(envwrap_exe), "init", shell, "--write", *extra], env=user, capture_output=True,
                          text=True)


def fish_dir(user: dict) -> Path:
    return Path(user["XDG_CONFIG_HOME"]) / "fish"


def data_dir(user: dict) -> Path:
    return Path(user["XDG_DATA_HOME"]) / "envwrap" / "shell"


def marked(root: Path) -> set[str]:
    """The files under ``root`` that begin with envwrap's marker, relative to it."""
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and p.read_text(encoding="utf-8-sig").startswith(writer.MARKER)}


def source(shell: str) -> str:
    return Path(shells.get(shell).hook_file()).read_text(encoding="utf-8")


# ------------------------------------------------------------- the files written

def test_fish_files_one_per_function_and_conf_d_holds_no_lazy_body(user, envwrap_exe):
    proc = write(user, envwrap_exe, "fish")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "", "fish needs no line in config.fish"
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("envwrap: wrote ")
    text = source("fish")
    # Counted from the source here, not by the splitter: every top-level function
    # that is no event handler gets its own file.
    names = re.findall(r"^function (\S+)(.*)$", text, re.M)
    lazy = {name for name, rest in names if not re.search(r"--on-(event|variable|signal)", rest)}
    files = marked(fish_dir(user))
    functions = {f for f in files if f.startswith("functions/")}
    assert functions == {f"functions/{name}.fish" for name in lazy}
    completions = {f for f in files if f.startswith("completions/")}
    assert {"completions/workon.fish", "completions/vf.fish", "completions/envwrap.fish"} <= completions
    assert files == functions | completions | {"conf.d/envwrap.fish"}
    assert len(files) == 1 + len(lazy) + len(fishsplit.split(text).completions)
    conf = (fish_dir(user) / "conf.d" / "envwrap.fish").read_text(encoding="utf-8")
    for name in lazy:
        assert not re.search(rf"^\s*function {re.escape(name)}\b", conf, re.M), name
    assert "register_completions" not in conf, "TAB registrations wait for the first TAB"
    assert (fish_dir(user) / "functions" / "workon.fish").read_text().count("\nfunction ") == 1


def test_bash_zsh_powershell_files_and_the_rc_line(user, envwrap_exe):
    expected = {
        "bash": {"envwrap.bash", "envwrap-functions.bash"},
        "zsh": {"envwrap.zsh"} | {f"zsh-functions/{n}" for n in posixsplit.split(source("zsh")).lazy},
        "powershell": {"envwrap.ps1"},
    }
    for shell, files in expected.items():
        before = marked(data_dir(user)) if data_dir(user).exists() else set()
        proc = write(user, envwrap_exe, shell)
        assert proc.returncode == 0, proc.stderr
        main = data_dir(user) / f"envwrap.{shells.get(shell).extension}"
        assert proc.stdout == shells.get(shell).impl().source_line(str(main)), "one line for the rc file"
        assert marked(data_dir(user)) - before == files
    # zsh: every function not called at load is a file of its own, none is lost
    split = posixsplit.split(source("zsh"))
    assert len(expected["zsh"]) == 1 + len(split.definitions) - len(split.eager) and len(split.eager) < 10
    bash = (data_dir(user) / "envwrap.bash").read_text()
    for name in posixsplit.split(source("bash")).lazy:
        assert f'{name}() {{ __envwrap_lazy $? {name} "$@"; }}\n' in bash


def test_powershell_file_parses(user, envwrap_exe, ps_parser):
    from pwsh import parse

    assert write(user, envwrap_exe, "powershell").returncode == 0
    data = (data_dir(user) / "envwrap.ps1").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM: Windows PowerShell 5.1 reads UTF-8 by it"
    parse(ps_parser, data.decode("utf-8-sig"))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_written_files_pass_the_syntax_check(shell, user, envwrap_exe):
    require_shell(shell)
    assert write(user, envwrap_exe, shell).returncode == 0
    root = fish_dir(user) if shell == "fish" else data_dir(user)
    for rel in sorted(marked(root)):
        path = root / rel
        if shell == "zsh" and "zsh-functions" in rel:  # a body: wrap it as zsh does
            text = f"f() {{\n{path.read_text()}\n}}\n"
            proc = subprocess.run(["zsh", "-n"], input=text, capture_output=True, text=True)
        else:
            proc = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0 and proc.stderr == "", (rel, proc.stderr)


def test_written_bash_files_pass_shellcheck(user, envwrap_exe):
    if not shutil.which("shellcheck"):
        if os.environ.get("CI"):
            pytest.fail("shellcheck missing in CI")
        pytest.skip("shellcheck not installed")
    assert write(user, envwrap_exe, "bash").returncode == 0
    proc = subprocess.run(["shellcheck", "-s", "bash", str(data_dir(user) / "envwrap.bash"),
                           str(data_dir(user) / "envwrap-functions.bash")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_rerun_replaces_its_files_and_removes_the_ones_it_no_longer_writes(user, envwrap_exe):
    assert write(user, envwrap_exe, "fish").returncode == 0
    functions = fish_dir(user) / "functions"
    workon = functions / "workon.fish"
    good = workon.read_text()
    workon.write_text(good.replace("function workon", "function workon_edited"))
    old = functions / "__envwrap_renamed_since.fish"
    old.write_text(writer.MARKER + "function __envwrap_renamed_since\nend\n")
    mine = functions / "mine.fish"
    mine.write_text("function mine\nend\n")
    proc = write(user, envwrap_exe, "fish")
    assert proc.returncode == 0, proc.stderr
    assert "removed 1 " in proc.stderr
    assert workon.read_text() == good and not old.exists() and mine.read_text() == "function mine\nend\n"
    assert not [p for p in fish_dir(user).rglob("*.envwrap-*")], "no temporary file left"


@pytest.mark.parametrize("shell, rel", [("fish", "functions/workon.fish"), ("fish", "completions/workon.fish"),
                                        ("fish", "conf.d/envwrap.fish"), ("bash", "envwrap-functions.bash"),
                                        ("zsh", "zsh-functions/__envwrap_names"), ("powershell", "envwrap.ps1")])
def test_a_file_envwrap_did_not_write_is_never_overwritten(shell, rel, user, envwrap_exe, tmp_path):
    if shell == "zsh" and "__envwrap_names" not in posixsplit.split(source("zsh")).lazy:
        rel = f"zsh-functions/{posixsplit.split(source('zsh')).lazy[0]}"
    root = fish_dir(user) if shell == "fish" else data_dir(user)
    theirs = root / rel
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_text("# someone else's\n")
    before = snapshot(Path(user["HOME"]), mtimes=True)
    proc = write(user, envwrap_exe, shell)
    assert proc.returncode != 0 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("envwrap: init: ")
    assert str(theirs) in proc.stderr
    assert snapshot(Path(user["HOME"]), mtimes=True) == before, "nothing written"


def test_doctor_says_when_the_written_files_are_stale(user, envwrap_exe):
    assert write(user, envwrap_exe, "zsh", "--auto").returncode == 0
    assert write(user, envwrap_exe, "fish").returncode == 0

    def doctor() -> list[str]:
        proc = subprocess.run([str(envwrap_exe), "doctor"], env=user, capture_output=True, text=True)
        return [line for line in proc.stdout.splitlines() if "--write" in line]

    assert doctor() == []
    main = data_dir(user) / "envwrap.zsh"
    text = main.read_text()
    main.write_text(re.sub(r"(# envwrap stamp: )\S+", r"\g<1>0.0.1+000000000000", text, count=1))
    lines = doctor()
    assert len(lines) == 1 and str(main) in lines[0] and "0.0.1+000000000000" in lines[0]
    assert lines[0].endswith("envwrap init zsh --write --auto"), "the command that refreshes them, as written"
    assert write(user, envwrap_exe, "zsh", "--auto").returncode == 0
    assert doctor() == []


# ------------------------------------------------------ real interactive shells

class Started:
    """An interactive shell on a pty, started as a user's is, envwrap loaded from
    the written files (bash: --rcfile, zsh: $ZDOTDIR/.zshrc, fish: its config dir;
    fish's conf.d runs before config.fish)."""

    def __init__(self, kind: str, user: dict, tmp: Path, rc_line: str, cwd: Path, strace: Path | None = None,
                 fish_args: tuple = ()):
        self.kind, self.out = kind, tmp / f"out-{kind}"
        env = dict(user)
        if kind == "bash":
            rc = tmp / "bashrc"
            rc.write_text(f"{rc_line}PS1={q(PROMPT)}\nbind 'set show-all-if-ambiguous on' 2>/dev/null\n")
            cmd = ["bash", "--noprofile", "--rcfile", str(rc), "-i"]
        elif kind == "zsh":
            zdot = tmp / "zdot"
            zdot.mkdir(exist_ok=True)
            (zdot / ".zshrc").write_text(f"{rc_line}autoload -Uz compinit && compinit -u -D\n"
                                         f"PROMPT={q(PROMPT)}\nRPROMPT=\nunsetopt BEEP\n")
            env["ZDOTDIR"] = str(zdot)
            cmd = ["zsh", "-i"]
        else:
            config = Path(user["XDG_CONFIG_HOME"]) / "fish" / "config.fish"
            config.parent.mkdir(parents=True, exist_ok=True)
            # fish's first interactive start would generate completions from man
            # pages in the background (a Python process) unless this exists.
            (Path(user["XDG_DATA_HOME"]) / "fish" / "generated_completions").mkdir(parents=True, exist_ok=True)
            for sub in ("functions", "completions", "conf.d"):  # else its first start runs mkdir
                (config.parent / sub).mkdir(exist_ok=True)
            config.write_text(f"function fish_prompt; printf '%s' {_fq(PROMPT)}; end\n"
                              "function fish_greeting; end\n")
            cmd = ["fish", *fish_args, "-i"]
        if strace is not None:
            cmd = ["strace", "-f", "-qq", "-e", "trace=clone,clone3,fork,vfork,execve", "-o", str(strace)] + cmd
        self.child = Shell(kind, env, cwd=cwd, argv=cmd, mode="pty", timeout=60, dimensions=(50, 400)).child
        self.sync()

    def sync(self) -> str:
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
        ref = f'"${name}"' if self.kind == "fish" else f'"${{{name}-}}"'
        self.do(f"printf '%s' {ref} > {_fq(str(self.out))}")
        return self.out.read_text(encoding="utf-8")

    def close(self) -> None:
        self.child.sendline("exit")
        self.child.expect(pexpect.EOF)
        self.child.close()


def forks(trace: Path) -> int:
    text = trace.read_text() if trace.exists() else ""
    return sum(1 for line in text.splitlines()
               if re.search(r"\b(clone3?|v?fork)\(", line) and "CLONE_THREAD" not in line)


def _envs(user: dict, envwrap_exe: Path, *names: str) -> None:
    for name in names:
        subprocess.run([str(envwrap_exe), "new", "--without-pip", name], env=user, check=True, capture_output=True)


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_a_shell_started_with_the_written_files(kind, user, envwrap_exe, tmp_path):
    """workon, TAB, deactivate and auto-activation, in a real interactive shell
    loaded from the written files; loading them starts no process."""
    require_shell(kind)
    if shutil.which("strace") is None:
        if os.environ.get("CI"):
            pytest.fail("strace missing in CI")
        pytest.skip("strace not installed")
    _envs(user, envwrap_exe, HOSTILE, "tabenv-one", "proj-env")
    project = tmp_path / "project dir"
    (project / "sub").mkdir(parents=True)
    (project / ".venv").write_text("proj-env\n")
    proc = write(user, envwrap_exe, kind, "--auto")
    assert proc.returncode == 0, proc.stderr
    # The same shell without envwrap, for what it starts by itself (zsh's compinit forks).
    bare_dir = tmp_path / "bare"
    (bare_dir / "config").mkdir(parents=True)
    bare_trace = tmp_path / "strace-bare.log"
    bare = Started(kind, dict(user, XDG_CONFIG_HOME=str(bare_dir / "config")), bare_dir, "", cwd=tmp_path,
                   strace=bare_trace)
    at_start = forks(bare_trace)
    bare.close()
    trace = tmp_path / "strace.log"
    sh = Started(kind, user, tmp_path, proc.stdout, cwd=tmp_path, strace=trace)
    try:
        assert forks(trace) == at_start, "loading envwrap (and the first prompt) starts no process"
        listing = sh.do("workon")
        assert HOSTILE in listing and "tabenv-one" in listing
        assert forks(trace) == at_start, "workon with no name lists with a glob"
        sh.child.send("workon tabe\t")
        sh.child.send("\r")
        sh.child.expect_exact(PROMPT)
        sh.sync()
        assert sh.var("VIRTUAL_ENV") == user["WORKON_HOME"] + "/tabenv-one"
        sh.do("deactivate")
        assert sh.var("VIRTUAL_ENV") == ""
        sh.do(f"workon {_fq(HOSTILE) if kind == 'fish' else q(HOSTILE)}")
        assert sh.var("VIRTUAL_ENV") == user["WORKON_HOME"] + "/" + HOSTILE
        n = forks(trace)
        sh.do("deactivate")
        assert forks(trace) == n, "deactivate starts no process"
        sh.do(f"cd {_fq(str(project / 'sub'))}")
        assert sh.var("VIRTUAL_ENV") == user["WORKON_HOME"] + "/proj-env", "auto-activation on cd"
        sh.do("cd /")
        assert sh.var("VIRTUAL_ENV") == ""
    finally:
        sh.close()


def test_fish_reads_a_function_file_only_when_the_function_is_used(user, envwrap_exe, tmp_path):
    """fish's own profile of its start-up lists every file it sources: conf.d's,
    and the few functions called at load; not workon's, not any completion file.
    (``functions -q`` cannot tell: it autoloads the function it is asked about.)"""
    require_shell("fish")
    _envs(user, envwrap_exe, "one")
    assert write(user, envwrap_exe, "fish").returncode == 0
    start, after = tmp_path / "start.prof", tmp_path / "after.prof"
    sh = Started("fish", user, tmp_path, "", cwd=tmp_path,
                 fish_args=("--profile-startup", str(start), "--profile", str(after)))
    try:
        sh.child.send("workon o\t")
        sh.child.send("\r")
        sh.child.expect_exact(PROMPT)
        sh.sync()
        assert sh.var("VIRTUAL_ENV") == user["WORKON_HOME"] + "/one"
    finally:
        sh.close()
    base = fish_dir(user)

    def sourced(profile: Path) -> set[str]:
        found = re.findall(r"source (\S+\.fish)", profile.read_text())
        return {str(Path(f).relative_to(base)) for f in found if f.startswith(str(base))}

    at_start = sourced(start)
    assert "set -g __envwrap_loads" in start.read_text(), "conf.d/envwrap.fish ran at start"
    lazy = {f for f in at_start if f.startswith("functions/")}
    assert lazy and len(lazy) <= 5, f"only what runs at load: {sorted(lazy)}"
    assert not {f for f in at_start if f.startswith("completions/")}
    assert "functions/workon.fish" not in at_start and "functions/__envwrap_names.fish" not in at_start
    later = sourced(after)
    assert {"functions/workon.fish", "completions/workon.fish", "functions/__envwrap_names.fish"} <= later


# ------------------------------------------------------------ the splitters

FISH = """\
# header
set -g __x_loaded 1

# says what f does
function f --description 'f'
    g
end

function g
    echo g
end

function __envwrap_x_register_completions
    for cmd in cmd1 cmd2
        complete -c $cmd -e
    end
    complete -c cmd3 -a '(f)'
    __envwrap_x_opts
end

function __envwrap_x_opts
    complete -c cmd4 -s h
end
__envwrap_x_register_completions

function h --on-variable PWD
    f
end
"""


def test_fish_split_keeps_event_handlers_and_moves_registrations_to_completions():
    pieces = fishsplit.split(FISH)
    assert set(pieces.functions) == {"f", "g", "__envwrap_x_register_completions", "__envwrap_x_opts"}
    assert pieces.functions["f"].startswith("# says what f does\nfunction f ")
    assert pieces.eager == "set -g __x_loaded 1\nfunction h --on-variable PWD\n    f\nend\n"
    assert pieces.completions == {c: "__envwrap_x_register_completions\n" for c in ("cmd1", "cmd2", "cmd3", "cmd4")}
    with pytest.raises(ValueError):
        fishsplit.split("function f\n    echo\n")


POSIX = """\
__x_a() {
    __x_b "$@"
}
__x_b() { echo b; }
__x_c() {
    case $1 in
        __x_d) PROMPT_COMMAND=(__x_d) ;;
    esac
    v=$(__x_e)
}
__x_d() { :; }
__x_e() { :; }
__x_lazy() {
    __x_a
}
__x_c
complete -F __x_a cmd
"""


def test_posix_split_defines_at_load_only_what_load_calls():
    pieces = posixsplit.split(POSIX)
    assert pieces.eager == ["__x_c", "__x_e"], "a case pattern or an array element is no call"
    assert pieces.lazy == ["__x_a", "__x_b", "__x_d", "__x_lazy"]
    assert pieces.bodies["__x_b"] == "echo b;\n" and pieces.bodies["__x_a"] == '    __x_b "$@"\n'
    assert pieces.statements == "__x_c\ncomplete -F __x_a cmd\n"
