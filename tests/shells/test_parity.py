"""Behaviours a virtualenvwrapper user relies on (issue 9), in real shells:
add2virtualenv's import order and file format, the hooks (which, in which order,
with which arguments, in which directory), deactivate's variables, mkproject -f,
copies whose scripts run, and site-packages chosen by the env's Python version.

bash and zsh come from the ``sh`` fixture; fish from the `fish` fixture (fish scripts,
``Shell("fish", ..., mode="script")``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from envwrap import shells

from conftest import HOSTILE as FISH_HOSTILE
from conftest import cli, new_env, write_script
from realshell import Shell

q = Shell.quote
ROOT = Path(__file__).resolve().parents[2]
BASE_PY = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)

# virtualenvwrapper's _virtualenv_path_extensions.pth, first and last line, as its
# add2virtualenv writes them (virtualenvwrapper.sh); spelled out here, not taken
# from envwrap, so that a change on either side fails this test.
VEW_FIRST = "import sys; sys.__plen = len(sys.path)"
VEW_LAST = ("import sys; new=sys.path[sys.__plen:]; del sys.path[sys.__plen:]; "
            "p=getattr(sys,'__egginsert',0); sys.path[p:p]=new; sys.__egginsert = p+len(new)")


def backend(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return cli(env, *args, **kw)


def one_line(stderr: str) -> bool:
    return stderr.endswith("\n") and stderr.count("\n") == 1 and stderr.startswith("envwrap: ")


def site_packages(env: Path) -> Path:
    (sp,) = env.glob("lib/python*/site-packages")
    return sp


# ----------------------------------------------------------------- add2virtualenv (item 1)


def test_add2virtualenv_puts_dirs_first_so_a_source_tree_shadows_the_installed_copy(sh, tmp_path):
    sh.ok("mkvirtualenv --without-pip a")
    env = tmp_path / "envs" / "a"
    sp = site_packages(env)
    (sp / "shadowed.py").write_text("WHERE = 'installed'\n")  # installed by hand, as pip would
    src = tmp_path / "src 'tree' $x ü"
    src.mkdir()
    (src / "shadowed.py").write_text("WHERE = 'source'\n")
    assert sh.ok("python -c 'import shadowed; print(shadowed.WHERE)'").stdout == "installed\n"
    r = sh.ok(f"add2virtualenv {q(str(src))}")
    assert r.stderr == ""
    probe = sh.ok("python -c 'import shadowed, sys, os; print(shadowed.__file__); print(sys.path.index(sys.argv[1]) "
                  "< sys.path.index(os.path.dirname(os.__file__)))' " + q(str(src)))
    assert probe.lines == [str(src / "shadowed.py"), "True"]  # before the standard library too
    lines = (sp / "_virtualenv_path_extensions.pth").read_text().splitlines()
    assert lines == [VEW_FIRST, str(src), VEW_LAST]
    assert sh.ok("add2virtualenv").lines == [str(src)]
    sh.ok(f"add2virtualenv -d {q(str(src))}")
    assert sh.ok("python -c 'import shadowed; print(shadowed.WHERE)'").stdout == "installed\n"


def test_add2virtualenv_takes_a_dir_that_does_not_exist_yet_and_removes_a_vanished_one(sh, tmp_path):
    sh.ok("mkvirtualenv --without-pip a")
    later = tmp_path / "later dir"
    r = sh.run(f"add2virtualenv {q(str(later))}")
    assert r.status == 0 and one_line(r.stderr) and "warning" in r.stderr and str(later) in r.stderr
    later.mkdir()
    (later / "latemod.py").write_text("X = 1\n")
    assert sh.ok("python -c 'import latemod; print(latemod.__file__)'").stdout == f"{later / 'latemod.py'}\n"
    later.joinpath("latemod.py").unlink()
    later.rmdir()
    sh.ok(f"add2virtualenv -d {q(str(later))}")
    assert sh.ok("add2virtualenv").stdout == ""
    assert not (site_packages(tmp_path / "envs" / "a") / "_virtualenv_path_extensions.pth").exists()
    r = sh.run("add2virtualenv $'bad\\nline'")
    assert r.status != 0 and one_line(r.stderr)


def test_add2virtualenv_reads_and_keeps_the_file_virtualenvwrapper_wrote(sh, tmp_path):
    sh.ok("mkvirtualenv --without-pip a")
    pth = site_packages(tmp_path / "envs" / "a") / "_virtualenv_path_extensions.pth"
    one, two, three = (tmp_path / n for n in ("one", "two", "three"))
    for d in (one, two, three):
        d.mkdir()
    # what `add2virtualenv one; add2virtualenv two` leaves in virtualenvwrapper 6.1
    pth.write_text(f"{VEW_FIRST}\n{two}\n{one}\n{VEW_LAST}\n")
    assert sh.ok("add2virtualenv").lines == [str(two), str(one)]
    sh.ok(f"add2virtualenv {q(str(three))}")
    sh.ok(f"add2virtualenv -d {q(str(two))}")
    assert pth.read_text().splitlines() == [VEW_FIRST, str(three), str(one), VEW_LAST]
    path = sh.ok("python -c 'import sys; print(*sys.path[:3], sep=chr(10))'").lines
    assert path == ["", str(three), str(one)]  # right after the script's own directory


# ----------------------------------------------------------------- hooks: the table (item 6)


@dataclass
class HookRow:
    """One hook as virtualenvwrapper runs it, and how to make envwrap run it."""
    hook: str
    kind: str                 # "run" (a program, with arguments) or "sourced"
    where: str                # "global" (hook dir) or "env" (the env's bin/)
    setup: list[str]          # shell commands first (their hook calls are not counted)
    trigger: str              # the command that runs the hook (from the directory HERE)
    args: list[str]           # its arguments ({name}, {src}, {dest} filled in); run hooks only
    cwd: str                  # WORKON_HOME, HERE, PROJECT (the env's), NEW_PROJECT
    readme: tuple[str, str, str]  # docs/hooks.md table cells: arguments, working directory, run/sourced


NAME = "hook 'n' $x"
SRC, DEST = "src $s", "dest 'd'"
new = "envwrap new --without-pip"

HOOK_TABLE = [
    HookRow("premkvirtualenv", "run", "global", [], f"mkvirtualenv --without-pip {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("postmkvirtualenv", "sourced", "global", [], f"mkvirtualenv --without-pip {q(NAME)}", [],
            "HERE", ("none", "where you are", "sourced")),
    HookRow("precpvirtualenv", "run", "global", [f"{new} {q(SRC)}"], f"cpvirtualenv {q(SRC)} {q(DEST)}",
            ["{home}/{src}", "{dest}"], "WORKON_HOME", ("SRC_PATH DEST", "`WORKON_HOME`", "run")),
    HookRow("postcpvirtualenv", "sourced", "global", [f"{new} {q(SRC)}"], f"cpvirtualenv {q(SRC)} {q(DEST)}", [],
            "HERE", ("none", "where you are", "sourced")),
    HookRow("preactivate", "run", "global", [f"{new} {q(NAME)}"], f"workon {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("preactivate", "run", "env", [f"{new} {q(NAME)}"], f"workon {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("postactivate", "sourced", "global", [f"{new} -a {{project}} {q(NAME)}"], f"workon {q(NAME)}", [],
            "PROJECT", ("none", "the project, if `workon` cds there; else where you are", "sourced")),
    HookRow("postactivate", "sourced", "env", [f"{new} {q(NAME)}"], f"workon {q(NAME)}", [],
            "HERE", ("none", "the project, if `workon` cds there; else where you are", "sourced")),
    HookRow("predeactivate", "sourced", "global", [f"{new} {q(NAME)}", f"workon {q(NAME)}"], "deactivate", [],
            "HERE", ("none", "where you are", "sourced")),
    HookRow("postdeactivate", "sourced", "env", [f"{new} {q(NAME)}", f"workon {q(NAME)}"], "deactivate", [],
            "HERE", ("none", "where you are", "sourced")),
    HookRow("prermvirtualenv", "run", "global", [f"{new} {q(NAME)}"], f"rmvirtualenv {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("postrmvirtualenv", "run", "global", [f"{new} {q(NAME)}"], f"rmvirtualenv {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("premkproject", "run", "global", [], f"mkproject --without-pip {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("postmkproject", "sourced", "global", [], f"mkproject --without-pip {q(NAME)}", [],
            "NEW_PROJECT", ("none", "the new project", "sourced")),
    HookRow("get_env_details", "run", "global", [f"{new} {q(NAME)}"], "lsvirtualenv -l", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
    HookRow("get_env_details", "run", "env", [f"{new} {q(NAME)}"], f"showvirtualenv {q(NAME)}", ["{name}"],
            "WORKON_HOME", ("NAME", "`WORKON_HOME`", "run")),
]


def _hook_script(kind: str, log: Path, label: str) -> str:
    """A hook that appends `label|$PWD|arg|arg...` to log, one line per call."""
    body = f"{{ printf '%s|%s' {q(label)} \"$PWD\"; "
    body += 'for a in "$@"; do printf \'|%s\' "$a"; done; ' if kind == "run" else ""
    body += f"printf '\\n'; }} >> {q(str(log))}\n"
    return ("#!/bin/sh\n" + body) if kind == "run" else body


@pytest.mark.parametrize("row", HOOK_TABLE, ids=lambda r: f"{r.where}-{r.hook}-{r.trigger.split()[0]}")
def test_hook_arguments_and_working_directory(sh, tmp_path, row):
    home, projects = tmp_path / "envs", tmp_path / "projects"
    here = tmp_path / "here $d 'q'"
    project = tmp_path / "bound project"
    here.mkdir()
    project.mkdir()
    log = tmp_path / "hook.log"
    for command in row.setup:
        sh.ok(command.replace("{project}", q(str(project))))
    hook_dir = home if row.where == "global" else home / NAME / "bin"
    hook = hook_dir / row.hook
    hook.write_text(_hook_script(row.kind, log, row.hook))
    hook.chmod(0o755 if row.kind == "run" else 0o644)
    sh.ok(f"cd {q(str(here))}")
    sh.ok(row.trigger)
    fill = {"{name}": NAME, "{src}": SRC, "{dest}": DEST, "{home}": str(home)}
    args = []
    for a in row.args:
        for key, value in fill.items():
            a = a.replace(key, value)
        args.append(a)
    cwd = {"WORKON_HOME": home, "HERE": here, "PROJECT": project, "NEW_PROJECT": projects / NAME}[row.cwd]
    assert log.read_text().splitlines() == ["|".join([row.hook, str(cwd), *args])]


def _readme_hook_rows() -> dict[str, list[str]]:
    text = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"`([a-z_]+)`.*", cells[0]) if len(cells) == 5 else None
        if m:
            rows[m.group(1)] = cells
    return rows


def test_readme_hook_table_says_what_the_tests_check():
    rows = _readme_hook_rows()
    for row in HOOK_TABLE:
        assert row.hook in rows, f"docs/hooks.md's table has no row for {row.hook}"
        _, _, args, cwd, kind = rows[row.hook]
        assert (args.replace("`", ""), cwd, kind) == (row.readme[0], row.readme[1], row.readme[2]), row.hook


def test_mkproject_runs_the_hooks_in_virtualenvwrapper_order(sh, tmp_path):
    home = tmp_path / "envs"
    log = tmp_path / "hook.log"
    for hook, kind in (("premkproject", "run"), ("premkvirtualenv", "run"), ("preactivate", "run"),
                       ("postactivate", "sourced"), ("postmkvirtualenv", "sourced"), ("postmkproject", "sourced")):
        (home / hook).write_text(_hook_script(kind, log, hook))
        (home / hook).chmod(0o755)
    here = tmp_path / "here"
    here.mkdir()
    sh.ok(f"cd {q(str(here))} && mkproject --without-pip p")
    project = tmp_path / "projects" / "p"
    assert log.read_text().splitlines() == [
        f"premkproject|{home}|p", f"premkvirtualenv|{home}|p", f"preactivate|{home}|p",
        f"postactivate|{here}", f"postmkvirtualenv|{here}", f"postmkproject|{project}",
    ]
    assert sh.var("PWD") == str(project)


# ----------------------------------------------------------------- cpvirtualenv's hooks (item 3)

CP_ORDER_HOOKS = (("precpvirtualenv", "run"), ("premkvirtualenv", "run"), ("preactivate", "run"),
                  ("postactivate", "sourced"), ("postmkvirtualenv", "sourced"), ("postcpvirtualenv", "sourced"))


def test_cpvirtualenv_runs_the_creation_hooks_in_order(shell, tmp_path):
    """In every shell: executed hooks get their arguments in WORKON_HOME,
    sourced ones (in the shell's language) run where the user is."""
    home = tmp_path / "envs"
    log = tmp_path / "hook.log"
    src, dest = FISH_HOSTILE[3], "the copy `c`"
    new_env(shell.env, src)
    for hook, kind in CP_ORDER_HOOKS:
        if kind == "run":
            write_script(home / hook, _hook_script(kind, log, hook))
        else:
            (home / (hook + shell.dialect.hook_suffix)).write_text(shell.dialect.append_line(str(log), hook, "pwd"))
    here = tmp_path / "here"
    here.mkdir()
    shell.cd(here)
    shell.ok(shell.line("cpvirtualenv", src, dest))
    copy = home / dest
    assert log.read_text().splitlines() == [
        f"precpvirtualenv|{home}|{home / src}|{dest}", f"premkvirtualenv|{home}|{dest}",
        f"preactivate|{home}|{dest}", f"postactivate {copy} {here}", f"postmkvirtualenv {copy} {here}",
        f"postcpvirtualenv {copy} {here}",
    ]
    assert shell.var("VIRTUAL_ENV") == str(copy)
    # a path as the source: its full path is the first argument
    log.unlink()
    shell.ok("deactivate")
    shell.ok(shell.line("cpvirtualenv", str(home / src), "third"))
    assert log.read_text().splitlines()[0] == f"precpvirtualenv|{home}|{home / src}|third"


@pytest.mark.parametrize("hook", ["precpvirtualenv", "premkvirtualenv"])
def test_a_failing_pre_hook_of_cpvirtualenv_leaves_no_copy(sh, tmp_path, hook):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip a && deactivate")
    (home / hook).write_text("#!/bin/sh\nexit 3\n")
    (home / hook).chmod(0o755)
    r = sh.run("cpvirtualenv a b")
    assert r.status != 0 and one_line(r.stderr) and hook in r.stderr
    assert not (home / "b").exists() and sh.var("VIRTUAL_ENV") is None
    assert not list((home / ".envwrap" / "staging").iterdir())


# ----------------------------------------------------------------- deactivate's variables (item 4)


def test_deactivate_hooks_see_both_last_env_variables(shell, tmp_path):
    """Both spellings of the last env's variable, in the deactivate hooks of
    every shell, and neither left behind."""
    home = tmp_path / "envs"
    name = FISH_HOSTILE[1]
    log = str(tmp_path / "log")
    env = new_env(shell.env, name)
    shell.ok(shell.line("workon", name))
    both = ("VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV", "VIRTUALENVWRAPPER_LAST_VIRTUALENV")
    suffix = shell.dialect.hook_suffix
    (home / f"postdeactivate{suffix}").write_text(shell.dialect.append_line(log, "global", *both))
    (env / "bin" / f"postdeactivate{suffix}").write_text(shell.dialect.append_line(log, "env", *both))
    (home / f"predeactivate{suffix}").write_text(shell.dialect.append_line(log, "pre", *both))
    shell.ok("deactivate")
    assert Path(log).read_text().splitlines() == [
        f"pre {env} unset unset", f"env none {env} {env}", f"global none {env} {env}"]
    assert shell.var("VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV") is None
    assert shell.var("VIRTUALENVWRAPPER_LAST_VIRTUALENV") is None


def test_powershell_deactivate_sets_and_removes_both_names():
    """pwsh cannot run here: check the one function's text sets both and removes both."""
    text = Path(shells.get("powershell").hook_file()).read_text(encoding="utf-8")
    body = text.split("function global:__envwrap_deactivate", 1)[1].split("\nfunction ", 1)[0]
    for var in ("VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV", "VIRTUALENVWRAPPER_LAST_VIRTUALENV"):
        assert f"$global:{var} = $envDir" in body
        removal = re.search(r"Remove-Variable -Name ([^-]+) -Scope Global", body.split(f"$global:{var} =")[1])
        assert removal and var in [n.strip().strip("'") for n in removal.group(1).split(",")]


# ----------------------------------------------------------------- mkproject -f (item 5)


def test_mkproject_f_reuses_an_existing_env(sh, tmp_path):
    home, projects = tmp_path / "envs", tmp_path / "projects"
    name = "reused 'p' $x"
    sh.ok(f"mkvirtualenv --without-pip {q(name)} && deactivate")
    env = home / name
    (env / "kept-marker").write_text("the same env, not a new one\n")
    r = sh.run(f"mkproject --without-pip {q(name)}")
    assert r.status != 0 and one_line(r.stderr) and "exists" in r.stderr
    assert not (projects / name).exists() and not (env / ".project").exists()
    r = sh.run(f"mkproject -f -p python3 {q(name)}")
    assert r.status != 0 and one_line(r.stderr) and not (projects / name).exists()
    here = tmp_path / "here"
    here.mkdir()
    sh.ok(f"cd {q(str(here))} && mkproject -f {q(name)}")
    assert sh.var("VIRTUAL_ENV") == str(env) and sh.var("PWD") == str(projects / name)
    assert (env / ".project").read_text() == f"{projects / name}\n"
    assert (env / "kept-marker").exists()
    # and with the project directory there already, bound to the same env again
    sh.ok(f"deactivate && cd {q(str(here))} && mkproject -f {q(name)}")
    assert sh.var("PWD") == str(projects / name) and sh.var("VIRTUAL_ENV") == str(env)


# ----------------------------------------------------------------- copies whose scripts run (item 7)

LONG = "long-" + "y" * 240  # "#!$WORKON_HOME/<this>/bin/python" is past every kernel's shebang limit


@pytest.mark.parametrize("src,dest", [("plain", "with space"), ("with space", "plain"), ("short", LONG)],
                         ids=["plain->spaced", "spaced->plain", "short->too-long-for-a-shebang"])
def test_copies_have_a_pip_that_starts(sh, tmp_path, src, dest):
    home = tmp_path / "envs"
    sh.ok(f"mkvirtualenv {q(src)} && deactivate")
    sh.ok(f"cpvirtualenv {q(src)} {q(dest)}")
    # pip is the copy's own, or (seed_mode auto, zip) its home's shared read-only zip
    places = (f" from {home / dest}/", f" from {home / '.envwrap' / 'seeds'}/")
    for script in ("pip", "pip3"):
        r = sh.run(f"{script} --version")
        assert r.status == 0, r
        assert any(p in r.stdout for p in places), r.stdout
    r = sh.ok('"$VIRTUAL_ENV/bin/python" -m pip --version')
    assert any(p in r.stdout for p in places)


# ----------------------------------------------------------------- premkvirtualenv under the lock (item 13)

SLOW_HOOK = """#!/bin/sh
touch "$ENVWRAP_STAGED_ENV/made-by-premkvirtualenv"
touch "$T_STARTED"
while [ ! -e "$T_RELEASE" ]; do sleep 0.02; done
exit "$T_STATUS"
"""


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the hook never started"
        time.sleep(0.02)


@pytest.mark.parametrize("status", [0, 1], ids=["hook-succeeds", "hook-vetoes"])
def test_env_is_invisible_until_premkvirtualenv_has_finished(sh, user, tmp_path, status):
    home = tmp_path / "envs"
    hook = home / "premkvirtualenv"
    hook.write_text(SLOW_HOOK)
    hook.chmod(0o755)
    started, release = tmp_path / "started", tmp_path / "release"
    name = "slow 'hook' $x"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "envwrap"), "new", "--without-pip", name],
        env=dict(user, T_STARTED=str(started), T_RELEASE=str(release), T_STATUS=str(status)),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(started, proc)
        assert backend(user, "ls").stdout == ""
        assert json.loads(backend(user, "ls", "--json").stdout)["environments"] == []
        assert sh.ok("lsvirtualenv -b").stdout == ""
        r = sh.run(f"workon {q(name)}")
        assert r.status != 0 and one_line(r.stderr) and sh.var("VIRTUAL_ENV") is None
        assert not (home / name).exists()
        second = backend(user, "new", "--without-pip", name)
        assert second.returncode != 0 and "being created" in second.stderr
        assert proc.poll() is None
    finally:
        release.touch()
        out, err = proc.communicate(timeout=60)
    if status == 0:
        assert proc.returncode == 0, err
        assert sh.ok("lsvirtualenv -b").lines == [name]
        assert (home / name / "made-by-premkvirtualenv").exists()  # the hook saw the whole env
    else:
        assert proc.returncode != 0 and one_line(err) and "premkvirtualenv" in err
        assert sh.ok("lsvirtualenv -b").stdout == "" and not (home / name).exists()
    assert not list((home / ".envwrap" / "staging").iterdir())


