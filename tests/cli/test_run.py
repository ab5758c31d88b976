"""Using an environment without activating it: ``envwrap run``, ``envwrap shell``,
``envwrap which``, in real processes (exec, signals, pipes, an empty environment)
and, for ``shell``, real interactive bash, zsh and fish on a pseudo-terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from conftest import HOSTILE_NAME, cli, require_shell
from realshell import Shell

q = Shell.quote
HOSTILE = HOSTILE_NAME  # conftest's one hostile name
LINUX = sys.platform.startswith("linux")


def envwrap(envwrap_exe, env, *args, **kw):
    return cli(env, *args, exe=envwrap_exe, **kw)


def one_line(stderr: str) -> bool:
    return stderr.startswith("envwrap: ") and stderr.count("\n") == 1 and "Traceback" not in stderr


@pytest.fixture
def made(user, envwrap_exe):
    """make(name): create an environment without pip, return its path."""

    def make(name: str) -> Path:
        proc = envwrap(envwrap_exe, user, "new", "--without-pip", name)
        assert proc.returncode == 0, proc.stderr
        return Path(proc.stdout.strip())

    return make


PRINT_ENV = "import os, sys; print(sys.prefix); print(os.environ['VIRTUAL_ENV']); print(os.environ['PATH'])"


# ----------------------------------------------------------------- run


def test_run_gives_the_command_the_environment(made, user, envwrap_exe, tmp_path):
    env = made(HOSTILE)
    other = made("other")
    # called as the shell hooks call it (python -I, which ignores PYTHON* variables)
    # from a shell where another env is active and PYTHONHOME is set
    caller = dict(user, VIRTUAL_ENV=str(other), PATH=f"{other / 'bin'}:{user['PATH']}", PYTHONHOME="/nowhere")
    main = Path(__file__).resolve().parents[2] / "envwrap" / "__main__.py"
    proc = subprocess.run(
        [sys.executable, "-I", str(main), "run", HOSTILE, "--", "python", "-c",
         PRINT_ENV + "; print(os.environ.get('PYTHONHOME')); print(os.environ['VIRTUAL_ENV_PROMPT'])"],
        env=caller, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    prefix, venv, path, pythonhome, prompt = proc.stdout.splitlines()
    assert prefix == venv == str(env)
    assert path.split(":")[0] == str(env / "bin") and str(other / "bin") not in path.split(":")
    assert pythonhome == "None" and prompt == f"({HOSTILE}) "
    assert proc.stderr == ""
    assert not list(tmp_path.rglob("CANARY"))


def test_run_exit_statuses_are_the_commands(made, user, envwrap_exe, tmp_path):
    made("e")
    assert envwrap(envwrap_exe, user, "run", "e", "--", "sh", "-c", "exit 7").returncode == 7
    assert envwrap(envwrap_exe, user, "run", "e", "sh", "-c", "exit 0").returncode == 0  # -- is optional
    missing = envwrap(envwrap_exe, user, "run", "e", "--", "no-such-command-here")
    assert missing.returncode == 127 and one_line(missing.stderr) and "not found" in missing.stderr
    plain = tmp_path / "not-executable"
    plain.write_text("echo hi\n")
    denied = envwrap(envwrap_exe, user, "run", "e", "--", str(plain))
    assert denied.returncode == 126 and one_line(denied.stderr)
    # a script without #! runs with sh, as a shell would run it
    plain.chmod(0o755)
    assert envwrap(envwrap_exe, user, "run", "e", "--", str(plain)).stdout == "hi\n"
    gone = envwrap(envwrap_exe, user, "run", "nope", "--", "true")
    assert gone.returncode == 1 and one_line(gone.stderr) and "nope" in gone.stderr
    for argv in (["run"], ["run", "e"], ["run", "e", "--"]):
        proc = envwrap(envwrap_exe, user, *argv)
        assert proc.returncode == 2 and one_line(proc.stderr), argv
    assert envwrap(envwrap_exe, user, "run", "--help").stdout.startswith("usage:")


def test_run_pipes_stdin_and_never_buffers(made, user, envwrap_exe):
    made("e")
    proc = envwrap(envwrap_exe, user, "run", "e", "--", "python", "-c",
                   "import sys; sys.stdout.write(sys.stdin.read().upper())", input="héllo\nwörld\n")
    assert proc.stdout == "HÉLLO\nWÖRLD\n"
    # Output arrives while the command still runs (it waits for our next line).
    child = subprocess.Popen(
        [str(envwrap_exe), "run", "e", "--", "python", "-c",
         "import sys; print('first', flush=True); line = sys.stdin.readline(); print('got ' + line.strip())"],
        env=user, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "first\n"
        child.stdin.write("second\n")
        child.stdin.close()
        assert child.stdout.read() == "got second\n"
        assert child.wait(timeout=30) == 0
    finally:
        child.kill()


def test_run_sigpipe_is_not_left_ignored(made, user, envwrap_exe):
    """Python ignores SIGPIPE; exec would pass that on, and `yes | head` would then
    complain of a broken pipe instead of ending quietly."""
    made("e")
    proc = envwrap(envwrap_exe, user, "run", "e", "--", "sh", "-c", "yes | head -n 2")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "y\ny\n", "")


SLEEPER = ("import os, signal, sys, time\n"
           "signal.signal(signal.SIGINT, lambda *a: sys.exit(42))\n"
           "print(os.getpid(), os.getppid(), flush=True)\n"
           "time.sleep(60)\n")


@pytest.mark.parametrize("sig,status", [(signal.SIGINT, 42), (signal.SIGTERM, -signal.SIGTERM)])
def test_run_is_replaced_by_the_command_and_signals_reach_it(sig, status, made, user, envwrap_exe):
    env = made("e")
    child = subprocess.Popen([str(envwrap_exe), "run", "e", "--", "python", "-c", SLEEPER], env=user,
                             stdout=subprocess.PIPE, text=True)
    try:
        pid, ppid = map(int, child.stdout.readline().split())
        # exec: the process we started *is* the command; nothing sits in between
        assert pid == child.pid and ppid == os.getpid()
        if LINUX:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
            assert argv[1:] == [b"-c", SLEEPER.encode()]
            assert os.path.realpath(f"/proc/{pid}/exe") == os.path.realpath(env / "bin" / "python")
            children = Path(f"/proc/{pid}/task/{pid}/children")
            if children.exists():
                assert children.read_text().split() == []
        child.send_signal(sig)
        assert child.wait(timeout=30) == status
    finally:
        child.kill()
        child.wait()


def test_run_works_from_an_empty_environment(made, user, envwrap_exe, tmp_path):
    """As from cron: the absolute path of envwrap, HOME and PATH, nothing else.
    WORKON_HOME unset: the env is found where envwrap looks by default."""
    home = Path(user["HOME"])
    default = home / ".virtualenvs"
    default.mkdir()  # a WORKON_HOME the user names must exist
    proc = envwrap(envwrap_exe, dict(user, WORKON_HOME=str(default)), "new", "--without-pip", HOSTILE)
    assert proc.returncode == 0, proc.stderr
    bare = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in bare.items()), str(envwrap_exe), "run", HOSTILE,
                           "--", "python", "-c", PRINT_ENV], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    prefix, venv, path = proc.stdout.splitlines()
    assert prefix == venv == str(default / HOSTILE)
    assert path == f"{default / HOSTILE / 'bin'}:/usr/bin:/bin"


def test_run_hooks_preactivate_runs_and_can_refuse_sourced_ones_do_not(made, user, envwrap_exe, tmp_path):
    env = made("e")
    home = Path(user["WORKON_HOME"])
    log = tmp_path / "hooks.log"
    (home / "preactivate").write_text(f"#!/bin/sh\necho \"global $1\" >> {q(str(log))}\necho chatter\n")
    (env / "bin" / "preactivate").write_text(f"#!/bin/sh\necho \"own $1\" >> {q(str(log))}\n")
    for hook in ("postactivate", "predeactivate", "postdeactivate"):
        (home / hook).write_text(f"#!/bin/sh\ntouch {q(str(tmp_path / 'CANARY'))}\n")
    for path in [home / "preactivate", env / "bin" / "preactivate"] + [home / h for h in ("postactivate",)]:
        path.chmod(0o755)
    proc = envwrap(envwrap_exe, user, "run", "e", "--", "echo", "output")
    assert proc.returncode == 0 and proc.stdout == "output\n", "a hook's output never mixes into CMD's"
    assert "chatter" in proc.stderr
    assert log.read_text() == "global e\nown e\n"
    assert not (tmp_path / "CANARY").exists()
    # a failing preactivate is a veto: the command does not run
    (env / "bin" / "preactivate").write_text("#!/bin/sh\nexit 3\n")
    proc = envwrap(envwrap_exe, user, "run", "e", "--", "touch", str(tmp_path / "RAN"))
    assert proc.returncode == 3 and not (tmp_path / "RAN").exists()
    assert proc.stderr.splitlines()[-1].startswith("envwrap: hook")


def test_run_records_last_use(made, user, envwrap_exe):
    env = made("e")
    marker = env / ".envwrap-last-used"
    assert not marker.exists()
    assert envwrap(envwrap_exe, user, "run", "e", "--", "true").returncode == 0
    first = marker.stat().st_mtime
    os.utime(marker, (first - 1000, first - 1000))
    assert envwrap(envwrap_exe, user, "run", "e", "--", "true").returncode == 0
    assert marker.stat().st_mtime >= first - 1


# ----------------------------------------------------------------- which


def test_which(made, user, envwrap_exe, tmp_path):
    env = made(HOSTILE)
    (env / "bin" / "tool").write_text("#!/bin/sh\n")
    (env / "bin" / "tool").chmod(0o755)
    (env / "bin" / "data").write_text("")
    proc = envwrap(envwrap_exe, user, "which", HOSTILE, "python")
    assert proc.stdout == f"{env / 'bin' / 'python'}\n" and proc.returncode == 0
    assert envwrap(envwrap_exe, user, "which", HOSTILE, "tool").stdout == f"{env / 'bin' / 'tool'}\n"
    for cmd, status in (("data", 1), ("sh", 1), ("no-such", 1), ("bin/python", 2), ("../bin/python", 2)):
        proc = envwrap(envwrap_exe, user, "which", HOSTILE, cmd)
        assert proc.returncode == status and proc.stdout == "" and one_line(proc.stderr), cmd
    proc = envwrap(envwrap_exe, user, "which", "nope", "python")
    assert proc.returncode == 1 and one_line(proc.stderr)


# ----------------------------------------------------------------- shell

# Each shell (the outer one starts on a pty with no rc files, envwrap loaded by
# hand): the user's rc file (read by the inner one), and how to define a prompt.
SHELL_SETUP = {
    "bash": {"rc": ".bashrc", "prompt": "PS1='{p}> '", "load": 'eval "$({exe} init bash)"'},
    "zsh": {"rc": ".zshrc", "prompt": "PROMPT='{p}> '", "load": 'eval "$({exe} init zsh)"'},
    "fish": {"rc": ".config/fish/config.fish",
             "prompt": "function fish_prompt; printf '%s> ' {p}; end", "load": "{exe} init fish | source"},
}


def _user_files(kind: str, user: dict, envwrap_exe, loads_envwrap: bool) -> dict:
    """The user's own rc file: a marker variable, a prompt, perhaps envwrap."""
    home = Path(user["HOME"])
    setup = SHELL_SETUP[kind]
    env = dict(user)
    rc_dir = home
    if kind == "zsh":  # the user keeps zsh files in ZDOTDIR
        rc_dir = home / "zdot"
        env["ZDOTDIR"] = str(rc_dir)
    rc = rc_dir / setup["rc"]
    rc.parent.mkdir(parents=True, exist_ok=True)
    mark = "set -gx RC_MARK from-rc" if kind == "fish" else "export RC_MARK=from-rc"
    lines = [mark, setup["prompt"].format(p="IN")]
    if loads_envwrap:
        lines.append(setup["load"].format(exe=q(str(envwrap_exe))))
    rc.write_text("\n".join(lines) + "\n")
    return env


