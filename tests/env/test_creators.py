"""Creators other than the default: the real virtualenv from PyPI, end to end in
bash and zsh, and what an interpreter without venv (Python 2) is told."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envwrap.env import registry, relocation

from conftest import HOSTILE_NAME, cli
from realshell import Shell, run_script

q = Shell.quote
VIRTUALENV = Path(sys.executable).parent / "virtualenv"
HOSTILE = HOSTILE_NAME  # conftest's one hostile name

# Answers as Python 2.7 does: the version on stderr, and no venv module.
FAKE_PYTHON2 = """#!/bin/sh
case "$1" in
  -V|--version) echo 'Python 2.7.18' >&2; exit 0 ;;
  -m) echo "$0: No module named $2" >&2; exit 1 ;;
esac
echo "fake python2.7: unexpected arguments: $*" >&2
exit 2
"""


def run(envwrap_exe, env, *args):
    return cli(env, *args, exe=envwrap_exe)


def one_line(stderr: str) -> bool:
    return stderr.startswith("envwrap: ") and stderr.count("\n") == 1 and "Traceback" not in stderr


@pytest.fixture
def python2_on_path(user, tmp_path) -> dict:
    bindir = tmp_path / "py2 bin"
    bindir.mkdir()
    (bindir / "python2.7").write_text(FAKE_PYTHON2)
    (bindir / "python2.7").chmod(0o755)
    return dict(user, PATH=f"{bindir}{os.pathsep}{user['PATH']}")


def assert_nothing_made(user):
    root = Path(user["WORKON_HOME"])
    assert registry.listing(root) == []
    assert glob.glob(str(root / ".envwrap" / "staging" / "*")) == []


def test_python2_with_venv_creator_says_virtualenv_is_needed(envwrap_exe, python2_on_path):
    proc = run(envwrap_exe, python2_on_path, "new", "--creator", "venv", "-p", "python2.7", "old")
    assert proc.returncode != 0 and one_line(proc.stderr), proc.stderr
    assert "Python 2.7.18" in proc.stderr and "--creator virtualenv" in proc.stderr
    assert "virtualenv older than 20.22" in proc.stderr  # the newer ones cannot make Python 2 envs
    assert_nothing_made(python2_on_path)


def test_python2_with_a_virtualenv_too_new_says_which_is_needed(envwrap_exe, python2_on_path):
    if not VIRTUALENV.exists():
        pytest.fail(f"{VIRTUALENV} missing: the test extra installs virtualenv (make .venv/bin/envwrap)")
    env = dict(python2_on_path, VIRTUALENV_NO_PERIODIC_UPDATE="1")
    proc = run(envwrap_exe, env, "new", "--creator", "virtualenv", "-p", "python2.7", "old")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    last = proc.stderr.splitlines()[-1]  # (virtualenv's own output comes first)
    assert last.startswith("envwrap: virtualenv could not create the environment")
    assert "Python 2.7.18" in last and "older than 20.22" in last
    assert_nothing_made(env)


def test_python2_in_the_shell_changes_nothing(envwrap_exe, python2_on_path, tmp_path):
    for kind in ("bash", "zsh"):
        shell = Shell(kind, python2_on_path, cwd=tmp_path)
        try:
            shell.ok(f'eval "$({q(str(envwrap_exe))} init {kind})"')
            r = shell.run("mkvirtualenv --creator venv -p python2.7 old")
            assert r.status != 0 and one_line(r.stderr) and "--creator virtualenv" in r.stderr, r
            assert shell.var("VIRTUAL_ENV") is None
        finally:
            shell.close()
    assert_nothing_made(python2_on_path)


def test_real_python2_if_installed(envwrap_exe, user):
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/2.7*/bin/python2.7")))
    found += [p for p in ("/usr/bin/python2.7",) if os.path.exists(p)]
    if not found:
        pytest.skip("no Python 2.7 on this machine (the fake one above stands in)")
    proc = run(envwrap_exe, user, "new", "--creator", "venv", "-p", found[0], "old")
    assert proc.returncode != 0 and one_line(proc.stderr), proc.stderr
    assert "Python 2.7" in proc.stderr and "--creator virtualenv" in proc.stderr
    assert_nothing_made(user)


@pytest.fixture
def virtualenv_user(user) -> dict:
    if not VIRTUALENV.exists():
        pytest.fail(f"{VIRTUALENV} missing: the test extra installs virtualenv (make .venv/bin/envwrap)")
    # virtualenv's own knob: no background check of PyPI for newer embedded wheels
    return dict(user, VIRTUALENV_NO_PERIODIC_UPDATE="1", ENVWRAP_CREATOR="auto")


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_mkvirtualenv_with_the_real_virtualenv(kind, envwrap_exe, virtualenv_user, tmp_path):
    shell = Shell(kind, virtualenv_user, cwd=tmp_path)
    root = Path(virtualenv_user["WORKON_HOME"])
    final = root / HOSTILE
    try:
        shell.ok(f'eval "$({q(str(envwrap_exe))} init {kind})"')
        r = shell.run(f"mkvirtualenv --creator virtualenv {q(HOSTILE)}")
        assert r.status == 0, r
        assert shell.var("VIRTUAL_ENV") == str(final)
        # made by virtualenv (it writes its own version into pyvenv.cfg), with its pip,
        # and everything points at the final place, not at the stage it was built in
        assert "virtualenv = " in (final / "pyvenv.cfg").read_text()
        r = shell.ok("command -v python; python -c 'import sys; print(sys.prefix)'; pip --version")
        assert r.lines[0] == str(final / "bin" / "python") and r.lines[1] == str(final)
        assert f"from {final}{os.sep}" in r.lines[2]
        assert ".envwrap" not in (final / "bin" / "pip").read_text()
        shell.ok("deactivate")
        assert shell.var("VIRTUAL_ENV") is None
        r = shell.run(f"mkvirtualenv --creator virtualenv --without-pip {q('bare ' + HOSTILE)}")
        assert r.status == 0, r
        assert not (root / ("bare " + HOSTILE) / "bin" / "pip").exists()
        shell.ok("deactivate")
        shell.ok(f"rmvirtualenv {q(HOSTILE)} {q('bare ' + HOSTILE)}")
        assert registry.listing(root) == []
    finally:
        shell.close()


@pytest.mark.parametrize("old_name, new_name", [("it's old", "plain new"), ("a b", "it's $new `x`")])
def test_relocated_sh_trampoline_runs_the_moved_interpreter(tmp_path, old_name, new_name):
    """The launcher virtualenv and pip write for a path a shebang cannot hold
    (`#!/bin/sh` then `'''exec' '/path/python' "$0" "$@"`): moving the
    environment re-quotes the path, whatever quote either name holds."""
    old, new = tmp_path / old_name, tmp_path / new_name
    (new / "bin").mkdir(parents=True)
    (new / "pyvenv.cfg").write_text(f"home = {old}/bin\n")
    tool = new / "bin" / "tool"
    tool.write_text(f"#!/bin/sh\n'''exec' {q(str(old / 'bin' / 'python'))} \"$0\" \"$@\"\n' '''\nprint('hi')\n")
    tool.chmod(0o755)
    (new / "bin" / "python").write_text('#!/bin/sh\nprintf "%s|%s\\n" "$0" "$3"\n')
    (new / "bin" / "python").chmod(0o755)
    relocation.relocate(new, old, new)
    out = subprocess.run(["/bin/sh", str(tool), "-", "arg"], capture_output=True, text=True)
    assert out.stdout == f"{new / 'bin' / 'python'}|arg\n", out
    assert (new / "pyvenv.cfg").read_text() == f"home = {new}/bin\n"


def test_creation_help_names_the_default_python(envwrap_exe, user):
    base = getattr(sys, "_base_executable", None) or sys.executable
    version = ".".join(map(str, sys.version_info[:3]))
    env = dict(user, COLUMNS="500")  # one line per option: no path broken by wrapping
    shell_help = f'eval "$({envwrap_exe} sh bash mkvirtualenv --help)"'  # what the bash function does
    for proc in (run(envwrap_exe, env, "new", "--help"),
                 run_script("bash", env, shell_help, argv=["bash", "--norc"])):
        assert proc.returncode == 0, proc
        text = " ".join(proc.stdout.split())  # help is on stdout, as the user sees it
        assert "-p PYTHON, --python PYTHON interpreter to base the environment on" in text, text
        assert f"'python' in the config file, else the Python envwrap runs on, {version} at {base}" in text, text