# ----------------------------------------------------------------- site-packages by version (item 12)


def _pyenv_python(minor: str) -> str | None:
    """The pyenv-installed python3.<minor>, or None."""
    try:
        versions = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True).stdout.split()
    except OSError:
        return None
    for version in versions:
        if version.startswith(f"3.{minor}."):
            prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True).stdout.strip()
            exe = Path(prefix) / "bin" / f"python3.{minor}"
            if exe.is_file():
                return str(exe)
    return None


def _two_pythons(a: str, b: str) -> tuple[str, str]:
    found = _pyenv_python(a), _pyenv_python(b)
    if None in found:
        pytest.skip(f"needs python3.{a} and python3.{b} (pyenv versions): found {found}")
    return found  # type: ignore[return-value]


def test_site_packages_follows_the_env_python_not_the_sort_order(tmp_path):
    from envwrap.core.layout import Layout

    env = tmp_path / "env"
    for v in ("3.9", "3.11", "3.12"):
        (env / "lib" / f"python{v}" / "site-packages").mkdir(parents=True)
    (env / "bin").mkdir()
    for cfg, expected in (("version_info = 3.12.1.final.0\n", "3.12"), ("version = 3.11.4\n", "3.11"),
                          ("version_info = 3.9.18\n", "3.9")):
        (env / "pyvenv.cfg").write_text("home = /nowhere\n" + cfg)
        assert Layout.of(env).site_packages() == str(env / "lib" / f"python{expected}" / "site-packages")