@pytest.mark.parametrize("kind,loads_envwrap", [("bash", False), ("bash", True), ("zsh", True),
                                                 ("zsh", False), ("fish", False)])
def test_shell_starts_the_users_shell_with_the_env_and_exit_returns(kind, loads_envwrap, made, user,
                                                                      envwrap_exe, tmp_path):
    require_shell(kind)
    env = made(HOSTILE)
    other = made("other")
    outer_env_dir = made("outer")
    home = Path(user["WORKON_HOME"])
    (home / "postactivate").write_text("POSTACT=yes\n")
    (home / "postactivate.fish").write_text("set -g POSTACT yes\n")
    environ = _user_files(kind, user, envwrap_exe, loads_envwrap)
    setup = SHELL_SETUP[kind]
    term = Shell(kind, environ, cwd=tmp_path, mode="pty")
    try:
        term.sendline(setup["prompt"].format(p="OUT") + "; " + setup["load"].format(exe=q(str(envwrap_exe))))
        term.sendline("workon outer")
        assert term.value('"$VIRTUAL_ENV"') == str(outer_env_dir)
        outer_path = term.value('"$PATH"')
        # through the envwrap shell function, as a user types it
        term.sendline(f"envwrap shell {q(HOSTILE)}")
        term.child.expect("IN> ")
        assert term.value('"$VIRTUAL_ENV"') == str(env)
        assert term.value('"$RC_MARK"') == "from-rc"
        assert term.value('"$POSTACT"') == "yes", "workon's sourced hooks ran"
        path = term.value('"$PATH"').split(":")
        assert path[0] == str(env / "bin") and str(outer_env_dir / "bin") not in path
        assert term.value('"$__envwrap_loads"') == "1"
        if kind == "zsh":
            assert term.value('"$ZDOTDIR"') == environ["ZDOTDIR"]
        term.sendline("env > " + q(str(tmp_path / "inner.env")))
        assert term.value("done") == "done"
        inner = (tmp_path / "inner.env").read_text()
        assert "ENVWRAP_SHELL" not in inner and "ENVWRAP_LOADS" not in inner
        term.sendline("workon other")
        assert term.value('"$VIRTUAL_ENV"') == str(other)
        term.sendline("exit")
        term.child.expect("OUT> ")
        assert term.value('"$VIRTUAL_ENV"') == str(outer_env_dir)
        assert term.value('"$PATH"') == outer_path
    finally:
        term.close()
    assert not list(tmp_path.rglob("CANARY"))


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_shell_exits_when_workon_refuses(kind, made, user, envwrap_exe, tmp_path):
    require_shell(kind)
    env = made("e")
    (env / "bin" / "preactivate").write_text("#!/bin/sh\nexit 3\n")
    (env / "bin" / "preactivate").chmod(0o755)
    environ = _user_files(kind, user, envwrap_exe, False)
    term = Shell(kind, environ, cwd=tmp_path, argv=[str(envwrap_exe), "shell", "--shell", kind, "e"], mode="pty")
    term.expect(pexpect.EOF)
    term.close()
    assert term.child.exitstatus == 3 and "envwrap: hook" in term.before


