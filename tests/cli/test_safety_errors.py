"""No traceback for any bad argument of any verb or shell function; the user's shell options
(set -e, nounset, pipefail) and redirections respected.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from envwrap.cli.table import PLAN_HANDLERS
from envwrap.env import registry

from conftest import FAILING_COMMANDS, changes, cli, one_line, q, require_shell, snapshot
from realshell import run_script

# ----------------------------------------------------------------- no traceback, ever

BAD = {"none": [], "unknown option": ["--no-such-option"], "missing env": ["no-such-env"],
       "empty": [""], "newline": ["a\nb"], "slash": ["/"]}
# (verb, case) where the arguments are in fact fine, or would do real work
VALID_ANYWAY = {("ls", "none"), ("doctor", "none"), ("config", "none"), ("init", "none"),
                ("init", "empty"), ("new", "missing env"), ("demo", "none"), ("demo", "empty"),
                ("seed", "none"), ("pythons", "none"), ("allow", "none")}


def _verbs(envwrap_exe, user) -> list[str]:
    usage = cli(user, "--help").stdout
    verbs = [line.split()[0] for line in usage.splitlines() if line.startswith("  ") and line.strip()]
    return ["sh"] + verbs


def test_every_verb_with_bad_arguments(user, envwrap_exe):
    verbs = _verbs(envwrap_exe, user)
    assert {"ls", "new", "rm", "repair", "doctor"} <= set(verbs)
    calls = [(verb, case, [verb, *args]) for verb in verbs for case, args in BAD.items()
             if (verb, case) not in VALID_ANYWAY]
    calls += [(cmd, case, ["sh", shell, cmd, *args]) for cmd in PLAN_HANDLERS
              for shell in ("bash", "fish", "powershell") for case, args in BAD.items()
              if not (cmd == "workon" and case == "none") and not (cmd == "mktmpenv" and case == "none")
              and not (cmd in ("mkvirtualenv", "mkproject") and case == "missing env")]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: (c, cli(user, *c[2], timeout=60)), calls))
    for (_, _case, argv), proc in results:
        assert "Traceback" not in proc.stderr, (argv, proc.stderr)
        assert proc.returncode != 0, (argv, proc.stdout)
        assert one_line(proc.stderr), (argv, proc.stderr)
        if argv[0] == "sh":
            assert proc.stdout == "", (argv, proc.stdout)  # no code for the shell to run
    assert registry.listing(Path(user["WORKON_HOME"])) == []
    helps = [[verb, "--help"] for verb in verbs if verb != "sh"]
    helps += [["sh", "bash", cmd, "--help"] for cmd in PLAN_HANDLERS]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda argv: (argv, cli(user, *argv)), helps))
    for argv, proc in results:
        assert proc.returncode == 0 and "usage:" in proc.stdout + proc.stderr, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_sh_verb_has_help(user, envwrap_exe):
    proc = cli(user, "sh", "--help")
    assert proc.returncode == 0 and "usage:" in proc.stdout + proc.stderr


BASH_FUNCTIONS = ("workon mkvirtualenv mktmpenv lsvirtualenv showvirtualenv rmvirtualenv cpvirtualenv "
                  "allvirtualenv cdvirtualenv cdsitepackages lssitepackages add2virtualenv "
                  "toggleglobalsitepackages wipeenv mkproject setvirtualenvproject cdproject mvvirtualenv").split()
FUNCTIONS_VALID_ANYWAY = {("workon", "none"), ("lsvirtualenv", "none"), ("lsvirtualenv", "empty"),
                          ("mkvirtualenv", "missing env"), ("mkproject", "missing env"),
                          ("mktmpenv", "none"), ("allvirtualenv", "none")}


def test_every_bash_function_with_bad_arguments_and_no_env_active(bash, user, envwrap_exe, tmp_path):
    assert cli(user, "new", "--without-pip", "e1").returncode == 0
    defined = set(bash.ok("compgen -A function").lines)
    assert set(BASH_FUNCTIONS) <= defined
    pwd = bash.var("PWD")
    before = snapshot(tmp_path)
    for function in BASH_FUNCTIONS:
        for case, args in BAD.items():
            if (function, case) in FUNCTIONS_VALID_ANYWAY:
                continue
            command = " ".join([function, *(q(a) for a in args)])
            r = bash.run(command)
            assert r.status != 0, command
            assert "Traceback" not in r.stderr, (command, r.stderr)
            if function != "allvirtualenv":  # that one reports the command's own failure
                assert one_line(r.stderr), (command, r.stderr)
            assert bash.var("VIRTUAL_ENV") is None and bash.var("PWD") == pwd, command
            assert changes(before, snapshot(tmp_path)) == [], command


def test_shell_functions_help_is_shown_not_run(bash, tmp_path):
    pwd = bash.var("PWD")
    for function in ("workon", "mkvirtualenv", "mktmpenv", "cpvirtualenv", "mkproject",
                     "cdsitepackages", "cdproject"):
        r = bash.run(f"{function} --help")
        assert r.status == 0, (function, r)
        assert "usage:" in r.stdout + r.stderr
        assert "command not found" not in r.stderr and "syntax error" not in r.stderr, r.stderr
        assert bash.var("VIRTUAL_ENV") is None and bash.var("PWD") == pwd


# ----------------------------------------------------------------- the user's shell stays intact


def test_bash_set_e_sees_envwrap_failures_like_any_command(user, envwrap_exe, tmp_path):
    """Under `set -euo pipefail`: successes return 0 and the script goes on; a
    failing `workon missing` ends the script right there with status 1 and one
    line, as `false` would; in `||`, `if` and `!` contexts it is just a status."""
    require_shell("bash")
    script = f"""
