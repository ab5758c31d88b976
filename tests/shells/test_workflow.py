"""The workflow stories, written once and told in every shell: bash, zsh, fish,
and pwsh where it is installed (tests/realshell.py says each shell's dialect).

create, activate by name and by TAB, hooks in virtualenvwrapper's order,
projects, copy, temporary envs, allvirtualenv, deactivate, remove; with names
hostile to every shell. Each story runs with the venv creator in every shell; the
stories whose result depends on how the env was made (its files, its copy) run
with every creator too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CREATORS, HOSTILE, make_wheel, new_env, no_canary

EACH_CREATOR = pytest.mark.parametrize("creator", CREATORS, indirect=True)


def _write(path: Path, text: str, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if executable:
        path.chmod(0o755)


def _sourced(shell, path: Path) -> Path:
    """The file this shell sources for the hook at ``path`` (postactivate.fish)."""
    return path.with_name(path.name + shell.dialect.hook_suffix)


def _set_code(shell, name: str, value: str) -> str:
    return shell.dialect.set_var(name, value) + "\n"


def _pip_of(env: Path, says: str) -> bool:
    """``pip --version`` says the pip of ``env``: its own, or (seed_mode auto,
    zip) its home's shared read-only zip."""
    return f" from {env}/" in says or f" from {env.parent / '.envwrap' / 'seeds'}/" in says


def _prefix(shell) -> str:
    return shell.ok(shell.line("python", "-c", "import sys; print(sys.prefix)")).stdout.strip()


# ----------------------------------------------------------------- create, activate, deactivate, remove


def _lifecycle(shell, tmp_path: Path, name: str) -> None:
    env = tmp_path / "envs" / name
    path_before = shell.var("PATH")
    shell.ok(shell.dialect.set_prompt())
    r = shell.call("mkvirtualenv", "--without-pip", name)
    assert r.status == 0, r
    assert (env / "pyvenv.cfg").is_file()
    assert shell.var("VIRTUAL_ENV") == str(env)
    assert shell.var("PATH") == f"{env / 'bin'}:{path_before}"
    assert shell.which("python") == str(env / "bin" / "python")
    assert _prefix(shell) == str(env)
    assert shell.var("VIRTUAL_ENV_PROMPT") == f"({name}) "
    prompt = shell.prompt()
    assert prompt.startswith("(") and prompt.endswith(") P> "), prompt
    if shell.kind in ("fish", "pwsh"):  # a prompt that is printed, not expanded again
        assert not set("$`\\") & set(prompt), "the prompt shows the display-safe name"
    assert shell.ok("lsvirtualenv -b").lines == [name]
    long = shell.ok("lsvirtualenv -l").lines
    assert long[0] == name and f"path:    {env}" in long
    r = shell.run("deactivate")
    assert r.status == 0, r
    assert shell.var("VIRTUAL_ENV") is None and shell.var("VIRTUAL_ENV_PROMPT") is None
    assert shell.var("PATH") == path_before
    assert shell.prompt() == "P> "
    for function in ("deactivate", *shell.dialect.venv_functions):
        assert not shell.has_function(function), f"{function} is left after deactivate"
    shell.ok(shell.line("workon", name))
    assert shell.var("VIRTUAL_ENV") == str(env)
    # removing the active environment is refused and changes nothing
    r = shell.call("rmvirtualenv", name)
    assert r.status != 0 and "active" in r.stderr and (env / "pyvenv.cfg").is_file(), r
    shell.ok("deactivate")
    shell.ok(shell.line("rmvirtualenv", name))
    assert not env.exists()
    assert shell.ok("lsvirtualenv -b").stdout == ""
    no_canary(tmp_path)


def test_create_activate_deactivate_remove(shell, tmp_path, hostile):
    _lifecycle(shell, tmp_path, hostile)


def test_rmvirtualenv_from_inside_the_env_lands_in_workon_home(shell, tmp_path):
    """The shell in the env it removes ends in WORKON_HOME; a removal that fails
    (a prermvirtualenv hook refuses it) leaves it where it was."""
    home = tmp_path / "envs"
    env = new_env(shell.env, HOSTILE[3])
    shell.cd(env / "bin")
    r = shell.call("rmvirtualenv", HOSTILE[3])
    assert r.status == 0 and not env.exists(), r
    assert shell.pwd() == str(home)
    env = new_env(shell.env, HOSTILE[3])
    _write(home / "prermvirtualenv", "#!/bin/sh\nexit 5\n", True)
    shell.cd(env / "bin")
    r = shell.call("rmvirtualenv", HOSTILE[3])
    assert r.status != 0 and (env / "pyvenv.cfg").is_file(), r
    assert shell.pwd() == str(env / "bin")
    no_canary(tmp_path)


