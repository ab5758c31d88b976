"""Where the environments live, as every shell and the backend see it.

WORKON_HOME's resolution (an empty ~/.virtualenvs does not move anything), the
shells agreeing with the backend at once (after `envwrap config`, after a
default location appears), WORKON_HOME exported unless the user set it, a
user-set WORKON_HOME that does not exist, relative settings, `envwrap config`
showing effective values, and `envwrap doctor` on all of it. Real bash, zsh and
fish processes; PowerShell parsed with tree-sitter (and run where pwsh is).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import POSIX_SHELLS, cli, loaded_shell, one_line, require_shell
from pwsh import PS_HOOK, needs_pwsh, parse, run_pwsh, statements
from realshell import Shell, run_script

q = Shell.quote
DEQUOTE_REPLY = 'for w in "${COMPREPLY[@]}"; do eval "printf \'%s\\\\n\' $w"; done'


def data_home(env: dict) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "envwrap" / "envs"


def legacy_home(env: dict) -> Path:
    return Path(env["HOME"]) / ".virtualenvs"


def fake_env(home: Path, name: str) -> Path:
    """A directory the backend and the shells count as an environment."""
    (home / name).mkdir(parents=True)
    (home / name / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return home / name


def backend(env: dict, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return cli(env, *args, cwd=cwd)


@pytest.fixture
def bare(user) -> dict:
    """A user who set no WORKON_HOME: the config file or the default decides."""
    env = dict(user)
    del env["WORKON_HOME"]
    return env


@pytest.fixture(params=POSIX_SHELLS)
def bare_sh(request, bare, tmp_path, envwrap_exe):
    """bash or zsh with envwrap loaded, for a user who set no WORKON_HOME."""
    with loaded_shell(request.param, bare, tmp_path, envwrap_exe) as shell:
        yield shell


def listed(shell: Shell) -> list[str]:
    """`lsvirtualenv -b` in the shell (no backend process)."""
    return sorted(shell.ok("lsvirtualenv -b").lines)


def completed(shell: Shell) -> list[str]:
    """What TAB offers after `workon ` (the completion function, no process)."""
    if shell.kind == "bash":
        shell.ok("COMP_WORDS=(workon ''); COMP_CWORD=1; __envwrap_complete_names")
        return sorted(shell.ok(DEQUOTE_REPLY).lines)
    shell.ok("__envwrap_scan")
    return sorted(shell.ok('(( ${#__envwrap_found} == 0 )) || print -rl -- "${__envwrap_found[@]}"').lines)


def backend_ls(shell: Shell) -> list[str]:
    """`envwrap ls` from the shell, with the settings the shell passes."""
    return sorted(shell.ok("envwrap ls").lines)


def exported(shell: Shell, name: str = "WORKON_HOME") -> str | None:
    """``name`` as a program started from the shell sees it."""
    r = shell.run(f"printenv {name}")
    return r.stdout.rstrip("\n") if r.status == 0 else None


# ----------------------------------------------------------------- 18.5: ~/.virtualenvs, the default


def test_the_default_home_is_virtualenvs_created_on_first_use(bare_sh, bare):
    """virtualenvwrapper's default, where editors look: exported at load, made by
    the first command with a NOTE, and envwrap's old data directory never made."""
    sh = bare_sh
    assert exported(sh) == str(legacy_home(bare)) and not legacy_home(bare).exists()
    assert completed(sh) == []  # TAB creates nothing, says nothing
    r = sh.run("workon")
    assert (r.status, r.stdout) == (0, ""), r
    assert r.stderr == f"envwrap: NOTE: WORKON_HOME {legacy_home(bare)} does not exist; creating it\n"
    assert legacy_home(bare).is_dir()
    r = sh.run("mkvirtualenv --without-pip 'a b'")
    assert r.status == 0 and "NOTE" not in r.stderr, r
    assert sh.var("VIRTUAL_ENV") == str(legacy_home(bare) / "a b")
    sh.ok("deactivate")
    assert backend_ls(sh) == listed(sh) == completed(sh) == ["a b"]
    assert not data_home(bare).exists()
    doctor = sh.run("envwrap doctor")
    assert doctor.status == 0 and doctor.stdout == "", doctor


def test_doctor_says_how_to_move_envs_from_the_old_default(bare_sh, bare, envwrap_exe):
    """Envs an earlier envwrap made in its data directory: doctor names them
    and the command it prints moves one and makes it work where it lands."""
    sh = bare_sh
    name = "old 'env'"
    made = backend(dict(bare, WORKON_HOME=str(data_home(bare))), "new", "--without-pip", name)
    assert made.returncode == 0, made
    fake_env(data_home(bare), "second")
    assert backend_ls(sh) == [] and listed(sh) == []
    doctor = sh.run("envwrap doctor")
    assert doctor.status == 1
    (line,) = [line for line in doctor.stdout.splitlines() if str(data_home(bare)) in line]
    assert line.startswith("2 environments in ") and str(legacy_home(bare)) in line
    assert "(and the same for second)" in line
    advice = line.split("repair it, ", 1)[1].split(" (and the same", 1)[0]
    assert advice.startswith("mv ") and "&& envwrap repair" in advice
    r = sh.run(advice)
    assert r.status == 0, r
    assert listed(sh) == backend_ls(sh) == [name]
    sh.ok(f"workon {q(name)}")
    assert sh.var("VIRTUAL_ENV") == str(legacy_home(bare) / name)
    python = sh.ok("command -v python").stdout.strip()
    assert python == str(legacy_home(bare) / name / "bin" / "python")
    assert sh.ok("python -c 'import sys; print(sys.prefix)'").stdout.strip() == str(legacy_home(bare) / name)
    sh.ok("deactivate")


