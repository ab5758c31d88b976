"""The commands as a user meets them, in real bash, zsh and fish: --help names
the command and goes to stdout, closed pipes end quietly, removing an env that
holds the current directory leaves it first, creators take venv's options,
listings agree on order, allvirtualenv's headers, and hooks whose last
command fails are not reported."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from envwrap.cli import table as commandtable
from envwrap.shells.fish import quote as fish_quote
from envwrap.shells.posix import quote as posix_quote

from conftest import ENVWRAP, changes, cli, make_wheel, new_env, one_line, require_shell, snapshot, write_script
from realshell import Shell, run_script

q = Shell.quote

NAMES = ["with space", "it's \"q\" $HOME `touch CANARY` $(touch CANARY)", "'\";&&e-$ èрт🚒♞中片-j"]

# Every command the shell files define, and what its --help must be called.
COMMANDS = [c.name for c in commandtable.COMMANDS if c.name != "envwrap"]


def backend(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return cli(env, *args, **kw)


def fake_envs(home: Path, names) -> None:
    for name in names:
        (home / name).mkdir(parents=True)
        (home / name / "pyvenv.cfg").write_text("home = /usr/bin\n")


def no_canary(tmp_path: Path) -> None:
    assert not list(tmp_path.rglob("CANARY")), "a name was evaluated as code"


# ----------------------------------------------------------------- 9: leave before removing


@pytest.mark.parametrize("sub", ["", "bin"])
def test_deactivate_of_a_tmpenv_leaves_it_first(sh, tmp_path, sub):
    home = tmp_path / "envs"
    sh.ok(f"cd {q(str(tmp_path))}")
    sh.ok("mktmpenv --without-pip")
    env = Path(sh.var("VIRTUAL_ENV"))
    assert sh.var("PWD") == str(env)
    if sub:
        sh.ok(f"cd {sub}")
    sh.ok("deactivate")
    assert not env.exists()
    assert sh.var("PWD") == str(home)
    assert sh.ok("pwd -P >/dev/null && echo fine").stdout == "fine\n"  # the directory exists
    # Outside the env, deactivate leaves the current directory alone.
    sh.ok(f"mktmpenv --without-pip -n; cd {q(str(tmp_path))}; deactivate")
    assert sh.var("PWD") == str(tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_rmvirtualenv_of_the_env_holding_the_current_directory(sh, tmp_path, name):
    home = tmp_path / "envs"
    sh.ok(f"mkvirtualenv --without-pip {q(name)} && deactivate")
    sh.ok("mkvirtualenv --without-pip other && deactivate")
    sh.ok(f"cd {q(str(home / name / 'bin'))}")
    r = sh.ok(f"rmvirtualenv {q(name)}")
    assert not (home / name).exists()
    assert sh.var("PWD") == str(home)
    # In an env that is not removed: stay there, whether the removal works or not.
    sh.ok(f"mkvirtualenv --without-pip {q(name)} && deactivate && cd {q(str(home / 'other'))}")
    sh.ok(f"rmvirtualenv {q(name)}")
    assert sh.var("PWD") == str(home / "other")
    r = sh.run("rmvirtualenv no-such-env")
    assert r.status != 0 and sh.var("PWD") == str(home / "other")
    # A removal that is refused (the env is active) leaves the shell where it was.
    sh.ok(f"workon other && cd {q(str(home / 'other' / 'bin'))}")
    r = sh.run("rmvirtualenv other")
    assert r.status != 0 and "active" in r.stderr
    assert (home / "other").is_dir() and sh.var("PWD") == str(home / "other" / "bin")
    sh.ok("deactivate")
    no_canary(tmp_path)


def test_fish_leaves_an_env_before_removing_it(fish, tmp_path):  # noqa: F811
    home = tmp_path / "envs"
    name = NAMES[2]
    new_env(fish.env, name)
    r = fish.run(r"""
