"""Start-up, TAB completion and process counts in real bash and zsh.

Process counts are deterministic: the backend command is replaced by a wrapper
that logs each start, and python/python3 on PATH by shims that log too.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from envwrap import shells

from conftest import _interactive, modules_loaded, require_shell
from realshell import Shell, run_script

q = Shell.quote

# COMPREPLY holds words quoted with printf %q, as they will be inserted on the
# command line; evaluating each is exactly what bash will do with it.
DEQUOTE_REPLY = 'for w in "${COMPREPLY[@]}"; do eval "printf \'%s\\\\n\' $w"; done'


@pytest.mark.parametrize("argv", [
    ["bash", "--noprofile", "--norc", "-e", "-u", "-o", "pipefail"],
    ["zsh", "--no-rcs", "-e", "-u"],
])
def test_init_is_silent_under_strict_flags_and_twice(argv, user, envwrap_exe):
    require_shell(argv[0])
    shell = argv[0]
    script = (f'eval "$({q(str(envwrap_exe))} init {shell})"; '
              f'eval "$({q(str(envwrap_exe))} init {shell})"; workon; lsvirtualenv -b')
    proc = run_script(shell, user, script, argv=argv)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_bash_file_passes_shellcheck():
    if not __import__("shutil").which("shellcheck"):
        if os.environ.get("CI"):
            pytest.fail("shellcheck missing in CI")
        pytest.skip("shellcheck not installed")
    proc = subprocess.run(["shellcheck", "-s", "bash", shells.get("bash").hook_file(),
                           shells.get("bash").activate_template_path()], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.fixture
def counted(sh, tmp_path, envwrap_exe, user):
    """Log every backend start and every python/python3 started by name."""
    log = tmp_path / "starts.log"
    wrapper = tmp_path / "counting-envwrap"
    wrapper.write_text(f"#!/bin/sh\necho envwrap >> {q(str(log))}\nexec {q(str(envwrap_exe))} \"$@\"\n")
    wrapper.chmod(0o755)
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("python", "python3"):
        real = subprocess.run(["sh", "-c", f"command -v {name}"], capture_output=True, text=True,
                              env=user).stdout.strip() or "/usr/bin/python3"
        (shims / name).write_text(f"#!/bin/sh\necho {name} >> {q(str(log))}\nexec {q(real)} \"$@\"\n")
        (shims / name).chmod(0o755)
    sh.ok(f"__envwrap_exe=({q(str(wrapper))}); PATH={q(str(shims))}:$PATH")
    log.write_text("")

    def starts() -> list[str]:
        lines = log.read_text().splitlines()
        log.write_text("")
        return lines

    return starts


def test_process_counts(sh, counted, tmp_path):
    sh.ok("mkvirtualenv --without-pip 'a b' && deactivate && mkvirtualenv --without-pip c && deactivate")
    counted()
    sh.ok("workon 'a b'")
    assert counted() == ["envwrap"], "workon starts exactly one backend process"
    sh.ok("deactivate")
    assert counted() == [], "deactivate without hooks starts no process"
    (tmp_path / "envs" / "predeactivate").write_text("HOOKED=1\n")
    sh.ok("workon c")
    counted()
    sh.ok("deactivate")
    assert counted() == [] and sh.var("HOOKED") == "1", "sourced hooks need no Python either"
    sh.ok("workon c")
    counted()
    sh.ok("workon 'a b'")  # switching: deactivate + activate, still one process
    assert counted() == ["envwrap"]
    sh.ok("deactivate")
    sh.ok("lsvirtualenv -b >/dev/null; workon >/dev/null")
    assert counted() == []
    if sh.kind == "bash":
        sh.ok("COMP_WORDS=(workon ''); COMP_CWORD=1; __envwrap_complete_names")
        assert sorted(sh.ok(DEQUOTE_REPLY).lines) == ["a b", "c"]
        # through the dispatcher TAB calls, options included
        sh.ok("COMP_WORDS=(showvirtualenv --); COMP_CWORD=1; __envwrap_complete showvirtualenv")
        assert sorted(sh.ok(DEQUOTE_REPLY).lines) == ["--help", "--json"]
    else:
        sh.ok("__envwrap_scan; __envwrap_options showvirtualenv")
    assert counted() == [], "completion starts no process"


def test_static_file_load_starts_no_process(user, tmp_path, envwrap_exe):
    for shell in ("bash", "zsh"):
        require_shell(shell)
        loader = tmp_path / f"envwrap.{shell}"
        log = tmp_path / "log"
        log.write_text("")
        text = subprocess.run([str(envwrap_exe), "init", shell], env=user, capture_output=True,
                              text=True, check=True).stdout
        wrapper = tmp_path / "wrapper"
        wrapper.write_text(f"#!/bin/sh\necho started >> {q(str(log))}\nexec {q(str(envwrap_exe))} \"$@\"\n")
        wrapper.chmod(0o755)
        first, rest = text.split("\n", 1)
        assert first.startswith("__envwrap_exe=(")
        loader.write_text(f"__envwrap_exe=({q(str(wrapper))})\n{rest}")
        proc = subprocess.run([shell, "-c", f". {q(str(loader))}; workon; lsvirtualenv -b"], env=user,
                              capture_output=True, text=True)
        assert proc.returncode == 0 and proc.stderr == ""
        assert log.read_text() == ""


def test_completion_lists_exactly_what_ls_lists(sh, tmp_path, envwrap_exe, user):
    home = tmp_path / "envs"
    names = ["*", "a b", "x" * 200, "ünï €", "q'uote", "[set]", "-", "tab\tname"]
    names = [n for n in names if n != "-"]
    for n in names:
        (home / n).mkdir()
        (home / n / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (home / "not-an-env").mkdir()
    (home / ".hidden").mkdir()
    (home / ".hidden" / "pyvenv.cfg").write_text("")
    (home / "a-file").write_text("")
    expected = subprocess.run([str(envwrap_exe), "ls"], env=user, capture_output=True, text=True,
                              check=True).stdout.splitlines()
    assert sorted(expected) == sorted(names)
    assert sorted(sh.ok("lsvirtualenv -b").lines) == sorted(names)
    if sh.kind == "bash":
        sh.ok("COMP_WORDS=(workon ''); COMP_CWORD=1; __envwrap_complete_names")
        got = sh.ok(DEQUOTE_REPLY).lines
    else:
        sh.ok("__envwrap_scan")
        got = sh.ok("print -rl -- \"${__envwrap_found[@]}\"").lines
    assert sorted(got) == sorted(names)


def test_many_environments(sh, tmp_path, envwrap_exe, user):
    home = tmp_path / "envs"
    for i in range(1000):
        d = home / f"env-{i:04d}-{'n' * 200}"
        d.mkdir()
        (d / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert len(sh.ok("lsvirtualenv -b").lines) == 1000
    sh.ok("mkvirtualenv --without-pip last-one")
    assert sh.var("VIRTUAL_ENV") == str(home / "last-one")
    sh.ok("deactivate")


TAB_CASES = [("with space", "wi"), ("it's \"quoted\"", "it"), ("dollar $HOME `x`", "do"), ("ünï €", "ü")]


@pytest.mark.parametrize("kind,compinit", [("bash", ""), ("zsh", "before"), ("zsh", "after")])
def test_tab_completes_hostile_names_in_a_real_terminal(kind, compinit, user, envwrap_exe, tmp_path):
    require_shell(kind)
    home = tmp_path / "envs"
    for name, _ in TAB_CASES:
        subprocess.run([str(envwrap_exe), "new", "--without-pip", "--creator", "venv", name], env=user,
                       check=True, capture_output=True)
    child = _interactive(kind, user, envwrap_exe, tmp_path, compinit)
    try:
        for name, prefix in TAB_CASES:
            child.send(f"workon {prefix}\t")
            child.send("\r")
            child.expect("PROMPT> ")
            child.sendline('printf "[%s]\\n" "$VIRTUAL_ENV"')
            child.expect(r"\[([^\]\r\n]*)\]\r?\n")
            assert child.match.group(1) == str(home / name)
            child.expect("PROMPT> ")
        assert not list(tmp_path.rglob("CANARY"))
    finally:
        child.sendline("exit")
        child.close(force=True)


def test_zsh_without_compinit_prints_nothing(user, envwrap_exe, tmp_path):
    require_shell("zsh")
    child = _interactive("zsh", user, envwrap_exe, tmp_path, "none")
    try:
        child.sendline("workon; echo done-$?")
        child.expect("done-0")
        assert "command not found" not in child.before and "compdef" not in child.before
    finally:
        child.close(force=True)


# What `envwrap init SHELL` may import beyond the interpreter's own start-up: it
# runs at every shell start that evals it, so no argparse, pathlib, typing, re
# or platformdirs (each a good part of a Python start), and no subprocess.
INIT_MODULES = {"__future__", "envwrap", "envwrap.cli", "envwrap.cli.dispatch", "envwrap.cli.output",
                "envwrap.cli.table", "envwrap.cli.config", "envwrap.core", "envwrap.core.errors",
                "envwrap.shells.loader", "envwrap.core.home", "envwrap.shells",
                # the settings table (core.home reads its declarations; it imports only os)
                "envwrap.core.settings"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
@pytest.mark.parametrize("auto", [False, True])
def test_init_imports_stay_lean(user, envwrap_exe, shell, auto):
    loaded, proc = modules_loaded(envwrap_exe, user, "init", shell, *(["--auto"] if auto else []))
    assert "__envwrap_exe" in proc.stdout and "__envwrap_home_src" in proc.stdout  # it did the work
    quoter = f"envwrap.shells.{shells.get(shell).quoter_name}"  # its own quoter's module, and no other
    assert loaded <= INIT_MODULES | {quoter}, sorted(loaded - INIT_MODULES)


def test_init_is_one_process(user, envwrap_exe, tmp_path):
    """`eval "$(envwrap init bash)"` costs one Python start and nothing more: the
    console script execs nothing, forks nothing (counted by strace, not timed)."""
    strace = __import__("shutil").which("strace")
    if strace is None:
        if os.environ.get("CI"):
            pytest.fail("strace missing in CI")
        pytest.skip("strace not installed")
    out = tmp_path / "trace"
    proc = subprocess.run([strace, "-f", "-qq", "-o", str(out), "-e", "trace=execve,fork,vfork,clone,clone3",
                           str(envwrap_exe), "init", "bash"], env=user, capture_output=True, text=True)
    assert proc.returncode == 0 and "__envwrap_exe=(" in proc.stdout, proc.stderr
    calls = [ln for ln in out.read_text().splitlines() if "resumed>" not in ln]
    execs = [ln for ln in calls if "execve(" in ln and "= -1" not in ln]
    # the syscall's name, not a path: a checkout may live in a directory named *clone*
    forks = [ln for ln in calls if re.match(r"\d+\s+(v?fork|clone3?)\(", ln) and "CLONE_THREAD" not in ln]
    assert len(execs) == 1 and str(envwrap_exe) in execs[0], execs
    assert forks == [], forks


# 18.6: a config file (`envwrap config auto_activate true` writes one) must not
# bring tomllib (half an `envwrap init`) onto the start-up and workon paths.
FULL_CONFIG = {"workon_home": "~/it's \"my\" envs\\ünï", "project_home": "/p", "creator": "venv",
               "python": "python3", "auto_activate": "true", "write_dot_venv": "false", "seed_mode": "copy"}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_a_config_file_keeps_init_and_workon_lean(user, envwrap_exe, tmp_path, shell):
    from conftest import cli

    for key, value in FULL_CONFIG.items():
        assert cli(user, "config", key, value).returncode == 0
    cfg = Path(user["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    assert "auto_activate = true" in cfg.read_text()  # written by the config verb
    loaded, proc = modules_loaded(envwrap_exe, user, "init", shell)
    head = {line.split()[0 if shell != "fish" else 2].split("=")[0]: line for line in proc.stdout.splitlines()[:4]}
    src, auto = ("$global:" if shell == "powershell" else "") + "__envwrap_home_src", "__envwrap_auto"
    auto = ("$global:" if shell == "powershell" else "") + auto
    assert "config" in head[src] and "1" in head[auto], head  # it read the file
    assert not loaded & {"tomllib", "tomli", "tomllib._parser"}, sorted(loaded)
    assert cli(user, "new", "--without-pip", "lean").returncode == 0
    loaded, proc = modules_loaded(envwrap_exe, user, "sh", shell, "workon", "lean")
    assert "envwrap.env.registry" in loaded and "lean" in proc.stdout
    assert not loaded & {"tomllib", "tomli", "tomllib._parser"}, sorted(loaded)