set -euo pipefail
eval "$({q(str(envwrap_exe))} init bash)"
mkvirtualenv --without-pip 'a b'; echo "mk=$?"
deactivate; echo "de=$?"
workon 'a b'; echo "wo=$?"
cdvirtualenv bin; echo "cd=$?"
lssitepackages >/dev/null; echo "ls=$?"
deactivate
workon missing1 || echo "or=$?"
if workon missing2; then echo "if=0"; else echo "if=$?"; fi
! workon missing3; echo "not=$?"
echo before
workon missing4
echo NOT REACHED
"""
    proc = run_script("bash", user, script, cwd=tmp_path)
    assert proc.status == 1
    assert proc.stdout.splitlines() == ["mk=0", "de=0", "wo=0", "cd=0", "ls=0", "or=1", "if=1", "not=0",
                                        "before"]
    lines = proc.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("envwrap: environment 'missing") for line in lines), lines


SHELL_OPTIONS = {"bash": "set -u -o pipefail; shopt -s failglob nullglob",
                 "zsh": "setopt shwordsplit ksharrays nounset"}


def test_every_message_goes_where_the_caller_redirects_it(sh, tmp_path):
    """2>file, 2>/dev/null and 2>&1 | ... take every message of every command:
    its one line lands where the caller sent it, never on the terminal (the
    shell's own stderr) and never on stdout."""
    err = tmp_path / "err"
    for command in FAILING_COMMANDS:
        r = sh.run(f"{command} 2>{q(str(err))}")
        assert r.status != 0 and r.stdout == "" and r.stderr == "", (command, r)
        assert one_line(err.read_text()), (command, err.read_text())
        r = sh.run(f"{command} 2>/dev/null")
        assert r.status != 0 and r.stdout == "" and r.stderr == "", (command, r)
        r = sh.run(f"{command} 2>&1 | cat")
        assert one_line(r.stdout) and r.stderr == "", (command, r)
    # and the messages of commands that succeed
    r = sh.run(f"cd {q(str(tmp_path))} && mktmpenv --without-pip 2>{q(str(err))}")
    assert r.status == 0 and r.stdout == "" and r.stderr == "", r
    assert one_line(err.read_text()) and "temporary" in err.read_text()
    sh.ok("deactivate")


def test_status_is_meaningful_under_user_options(sh, tmp_path):
    home_dir = tmp_path / "envs"
    sh.ok(SHELL_OPTIONS[sh.kind])
    steps = [
        ("lsvirtualenv -b", True), ("workon", True), ("workon missing", False), ("cdvirtualenv", False),
        ("cdproject", False), ("lssitepackages", False),
        ("mkvirtualenv --without-pip 'a  b'", True), ("mkvirtualenv --without-pip 'a  b'", False),
        ("workon 'a  b'", True), ("cdvirtualenv bin", True), ("cdvirtualenv no-such-dir", False),
        ("cdsitepackages", True), ("cdsitepackages no-such-dir", False), ("lssitepackages", True),
        ("showvirtualenv", True), ("showvirtualenv missing", False), ("cdproject", False),
        ("toggleglobalsitepackages -q", True), ("add2virtualenv no-such-dir", True),
        ("add2virtualenv -d no-such-dir", True), ("add2virtualenv 'bad\nline'", False),
        ("deactivate", True), ("rmvirtualenv missing", False),
        ("mkproject --without-pip 'p  q'", True), ("cdproject", True), ("deactivate", True),
        ("allvirtualenv true", True), ("allvirtualenv false", False),
        ("rmvirtualenv 'a  b'", True), ("rmvirtualenv 'a  b'", False), ("lsvirtualenv -b", True),
    ]
    for command, succeeds in steps:
        r = sh.run(command)
        assert (r.status == 0) == succeeds, (command, r)
        assert "Traceback" not in r.stderr
        if command == "workon 'a  b'":
            assert sh.var("VIRTUAL_ENV") == str(home_dir / "a  b")
    assert sh.ok("lsvirtualenv -b").lines == ["p  q"]


# ----------------------------------------------------------------- output that cannot be written


def _printing_calls(name: str) -> list[list[str]]:
    """Every verb of the table asked for its help (each prints it), and the
    verbs that print their answer, asked for it."""
    from envwrap.cli import table

    calls = [["--help"], ["--version"]] + [[verb, "--help"] for verb in sorted(table.VERB_HANDLERS)]
    calls += [["ls"], ["ls", "-l"], ["ls", "--json"], ["path", name], ["show", name], ["show", name, "--json"],
              ["which", name, "python"], ["vars", name], ["sitepackages", name], ["pythons"], ["doctor"],
              ["config"], ["export", name], ["init", "bash"], ["init", "fish"], ["sh", "bash", "workon", name],
              ["lsvirtualenv", "-b"]]
    return calls


def _closed_stdout(exe, args, env):
    return subprocess.run(["/bin/sh", "-c", 'exec "$0" "$@" >&-', str(exe), *args], env=env,
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)


def _full_stdout(exe, args, env):
    with open("/dev/full", "w") as full:
        return subprocess.run([str(exe), *args], env=env, stdin=subprocess.DEVNULL, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_every_printing_verb_with_stdout_closed_or_full(user, envwrap_exe):
    """`envwrap ls >&-` and `envwrap --help > /dev/full`: one line saying the
    output could not be written, a failing status, never a traceback."""
    from conftest import new_env

    new_env(user, "e")
    with ThreadPoolExecutor(4) as pool:
        normal = list(pool.map(lambda args: (args, cli(user, *args, timeout=120)), _printing_calls("e")))
        printing = [args for args, proc in normal if proc.returncode == 0 and proc.stdout]
        assert len(printing) >= 40, [(args, proc.stderr) for args, proc in normal if args not in printing]
        calls = [(how, args) for args in printing for how in (_closed_stdout, _full_stdout)]
        results = list(pool.map(lambda c: (c, c[0](envwrap_exe, c[1], user)), calls))
    for (how, args), proc in results:
        assert "Traceback" not in proc.stderr, (how.__name__, args, proc.stderr)
        assert proc.returncode not in (0, 130) and proc.returncode < 128, (how.__name__, args, proc.stderr)
        last = proc.stderr.splitlines()[-1]
        assert last.startswith("envwrap: ") and "standard output" in last or "space" in last, (args, proc.stderr)


def test_a_tilde_user_that_does_not_exist_is_a_name_like_any_other(user):
    for args in (["cp", "~nosuchuser-envwrap", "x"], ["new", "--without-pip", "-a", "~nosuchuser-envwrap", "y"]):
        proc = cli(user, *args)
        assert proc.returncode != 0 and one_line(proc.stderr) and "Traceback" not in proc.stderr, proc.stderr
        assert not list(Path(user["WORKON_HOME"]).glob("[xy]"))


def test_import_reads_a_bounded_amount(user):
    """/dev/zero never ends: read until a cap, then refused in one line."""
    proc = cli(user, "import", "/dev/zero", "z", timeout=60)
    assert proc.returncode != 0 and one_line(proc.stderr) and "larger than" in proc.stderr, proc.stderr
    assert not (Path(user["WORKON_HOME"]) / "z").exists()


# ----------------------------------------------------------------- Ctrl-C at any moment

# Loaded by Python's site at start-up (from PYTHONPATH): when the module named
# by ENVWRAP_TEST_INTERRUPT_AT is first imported, the process sends itself
# SIGINT, a real Ctrl-C that arrives at exactly that point, every time.
_TRIP = '''import os, signal, sys


class _Trip:
    def find_spec(self, name, path=None, target=None):
        if name == os.environ.get("ENVWRAP_TEST_INTERRUPT_AT"):
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


sys.meta_path.insert(0, _Trip())
'''


def _interrupting(user, tmp_path, module: str) -> dict:
    trip = tmp_path / "trip"
    trip.mkdir(exist_ok=True)
    (trip / "sitecustomize.py").write_text(_TRIP)
    return dict(user, PYTHONPATH=str(trip), ENVWRAP_TEST_INTERRUPT_AT=module)


def _old_envs(user, names) -> None:
    from conftest import new_env

    for name in names:
        env = new_env(user, name)
        marker = env / registry.LAST_USED
        marker.touch()
        os.utime(marker, (1_000_000_000, 1_000_000_000))


@pytest.mark.parametrize("module", ["envwrap.cli", "envwrap.cli.table"])
def test_ctrl_c_while_envwrap_loads_exits_130_without_a_traceback(module, user, tmp_path):
    """envwrap.cli: the console script still importing; envwrap.cli.table:
    imported by `--help` inside main."""
    proc = cli(_interrupting(user, tmp_path, module), "--help")
    assert proc.returncode == 130 and proc.stderr == "envwrap: interrupted\n", (proc.returncode, proc.stderr)


@pytest.mark.parametrize("module", ["envwrap.cli", "envwrap.env.sizes", "envwrap.env.lifecycle"])
def test_ctrl_c_stops_gc_before_any_removal(module, user, tmp_path):
    """gc --yes interrupted while it loads (envwrap.cli), as it starts
    (envwrap.env.sizes) or before its first removal (envwrap.env.lifecycle): nothing
    removed, status 130."""
    names = ["old1", "old2", "old3"]
    _old_envs(user, names)
    proc = cli(_interrupting(user, tmp_path, module), "gc", "--unused", "1d", "--yes")
    assert proc.returncode == 130 and "Traceback" not in proc.stderr, (proc.returncode, proc.stderr)
    assert proc.stderr.splitlines()[-1].startswith("envwrap: interrupted")
    assert all((Path(user["WORKON_HOME"]) / n).is_dir() for n in names)


def test_ctrl_c_during_a_removal_stops_gc_before_the_next(user, tmp_path):
    """The interrupt arrives while the first env's prermvirtualenv hook runs
    (the hook sends it to envwrap): that env and every later one stay."""
    from conftest import write_script

    names = ["old1", "old2", "old3"]
    _old_envs(user, names)
    calls = tmp_path / "hook-calls"
    write_script(Path(user["WORKON_HOME"]) / "prermvirtualenv",
                 f'#!/bin/sh\necho "$1" >> {shlex.quote(str(calls))}\nkill -INT "$PPID"\n')
    proc = cli(user, "gc", "--unused", "1d", "--yes")
    assert proc.returncode == 130 and "Traceback" not in proc.stderr, (proc.returncode, proc.stderr)
    assert len(calls.read_text().split()) == 1  # no second removal was started
    assert all((Path(user["WORKON_HOME"]) / n).is_dir() for n in names)


def test_env_files_are_read_up_to_a_cap(user, tmp_path):
    """pyvenv.cfg and add2virtualenv's .pth file linked to /dev/zero: every
    reader stops at its cap and says so in one line (or reports the env
    broken), never reads on until memory runs out."""
    from conftest import new_env

    env = new_env(user, "z")
    site = next(env.glob("lib/python*/site-packages"))
    (site / "_virtualenv_path_extensions.pth").symlink_to("/dev/zero")
    for args in (["add-path"], ["add-path", str(tmp_path)]):
        proc = cli(dict(user, VIRTUAL_ENV=str(env)), *args, timeout=60)
        assert proc.returncode != 0 and one_line(proc.stderr) and "larger than" in proc.stderr, (args, proc.stderr)
    (env / "pyvenv.cfg").unlink()
    (env / "pyvenv.cfg").symlink_to("/dev/zero")
    for args in (["show", "z"], ["ls", "-l"], ["toggle-global", "-q"]):
        proc = cli(dict(user, VIRTUAL_ENV=str(env)), *args, timeout=60)
        assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr, (args, proc.stderr)
