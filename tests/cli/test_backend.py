"""The backend on its own: where things live, names, layouts, relocation, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from envwrap import shells
from envwrap.core import home, names
from envwrap.core.errors import UserError
from envwrap.core.layout import Layout
from envwrap.env.relocation import relocate
from envwrap.shells import activate as activators

from conftest import cli, modules_loaded
from realshell import Shell, run_script


def run(envwrap_exe, user, *args, check=True, cwd=None):
    return cli(user, *args, check=check, cwd=cwd, exe=envwrap_exe)


# ----------------------------------------------------------------- where things live


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in ("WORKON_HOME", "PROJECT_HOME", "VIRTUALENVWRAPPER_HOOK_DIR", "ENVWRAP_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "home").mkdir()
    monkeypatch.setattr(home, "_config_cache", None)
    return tmp_path


def test_workon_home_resolution_order(clean_env, monkeypatch):
    tmp = clean_env
    # 3. nothing set: ~/.virtualenvs (virtualenvwrapper's default), existing or not;
    # envwrap's old default in its data directory, even existing, is not used
    assert home.workon_home() == str(tmp / "home" / ".virtualenvs")
    (tmp / "data" / "envwrap" / "envs").mkdir(parents=True)
    assert home.workon_home() == str(tmp / "home" / ".virtualenvs")
    # 2. the config file wins over it
    cfg = tmp / "config" / "envwrap" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('workon_home = "~/from-config"\nproject_home = "/projects"\n')
    monkeypatch.setattr(home, "_config_cache", None)
    assert home.workon_home() == str(tmp / "home" / "from-config")
    assert home.project_home(required=False) == "/projects"
    # 1. $WORKON_HOME wins over everything; empty counts as unset
    monkeypatch.setenv("WORKON_HOME", "")
    assert home.workon_home() == str(tmp / "home" / "from-config")
    monkeypatch.setenv("WORKON_HOME", str(tmp / "explicit"))
    assert home.workon_home() == str(tmp / "explicit")
    assert home.hook_dir() == str(tmp / "explicit")
    monkeypatch.setenv("VIRTUALENVWRAPPER_HOOK_DIR", str(tmp / "hooks"))
    assert home.hook_dir() == str(tmp / "hooks")


def test_corrupt_config_is_one_clear_error(clean_env, envwrap_exe):
    cfg = clean_env / "config" / "envwrap" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("workon_home = [unclosed\n")
    env = dict(os.environ, HOME=str(clean_env / "home"), XDG_CONFIG_HOME=str(clean_env / "config"))
    env.pop("WORKON_HOME", None)
    proc = subprocess.run([str(envwrap_exe), "ls"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stderr.startswith("envwrap: config file ") and str(cfg) in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_config_verb_writes_toml(user, envwrap_exe, tmp_path):
    run(envwrap_exe, user, "config", "creator", "venv")
    cfg = Path(user["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    assert cfg.read_text() == 'creator = "venv"\n'
    assert run(envwrap_exe, user, "config", "creator").stdout == "venv\n"
    run(envwrap_exe, user, "config", "creator", "--unset")
    assert "creator" not in cfg.read_text()


# ----------------------------------------------------------------- names


@pytest.mark.parametrize("bad", ["", ".", "..", ".hidden", "-x", "a/b", "a\0b", "a\nb", "a\rb", "x" * 256])
def test_refused_names(bad):
    assert names.name_problem(bad)
    with pytest.raises(UserError):
        names.validate(bad)


@pytest.mark.parametrize("good", ["a", "with space", "it's", "$(x)", "`x`", "ü中🚒", "a-b_c.d", "x" * 255, "*"])
def test_accepted_names(good):
    assert names.name_problem(good) is None


# ----------------------------------------------------------------- layouts


def test_layouts_posix_and_windows(tmp_path):
    posix = tmp_path / "p"
    (posix / "bin").mkdir(parents=True)
    (posix / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    layout = Layout.of(posix)
    assert not layout.windows
    assert layout.python == str(posix / "bin" / "python")
    assert layout.site_packages() == str(posix / "lib" / "python3.11" / "site-packages")
    assert shells.get("fish").activate_path(layout) == str(posix / "bin" / "activate.fish")
    win = tmp_path / "w"
    (win / "Scripts").mkdir(parents=True)
    (win / "Lib" / "site-packages").mkdir(parents=True)
    layout = Layout.of(win)
    assert layout.windows
    assert layout.python == str(win / "Scripts" / "python.exe")
    assert layout.site_packages() == str(win / "Lib" / "site-packages")
    assert shells.get("powershell").activate_path(layout) == str(win / "Scripts" / "Activate.ps1")
    assert shells.get("bash").activate_path(layout) == str(win / "Scripts" / "activate")


def test_windows_envs_get_pip_launchers(tmp_path):
    """On Windows, pip, pip3 and pipX.Y are .exe launchers made as pip makes its
    own: the console launcher shipped inside pip, a #! line naming the env's
    python.exe where the env will live, then a zip archive holding the script.
    Here (no Windows) the launcher itself cannot run; the archive can: Python
    runs a zip at the end of any file, which is what the launcher asks of it."""
    import io
    import struct
    import sys
    import zipfile

    import pip

    from envwrap.core.files import copy_tree
    from envwrap.seeding import launchers as seed

    staged = tmp_path / "stage" / "w"
    site = staged / "Lib" / "site-packages"
    (staged / "Scripts").mkdir(parents=True)
    site.mkdir(parents=True)
    copy_tree(Path(pip.__file__).parent, site / "pip", bytecode=False)
    final = tmp_path / "final home" / "w"
    seed.write_pip_launchers(Layout.of(staged), Layout(final, True), "3.11")
    assert sorted(os.listdir(staged / "Scripts")) == ["pip.exe", "pip3.11.exe", "pip3.exe"]
    data = (staged / "Scripts" / "pip3.exe").read_bytes()
    assert (staged / "Scripts" / "pip.exe").read_bytes() == data
    bits = "64" if struct.calcsize("P") == 8 else "32"
    stub = (site / "pip" / "_vendor" / "distlib" / f"t{bits}.exe").read_bytes()
    assert stub.startswith(b"MZ") and data.startswith(stub)
    shebang, _, archive = data[len(stub):].partition(b"\n")
    assert shebang == b'#!"' + str(final / "Scripts" / "python.exe").encode() + b'"'  # quoted: a space
    assert zipfile.ZipFile(io.BytesIO(archive)).namelist() == ["__main__.py"]
    proc = subprocess.run([sys.executable, str(staged / "Scripts" / "pip3.exe"), "--version"],
                          env=dict(os.environ, PYTHONPATH=str(site)), capture_output=True, text=True)
    assert proc.returncode == 0 and f"from {site / 'pip'}" in proc.stdout, proc
    # a pip without the launcher: one clear line, not a traceback
    os.remove(site / "pip" / "_vendor" / "distlib" / f"t{bits}.exe")
    with pytest.raises(UserError, match="pip launchers"):
        seed.write_pip_launchers(Layout.of(staged), Layout(final, True), "3.11")


# Long enough that "#!<dir>/bin/python" is past every kernel's limit (Linux reads
# 256 bytes since 5.1, 128 before), and still a valid name (<= 255 bytes).
LONG_NAME = "long-" + "x" * 245

RELOCATIONS = {
    "plain->spaced": ("foo", "foo bar"),
    "spaced->plain": ("foo bar", "foo"),
    "short->too-long-for-a-shebang": ("foo", LONG_NAME),
}


def _base_python() -> str:
    import sys

    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


@pytest.mark.parametrize("case", RELOCATIONS)
def test_relocate_leaves_scripts_that_run(tmp_path, case):
    from envwrap.seeding.launchers import shebang

    old_name, new_name = RELOCATIONS[case]
    old, new = tmp_path / "envs" / old_name, tmp_path / "envs" / new_name
    (old / "bin").mkdir(parents=True)
    base = _base_python()
    (old / "bin" / "python").symlink_to(base)
    (old / "pyvenv.cfg").write_text(f"home = {os.path.dirname(base)}\ncommand = {base} -m venv {old}\n")
    # as pip writes them for the old place: a plain #! line, or the trampoline
    body = f"import sys\nprint(sys.prefix)\n# also {old}2/bin/python stays\n"
    (old / "bin" / "tool").write_text(shebang(old / "bin" / "python") + body)
    (old / "bin" / "tool").chmod(0o755)
    (old / "bin" / "other").write_text("#!/usr/bin/env python3\nprint(1)\n")  # not the env's: unchanged
    (old / "bin" / "blob").write_bytes(b"\0\1" + str(old).encode())
    relocate(old, old, new)
    old.rename(new)
    tool = new / "bin" / "tool"
    assert os.access(tool, os.X_OK)
    proc = subprocess.run([str(tool)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(new)
    text = tool.read_text()
    assert text.endswith(f"# also {old}2/bin/python stays\n")  # only whole paths are rewritten
    needs_trampoline = " " in str(new) or len(f"#!{new}/bin/python\n".encode()) > 127
    assert text.startswith("#!/bin/sh\n") == needs_trampoline
    assert f"venv {new}\n" in (new / "pyvenv.cfg").read_text()
    assert (new / "bin" / "other").read_text() == "#!/usr/bin/env python3\nprint(1)\n"
    assert (new / "bin" / "blob").read_bytes() == b"\0\1" + str(old).encode()  # binaries untouched


def test_prompt_name_neutralises_prompt_expansion():
    shown = activators.prompt_name("a $(x) `y` \\z %n !1 \x1b[31m")
    assert not set("$`\\%!\x1b") & set(shown)


def test_activate_script_is_quoted(tmp_path):
    env = tmp_path / "e"
    (env / "bin").mkdir(parents=True)
    final = tmp_path / "it's $(touch CANARY)"
    activators.write_all(env, final, "it's $(x)")
    proc = run_script("bash", dict(os.environ), f'PS1="> "; . {Shell.quote(str(env / "bin" / "activate"))}; '
                      'printf "%s\\n" "$VIRTUAL_ENV" "$PS1"', cwd=tmp_path)
    assert proc.stdout.splitlines() == [str(final), "(it's _(x)) > "]
    assert not (tmp_path / "CANARY").exists()


# ----------------------------------------------------------------- the CLI


VERBS = ["init", "demo", "ls", "path", "show", "new", "rm", "cp", "project", "sitepackages", "add-path",
         "toggle-global", "wipe", "repair", "doctor", "config", "seed", "mv", "export", "import", "upgrade", "pythons"]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb, envwrap_exe, user):
    proc = run(envwrap_exe, user, verb, "--help")
    assert proc.stdout.startswith("usage:")


def test_unknown_verb_and_no_args(envwrap_exe, user):
    proc = run(envwrap_exe, user, "frobnicate", check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("envwrap: unknown verb")
    proc = run(envwrap_exe, user, check=False)
    assert proc.returncode == 2 and "usage" in proc.stdout


def test_cli_lifecycle(envwrap_exe, user, tmp_path):
    home_dir = tmp_path / "envs"
    assert run(envwrap_exe, user, "ls").stdout == ""
    out = run(envwrap_exe, user, "new", "--without-pip", "b b").stdout.strip()
    assert out == str(home_dir / "b b")
    run(envwrap_exe, user, "new", "--without-pip", "a")
    assert run(envwrap_exe, user, "ls").stdout == "a\nb b\n"
    assert run(envwrap_exe, user, "path", "b b").stdout == f"{home_dir / 'b b'}\n"
    data = json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"]
    assert [d["name"] for d in data] == ["a", "b b"]
    assert data[0]["path"] == str(home_dir / "a") and data[0]["broken"] is None
    assert data[0]["python"].count(".") == 2
    proj = tmp_path / "proj"
    proj.mkdir()
    run(envwrap_exe, user, "project", "a", str(proj))
    assert json.loads(run(envwrap_exe, user, "ls", "--json").stdout)["environments"][0]["project"] == str(proj)
    show = run(envwrap_exe, user, "show", "a").stdout
    assert show.startswith("a\n=\n") and f"project: {proj}" in show and "status:  ok" in show
    run(envwrap_exe, user, "cp", "a", "c")
    assert run(envwrap_exe, user, "ls").stdout == "a\nb b\nc\n"
    run(envwrap_exe, user, "rm", "a", "c")
    assert run(envwrap_exe, user, "ls").stdout == "b b\n"
    proc = run(envwrap_exe, user, "path", "a", check=False)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "does not exist" in proc.stderr


def test_init_detects_shell_and_bakes_absolute_path(envwrap_exe, user):
    out = run(envwrap_exe, user, "init", "bash").stdout
    first = out.splitlines()[0]
    # an absolute, isolated start without site: python -I -S .../envwrap/__main__.py --sys-path=DIR...
    assert first.startswith("__envwrap_exe=(/") and " -I -S " in first and "/envwrap/__main__.py " in first
    assert first.endswith(")") and "--sys-path=" in first
    # the parent process is a zsh: shellingham finds it
    proc = run_script("zsh", user, f"{envwrap_exe} init; :", argv=["zsh", "-f"])
    assert proc.returncode == 0 and "emulate -L zsh" in proc.stdout
    proc = run(envwrap_exe, user, "init", "tcsh", check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_hooks_are_found_with_their_shell_suffix(tmp_path):
    from envwrap.env import hooks

    assert hooks.sourced(tmp_path / "postactivate", shells.get("fish")) == str(tmp_path / "postactivate.fish")
    assert hooks.sourced(tmp_path / "postactivate", shells.get("powershell")) == str(tmp_path / "postactivate.ps1")
    assert hooks.sourced(tmp_path / "postactivate", shells.get("zsh")) == str(tmp_path / "postactivate")


# Every module the workon path may import, beyond what the interpreter has
# loaded before envwrap starts: an allow-list, so that anything new (a
# dataclass would bring dataclasses, inspect, re, ...) fails here until it is
# chosen on purpose. Codecs (encodings.*) load as the locale asks, and are free.
WORKON_MODULES = {
    "__future__", "errno",
    "envwrap", "envwrap.cli", "envwrap.cli.dispatch", "envwrap.cli.output", "envwrap.cli.table", "envwrap.cli.plans",
    "envwrap.env", "envwrap.env.registry",
    "envwrap.core", "envwrap.core.errors", "envwrap.core.home",
    "envwrap.core.settings",  # the settings table, which core.home reads (it imports only os)
    "envwrap.env.hooks", "envwrap.core.layout", "envwrap.core.names", "envwrap.shells.plan", "envwrap.shells",
    # per-environment variables: activation-as-data and its store (os only; no
    # tomllib, which alone would cost about 25 ms)
    "envwrap.env.activation", "envwrap.env.variables",
}
EMITTER_MODULE = {"bash": "envwrap.shells.posix", "zsh": "envwrap.shells.posix", "fish": "envwrap.shells.fish",
                  "powershell": "envwrap.shells.powershell"}


@pytest.mark.parametrize("shell", sorted(EMITTER_MODULE))
def test_workon_imports_stay_lean(envwrap_exe, user, shell):
    """The workon path imports only the modules it needs: not even pathlib or
    re, which together cost more than the rest of workon."""
    run(envwrap_exe, user, "new", "--without-pip", "lean")
    loaded, _ = modules_loaded(envwrap_exe, user, "sh", shell, "workon", "lean")
    assert "envwrap.env.registry" in loaded and EMITTER_MODULE[shell] in loaded  # it did the work
    assert loaded <= WORKON_MODULES | {EMITTER_MODULE[shell]}, sorted(loaded - WORKON_MODULES)
    # an env without variables of its own: one stat, no reader imported
    assert not loaded & {"envwrap.env.activation", "envwrap.env.variables"}
    run(envwrap_exe, user, "vars", "lean", "set", "K=v")
    loaded, proc = modules_loaded(envwrap_exe, user, "sh", shell, "workon", "lean")
    assert "envwrap.env.variables" in loaded and "K" in proc.stdout


# What auto-activation's one backend call adds to workon's: the readers of the
# project files and the trust check (no typing, contextlib, pathlib or re).
AUTO_MODULES = {"envwrap.env.discovery", "envwrap.env.pythonenvs", "envwrap.env.trust"}


@pytest.mark.parametrize("shell", sorted(EMITTER_MODULE))
def test_the_auto_activation_call_imports_stay_lean(envwrap_exe, user, shell, tmp_path):
    run(envwrap_exe, user, "new", "--without-pip", "lean")
    env = os.path.join(user["WORKON_HOME"], "lean")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".python-envs").write_text(env + "\n", encoding="utf-8")
    loaded, _ = modules_loaded(envwrap_exe, user, "sh", shell, "auto", str(project), env)
    assert "envwrap.env.discovery" in loaded and EMITTER_MODULE[shell] in loaded  # it did the work
    assert loaded <= WORKON_MODULES | AUTO_MODULES | {EMITTER_MODULE[shell]}, sorted(loaded - WORKON_MODULES)


def test_shell_detection_falls_back_to_SHELL(monkeypatch):
    import shellingham

    from envwrap.shells import loader as init

    def fail():
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", fail)
    monkeypatch.setenv("SHELL", "/usr/local/bin/fish")
    assert init.shell_name(None) == "fish"
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    with pytest.raises(Exception, match="cannot tell which shell"):
        init.shell_name(None)
    assert init.shell_name("pwsh") == "powershell"