def test_rmvirtualenv_reached_through_a_link_lands_in_workon_home(shell, tmp_path):
    """The shell is in the env by another path (a link to it): the removal took
    its directory all the same, so it goes to WORKON_HOME (the test is on the
    directory after the removal, not on names before it)."""
    home = tmp_path / "envs"
    env = new_env(shell.env, HOSTILE[1])
    link = tmp_path / "link"
    link.symlink_to(env, target_is_directory=True)
    shell.cd(link / "bin")
    r = shell.call("rmvirtualenv", HOSTILE[1])
    assert r.status == 0 and not env.exists(), r
    assert shell.pwd() == str(home)


@pytest.mark.parametrize("creator", [c for c in CREATORS if c != "venv"], indirect=True)
def test_create_activate_deactivate_remove_with_each_creator(shell, tmp_path, creator):
    _lifecycle(shell, tmp_path, HOSTILE[3])


def test_activate_by_tab(shell, tmp_path):
    """TAB offers the matching names to every command that takes one, and the
    name it offers activates that env."""
    for name in ("my env", "my other", "mine", HOSTILE[1]):
        new_env(shell.env, name)
    for command in ("workon", "rmvirtualenv", "cpvirtualenv", "showvirtualenv"):
        assert sorted(shell.complete(command, "my ")) == ["my env", "my other"], command
    assert shell.complete("workon", "it") == [HOSTILE[1]]
    (offered,) = shell.complete("workon", "it")
    shell.ok(shell.line("workon", offered))
    assert shell.var("VIRTUAL_ENV") == str(tmp_path / "envs" / HOSTILE[1])
    shell.ok("deactivate")
    no_canary(tmp_path)


# ----------------------------------------------------------------- hooks


def test_hooks_run_in_virtualenvwrapper_order(shell, tmp_path):
    home = tmp_path / "envs"
    log = tmp_path / "log"
    L = str(log)
    d = shell.dialect
    # executed hooks get arguments (in every shell, they are programs)
    _write(home / "premkvirtualenv", f"#!/bin/sh\necho \"premkvirtualenv $1 $(pwd)\" >> '{L}'\n", True)
    _write(home / "preactivate", f"#!/bin/sh\necho \"preactivate $1 ${{VIRTUAL_ENV:-none}}\" >> '{L}'\n", True)
    _write(home / "prermvirtualenv", f"#!/bin/sh\necho \"prermvirtualenv $1\" >> '{L}'\n", True)
    _write(home / "postrmvirtualenv", f"#!/bin/sh\necho \"postrmvirtualenv $1\" >> '{L}'\n", True)
    # sourced hooks need no shebang or execute bit, and are in the shell's language
    _write(_sourced(shell, home / "postmkvirtualenv"), d.append_line(L, "postmkvirtualenv"))
    _write(_sourced(shell, home / "postactivate"),
           d.append_line(L, "postactivate") + _set_code(shell, "HOOK_VAR", "set"))
    _write(_sourced(shell, home / "predeactivate"), d.append_line(L, "predeactivate"))
    _write(_sourced(shell, home / "postdeactivate"),
           d.append_line(L, "postdeactivate", "VIRTUALENVWRAPPER_LAST_VIRTUALENV") + d.unset_var("HOOK_VAR") + "\n")
    if d.hook_suffix:
        # POSIX hooks beside this shell's own are not sourced by it
        _write(home / "postactivate", f"touch '{tmp_path / 'POSIX'}'\n")
    name = "hook $(touch CANARY) env"
    r = shell.call("mkvirtualenv", "--without-pip", name)
    assert r.status == 0, r
    env = home / name
    assert shell.var("HOOK_VAR") == "set"
    shell.ok("deactivate")
    assert shell.var("HOOK_VAR") is None
    assert shell.var("VIRTUALENVWRAPPER_LAST_VIRTUALENV") is None
    _write(env / "bin" / "preactivate", f"#!/bin/sh\necho \"env-preactivate $1\" >> '{L}'\n", True)
    # an env hook whose last command fails neither stops the activation nor is reported
    _write(_sourced(shell, env / "bin" / "postactivate"),
           d.append_line(L, "env-postactivate") + ("false\n" if shell.kind != "pwsh" else "$global:LASTEXITCODE = 1\n"))
    _write(_sourced(shell, env / "bin" / "predeactivate"), d.append_line(L, "env-predeactivate"))
    _write(_sourced(shell, env / "bin" / "postdeactivate"),
           d.append_line(L, "env-postdeactivate", "VIRTUALENVWRAPPER_LAST_VIRTUALENV"))
    r = shell.call("workon", name)
    assert r.status == 0 and "postactivate" not in r.stderr, r
    shell.ok("deactivate")
    shell.ok(shell.line("rmvirtualenv", name))
    assert log.read_text(encoding="utf-8").splitlines() == [
        f"premkvirtualenv {name} {home}",
        f"preactivate {name} none",
        f"postactivate {env}",
        f"postmkvirtualenv {env}",
        f"predeactivate {env}",
        f"postdeactivate none {env}",
        f"preactivate {name} none",
        f"env-preactivate {name}",
        f"postactivate {env}",
        f"env-postactivate {env}",
        f"env-predeactivate {env}",
        f"predeactivate {env}",
        f"env-postdeactivate none {env}",
        f"postdeactivate none {env}",
        f"prermvirtualenv {name}",
        f"postrmvirtualenv {name}",
    ]
    no_canary(tmp_path)
    assert not (tmp_path / "POSIX").exists()
    # envwrap wrote no empty hook files of its own
    written = ["premkvirtualenv", "preactivate", "prermvirtualenv", "postrmvirtualenv"]
    written += [n + d.hook_suffix for n in ("postmkvirtualenv", "postactivate", "predeactivate", "postdeactivate")]
    if d.hook_suffix:
        written.append("postactivate")
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == sorted(written)