def test_doctor_names_environments_in_every_unused_location(user, tmp_path):
    fake_env(tmp_path / "envs", "used")
    for name in ("d1", "d2"):
        fake_env(data_home(user), name)
    fake_env(legacy_home(user), "l1")
    configured = tmp_path / "configured"
    fake_env(configured, "c1")
    backend(user, "config", "workon_home", str(configured))
    doctor = backend(user, "doctor")
    assert doctor.returncode == 1
    lines = doctor.stdout.splitlines()
    for place, count in ((data_home(user), "2 environments"), (legacy_home(user), "1 environment"),
                         (configured, "1 environment")):
        (line,) = [line for line in lines if f" in {place}, " in line]
        assert line.startswith(count) and str(tmp_path / "envs") in line
    assert len([line for line in lines if "no longer uses" in line]) == 2
    assert len([line for line in lines if "earlier envwrap releases" in line]) == 1


# ----------------------------------------------------------------- 8.6, 8.7: config at once, exported


def test_config_workon_home_takes_effect_at_once(bare_sh, bare, tmp_path):
    sh = bare_sh
    x, y = tmp_path / "x dir $HOME", tmp_path / "y"
    fake_env(x, "in x")
    fake_env(y, "in y")
    assert exported(sh) == str(legacy_home(bare))  # the default, exported at load
    sh.ok(f"envwrap config workon_home {q(str(x))}")
    assert listed(sh) == completed(sh) == backend_ls(sh) == ["in x"]
    assert exported(sh) == str(x)
    # a relative path typed on the command line is taken from the current directory
    sh.ok(f"cd {q(str(tmp_path))} && envwrap config workon_home y")
    assert listed(sh) == completed(sh) == backend_ls(sh) == ["in y"]
    assert exported(sh) == str(y)
    assert backend(bare, "config", "workon_home").stdout == f"{y}\n"
    sh.ok("envwrap config --unset workon_home")
    assert listed(sh) == completed(sh) == backend_ls(sh) == []
    assert exported(sh) == str(legacy_home(bare))


def test_a_workon_home_the_user_set_stays_authoritative(bare_sh, tmp_path):
    sh = bare_sh
    x, z = tmp_path / "x", tmp_path / "z"
    fake_env(x, "in x")
    fake_env(z, "in z")
    sh.ok(f"unset WORKON_HOME; WORKON_HOME={q(str(z))}")  # a plain, unexported shell variable
    r = sh.ok(f"envwrap config workon_home {q(str(x))}")
    assert "precedence" in r.stderr
    assert sh.var("WORKON_HOME") == str(z) and exported(sh) is None
    assert listed(sh) == completed(sh) == backend_ls(sh) == ["in z"]
    sh.ok("mkvirtualenv --without-pip made && deactivate")
    assert (z / "made" / "pyvenv.cfg").is_file()
    assert sh.var("WORKON_HOME") == str(z) and exported(sh) is None
    # unset: the config's home, at once, in the shell and the backend
    sh.ok("unset WORKON_HOME")
    assert listed(sh) == completed(sh) == backend_ls(sh) == ["in x"]


def test_the_exported_home_is_not_taken_for_the_users(bare_sh, bare, tmp_path):
    sh = bare_sh
    x, y = tmp_path / "x", tmp_path / "y"
    fake_env(x, "in x")
    y.mkdir()
    assert backend(dict(bare, WORKON_HOME=str(y)), "new", "--without-pip", "in y").returncode == 0
    sh.ok(f"envwrap config workon_home {q(str(x))}")
    assert exported(sh) == str(x) == exported(sh, "ENVWRAP_EXPORTED_HOME")
    # the config file changes behind the hook's back (an editor, another shell)
    cfg = Path(bare["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    cfg.write_text(f"workon_home = {json.dumps(str(y))}\n")
    assert backend_ls(sh) == ["in y"]  # the exported x is envwrap's, not the user's
    sh.ok("workon 'in y'")  # the next plan brings the shell up to date
    assert exported(sh) == str(y) and listed(sh) == ["in y"]
    sh.ok("deactivate")
    # a program started from the shell sees the exported value as the home to use
    env = dict(bare, WORKON_HOME=exported(sh), ENVWRAP_EXPORTED_HOME=exported(sh))
    assert backend(env, "ls").stdout == "in y\n"


@pytest.mark.parametrize("kind", POSIX_SHELLS)
def test_the_static_file_exports_the_home_unless_the_user_set_one(kind, bare, tmp_path, envwrap_exe):
    require_shell(kind)
    x = tmp_path / "from config"
    x.mkdir()
    backend(bare, "config", "workon_home", str(x))
    loader = tmp_path / f"loader.{kind}"
    loader.write_text(backend(bare, "init", kind).stdout)
    show = 'printf "%s|%s\\n" "$(printenv WORKON_HOME)" "$(printenv ENVWRAP_EXPORTED_HOME)"'
    for env, want in ((bare, f"{x}|{x}"), (dict(bare, WORKON_HOME="/mine"), "/mine|")):
        proc = run_script(kind, env, f". {q(str(loader))}; {show}", argv=[kind])
        assert (proc.status, proc.stdout, proc.stderr) == (0, want + "\n", "")


# ----------------------------------------------------------------- 18.4: a missing WORKON_HOME is created

# virtualenvwrapper's suite checks these create a missing WORKON_HOME (with a
# NOTE on stderr) and carry on: (command, its status once the home exists).
MISSING_COMMANDS = [("workon", 0), ("lsvirtualenv -b", 0), ("lsvirtualenv", 0), ("lsvirtualenv -l", 0),
                    ("workon x", 1), ("lssitepackages", 1), ("cdvirtualenv", 1), ("rmvirtualenv x", 1),
                    ("showvirtualenv x", 1), ("mkvirtualenv --without-pip x", 0)]


def _check_created(run, missing: Path, commands=MISSING_COMMANDS) -> None:
    """Each command creates the missing home, says so once, and carries on."""
    note = f"envwrap: NOTE: WORKON_HOME {missing} does not exist; creating it"
    for command, status in commands:
        assert not missing.exists()
        got, out, err = run(command)
        assert missing.is_dir(), (command, err)
        assert err.splitlines()[0] == note and err.count("NOTE") == 1, (command, err)
        assert got == status, (command, got, err)
        if status:
            assert len(err.splitlines()) == 2, (command, err)  # the note, then the command's own one line
        else:
            assert len(err.splitlines()) == 1 and out == "", (command, out, err)
        if command.startswith("mkvirtualenv"):
            run("deactivate")
        shutil.rmtree(missing)


def test_a_missing_workon_home_is_created_with_a_note(shell, tmp_path):
    missing = tmp_path / "no such $dir 'q'" / "below"
    shell.set_var("WORKON_HOME", str(missing))
    pwd = shell.pwd()

    def run(command):
        r = shell.run(command)
        if not command.startswith("mkvirtualenv"):
            assert shell.var("VIRTUAL_ENV") in (None, "") and shell.pwd() == pwd
        return r.status, r.stdout, r.stderr

    _check_created(run, missing)


def test_a_missing_configured_workon_home_is_created(bare_sh, tmp_path):
    missing = tmp_path / "gone"
    r = bare_sh.ok(f"envwrap config workon_home {q(str(missing))}")
    assert "does not exist yet: the next command creates it" in r.stderr
    _check_created(lambda c: (lambda r: (r.status, r.stdout, r.stderr))(bare_sh.run(c)), missing,
                   [("workon", 0), ("lsvirtualenv -b", 0), ("envwrap ls", 0), ("mkvirtualenv --without-pip x", 0)])


def test_tab_and_doctor_create_nothing(shell, tmp_path):
    """TAB (no process) and doctor (a report) leave a missing home missing."""
    missing = tmp_path / "not yet"
    shell.set_var("WORKON_HOME", str(missing))
    assert shell.complete("workon", "") == []
    r = shell.run("envwrap doctor")
    assert r.status == 0 and f"WORKON_HOME {missing} (from $WORKON_HOME) does not exist yet" in r.stderr, r
    assert not missing.exists()


def test_a_workon_home_that_is_a_file_is_named_as_such(sh, tmp_path):
    afile = tmp_path / "a file"
    afile.write_text("")
    sh.ok(f"WORKON_HOME={q(str(afile))}")
    for command in ("workon", "lsvirtualenv -b", "envwrap ls", "mkvirtualenv --without-pip x"):
        r = sh.run(command)
        assert r.status != 0 and r.stderr == f"envwrap: WORKON_HOME {afile} is not a directory\n", (command, r)


# ----------------------------------------------------------------- 9.8: relative settings


def test_relative_settings_are_taken_from_home(sh, user, tmp_path):
    home = Path(user["HOME"])
    for sub in ("rel envs", "rel projects", "rel hooks"):
        (home / sub).mkdir()
    ran = tmp_path / "preactivate-ran"
    hook = home / "rel hooks" / "preactivate"
    hook.write_text(f"#!/bin/sh\necho \"$1\" > {q(str(ran))}\n")
    hook.chmod(0o755)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sh.ok(f"cd {q(str(elsewhere))}; WORKON_HOME='rel envs'; PROJECT_HOME='rel projects'; "
          "VIRTUALENVWRAPPER_HOOK_DIR='rel hooks'")
    sh.ok("mkvirtualenv --without-pip r1")
    env = home / "rel envs" / "r1"
    assert sh.var("VIRTUAL_ENV") == str(env)
    assert sh.ok('printf %s "${PATH%%:*}"').stdout == str(env / "bin")
    assert ran.read_text() == "r1\n"
    (home / "rel hooks" / "postdeactivate").write_text("HOOKED=home\n")
    (elsewhere / "rel hooks").mkdir()  # a decoy below the current directory
    (elsewhere / "rel hooks" / "postdeactivate").write_text("HOOKED=cwd\n")
    sh.ok("deactivate")
    assert sh.var("HOOKED") == "home"
    (elsewhere / "rel hooks" / "postdeactivate").unlink()
    (elsewhere / "rel hooks").rmdir()
    assert listed(sh) == completed(sh) == backend_ls(sh) == ["r1"]
    assert not (elsewhere / "rel envs").exists()
    sh.ok("mkproject --without-pip p1")
    assert sh.var("PWD") == str(home / "rel projects" / "p1")
    sh.ok("deactivate")
    assert sorted(os.listdir(elsewhere)) == []
    (home / "rel hooks" / "postdeactivate").unlink()


def test_relative_workon_home_in_the_config_file(bare, tmp_path):
    home = Path(bare["HOME"])
    fake_env(home / "cfg envs", "c")
    cfg = Path(bare["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('workon_home = "cfg envs"\n')
    assert backend(bare, "config", "workon_home", cwd=tmp_path).stdout == f"{home / 'cfg envs'}\n"
    assert backend(bare, "path", "c", cwd=tmp_path).stdout == f"{home / 'cfg envs' / 'c'}\n"


# ----------------------------------------------------------------- 8.8: envwrap config


def test_config_shows_every_effective_value_and_its_source(bare, tmp_path, envwrap_exe):
    r = backend(bare, "config")
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    assert {"workon_home", "project_home", "hook_dir", "creator", "python"} <= set(rows)
    assert str(legacy_home(bare)) in rows["workon_home"] and "default" in rows["workon_home"]
    assert "the next command creates it" in rows["workon_home"]
    assert f"{bare['PROJECT_HOME']}  ($PROJECT_HOME)" in rows["project_home"]
    assert "venv" in rows["creator"] and "$ENVWRAP_CREATOR" in rows["creator"]
    base = subprocess.run([sys.executable, "-c", "import sys; print(getattr(sys, '_base_executable', '') "
                           "or sys.executable)"], capture_output=True, text=True).stdout.strip()
    # the default Python is the one envwrap runs on
    assert backend(bare, "config", "python").stdout == base + "\n"
    assert "default" in rows["python"] and base in rows["python"]
    # every key prints its effective value and exits 0, set in the file or not
    assert backend(bare, "config", "workon_home").stdout == f"{legacy_home(bare)}\n"
    assert backend(bare, "config", "hook_dir").stdout == f"{legacy_home(bare)}\n"
    assert backend(bare, "config", "creator").stdout == "venv\n"
    # the three sources, named
    elsewhere = tmp_path / "elsewhere"
    backend(bare, "config", "workon_home", str(elsewhere))
    assert "(config file" in _row(backend(bare, "config").stdout, "workon_home")
    env = dict(bare, WORKON_HOME=str(tmp_path / "envs"), VIRTUALENVWRAPPER_HOOK_DIR=str(tmp_path))
    out = backend(env, "config").stdout
    assert "($WORKON_HOME)" in _row(out, "workon_home") and str(tmp_path / "envs") in _row(out, "workon_home")
    assert f"{tmp_path}  ($VIRTUALENVWRAPPER_HOOK_DIR)" in _row(out, "hook_dir")
    # unset everywhere: nothing printed, status 1
    no_project = {k: v for k, v in bare.items() if k != "PROJECT_HOME"}
    r = backend(no_project, "config", "project_home")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "")


def test_config_shows_exactly_the_settings_tables_rows(bare, tmp_path):
    """One row per setting of core.settings.SETTINGS, in its order, and no other;
    each readable by key, with the variable the table names as its source."""
    from envwrap.core import settings

    env = dict(bare, ENVWRAP_INSTALLER="pip", VIRTUALENVWRAPPER_PROJECT_FILENAME=".proj",
               ENVWRAP_CACHE_DIR=str(tmp_path / "cache"))
    out = backend(env, "config").stdout.splitlines()
    assert out[0].startswith("config file: ")
    assert [line.split()[0] for line in out[1:]] == [s.key for s in settings.SETTINGS]
    assert "pip  ($ENVWRAP_INSTALLER)" in _row("\n".join(out), "installer")
    assert ".proj  ($VIRTUALENVWRAPPER_PROJECT_FILENAME)" in _row("\n".join(out), "project_filename")
    assert f"{tmp_path / 'cache'}  ($ENVWRAP_CACHE_DIR)" in _row("\n".join(out), "cache_dir")
    assert backend(env, "config", "installer").stdout == "pip\n"
    assert backend(bare, "config", "installer").stdout == "auto\n"
    assert backend(bare, "config", "workon_cd").stdout == "1\n"
    r = backend(env, "config", "installer", "uv")  # a variable's setting is not written to the file
    assert (r.returncode, r.stdout) == (2, "") and one_line(r.stderr) and "ENVWRAP_INSTALLER" in r.stderr


def _row(out: str, key: str) -> str:
    (row,) = [line for line in out.splitlines() if line.split()[0] == key]
    return row


@pytest.mark.parametrize("args", [["bogus", "1"], ["bogus"], ["creator", "bogus"], ["hook_dir", "/x"], [""],
                                  ["workon_home", ""]])
def test_config_refuses_bad_keys_and_values_in_one_line(bare, args):
    cfg = Path(bare["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    r = backend(bare, "config", *args)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("envwrap: config: ")
    assert r.stderr.count("envwrap") == 1, r.stderr  # the prefix once, not "envwrap: envwrap config:"
    assert not cfg.exists()


# ----------------------------------------------------------------- 8.15: doctor


def test_doctor_on_a_fresh_install_exits_0_with_a_note(bare):
    r = backend(bare, "doctor")
    assert (r.returncode, r.stdout) == (0, ""), r
    assert f"WORKON_HOME {legacy_home(bare)} (the default) does not exist yet" in r.stderr
    assert not legacy_home(bare).exists() and not data_home(bare).exists()


def test_doctor_names_a_workon_home_that_is_a_file_once(user, tmp_path):
    """A file where WORKON_HOME should be is named as such, once: not as missing,
    and not again as an unwritable hook directory (18.8)."""
    afile = tmp_path / "a file"
    afile.write_text("")
    r = backend(dict(user, WORKON_HOME=str(afile)), "doctor")
    assert r.returncode == 1
    assert r.stdout.count(str(afile)) == 1 and f"WORKON_HOME {afile} is not a directory" in r.stdout, r
    assert "does not exist" not in r.stdout and "hook directory" not in r.stdout, r
    # a hook directory that is a file is named as that, not as unwritable
    r = backend(dict(user, VIRTUALENVWRAPPER_HOOK_DIR=str(afile)), "doctor")
    assert r.returncode == 1 and r.stdout == f"hook directory {afile} ($VIRTUALENVWRAPPER_HOOK_DIR) is not a " \
        "directory\n", r
    r = backend(dict(user, WORKON_HOME=str(tmp_path / "missing")), "doctor")
    assert r.returncode == 0 and r.stdout == "" and f"WORKON_HOME {tmp_path / 'missing'} " in r.stderr


def test_a_file_where_a_directory_should_be_is_named_as_such(sh, user, tmp_path):
    """PROJECT_HOME, a project given with -a, and doctor: "is not a directory",
    never "does not exist" (18.8)."""
    afile = tmp_path / "a file"
    afile.write_text("")
    r = sh.run(f"PROJECT_HOME={q(str(afile))} mkproject --without-pip p")
    assert r.status != 0 and r.stderr == f"envwrap: PROJECT_HOME {afile} is not a directory\n", r
    for command in (f"mkvirtualenv --without-pip -a {q(str(afile))} y",
                    f"envwrap new --without-pip -a {q(str(afile))} y"):
        r = sh.run(command)
        assert r.status != 0 and r.stderr.endswith(f"project directory {afile} is not a directory\n"), r
        assert r.stderr.count("\n") == 1, r
    assert not (tmp_path / "envs" / "y").exists()
    sh.ok("mkvirtualenv --without-pip z")
    r = sh.run(f"setvirtualenvproject z {q(str(afile))}")
    assert r.status != 0 and r.stderr == f"envwrap: project directory {afile} is not a directory\n", r
    sh.ok("deactivate")
    r = backend(dict(user, PROJECT_HOME=str(afile)), "doctor")
    assert r.returncode == 1
    assert r.stdout == f"PROJECT_HOME {afile} ($PROJECT_HOME) is not a directory: mkproject needs one\n", r


def test_doctor_names_a_missing_project_home(user, tmp_path):
    r = backend(dict(user, PROJECT_HOME=str(tmp_path / "no projects")), "doctor")
    assert r.returncode == 1
    (line,) = [line for line in r.stdout.splitlines() if "PROJECT_HOME" in line]
    assert str(tmp_path / "no projects") in line and "does not exist" in line
    assert backend(user, "doctor").returncode == 0  # the PROJECT_HOME that exists is fine


def test_a_temporary_env_left_by_a_closed_shell_is_reported_and_removed(sh, user, tmp_path):
    sh.ok("mktmpenv --without-pip -n")
    env = Path(sh.var("VIRTUAL_ENV"))
    pid = sh.ok('printf %s "$$"').stdout
    assert f"shell-pid = {pid}" in (env / ".envwrap-tmpenv").read_text()
    r = backend(user, "doctor", "--fix")  # the shell lives: its env is not touched
    assert r.returncode == 0 and env.is_dir() and env.name not in r.stdout, r
    sh.proc.kill()  # the terminal is closed: deactivate never runs
    sh.proc.wait()
    r = backend(user, "doctor")
    assert r.returncode == 1
    (line,) = [line for line in r.stdout.splitlines() if env.name in line]
    assert "left behind" in line and env.is_dir()
    r = backend(user, "doctor", "--fix")
    assert r.returncode == 0 and not env.exists()
    assert f"removed temporary environment '{env.name}'" in r.stdout
    assert backend(user, "doctor").stdout == ""


def test_a_tmpenv_marker_naming_no_shell_is_left_alone(user, tmp_path):
    assert backend(user, "new", "--without-pip", "tmp-old").returncode == 0
    env = tmp_path / "envs" / "tmp-old"
    (env / ".envwrap-tmpenv").write_text("removed by envwrap when deactivated\n")  # an older envwrap's
    r = backend(user, "doctor", "--fix")
    assert r.returncode == 0 and env.is_dir(), r


CREATOR = """#!/bin/sh
# A creator whose work outlives envwrap: it keeps writing into the target.
for target; do :; done
mkdir -p "$target" && : > "$T_READY"
sleep 2
echo late > "$target/written-late"
"""


# A pre-creation hook that runs inside the stage (issue 9.13) and outlives envwrap.
PREMK_HOOK = """#!/bin/sh
: > "$T_READY"
sleep 1.5
echo late > "$ENVWRAP_STAGED_ENV/written-late"
"""


@pytest.mark.parametrize("child", ["creator", "premkvirtualenv"])
def test_a_stage_stays_while_a_child_of_a_killed_creation_runs(user, tmp_path, envwrap_exe, child):
    """The creator (and pip, ensurepip) and the pre-creation hooks inherit the
    stage lock: kill envwrap while one still writes into the stage, and the sweep
    keeps the stage until that child ends, then removes it and says so."""
    ready = tmp_path / "ready"
    env = dict(user, T_READY=str(ready))
    script = tmp_path / "slow-creator" if child == "creator" else tmp_path / "envs" / "premkvirtualenv"
    script.write_text(CREATOR if child == "creator" else PREMK_HOOK)
    script.chmod(0o755)
    if child == "creator":
        env["VIRTUALENVWRAPPER_VIRTUALENV"] = str(script)
    proc = subprocess.Popen([str(envwrap_exe), "new", "--without-pip", "x"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    (stage,) = (tmp_path / "envs" / ".envwrap" / "staging").iterdir()
    # the child still writes there: the sweep leaves the stage, and says nothing about it
    r = backend(user, "doctor", "--fix")
    assert stage.is_dir() and str(stage) not in r.stdout, r
    while not (stage / "x" / "written-late").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # once the child is gone, the stage is a leftover, and is removed (and says so)
    while True:
        r = backend(user, "doctor", "--fix")
        if str(stage) in r.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert f"removed leftover {stage}" in r.stdout and not stage.exists()
    assert backend(user, "ls").stdout == ""


# ----------------------------------------------------------------- 8.16: zsh without compinit


def test_doctor_says_when_zsh_has_no_completion(user, tmp_path, envwrap_exe):
    require_shell("zsh")
    load_line = f'eval "$({q(str(envwrap_exe))} init zsh)"'
    for setup, warned in (("", True), ("autoload -Uz compinit && compinit -u -D", False)):
        for interactive in ("-i", "+i"):
            proc = run_script("zsh", user, f"{setup}\n{load_line}\nenvwrap doctor",
                              argv=["zsh", "--no-rcs", interactive], cwd=tmp_path)
            expected = warned and interactive == "-i"  # a script needs no completion
            assert ("compinit" in proc.stdout) == expected, proc
            assert proc.status == (1 if expected else 0), proc
    proc = run_script("bash", user, f'eval "$({q(str(envwrap_exe))} init bash)"; envwrap doctor',
                      argv=["bash", "--norc"])
    assert proc.status == 0 and "compinit" not in proc.stdout


@pytest.mark.parametrize("export", ["export ", ""])
def test_doctor_names_the_zshrc_in_zdotdir(user, tmp_path, envwrap_exe, export):
    """18.11: with ZDOTDIR set (exported or not), zsh reads $ZDOTDIR/.zshrc:
    that is the file to name, not ~/.zshrc."""
    require_shell("zsh")
    zdot = tmp_path / "my zsh 'dir'"
    zdot.mkdir()
    script = f'{export}ZDOTDIR={q(str(zdot))}\neval "$({q(str(envwrap_exe))} init zsh)"\nenvwrap doctor'
    proc = run_script("zsh", user, script, argv=["zsh", "--no-rcs", "-i"], cwd=tmp_path)
    (line,) = [line for line in proc.stdout.splitlines() if "compinit" in line]
    assert line.endswith(f"to {zdot / '.zshrc'}") and "~/.zshrc" not in line, proc


# ----------------------------------------------------------------- fish


@pytest.fixture
def fish_bare(bare, tmp_path):
    """Whole fish scripts, for a user who set no WORKON_HOME."""
    with Shell("fish", bare, cwd=tmp_path, mode="script") as shell:
        yield shell


def test_fish_follows_the_config_and_exports_the_home(fish_bare, bare, tmp_path):
    x = tmp_path / "x dir"
    fake_env(x, "in x")
    z = tmp_path / "z"
    fake_env(z, "in z")
    r = fish_bare.run(r"""
out start (printenv WORKON_HOME)
envwrap config workon_home $T_X
out listed (lsvirtualenv -b)
out completed (complete -C 'workon ')
out exported (printenv WORKON_HOME)
set -gu WORKON_HOME $T_Z
envwrap config --unset workon_home
out user (lsvirtualenv -b) (printenv WORKON_HOME; or echo unexported)
set -e WORKON_HOME
out default (printenv WORKON_HOME)
""", {"T_X": str(x), "T_Z": str(z)})
    assert r.status == 0, r
    assert r["start"] == [str(legacy_home(bare))]
    assert r["listed"] == r["completed"] == ["in x"]
    assert r["exported"] == [str(x)]
    assert r["user"] == ["in z", "unexported"]
    assert r["default"] == []
    assert "takes precedence" in r.stderr and r.stderr.count("\n") == 1


def test_fish_default_home_is_virtualenvs_created_on_first_use(fish_bare, bare):
    r = fish_bare.run(r"""
out exported (printenv WORKON_HOME)
out tab (complete -C 'workon ')
out before (test -d $T_LEGACY; and echo yes; or echo no)
out listed (lsvirtualenv -b) $status
out after (test -d $T_LEGACY; and echo yes; or echo no)
""", {"T_LEGACY": str(legacy_home(bare))})
    assert r.status == 0, r
    assert r["exported"] == [str(legacy_home(bare))]
    assert r["tab"] == []
    assert r["before"] == ["no"] and r["after"] == ["yes"]
    assert r["listed"] == ["0"]
    assert r.stderr == f"envwrap: NOTE: WORKON_HOME {legacy_home(bare)} does not exist; creating it\n"
    assert not data_home(bare).exists()


def test_fish_lists_a_workon_home_holding_a_newline(fish_bare, bare, tmp_path):
    """19.9: fish split the home at its newline and said it did not exist."""
    odd = tmp_path / "two\nlines"
    fake_env(odd, "e 1")
    fake_env(odd, "e2")
    (odd / ".envwrap").mkdir()
    (odd / ".envwrap" / "pythons").write_text("3.12\n3.12.1\n")
    r = fish_bare.run(r"""
set -g WORKON_HOME $T_ODD
out listed (lsvirtualenv -b)
out tab (complete -C 'workon ')
out backend (envwrap ls)
out versions (complete -C 'mkvirtualenv -p ')
""", {"T_ODD": str(odd)})
    assert r.status == 0 and r.stderr == "", r
    assert sorted(r["listed"]) == sorted(r["tab"]) == sorted(r["backend"]) == ["e 1", "e2"]
    # every reader of the home keeps it whole: -p's TAB reads the versions file there
    # (beside file names, which -p also takes)
    assert {"3.12", "3.12.1"} <= {v.split("\t")[0] for v in r["versions"]}


def test_fish_relative_settings_are_below_home(fish_bare, bare, tmp_path):
    home = Path(bare["HOME"])
    (home / "rel").mkdir()
    assert backend(dict(bare, WORKON_HOME=str(home / "rel")), "new", "--without-pip", "r").returncode == 0
    (home / "hooks").mkdir()
    (home / "hooks" / "postdeactivate.fish").write_text("set -g T_HOOKED home\n")
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "postdeactivate.fish").write_text("set -g T_HOOKED cwd\n")
    r = fish_bare.run(r"""
cd $T_ELSEWHERE
set -g WORKON_HOME rel
set -g VIRTUALENVWRAPPER_HOOK_DIR hooks
out names (lsvirtualenv -b) (complete -C 'workon ') (envwrap ls)
workon r
out venv $VIRTUAL_ENV
deactivate
out hooked $T_HOOKED
""", {"T_ELSEWHERE": str(tmp_path)})
    assert r.status == 0, r
    assert r["names"] == ["r", "r", "r"]
    assert r["venv"] == [str(home / "rel" / "r")]
    assert r["hooked"] == ["home"]


# ----------------------------------------------------------------- PowerShell


def test_powershell_config_code_parses_and_carries_the_home(ps_parser, bare, tmp_path):
    x = tmp_path / "it's a ‘dir’ $(x)"
    x.mkdir()
    r = backend(bare, "sh", "powershell", "config", "workon_home", str(x))
    assert r.returncode == 0, r.stderr
    assert statements(ps_parser, r.stdout) == [("call", "__envwrap_set_home", str(x), "config")]
    r = backend(bare, "sh", "powershell", "config", "--unset", "workon_home")
    assert statements(ps_parser, r.stdout) == [("call", "__envwrap_set_home", str(legacy_home(bare)), "default")]
    r = backend(bare, "sh", "powershell", "config", "nokey", "x")
    assert r.returncode == 2 and r.stdout == "" and r.stderr.startswith("envwrap: config: unknown key")


def test_powershell_preamble_carries_the_default_home(ps_parser, bare):
    text = backend(bare, "init", "powershell").stdout
    preamble = "\n".join(text.splitlines()[:4]) + "\n"
    assert statements(ps_parser, preamble)[1:] == [
        ("set", "$global:__envwrap_home", str(legacy_home(bare))),
        ("set", "$global:__envwrap_home_src", "default"),
        ("set", "$global:__envwrap_auto", ""),
    ]


def test_powershell_listing_and_cdvirtualenv_check_the_home(ps_parser):
    """The PowerShell hook cannot run here: check in its parse tree that every
    path that lists or enters WORKON_HOME without the backend checks it first."""
    tree, data = parse(ps_parser, PS_HOOK.read_text(encoding="utf-8"))
    bodies = {}
    for node in _walk(tree.root_node):
        if node.type == "function_statement":
            name = [c for c in node.children if c.type == "function_name"][0]
            bodies[data[name.start_byte:name.end_byte].decode().replace("global:", "")] = node
    called = {name: {data[c.start_byte:c.end_byte].decode() for c in _walk(body) if c.type == "command_name"}
              for name, body in bodies.items()}
    assert "__envwrap_home_ok" in called["__envwrap_list"]
    # cdvirtualenv enters the env itself only when the home is a directory; else the backend's plan
    assert {"__envwrap_workon_home", "__envwrap_run"} <= called["cdvirtualenv"]
    cd = bodies["cdvirtualenv"]
    assert "[IO.Directory]::Exists($h)" in data[cd.start_byte:cd.end_byte].decode()
    for name in ("workon", "lsvirtualenv"):
        assert "__envwrap_list" in called[name] and "__envwrap_names" not in called[name], name
    # a missing home is created by the backend (which says so), a file is refused
    assert "__envwrap_call" in called["__envwrap_home_ok"]


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


@needs_pwsh
def test_pwsh_home_follows_config_and_creates_a_missing_one(bare, tmp_path):
    x = tmp_path / "x"
    fake_env(x, "in x")
    records, proc = run_pwsh(bare, tmp_path, r"""
envwrap config workon_home $env:T_X
Out listed (lsvirtualenv -b)
Out exported $env:WORKON_HOME
$env:WORKON_HOME = $env:T_MISSING
lsvirtualenv -b
Out missing $LASTEXITCODE
""", {"T_X": str(x), "T_MISSING": str(tmp_path / "missing")})
    assert records["listed"] == ["in x"] and records["exported"] == [str(x)]
    assert records["missing"] == ["0"] and "NOTE: WORKON_HOME" in proc.stderr.decode()
    assert (tmp_path / "missing").is_dir()


@needs_pwsh
def test_pwsh_lists_a_workon_home_holding_a_newline(bare, tmp_path):
    odd = tmp_path / "two\nlines"
    fake_env(odd, "e 1")
    fake_env(odd, "e2")
    records, proc = run_pwsh(bare, tmp_path, r"""
$env:WORKON_HOME = $env:T_ODD
Out listed (lsvirtualenv -b)
Out status $LASTEXITCODE
""", {"T_ODD": str(odd)})
    assert sorted(records["listed"]) == ["e 1", "e2"] and records["status"] == ["0"], proc


@pytest.mark.parametrize("variable, home", [
    ("", "/home/u"), ("", "/home/u/"), ("", "/"), ("/x/data", "/home/u"), ("/x/data/", "/home/u"),
    ("relative/dir", "/home/u"), ("  /spaced", "/home/u"), ("   ", "/home/u"), ("", "relative-home"),
    (None, "/home/u"), (None, None),
])
def test_config_and_data_dirs_agree_with_platformdirs(monkeypatch, variable, home):
    """envwrap finds its config file and its own WORKON_HOME without importing
    platformdirs in the plain case (it costs more than a Python start at every
    `eval "$(envwrap init ...)"`): whatever the XDG variables and HOME hold, the
    answers are platformdirs' own."""
    import platformdirs

    from envwrap.core import home as homes

    for var in ("ENVWRAP_CONFIG", "ENVWRAP_CACHE_DIR", "ANDROID_DATA"):
        monkeypatch.delenv(var, raising=False)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        if variable is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, variable)
    if home is None:
        monkeypatch.delenv("HOME", raising=False)
    else:
        monkeypatch.setenv("HOME", home)

    def answer(call):
        try:
            return call()
        except RuntimeError:  # platformdirs cannot place it (a relative HOME): neither can envwrap
            return None

    want_cfg = answer(lambda: os.path.join(platformdirs.user_config_dir("envwrap", appauthor=False),
                                           "config.toml"))
    want_data = answer(lambda: os.path.join(platformdirs.user_data_dir("envwrap", appauthor=False), "envs"))
    assert answer(homes.config_path) == want_cfg
    assert answer(homes.old_default_workon_home) == want_data  # where doctor looks for envs left behind
    assert answer(homes.cache_dir) == answer(lambda: platformdirs.user_cache_dir("envwrap", appauthor=False))
    if sys.platform.startswith("linux") and variable in ("", "/x/data") and home == "/home/u":
        # the plain case really is answered without platformdirs
        assert homes._xdg_base("XDG_DATA_HOME", ".local/share") is not None


# ----------------------------------------------------------------- 18.6: the config file without tomllib

# Values `envwrap config` may write (paths are free text: quotes, backslashes,
# unicode, controls, TOML's own syntax), and the booleans.
ODD_VALUES = ["/plain", "~/envs", "/it's \"quoted\"", "C:\\Users\\me\\Envs", "\\\\server\\share\\",
              "/ünïcödé/中文/🐍", "/tab\there", "/new\nline", "/cr\rlf", "/del\x7f/\x01\x1f/\x1b[31m",
              "/# not a comment", "/a = b", '/"""', "/'''", "/trailing\\", " /spaced ", "/\u2028\u00a0\ufeff",
              "/\\u0041 literally", "/[table]"]


def test_the_fast_config_reader_agrees_with_tomllib():
    import tomli_w
    import tomllib

    from envwrap.core import home as homes

    for value in ODD_VALUES:
        for data in ({"workon_home": value}, {"workon_home": value, "auto_activate": True, "python": value,
                                              "write_dot_venv": False, "seed_mode": "zip"}):
            text = tomli_w.dumps(data)  # what `envwrap config` writes
            assert homes.simple_toml(text) == tomllib.loads(text) == data, (value, text)
    # hand-written files: the fast reader gives tomllib's answer, or None (then
    # tomllib reads it, and names what is invalid)
    samples = ['a = "x"\r\nb = true\r\n', 'a="x"#c\n', "# only a comment\n\n", "a = 'literal'\n",
               'a = "x"\na = "y"\n', "a = 1\n", "[t]\na = true\n", "a.b = true\n", '"a" = true\n',
               "a = trueish\n", 'a = "x" y\n', 'a = "unterminated\n', 'a = "\\q"\n', 'a = "\\uD800"\n',
               'a = "\\U0010FFFF"\n', 'a = "\\U00110000"\n', "a = true # \x01\n", 'a = "x"\rb = true\n',
               '\ufeffa = true\n', 'a = """x"""\n', "a = [1]\n", "= true\n", 'a = "\x0b"\n', "\ta\t=\ttrue\t\n",
               "a = true\x0c\n", 'a = "x"\n[b]\n']
    for text in samples:
        fast = homes.simple_toml(text)
        try:
            want = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            assert fast is None, text
            continue
        assert fast is None or fast == want, text


def test_the_config_verb_and_the_fast_reader_round_trip(bare, tmp_path):
    cfg = Path(bare["XDG_CONFIG_HOME"]) / "envwrap" / "config.toml"
    for value in ("/it's \"my\" envs\\ünï", "~/tab\there"):
        assert backend(bare, "config", "workon_home", value).returncode == 0
        assert backend(bare, "config", "auto_activate", "yes").returncode == 0
        import tomllib

        from envwrap.core import home as homes

        text = cfg.read_text(encoding="utf-8")
        assert homes.simple_toml(text) == tomllib.loads(text)
        want = bare["HOME"] + value[1:] if value.startswith("~") else value
        assert backend(bare, "config", "workon_home").stdout == want + "\n"