cd $T_TMP
mktmpenv --without-pip
set -l tmpenv $VIRTUAL_ENV
out tmp_in $PWD
cd bin
deactivate
out tmp_out $status $PWD (yesno test -d $tmpenv)
cd "$WORKON_HOME/$T_NAME/bin"
rmvirtualenv $T_NAME
out rm $status $PWD
cd $T_TMP
rmvirtualenv no-such-env
out rm_missing $status $PWD
""", {"T_NAME": name, "T_TMP": str(tmp_path)})
    assert r.status == 0, r
    assert Path(r["tmp_in"][0]).parent == home
    assert r["tmp_out"] == ["0", str(home), "no"]
    assert r["rm"] == ["0", str(home)] and not (home / name).exists()
    assert r["rm_missing"][0] != "0" and r["rm_missing"][1] == str(tmp_path)


# ----------------------------------------------------------------- 10: closed pipes


def closed_pipe(argv: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run with a standard output whose reader is gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(argv, stdout=write_end, stderr=subprocess.PIPE, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=60)
    finally:
        os.close(write_end)


def test_output_into_a_closed_pipe_ends_quietly(user, tmp_path):
    home = tmp_path / "envs"
    fake_envs(home, [f"env {i:03d}" for i in range(50)])
    backend(user, "new", "--without-pip", "real")
    venv = dict(user, VIRTUAL_ENV=str(home / "real"))
    calls = [["ls"], ["ls", "-l"], ["ls", "--json"], ["lsvirtualenv"], ["--help"], ["--version"],
             ["show", "real"], ["showvirtualenv", "real"], ["sitepackages", "--path", "real"], ["ls", "--help"],
             ["show", "--help"], ["sh", "bash", "mkvirtualenv", "--help"], ["sh", "fish", "workon", "real"],
             ["path", "real"], ["config"], ["init", "bash"]]
    buffered = {k: v for k, v in venv.items() if k != "PYTHONUNBUFFERED"}
    for args in calls:
        for env in (venv, buffered):
            proc = closed_pipe([str(ENVWRAP), *args], env)
            assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, (args, proc.stderr)
            assert "Broken pipe" not in proc.stderr and "Exception ignored" not in proc.stderr, (args, proc.stderr)
            assert proc.returncode in (0, 141), (args, proc.returncode, proc.stderr)
    # and the same when the reader goes away after the first line
    proc = subprocess.Popen([str(ENVWRAP), "ls", "-l"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=user, stdin=subprocess.DEVNULL)
    assert proc.stdout.readline() == b"env 000\n"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_lsvirtualenv_into_head_ends_quietly(sh, tmp_path):
    fake_envs(tmp_path / "envs", [f"env {i:04d}" for i in range(2000)])
    for command in ("lsvirtualenv -l | head -3", "envwrap ls -l | head -1", "lsvirtualenv --help | head -1"):
        r = sh.run(command)
        assert r.status == 0 and r.stdout, (command, r)
        assert r.stderr == "", (command, r.stderr)


# ----------------------------------------------------------------- 11: venv's options


def test_creation_takes_venvs_options(user, tmp_path):
    home = tmp_path / "envs"
    r = backend(user, "new", "--without-pip", "--copies", "--clear", "--without-scm-ignore-files", "copied")
    assert r.returncode == 0, r.stderr
    python = home / "copied" / "bin" / "python"
    assert python.is_file() and not python.is_symlink()
    assert not (home / "copied" / ".gitignore").exists()
    r = backend(user, "new", "--without-pip", "--symlinks", "linked")
    assert r.returncode == 0, r.stderr
    assert (home / "linked" / "bin" / "python").is_symlink()
    # --clear does not replace an existing environment
    r = backend(user, "new", "--without-pip", "--clear", "linked")
    assert r.returncode != 0 and one_line(r.stderr) and "already exists" in r.stderr
    r = backend(user, "new", "--without-pip", "--copies", "--symlinks", "both")
    assert r.returncode == 2 and one_line(r.stderr) and not (home / "both").exists()
    r = backend(user, "new", "--without-pip", "--no-such-option", "bad")
    assert r.returncode != 0 and one_line(r.stderr) and "--no-such-option" in r.stderr
    assert not (home / "bad").exists()


def test_uv_as_default_creator_gives_way_to_venv_for_copies(user, tmp_path):
    from envwrap.env.creators import uv_binary as _uv_binary

    if _uv_binary() is None:
        pytest.skip("uv not installed")
    home = tmp_path / "envs"
    env = dict(user, ENVWRAP_CREATOR="uv")
    r = backend(env, "new", "--without-pip", "--copies", "copied")
    assert r.returncode == 0, r.stderr
    assert not (home / "copied" / "bin" / "python").is_symlink()
    r = backend(env, "new", "--without-pip", "--symlinks", "--clear", "by-uv")
    assert r.returncode == 0, r.stderr
    assert "uv = " in (home / "by-uv" / "pyvenv.cfg").read_text()
    r = backend(env, "new", "--creator", "uv", "--without-pip", "--copies", "refused")
    assert r.returncode != 0 and one_line(r.stderr) and "--copies" in r.stderr
    assert not (home / "refused").exists()


def test_upgrade_deps_upgrades_pip_after_the_seed(user, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "pip", "99.0")  # stands in for a newer pip on the index
    env = dict(user, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    r = backend(env, "new", "--upgrade-deps", "upgraded")
    assert r.returncode == 0, r.stderr
    site = next((tmp_path / "envs" / "upgraded" / "lib").glob("python*/site-packages"))
    assert (site / "pip-99.0.dist-info").is_dir()
    r = backend(env, "new", "--without-pip", "--upgrade-deps", "nopip")
    assert r.returncode != 0 and one_line(r.stderr) and "--upgrade-deps" in r.stderr
    assert not (tmp_path / "envs" / "nopip").exists()


CREATOR = """#!/bin/sh
# A creator that talks about its target, as virtualenv does.
for a; do target=$a; done
echo "creating $target"
echo "a note about $target" >&2
[ -z "$T_FAIL" ] || { echo "cannot create $target" >&2; exit 3; }
exec python3 -m venv --without-pip "$target"
"""


def test_a_creators_output_never_shows_the_staging_path(user, tmp_path):
    creator = write_script(tmp_path / "creator", CREATOR)
    env = dict(user, VIRTUALENVWRAPPER_VIRTUALENV=str(creator))
    final = tmp_path / "envs" / "made"
    r = backend(env, "new", "made")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{final}\n"
    assert f"creating {final}\n" in r.stderr and ".envwrap" not in r.stderr
    r = backend(dict(env, T_FAIL="1"), "new", "failed")
    assert r.returncode != 0 and one_line(r.stderr)
    assert f"cannot create {tmp_path / 'envs' / 'failed'}" in r.stderr and ".envwrap" not in r.stderr


def test_mkvirtualenv_with_copies_in_the_shell(sh, tmp_path):
    env = tmp_path / "envs" / NAMES[1]
    sh.ok(f"mkvirtualenv --without-pip --copies {q(NAMES[1])}")
    assert sh.var("VIRTUAL_ENV") == str(env)
    assert not (env / "bin" / "python").is_symlink()
    assert sh.ok("python -c 'import sys; print(sys.prefix)'").stdout.strip() == str(env)
    sh.ok("deactivate")
    no_canary(tmp_path)


# ----------------------------------------------------------------- 12: help and names


@pytest.mark.parametrize("active", [False, True])
def test_every_command_answers_help_on_stdout(sh, tmp_path, active):
    sh.ok("mkvirtualenv --without-pip e1 && deactivate")
    if active:
        sh.ok("workon e1")
    sh.ok(f"cd {q(str(tmp_path))}")
    before = snapshot(tmp_path)
    venv = sh.var("VIRTUAL_ENV")
    for command in COMMANDS:
        r = sh.run(f"{command} --help")
        assert r.status == 0, (command, r)
        assert r.stdout.startswith(f"usage: {command} "), (command, r.stdout)
        assert r.stderr == "", (command, r.stderr)
        assert sh.var("VIRTUAL_ENV") == venv and sh.var("PWD") == str(tmp_path), command
        assert changes(before, snapshot(tmp_path)) == [], command
    r = sh.run("envwrap --help")
    assert r.status == 0 and r.stdout.startswith("usage: envwrap ") and r.stderr == ""
    r = sh.run("mkvirtualenv --help | cat")
    assert r.status == 0 and r.stdout.startswith("usage: mkvirtualenv ") and "--copies" in r.stdout


def test_fish_commands_answer_help_on_stdout(fish, tmp_path):  # noqa: F811
    new_env(fish.env, "e1")
    out = tmp_path / "out"
    out.mkdir()
    r = fish.run(r"""
cd $T_TMP
for c in (string split ' ' -- $T_COMMANDS)
    $c --help >$T_DIR/$c.out 2>$T_DIR/$c.err
    out $c $status $PWD (yesno set -q VIRTUAL_ENV)
end
""", {"T_COMMANDS": " ".join(COMMANDS), "T_TMP": str(tmp_path), "T_DIR": str(out)})
    assert r.status == 0, r
    for command in COMMANDS:
        assert r[command] == ["0", str(tmp_path), "no"], (command, r[command])
        assert (out / f"{command}.out").read_text().startswith(f"usage: {command} "), command
        assert (out / f"{command}.err").read_text() == "", command
    assert not (tmp_path / "envs" / "--help").exists()


VERBS = ["ls", "show", "rm", "project", "sitepackages", "add-path", "toggle-global", "wipe", "cp", "new", "mv"]


def test_each_verb_and_command_names_itself(user):
    for verb in VERBS:
        r = backend(user, verb, "--help")
        assert r.returncode == 0 and r.stdout.startswith(f"usage: envwrap {verb} "), (verb, r.stdout)

    def default_of(text: str) -> str:
        (line,) = [line for line in text.splitlines() if "(the default)" in line]
        return line.split(",")[0].strip()

    assert default_of(backend(user, "ls", "--help").stdout) == "-b"
    assert default_of(backend(user, "lsvirtualenv", "--help").stdout) == "-l"
    r = backend(user, "show")
    assert r.stderr.startswith("envwrap: show: no environment is active"), r.stderr
    r = backend(user, "showvirtualenv")
    assert r.stderr.startswith("envwrap: showvirtualenv: no environment is active"), r.stderr
    r = backend(user, "config", "bogus", "1")
    assert r.returncode == 2 and one_line(r.stderr)
    assert r.stderr.startswith("envwrap: config: ") and "envwrap: envwrap" not in r.stderr


def test_shell_command_errors_name_the_command(sh):
    for command in ("showvirtualenv", "lssitepackages", "wipeenv", "toggleglobalsitepackages"):
        r = sh.run(command)
        assert r.status != 0 and r.stderr.startswith(f"envwrap: {command}: "), (command, r.stderr)
    r = sh.run("lsvirtualenv --bogus")
    assert r.status == 2 and r.stderr.startswith("envwrap: lsvirtualenv: ") and "lsvirtualenv --help" in r.stderr


# ----------------------------------------------------------------- 13: rough edges


def test_mkproject_refuses_a_and_says_when_it_reuses(sh, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    r = sh.run(f"mkproject --without-pip -a {q(str(other))} proj")
    assert r.status == 2 and one_line(r.stderr) and "-a" in r.stderr, r
    assert not (tmp_path / "projects" / "proj").exists() and not (tmp_path / "envs" / "proj").exists()
    (tmp_path / "projects" / "old").mkdir()
    r = sh.run("mkproject --without-pip -f old")
    assert r.status == 0, r
    assert "using existing project" in r.stderr and "created project" not in r.stderr
    sh.ok("deactivate")
    r = sh.run("mkproject --without-pip new")
    assert r.status == 0 and "created project" in r.stderr
    sh.ok("deactivate")


def test_a_copy_takes_its_own_name_as_prompt(user, tmp_path):
    home = tmp_path / "envs"
    for source, extra in (("src env", []), ("custom", ["--prompt", "mine"])):
        assert backend(user, "new", "--creator", "venv", "--without-pip", *extra, source).returncode == 0
    for source, dest, prompt in (("src env", "it's new", "it's new"), ("custom", "copy2", "mine")):
        r = backend(user, "cp", source, dest)
        assert r.returncode == 0, r.stderr
        cfg = (home / dest / "pyvenv.cfg").read_text()
        assert re.search(r"^prompt = (.*)$", cfg, re.M).group(1).strip("'\"") == prompt, cfg
        csh = (home / dest / "bin" / "activate.csh").read_text()
        assert f"({prompt}) " in csh and f"({source}) " not in csh
    # the source keeps its own
    assert "(src env) " in (home / "src env" / "bin" / "activate.csh").read_text()


def test_copying_a_projects_dot_venv_suggests_the_projects_name(sh, tmp_path):
    """cpvirtualenv PROJECT/.venv with no DEST: '.venv' is no env name; the one
    line names the project directory's instead, and nothing is made."""
    project = tmp_path / "it's my proj"
    project.mkdir()
    subprocess.run([str(Path(ENVWRAP).parent / "python"), "-m", "venv", "--without-pip", str(project / ".venv")],
                   check=True)
    home = tmp_path / "envs"
    before = snapshot(home)
    r = sh.run(f"cpvirtualenv {posix_quote(str(project / '.venv'))}")
    assert r.status == 1 and one_line(r.stderr), r
    assert "cannot start with '.'" in r.stderr and "e.g. 'it's my proj'" in r.stderr
    assert changes(before, snapshot(home)) == [] and sh.var("VIRTUAL_ENV") in (None, "")
    sh.ok(f"cpvirtualenv {posix_quote(str(project / '.venv'))} {posix_quote(project.name)}")
    assert sh.var("VIRTUAL_ENV") == str(home / project.name)


def test_wipeenv_counts_in_english(user, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    one, two = make_wheel(wheels, "wipe_one", "1.0"), make_wheel(wheels, "wipe_two", "1.0")
    assert backend(user, "new", "-i", str(one), "w").returncode == 0
    r = backend(user, "wipe", "w")
    assert r.returncode == 0 and "Removed 1 package.\n" in r.stderr, r.stderr
    python = tmp_path / "envs" / "w" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", str(one), str(two)], check=True,
                   env=user)
    r = backend(user, "wipe", "w")
    assert r.returncode == 0 and "Removed 2 packages.\n" in r.stderr, r.stderr
    r = backend(user, "wipe", "w")
    assert r.returncode == 0 and "Nothing to remove." in r.stderr


SORT_NAMES = ["a", "a b", "a-b", "a.b", "A", "B", "_x", "a10", "a9", "a09", "é", "E", "Z", "ab", "1", "10",
              "9", "~t", "x y 2", "x y 10", "ß", "Ω"]


def long_names(text: str) -> list[str]:
    lines = text.splitlines()
    return [a for a, b in zip(lines, lines[1:]) if a and b == "=" * len(a)]


def locales() -> list[str]:
    available = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    found = ["C.UTF-8"]
    found += [wanted for wanted in ("en_US.UTF-8", "de_DE.UTF-8")
              if wanted.replace("UTF-8", "utf8") in available or wanted in available]
    return found


@pytest.mark.parametrize("lc", locales())
def test_listings_agree_on_order(sh, tmp_path, lc):
    fake_envs(tmp_path / "envs", SORT_NAMES)
    sh.ok(f"export LC_ALL={lc}")
    brief = sh.ok("lsvirtualenv -b").lines
    assert sorted(brief) == sorted(SORT_NAMES)
    assert sh.ok("workon").lines == brief
    assert sh.ok("envwrap ls").lines == brief
    assert long_names(sh.ok("lsvirtualenv").stdout) == brief
    assert long_names(sh.ok("envwrap ls -l").stdout) == brief


def test_fish_listings_agree_on_order(fish, tmp_path):  # noqa: F811
    fake_envs(tmp_path / "envs", SORT_NAMES)
    r = fish.run(r"""
out brief (lsvirtualenv -b)
out ls (envwrap ls)
out long (lsvirtualenv)
""")
    assert r.status == 0, r
    assert sorted(r["brief"]) == sorted(SORT_NAMES)
    assert r["ls"] == r["brief"]
    assert long_names("\n".join(r["long"])) == r["brief"]


def test_virtualenv_made_envs_show_their_version_as_venv_made_ones(sh, user):
    """virtualenv writes sys.version_info whole into pyvenv.cfg
    (``version_info = 3.11.7.final.0``): lsvirtualenv -l, ls --json and
    export show 3.11.7, as for an env venv made."""
    import json
    import sys

    from conftest import require_creator

    require_creator("virtualenv")
    env = dict(user, VIRTUALENV_NO_PERIODIC_UPDATE="1")
    for creator in ("virtualenv", "venv"):
        cli(env, "new", "--creator", creator, "--without-pip", f"by {creator}", check=True)
    cfg = (Path(user["WORKON_HOME"]) / "by virtualenv" / "pyvenv.cfg").read_text()
    assert re.search(r"^version_info = \d+\.\d+\.\d+\.final\.0$", cfg, re.M), cfg  # what virtualenv writes
    ours = "%d.%d.%d" % sys.version_info[:3]  # both made with envwrap's own Python
    listed = re.findall(r"^python:\s+(\S+)", sh.ok("lsvirtualenv -l").stdout, re.M)
    assert listed == [ours, ours]
    data = json.loads(cli(env, "ls", "--json").stdout)
    assert [(e["creator"], e["python"]) for e in data["environments"]] == [("venv", ours), ("virtualenv", ours)]
    assert f'python = "{ours}"' in cli(env, "export", "by virtualenv").stdout.splitlines()


def test_allvirtualenv_heads_each_env(sh, tmp_path):
    for name in NAMES[:2]:
        sh.ok(f"mkvirtualenv --without-pip {q(name)} && deactivate")
    r = sh.run("allvirtualenv sh -c 'echo \"$VIRTUAL_ENV\"; exit 3'")
    assert r.status == 3
    blocks = [r.lines[i:i + 4] for i in range(0, len(r.lines), 4)]
    expected = [[n, "=" * len(n), str(tmp_path / "envs" / n), ""] for n in NAMES[:2]]
    assert sorted(blocks) == sorted(expected)
    no_canary(tmp_path)


ALL_SHOW = ("import os, sys; print(sys.prefix, os.getcwd(), os.environ.get('PYTHONHOME'), "
            "os.environ['VIRTUAL_ENV_PROMPT'].strip(), os.environ['PATH'].split(os.pathsep)[0], sep='|')")


def _all_blocks(lines: list[str]) -> dict[str, list[str]]:
    """allvirtualenv's output as {env name: the lines under its header}."""
    blocks, name = {}, None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1] == "=" * len(line) and line:
            name = line
            blocks[name] = []
        elif name is not None and not line.startswith("=" * max(1, len(name))):
            blocks[name].append(line)
    return {k: [x for x in v if x] for k, v in blocks.items()}


def test_allvirtualenv_gives_each_env_what_run_gives_it(sh, tmp_path):
    """One backend process runs CMD in every env, with the environment `envwrap
    run` makes (PYTHONHOME removed, the env's bin first, its prompt), in the env's
    directory; a missing command is one line per env and status 127."""
    home = tmp_path / "envs"
    for name in NAMES[:2]:
        sh.ok(f"mkvirtualenv --without-pip {q(name)} && deactivate")
    sh.ok("export PYTHONHOME=/nonexistent")  # would break any Python it reached
    r = sh.run(f"allvirtualenv python -c {q(ALL_SHOW)}")
    assert r.status == 0 and r.stderr == "", r
    for name in NAMES[:2]:
        env = str(home / name)
        assert _all_blocks(r.lines)[name] == [f"{env}|{env}|None|({name})|{env}/bin"], r.stdout
        one = sh.run(f"envwrap run {q(name)} -- python -c {q(ALL_SHOW)}")  # the shell function
        assert one.stdout.split("|")[:1] + one.stdout.split("|")[2:] == \
            [env, "None", f"({name})", f"{env}/bin\n"], one
    sh.ok("unset PYTHONHOME")
    r = sh.run("allvirtualenv no-such-command-here")
    assert r.status == 127, r
    assert r.stderr.splitlines() == ["envwrap: allvirtualenv: no-such-command-here: command not found"] * 2
    no_canary(tmp_path)


def test_fish_allvirtualenv_is_the_same_loop(fish, tmp_path):  # noqa: F811
    new_env(fish.env, "one")
    new_env(fish.env, "two")
    r = fish.run(f"""
set -gx PYTHONHOME /nonexistent
out all (allvirtualenv python -c {fish_quote(ALL_SHOW)})
out st $status
""")
    assert r["st"] == ["0"], r
    home = tmp_path / "envs"
    blocks = _all_blocks(r["all"])
    assert blocks == {n: [f"{home / n}|{home / n}|None|({n})|{home / n}/bin"] for n in ("one", "two")}, r


# ----------------------------------------------------------------- 14: hooks


def test_a_hooks_last_status_is_not_reported(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip e && deactivate")
    for hook in ("postactivate", "predeactivate", "postdeactivate"):
        (home / hook).write_text(f"T_{hook.upper()}=ran\n[ -f ./no-such-file ] && . ./no-such-file\n")
    r = sh.run("workon e")
    assert r.status == 0 and r.stderr == "", r
    r = sh.run("deactivate")
    assert r.status == 0 and r.stderr == "", r
    assert [sh.var(f"T_{h.upper()}") for h in ("postactivate", "predeactivate", "postdeactivate")] == ["ran"] * 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_hook_is_reported(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip e && deactivate")
    hook = home / "postactivate"
    hook.write_text("T_RAN=1\n")
    hook.chmod(0)
    r = sh.run("workon e")
    assert r.status == 0 and one_line(r.stderr) and "cannot be read" in r.stderr
    assert sh.var("VIRTUAL_ENV") == str(home / "e") and sh.var("T_RAN") is None
    sh.ok("deactivate")


@pytest.mark.parametrize("kind", ["bash", "zsh"])
def test_initialize_hook_is_sourced_at_load_without_a_process(kind, user, tmp_path, envwrap_exe):
    require_shell(kind)
    (tmp_path / "envs" / "initialize").write_text('T_INIT="${T_INIT-}x"\nfalse\n')
    hooks = tmp_path / "hook dir"
    hooks.mkdir()
    (hooks / "initialize").write_text('T_INIT="${T_INIT-}h"\n')
    text = subprocess.run([str(envwrap_exe), "init", kind], env=user, capture_output=True, text=True,
                          check=True).stdout
    log = tmp_path / "starts.log"
    wrapper = write_script(tmp_path / "wrapper", f"#!/bin/sh\necho started >> {q(str(log))}\n"
                                                 f"exec {q(str(envwrap_exe))} \"$@\"\n")
    first, rest = text.split("\n", 1)
    loader = tmp_path / f"envwrap.{kind}"
    loader.write_text(f"__envwrap_exe=({q(str(wrapper))})\n{rest}")
    strict = {"bash": ["bash", "--noprofile", "--norc", "-e", "-u", "-o", "pipefail"],
              "zsh": ["zsh", "--no-rcs", "-e", "-u"]}[kind]
    script = (f". {q(str(loader))}; printf '%s\\n' \"$T_INIT\"; "
              f"VIRTUALENVWRAPPER_HOOK_DIR={q(str(hooks))}; . {q(str(loader))}; printf '%s\\n' \"$T_INIT\"")
    proc = run_script(kind, user, script, argv=strict)
    assert proc.returncode == 0 and proc.stderr == "", proc
    assert proc.stdout == "x\nxh\n"
    assert not log.exists(), "loading started a process"


def test_fish_hooks_last_status_and_initialize(fish, tmp_path):  # noqa: F811
    home = tmp_path / "envs"
    new_env(fish.env, "e")
    (home / "postactivate.fish").write_text("set -g T_POST ran\nset -e T_NEVER_SET\n")
    (home / "predeactivate.fish").write_text("set -g T_PRE ran\nfalse\n")
    (home / "initialize.fish").write_text("set -g T_INIT (count $T_INIT) loaded\n")
    r = fish.run(r"""
out init $T_INIT
workon e
out workon $status $T_POST
deactivate
out deactivate $status $T_PRE
""")
    assert r.status == 0, r
    assert r["init"] == ["0", "loaded"]
    assert r["workon"] == ["0", "ran"] and r["deactivate"] == ["0", "ran"]
    assert "envwrap" not in r.stderr, r.stderr



def test_executed_hooks_write_to_stderr_when_stdout_is_shell_code(user):
    """The hooks a shell-changing command executes (pre*) print on stderr: the
    plan's stdout is evaluated by the shell, and must hold nothing but its code.
    The same hooks run from a verb (envwrap new) print on stdout, as
    virtualenvwrapper's do."""
    home = Path(user["WORKON_HOME"])
    for hook in ("premkvirtualenv", "precpvirtualenv", "preactivate", "premkproject"):
        write_script(home / hook, f"#!/bin/sh\necho {hook}-chatter\n")
    env = dict(user)
    Path(env["PROJECT_HOME"]).mkdir(exist_ok=True)
    for args, said in ((["mkvirtualenv", "--without-pip", "a"], {"premkvirtualenv", "preactivate"}),
                       (["cpvirtualenv", "a", "b"], {"precpvirtualenv", "premkvirtualenv", "preactivate"}),
                       (["mkproject", "--without-pip", "p"], {"premkproject", "premkvirtualenv", "preactivate"}),
                       (["mktmpenv", "--without-pip"], {"premkvirtualenv", "preactivate"})):
        r = cli(env, "sh", "bash", *args)
        assert r.returncode == 0, r.stderr
        assert "chatter" not in r.stdout, (args, r.stdout)
        assert set(re.findall(r"^(\w+)-chatter$", r.stderr, re.M)) == said, (args, r.stderr)
    r = cli(env, "new", "--without-pip", "c")
    assert "premkvirtualenv-chatter" in r.stdout, r