def test_packages_left_behind_by_a_python_upgrade_are_reported(sh, user, tmp_path):
    old_py, new_py = _two_pythons("11", "12")
    base = tmp_path / "base"  # a base Python upgraded in place, as a distribution does it
    base.mkdir()
    (base / "python3").symlink_to(old_py)
    sh.ok(f"mkvirtualenv --without-pip -p {q(str(base / 'python3'))} up")
    env = tmp_path / "envs" / "up"
    (env / "lib" / "python3.11" / "site-packages" / "upmod.py").write_text("X = 1\n")
    assert sh.ok("python -c 'import upmod'").status == 0
    sh.ok("deactivate")
    (base / "python3").unlink()
    (base / "python3").symlink_to(new_py)
    message = "packages were installed for 3.11, the interpreter is 3.12"
    assert message in sh.ok("lsvirtualenv -l").stdout
    doctor = backend(user, "doctor")
    assert doctor.returncode != 0 and message in doctor.stdout and "'up'" in doctor.stdout
    # what it means: the interpreter does not see them
    assert subprocess.run([str(env / "bin" / "python"), "-c", "import upmod"], capture_output=True).returncode != 0


def test_repair_refuses_another_minor_version_and_keeps_the_prompt(user, tmp_path):
    old_py, new_py = _two_pythons("10", "12")
    base = tmp_path / "base"
    base.mkdir()
    (base / "python3").symlink_to(old_py)
    env = tmp_path / "envs" / "r"
    assert backend(user, "new", "--without-pip", "-p", str(base / "python3"), "r").returncode == 0
    cfg = env / "pyvenv.cfg"
    cfg.write_text(cfg.read_text() + "prompt = 'my prompt'\n")  # as virtualenvwrapper's creators write it
    (base / "python3").unlink()  # the base Python went away: the env is broken
    before = cfg.read_bytes()
    r = backend(user, "repair", "r", "-p", new_py)
    assert r.returncode != 0 and one_line(r.stderr) and "envwrap upgrade" in r.stderr and "3.10" in r.stderr
    assert cfg.read_bytes() == before
    r = backend(user, "repair", "r", "-p", old_py)
    assert r.returncode == 0, r.stderr
    assert "prompt = 'my prompt'" in cfg.read_text()
    assert json.loads(backend(user, "ls", "--json").stdout)["environments"][0]["broken"] is None
    assert "(my prompt)" in (env / "bin" / "activate").read_text()
    py = subprocess.run([str(env / "bin" / "python"), "-c", "import sys; print(sys.prefix, sys.version_info[:2])"],
                        capture_output=True, text=True)
    assert py.stdout.strip() == f"{env} (3, 10)"