def test_hook_dir_setting_is_read_each_time(shell, tmp_path):
    hooks = tmp_path / "hook dir 'x' $y"
    _write(_sourced(shell, hooks / "postactivate"), _set_code(shell, "FROM_HOOK_DIR", "yes"))
    shell.ok("mkvirtualenv --without-pip a")
    assert shell.var("FROM_HOOK_DIR") is None
    shell.ok("deactivate")
    shell.set_var("VIRTUALENVWRAPPER_HOOK_DIR", str(hooks))  # a plain shell variable, not exported
    shell.ok("workon a")
    assert shell.var("FROM_HOOK_DIR") == "yes"


def test_failing_pre_hook_stops_before_anything_changes(shell, tmp_path):
    home = tmp_path / "envs"
    new_env(shell.env, "a")
    path_before = shell.var("PATH")
    _write(home / "preactivate", "#!/bin/sh\nexit 3\n", True)
    r = shell.run("workon a")
    assert r.status == 3, r
    assert "preactivate" in r.stderr and r.stderr.count("\n") == 1
    assert shell.var("VIRTUAL_ENV") is None and shell.var("PATH") == path_before
    assert not shell.has_function("deactivate")
    _write(home / "premkvirtualenv", "#!/bin/sh\nexit 4\n", True)
    r = shell.run("mkvirtualenv --without-pip b")
    assert r.status != 0 and not (home / "b").exists()
    _write(home / "prermvirtualenv", "#!/bin/sh\nexit 5\n", True)
    r = shell.run("rmvirtualenv a")
    assert r.status != 0 and (home / "a" / "pyvenv.cfg").exists()


# ----------------------------------------------------------------- projects


def test_projects(shell, tmp_path):
    projects = tmp_path / "projects"
    home = tmp_path / "envs"
    d = shell.dialect
    _write(home / "premkproject", f"#!/bin/sh\necho \"premkproject $1 $(pwd)\" > '{tmp_path / 'plog'}'\n", True)
    _write(_sourced(shell, home / "postmkproject"), d.set_expr("POSTMKPROJECT", d.ref("pwd")) + "\n")
    name = "proj 'x' $y \\z"
    env = home / name
    project = projects / name
    shell.cd("/")
    r = shell.call("mkproject", "--without-pip", name)
    assert r.status == 0, r
    assert project.is_dir()
    assert shell.pwd() == str(project) and shell.var("VIRTUAL_ENV") == str(env)
    assert shell.var("POSTMKPROJECT") == str(project)
    assert (env / ".project").read_text().strip() == str(project)
    # in WORKON_HOME, as virtualenvwrapper runs every hook it executes
    assert (tmp_path / "plog").read_text().strip() == f"premkproject {name} {home}"
    # project-local hooks (virtualenvwrapper 6.1)
    _write(_sourced(shell, project / ".virtualenvwrapper" / "postactivate"), _set_code(shell, "PROJECT_HOOK", "on"))
    _write(_sourced(shell, project / ".virtualenvwrapper" / "predeactivate"),
           d.unset_var("PROJECT_HOOK") + "\n" + d.append_line(str(tmp_path / "predeactivate.log"), "project"))
    shell.cd("/")
    shell.ok("cdproject")
    assert shell.pwd() == str(project)
    shell.ok("cdvirtualenv")
    assert shell.pwd() == str(env)
    shell.ok("cdvirtualenv bin")
    assert shell.pwd() == str(env / "bin")
    shell.ok("cdsitepackages")
    site = Path(shell.pwd())
    assert site.name == "site-packages" and site.is_relative_to(env)
    shell.cd(tmp_path)
    shell.ok("deactivate")
    shell.ok(shell.line("workon", name))
    assert shell.pwd() == str(project)
    assert shell.var("PROJECT_HOOK") == "on"
    shell.ok("deactivate")
    assert shell.var("PROJECT_HOOK") is None
    # the project's predeactivate ran while the env was still active
    assert (tmp_path / "predeactivate.log").read_text(encoding="utf-8").splitlines()[-1] == f"project {env}"
    shell.cd(tmp_path)
    shell.ok(shell.line("workon", "-n", name))
    assert shell.pwd() == str(tmp_path)
    shell.ok("cdproject")
    assert shell.pwd() == str(project)
    shell.cd(tmp_path)
    shell.ok("deactivate")
    shell.set_var("VIRTUALENVWRAPPER_WORKON_CD", "0")
    shell.ok(shell.line("workon", name))
    assert shell.pwd() == str(tmp_path)
    # setvirtualenvproject: the current directory becomes the project
    other = tmp_path / "other dir"
    other.mkdir()
    shell.cd(other)
    shell.ok("setvirtualenvproject")
    shell.cd("/")
    shell.ok("cdproject")
    assert shell.pwd() == str(other)
    shell.ok("deactivate")
    shell.ok(d.unset_var("VIRTUALENVWRAPPER_WORKON_CD"))
    assert shell.run("cdproject").status != 0
    shell.ok(shell.line("setvirtualenvproject", name, str(project)))
    # workon . finds the env whose project holds the current directory
    (project / "sub").mkdir()
    shell.cd(project / "sub")
    shell.ok("workon .")
    assert shell.var("VIRTUAL_ENV") == str(env)
    shell.ok("deactivate")
    # an existing project is refused without -f
    r = shell.call("mkproject", "--without-pip", name)
    assert r.status != 0 and "exists" in r.stderr


# ----------------------------------------------------------------- copies and temporary envs


def test_pip_inside_env_installs_into_env(shell, tmp_path):
    shell.ok("mkvirtualenv 'with pip'")
    env = tmp_path / "envs" / "with pip"
    assert shell.which("pip") == str(env / "bin" / "pip")
    assert _pip_of(env, shell.ok("pip --version").stdout)
    wheel = make_wheel(tmp_path, "envwrap_probe", "1.0")
    shell.ok(shell.line("pip", "install", "--no-index", "--no-deps", "-q", str(wheel)))
    assert list((env / "lib").glob("python*/site-packages/envwrap_probe.py"))
    imported = shell.ok(shell.line("python", "-c", "import envwrap_probe; print(envwrap_probe.__file__)")).stdout
    assert imported.startswith(str(env))
    # wipeenv removes what pip installed, and only that
    shell.ok("wipeenv")
    assert not list((env / "lib").glob("python*/site-packages/envwrap_probe.py"))
    assert shell.run("pip --version").status == 0


@EACH_CREATOR
def test_cpvirtualenv_copy_points_at_itself(shell, tmp_path, creator):
    home = tmp_path / "envs"
    source = home / "src env"
    copy = home / HOSTILE[3]
    assert shell.call("mkvirtualenv", "src env").status == 0
    shell.ok("deactivate")
    shell.ok(shell.line("cpvirtualenv", "src env", HOSTILE[3]))
    assert shell.var("VIRTUAL_ENV") == str(copy)
    assert _prefix(shell) == str(copy)
    assert shell.which("pip") == str(copy / "bin" / "pip")
    assert _pip_of(copy, shell.ok("pip --version").stdout)
    for script in (copy / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            assert str(source) + "/" not in script.read_text(errors="replace"), script
    shell.ok("deactivate")
    # removing the copy leaves the source intact
    shell.ok(shell.line("rmvirtualenv", HOSTILE[3]))
    assert (source / "bin" / "pip").exists()
    shell.ok("workon 'src env'")
    assert _pip_of(source, shell.ok("pip --version").stdout)
    no_canary(tmp_path)


def test_mktmpenv_removed_on_deactivate(shell, tmp_path):
    shell.cd(tmp_path)
    shell.ok("mktmpenv --without-pip")
    env = Path(shell.var("VIRTUAL_ENV"))
    assert env.parent == tmp_path / "envs" and env.is_dir()
    assert shell.pwd() == str(env)
    shell.cd(env / "bin")
    r = shell.run("deactivate")
    assert r.status == 0, r
    assert not env.exists() and shell.var("VIRTUAL_ENV") is None
    # out of the removed directory, into WORKON_HOME
    assert shell.pwd() == str(tmp_path / "envs")


def test_deactivate_help_changes_nothing(shell, tmp_path):
    """`deactivate --help` (and -h) prints help as every command does: the env
    stays active, no deactivate hook runs, a temporary env is not removed."""
    home = tmp_path / "envs"
    log = tmp_path / "log"
    d = shell.dialect
    shell.ok("mktmpenv --without-pip")
    env = Path(shell.var("VIRTUAL_ENV"))
    path_before = shell.var("PATH")
    for hook in (home / "predeactivate", home / "postdeactivate", env / "bin" / "predeactivate",
                 env / "bin" / "postdeactivate"):
        _write(_sourced(shell, hook), d.append_line(str(log), hook.name))
    for flag in ("--help", "-h"):
        r = shell.call("deactivate", flag)
        assert r.status == 0 and r.stdout.startswith("usage: deactivate"), r
        assert shell.var("VIRTUAL_ENV") == str(env) and shell.var("PATH") == path_before
        assert shell.has_function("deactivate") and env.is_dir()
        assert not log.exists(), log.read_text()
    shell.ok("deactivate")
    assert shell.var("VIRTUAL_ENV") is None and not env.exists()
    assert len(log.read_text().splitlines()) == 4


def test_cdvirtualenv_to_a_missing_directory_says_one_line(shell, tmp_path):
    """envwrap's one line (not the shell's cd error, nor PowerShell's error
    record), a failing status, and the shell stays where it was."""
    env = new_env(shell.env, HOSTILE[1])
    shell.ok(shell.line("workon", "--no-cd", HOSTILE[1]))
    shell.cd(tmp_path)
    for missing in ("no-such-dir", "pyvenv.cfg"):
        r = shell.call("cdvirtualenv", missing)
        assert r.status != 0 and r.stdout == "", r
        assert r.stderr.splitlines() == [f"envwrap: cdvirtualenv: {env / missing} is not a directory"], r
        assert shell.pwd() == str(tmp_path)
    shell.ok(shell.line("cdvirtualenv", "bin"))
    assert shell.pwd() == str(env / "bin")
    shell.ok("deactivate")
    no_canary(tmp_path)


# ----------------------------------------------------------------- every env at once


def test_allvirtualenv_runs_in_each(shell, tmp_path):
    home = tmp_path / "envs"
    new_env(shell.env, "a b")
    new_env(shell.env, HOSTILE[3])
    r = shell.run("allvirtualenv")
    assert r.status == 2 and r.stderr.startswith("envwrap: allvirtualenv:") and r.stderr.count("\n") == 1, r
    shell.cd(tmp_path)
    out = shell.ok(shell.line("allvirtualenv", "python", "-c",
                              "import os, sys; print(sys.prefix + '|' + os.getcwd())")).lines
    # each environment's output under a header with its name, then a blank line
    blocks = [out[i:i + 4] for i in range(0, len(out), 4)]
    assert sorted(blocks) == sorted([[n, "=" * len(n), f"{home / n}|{home / n}", ""] for n in ("a b", HOSTILE[3])])
    assert shell.var("VIRTUAL_ENV") is None and shell.pwd() == str(tmp_path)