def test_shell_refuses_in_one_line(made, user, envwrap_exe):
    made("e")
    for argv, status in ((["shell", "nope"], 1), (["shell", "--shell", "tcsh", "e"], 2), (["shell"], 2)):
        proc = envwrap(envwrap_exe, user, *argv)
        assert proc.returncode == status and one_line(proc.stderr), argv
    assert envwrap(envwrap_exe, user, "shell", "--help").stdout.startswith("usage:")


def test_shell_falls_back_to_SHELL(made, user, envwrap_exe, tmp_path, monkeypatch):
    """With no shell among its parents, $SHELL decides."""
    import shellingham

    from envwrap.cli import run as use

    def fail(*args, **kwargs):
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", fail)
    zsh = require_shell("zsh")
    monkeypatch.setenv("SHELL", zsh)
    assert use.user_shell(None) == ("zsh", zsh)
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    with pytest.raises(Exception, match="cannot tell which shell"):
        use.user_shell(None)


def test_shell_command_for_powershell_parses(ps_parser, tmp_path, monkeypatch):
    """pwsh is not installed here: the code it would run is parse-checked."""
    from envwrap.cli import run as use

    from pwsh import parse

    monkeypatch.setenv("WORKON_HOME", str(tmp_path))
    argv = use.shell_command("powershell", "pwsh", "it's ‘q’ $x `y` ünï", {})
    assert argv[:4] == ["pwsh", "-NoLogo", "-NoExit", "-Command"]
    code = argv[4]
    parse(ps_parser, code)
    assert code.isascii(), "Windows PowerShell reads -Command in the console code page"


def test_subshell_files_lint(tmp_path):
    import shutil

    from envwrap.shells.bash import SHELL as bash
    from envwrap.shells.zsh import SHELL as zsh

    for name in (".zshenv", ".zshrc"):  # zsh -n checks one file; more would be its arguments
        assert subprocess.run(["zsh", "-n", str(Path(zsh.rc_dir(), name))]).returncode == 0
    if shutil.which("shellcheck") is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck missing in CI")
        pytest.skip("shellcheck not installed")
    proc = subprocess.run(["shellcheck", "-s", "bash", bash.rc_file()], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout

