"""Whole workflows in real bash and zsh: create, activate, hooks, projects,
deactivate, remove, with names that are hostile to shells."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CREATORS, make_wheel, require_creator
from shells import Shell

HOSTILE = [
    "plain",
    "with space",
    "it's \"quoted\"",
    "dollar $HOME $(touch CANARY) `touch CANARY`",
    "back\\slash;&|*?[x]{a,b}~#!%",
    "'\";&&e-$ èрт🚒♞中片-j",
]

q = Shell.quote


@pytest.fixture(params=CREATORS)
def creator(request):
    """Every workflow passes with each creator: a creator changes speed, never behaviour."""
    return require_creator(request.param)


@pytest.mark.parametrize("name", HOSTILE)
def test_create_activate_deactivate_remove(sh, tmp_path, name):
    home = tmp_path / "envs"
    path_before = sh.var("PATH")
    sh.ok("PS1='$ '")
    r = sh.ok(f"mkvirtualenv --without-pip {q(name)}")
    env = home / name
    assert (env / "pyvenv.cfg").is_file()
    assert sh.var("VIRTUAL_ENV") == str(env)
    assert sh.ok("command -v python").stdout.strip() == str(env / "bin" / "python")
    assert sh.ok("python -c 'import sys; print(sys.prefix)'").stdout.strip() == str(env)
    assert sh.var("VIRTUAL_ENV_PROMPT") == f"({name}) "
    assert sh.var("PS1").endswith(") $ ")
    assert sh.ok("lsvirtualenv -b").lines == [name]
    sh.ok("deactivate")
    assert sh.var("VIRTUAL_ENV") is None
    assert sh.var("PATH") == path_before
    assert sh.var("PS1") == "$ "
    assert sh.run("typeset -f deactivate").status != 0  # the function is gone
    sh.ok(f"workon {q(name)}")
    assert sh.var("VIRTUAL_ENV") == str(env)
    # removing the active environment is refused and changes nothing
    r = sh.run(f"rmvirtualenv {q(name)}")
    assert r.status != 0 and "active" in r.stderr and env.is_dir()
    sh.ok("deactivate")
    sh.ok(f"rmvirtualenv {q(name)}")
    assert not env.exists()
    assert sh.ok("lsvirtualenv -b").stdout == ""
    assert not list(tmp_path.rglob("CANARY")) and not (Path.cwd() / "CANARY").exists()


def test_pip_inside_env_installs_into_env(sh, tmp_path):
    sh.ok("mkvirtualenv withpip")
    env = tmp_path / "envs" / "withpip"
    assert sh.ok("command -v pip").stdout.strip() == str(env / "bin" / "pip")
    version = sh.ok("pip --version").stdout
    assert str(env) in version
    wheel = make_wheel(tmp_path, "envwrap_probe", "1.0")
    sh.ok(f"pip install --no-index --no-deps -q {q(str(wheel))}")
    assert list((env / "lib").glob("python*/site-packages/envwrap_probe.py"))
    assert sh.ok("python -c 'import envwrap_probe; print(envwrap_probe.__file__)'").stdout.startswith(str(env))
    # wipeenv removes what pip installed, and only that
    sh.ok("wipeenv")
    assert not list((env / "lib").glob("python*/site-packages/envwrap_probe.py"))
    assert sh.ok("pip --version").status == 0


def _write(path: Path, text: str, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(0o755)


def test_hooks_run_in_virtualenvwrapper_order(sh, tmp_path):
    home = tmp_path / "envs"
    log = tmp_path / "log"
    L = q(str(log))
    # executed hooks get arguments; sourced hooks need no shebang or execute bit
    _write(home / "premkvirtualenv", f"#!/bin/sh\necho \"premkvirtualenv $1 $(pwd)\" >> {L}\n", True)
    _write(home / "postmkvirtualenv", f"echo \"postmkvirtualenv $VIRTUAL_ENV\" >> {L}\n")
    _write(home / "preactivate", f"#!/bin/sh\necho \"preactivate $1 ${{VIRTUAL_ENV:-none}}\" >> {L}\n", True)
    _write(home / "postactivate", f"echo \"postactivate $VIRTUAL_ENV\" >> {L}\nHOOK_VAR=set\n")
    _write(home / "predeactivate", f"echo \"predeactivate $VIRTUAL_ENV\" >> {L}\n")
    _write(home / "postdeactivate",
           f"echo \"postdeactivate ${{VIRTUAL_ENV:-none}} $VIRTUALENVWRAPPER_LAST_VIRTUALENV\" >> {L}\n"
           "unset HOOK_VAR\n")
    _write(home / "prermvirtualenv", f"#!/bin/sh\necho \"prermvirtualenv $1\" >> {L}\n", True)
    _write(home / "postrmvirtualenv", f"#!/bin/sh\necho \"postrmvirtualenv $1\" >> {L}\n", True)
    name = "hook $(touch CANARY) env"
    sh.ok(f"mkvirtualenv --without-pip {q(name)}")
    env = home / name
    assert sh.var("HOOK_VAR") == "set"
    sh.ok("deactivate")
    assert sh.var("HOOK_VAR") is None
    assert sh.var("VIRTUALENVWRAPPER_LAST_VIRTUALENV") is None
    _write(env / "bin" / "preactivate", f"#!/bin/sh\necho \"env-preactivate $1\" >> {L}\n", True)
    _write(env / "bin" / "postactivate", f"echo \"env-postactivate\" >> {L}\n")
    _write(env / "bin" / "predeactivate", f"echo \"env-predeactivate\" >> {L}\n")
    _write(env / "bin" / "postdeactivate", f"echo \"env-postdeactivate $VIRTUALENVWRAPPER_LAST_VIRTUALENV\" >> {L}\n")
    sh.ok(f"workon {q(name)}")
    sh.ok("deactivate")
    sh.ok(f"rmvirtualenv {q(name)}")
    assert log.read_text().splitlines() == [
        f"premkvirtualenv {name} {home}",
        f"preactivate {name} none",
        f"postactivate {env}",
        f"postmkvirtualenv {env}",
        f"predeactivate {env}",
        f"postdeactivate none {env}",
        f"preactivate {name} none",
        f"env-preactivate {name}",
        f"postactivate {env}",
        "env-postactivate",
        "env-predeactivate",
        f"predeactivate {env}",
        f"env-postdeactivate {env}",
        f"postdeactivate none {env}",
        f"prermvirtualenv {name}",
        f"postrmvirtualenv {name}",
    ]
    assert not list(tmp_path.rglob("CANARY"))
    # envwrap wrote no empty hook files of its own
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == sorted(
        ["premkvirtualenv", "postmkvirtualenv", "preactivate", "postactivate", "predeactivate",
         "postdeactivate", "prermvirtualenv", "postrmvirtualenv"])


def test_hook_dir_setting_is_read_each_time(sh, tmp_path):
    hooks = tmp_path / "hooks"
    _write(hooks / "postactivate", "FROM_HOOK_DIR=yes\n")
    sh.ok("mkvirtualenv --without-pip a")
    assert sh.var("FROM_HOOK_DIR") is None
    sh.ok("deactivate")
    sh.ok(f"VIRTUALENVWRAPPER_HOOK_DIR={q(str(hooks))}")  # not exported
    sh.ok("workon a")
    assert sh.var("FROM_HOOK_DIR") == "yes"


def test_failing_pre_hook_stops_before_anything_changes(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip a && deactivate")
    _write(home / "preactivate", "#!/bin/sh\nexit 3\n", True)
    r = sh.run("workon a")
    assert r.status != 0
    assert "preactivate" in r.stderr and r.stderr.count("\n") == 1
    assert sh.var("VIRTUAL_ENV") is None
    _write(home / "premkvirtualenv", "#!/bin/sh\nexit 4\n", True)
    r = sh.run("mkvirtualenv --without-pip b")
    assert r.status != 0 and not (home / "b").exists()
    _write(home / "prermvirtualenv", "#!/bin/sh\nexit 5\n", True)
    r = sh.run("rmvirtualenv a")
    assert r.status != 0 and (home / "a" / "pyvenv.cfg").exists()


def test_failing_post_hook_is_silent_and_result_kept(sh, tmp_path):
    """As in virtualenvwrapper, a sourced hook's last status is its own business."""
    home = tmp_path / "envs"
    _write(home / "postactivate", "T_HOOK=ran\nfalse\n")
    r = sh.run("mkvirtualenv --without-pip a")
    assert r.status == 0 and sh.var("VIRTUAL_ENV") == str(home / "a") and sh.var("T_HOOK") == "ran"
    assert "postactivate" not in r.stderr


def test_projects(sh, tmp_path):
    projects = tmp_path / "projects"
    home = tmp_path / "envs"
    _write(home / "premkproject", f"#!/bin/sh\necho \"premkproject $1 $(pwd)\" > {q(str(tmp_path / 'plog'))}\n", True)
    _write(home / "postmkproject", "POSTMKPROJECT=$PWD\n")
    name = "my proj $x"
    sh.ok(f"mkproject --without-pip {q(name)}")
    project = projects / name
    assert project.is_dir()
    assert sh.var("PWD") == str(project)
    assert sh.var("POSTMKPROJECT") == str(project)
    assert (home / name / ".project").read_text().strip() == str(project)
    # in WORKON_HOME, as virtualenvwrapper runs every hook it executes
    assert (tmp_path / "plog").read_text().strip() == f"premkproject {name} {home}"
    # project-local hooks (virtualenvwrapper 6.1)
    _write(project / ".virtualenvwrapper" / "postactivate", "PROJECT_HOOK=on\n")
    _write(project / ".virtualenvwrapper" / "predeactivate", "unset PROJECT_HOOK\n")
    sh.ok(f"cd {q(str(tmp_path))} && deactivate")
    sh.ok(f"workon {q(name)}")
    assert sh.var("PWD") == str(project)
    assert sh.var("PROJECT_HOOK") == "on"
    sh.ok("deactivate")
    assert sh.var("PROJECT_HOOK") is None
    sh.ok(f"cd {q(str(tmp_path))}")
    sh.ok(f"workon -n {q(name)}")
    assert sh.var("PWD") == str(tmp_path)
    sh.ok("cdproject")
    assert sh.var("PWD") == str(project)
    sh.ok(f"cd {q(str(tmp_path))} && deactivate && VIRTUALENVWRAPPER_WORKON_CD=0 && workon {q(name)}")
    assert sh.var("PWD") == str(tmp_path)
    sh.ok("deactivate; unset VIRTUALENVWRAPPER_WORKON_CD")
    # workon . finds the env whose project holds the current directory
    (project / "sub").mkdir()
    sh.ok(f"cd {q(str(project / 'sub'))} && workon .")
    assert sh.var("VIRTUAL_ENV") == str(home / name)
    # existing project refused without -f
    sh.ok("deactivate")
    r = sh.run(f"mkproject --without-pip {q(name)}")
    assert r.status != 0 and "exists" in r.stderr


def test_setvirtualenvproject_and_cd_commands(sh, tmp_path):
    other = tmp_path / "elsewhere dir"
    other.mkdir()
    sh.ok("mkvirtualenv --without-pip a")
    sh.ok(f"cd {q(str(other))} && setvirtualenvproject")
    env = tmp_path / "envs" / "a"
    assert (env / ".project").read_text().strip() == str(other)
    sh.ok("cdvirtualenv")
    assert sh.var("PWD") == str(env)
    sh.ok("cdvirtualenv bin")
    assert sh.var("PWD") == str(env / "bin")
    sh.ok("cdsitepackages")
    assert sh.var("PWD").endswith("site-packages")
    sh.ok("cdproject")
    assert sh.var("PWD") == str(other)
    assert "_virtualenv_path_extensions.pth" not in sh.ok("lssitepackages").stdout
    sh.ok(f"add2virtualenv {q(str(other))}")
    assert str(other) in sh.ok("lssitepackages").stdout
    assert sh.ok("python -c 'import sys; print(sys.path)'").stdout.count(str(other)) == 1
    sh.ok(f"add2virtualenv -d {q(str(other))}")
    assert str(other) not in sh.ok("python -c 'import sys; print(sys.path)'").stdout
    cfg = env / "pyvenv.cfg"
    sh.ok("toggleglobalsitepackages -q")
    assert "include-system-site-packages = true" in cfg.read_text()
    sh.ok("toggleglobalsitepackages -q")
    assert "include-system-site-packages = false" in cfg.read_text()


def test_mktmpenv_removed_on_deactivate(sh, tmp_path):
    sh.ok(f"cd {q(str(tmp_path))}")
    sh.ok("mktmpenv --without-pip")
    env = Path(sh.var("VIRTUAL_ENV"))
    assert env.parent == tmp_path / "envs" and env.is_dir()
    assert sh.var("PWD") == str(env)
    sh.ok(f"cd {q(str(tmp_path))}; deactivate")
    assert not env.exists()


def test_cpvirtualenv_copy_points_at_itself(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv 'src env'")
    sh.ok("deactivate")
    sh.ok("cpvirtualenv 'src env' 'the copy'")
    copy = home / "the copy"
    assert sh.var("VIRTUAL_ENV") == str(copy)
    assert sh.ok("python -c 'import sys; print(sys.prefix)'").stdout.strip() == str(copy)
    assert sh.ok("command -v pip").stdout.strip() == str(copy / "bin" / "pip")
    assert str(copy) in sh.ok("pip --version").stdout
    for script in (copy / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            assert str(home / "src env") + "/" not in script.read_text(errors="replace"), script
    sh.ok("deactivate")
    # removing the copy leaves the source intact
    sh.ok("rmvirtualenv 'the copy'")
    assert (home / "src env" / "bin" / "pip").exists()
    sh.ok("workon 'src env'")
    assert str(home / "src env") in sh.ok("pip --version").stdout


def test_allvirtualenv_runs_in_each(sh, tmp_path):
    sh.ok("mkvirtualenv --without-pip 'a b' && deactivate && mkvirtualenv --without-pip c && deactivate")
    r = sh.run("allvirtualenv")
    assert r.status == 2 and r.stderr.startswith("envwrap: allvirtualenv:") and r.stderr.count("\n") == 1
    out = sh.ok("allvirtualenv python -c 'import sys; print(sys.prefix)'").lines
    # each environment's output under a header with its name, then a blank line
    assert out == ["a b", "===", str(tmp_path / "envs" / "a b"), "",
                   "c", "=", str(tmp_path / "envs" / "c"), ""]


def test_workon_without_name_lists_and_showvirtualenv(sh, tmp_path):
    sh.ok("mkvirtualenv --without-pip b && deactivate && mkvirtualenv --without-pip 'a x' && deactivate")
    assert sh.ok("workon").lines == ["a x", "b"]
    assert sh.ok("lsvirtualenv -b").lines == ["a x", "b"]
    long = sh.ok("lsvirtualenv").stdout
    assert "a x\n===\n" in long and "b\n=\n" in long
    assert "b\n" in sh.ok("showvirtualenv b").stdout


def test_settings_changed_in_running_shell_take_effect(sh, tmp_path):
    other = tmp_path / "other home"
    other.mkdir()
    sh.ok(f"WORKON_HOME={q(str(other))}")  # plain shell variable, unexported
    sh.ok("mkvirtualenv --without-pip x && deactivate")
    assert (other / "x" / "pyvenv.cfg").exists()
    assert sh.ok("lsvirtualenv -b").lines == ["x"]
    assert not (tmp_path / "envs" / "x").exists()


BAD = ["", "a/b", "..", ".", "-x", "new\nline", "../escape", "/"]


@pytest.mark.parametrize("bad", BAD)
def test_bad_names_one_line_nothing_changed(sh, tmp_path, bad):
    home = tmp_path / "envs"
    before = sorted(home.iterdir())
    for cmd in ("mkvirtualenv --without-pip", "workon", "rmvirtualenv", "showvirtualenv", "cpvirtualenv"):
        r = sh.run(f"{cmd} {q(bad)}" + (" dest" if cmd == "cpvirtualenv" else ""))
        assert r.status != 0, (cmd, bad)
        assert r.stderr.startswith("envwrap: ") and r.stderr.count("\n") == 1, (cmd, r.stderr)
        assert "Traceback" not in r.stderr
    assert sorted(home.iterdir()) == before
    assert not (tmp_path / "escape").exists()


def test_missing_and_existing(sh, tmp_path):
    r = sh.run("workon nope")
    assert r.status != 0 and "does not exist" in r.stderr and r.stderr.count("\n") == 1
    sh.ok("mkvirtualenv --without-pip x && deactivate")
    r = sh.run("mkvirtualenv --without-pip x")
    assert r.status != 0 and "already exists" in r.stderr
    assert sh.var("VIRTUAL_ENV") is None
    r = sh.run("mkvirtualenv -p no-such-python-here y")
    assert r.status != 0 and "no-such-python-here" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "envs" / "y").exists()


def test_user_shell_left_intact(sh, tmp_path):
    """No leaked variables, aliases of builtins do not break it, set -u is fine."""
    sh.ok("i=keep_i; a=keep_a; tst=keep_tst; env=keep_env; name=keep_name")
    if sh.kind == "bash":
        sh.ok("shopt -s expand_aliases failglob; set -u")
        sh.ok("alias cd='echo BROKEN'; alias echo='false'; alias printf='false'; alias source='false'")
        sh.ok("alias eval=false")
        listing = "compgen -v | sort"
    else:
        sh.ok("setopt nounset ksharrays shwordsplit")
        sh.ok("alias cd='echo BROKEN'; alias echo='false'; alias printf='false'; alias source='false'")
        listing = "print -rl -- ${(ok)parameters}"
    before = set(sh.ok(listing).lines)
    sh.ok("mkvirtualenv --without-pip 'x y'")
    sh.ok("deactivate")
    sh.ok("workon 'x y'")
    sh.ok("cdvirtualenv")
    sh.ok("deactivate")
    sh.run("workon missing")
    sh.ok("lsvirtualenv -b >/dev/null; workon >/dev/null")
    after = set(sh.ok(listing).lines)
    leaked = {v for v in after - before if not v.startswith("__envwrap_")}
    leaked -= {"OLDPWD", "_", "COMP_WORDBREAKS", "PIPESTATUS", "BASH_REMATCH", "LINENO", "RANDOM", "SECONDS"}
    assert leaked == set()
    for var in ("i", "a", "tst", "env", "name"):
        assert sh.var(var) == f"keep_{var}"


def test_mkvirtualenv_with_project_packages_and_requirements(sh, tmp_path):
    project = tmp_path / "proj dir"
    project.mkdir()
    wheel_a = make_wheel(tmp_path, "probe_a", "1.0")
    wheel_b = make_wheel(tmp_path, "probe_b", "2.0")
    req = tmp_path / "req.txt"
    req.write_text(f"{wheel_b}\n")
    sh.ok("export PIP_NO_INDEX=1")
    sh.ok(f"mkvirtualenv -a {q(str(project))} -i {q(str(wheel_a))} -r {q(str(req))} full")
    env = tmp_path / "envs" / "full"
    assert sh.var("VIRTUAL_ENV") == str(env)
    assert sh.var("PWD") == str(project)
    assert (env / ".project").read_text().strip() == str(project)
    assert sh.ok("python -c 'import probe_a, probe_b; print(probe_a.VALUE + probe_b.VALUE)'").stdout == "84\n"
    # a requirement that cannot be installed: nothing is left behind
    bad = tmp_path / "bad.txt"
    bad.write_text("no-such-package-envwrap-test==1\n")
    sh.ok("deactivate")
    r = sh.run(f"mkvirtualenv -r {q(str(bad))} broken")
    assert r.status != 0 and "not created" in r.stderr.splitlines()[-1]
    assert not (tmp_path / "envs" / "broken").exists()
    assert sh.ok("lsvirtualenv -b").lines == ["full"]


def test_get_env_details_hooks_in_long_listing(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip 'd e' && deactivate")
    _write(home / "get_env_details", "#!/bin/sh\necho \"global details for $1\"\n", True)
    _write(home / "d e" / "bin" / "get_env_details", "#!/bin/sh\necho \"own details for $1\"\n", True)
    out = sh.ok("lsvirtualenv -l").stdout
    assert "global details for d e\nown details for d e\n" in out
    assert "global details for d e" in sh.ok("showvirtualenv 'd e'").stdout
