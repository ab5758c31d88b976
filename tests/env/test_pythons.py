"""Which interpreter ``-p``, the default Python, ``repair``, ``upgrade`` and
``import`` find: always a base interpreter (never an environment's, not even the
active one's first on PATH), pyenv's shims passed over when they run nothing,
and what a wrong ``-p`` is told."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from envwrap.core.layout import read_cfg

from conftest import ENVWRAP, cli, one_line, pyenv_pythons, require_creator, versions_world, write_script
from realshell import Shell

q = Shell.quote


def newest_pyenv_python() -> tuple[str, str, str]:
    """(X.Y.Z, X.Y, interpreter) of pyenv's newest CPython install."""
    found = pyenv_pythons()
    if not found:
        pytest.skip("needs a pyenv CPython install")
    version, exe = found[-1]
    return version, version.rsplit(".", 1)[0], exe


def runs_as(env: Path) -> list[str]:
    """[X.Y.Z, sys.prefix] of an environment's interpreter (it must run)."""
    proc = subprocess.run([str(env / "bin" / "python"), "-c",
                           "import platform, sys; print(platform.python_version()); print(sys.prefix)"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc
    return proc.stdout.splitlines()


def is_env_interpreter(path: str) -> bool:
    """An interpreter with a pyvenv.cfg beside it or one level up (as Python decides)."""
    here = Path(path).parent
    return (here / "pyvenv.cfg").exists() or (here.parent / "pyvenv.cfg").exists()


def fake_pyenv(tmp_path: Path, version: str, exe: str) -> Path:
    """A pyenv root whose ``versions/<version>`` holds a link to a real interpreter."""
    root = tmp_path / "fake pyenv"
    bindir = root / "versions" / version / "bin"
    bindir.mkdir(parents=True)
    (bindir / f"python{version.rsplit('.', 1)[0]}").symlink_to(exe)
    return root


# ----------------------------------------------------------------- the active env is never the base


@pytest.mark.parametrize("creator", ["venv", "uv"])
def test_an_env_made_while_another_is_active_stands_on_the_base_interpreter(creator, user, tmp_path):
    """After `workon web` (web's bin first on PATH, VIRTUAL_ENV set), an env made
    with -p X.Y, -p python3 or -p web's own interpreter records the interpreter web
    was made from, and keeps running once web is removed; `envwrap pythons`, run
    there, lists no environment's interpreter."""
    require_creator(creator)
    version, minor, exe = newest_pyenv_python()
    home = Path(user["WORKON_HOME"])
    cli(user, "new", "--without-pip", "-p", exe, "web", check=True)
    web = home / "web"
    specs = {"by version": minor, "by name": "python3", "by path": str(web / "bin" / "python")}
    shell = Shell("bash", user, cwd=tmp_path)
    try:
        shell.ok(f'eval "$({q(str(ENVWRAP))} init bash)"')
        for label, spec in specs.items():
            shell.ok("workon web")
            assert shell.var("VIRTUAL_ENV") == str(web)
            assert shell.which(f"python{minor}") == str(web / "bin" / f"python{minor}")
            r = shell.run(f"mkvirtualenv --without-pip -p {q(spec)} {q(label)}")
            assert r.status == 0, (label, r)
        shell.ok("workon web")
        listing = shell.ok("envwrap pythons").stdout
        shell.ok("deactivate")
        shell.ok("rmvirtualenv web")
    finally:
        shell.close()
    assert not web.exists()
    for label in specs:
        cfg = read_cfg(home / label / "pyvenv.cfg")
        assert cfg["home"] == str(Path(exe).parent), (label, cfg)
        assert runs_as(home / label) == [version, str(home / label)], label
    rows = [line.split(None, 2) for line in listing.splitlines()]
    assert rows and all(len(row) == 3 for row in rows), listing
    assert str(home) not in listing and not [row for row in rows if is_env_interpreter(row[2])], listing


def test_the_default_python_of_envwrap_in_an_old_environment_is_its_base(user, tmp_path):
    """envwrap installed in an environment of a Python older than 3.11 (whose
    sys._base_executable is the environment's own interpreter): a new env with
    no -p stands on the interpreter that environment was made from."""
    import platformdirs
    import shellingham
    import tomli_w

    import envwrap

    old = [(v, exe) for v, exe in pyenv_pythons() if tuple(map(int, v.split(".")[:2])) in ((3, 9), (3, 10))]
    if not old:
        pytest.skip("needs a pyenv CPython 3.9 or 3.10")
    version, exe = old[-1]
    tool = tmp_path / "tool env"
    subprocess.run([exe, "-m", "venv", "--without-pip", str(tool)], check=True)
    # envwrap and its pure-Python dependencies, from the tests' own install
    paths = {str(Path(m.__file__).resolve().parent.parent) for m in (envwrap, platformdirs, shellingham, tomli_w)}
    env = dict(user, PYTHONPATH=os.pathsep.join(sorted(paths)))
    proc = subprocess.run([str(tool / "bin" / "python"), "-m", "envwrap", "new", "--without-pip", "plain"],
                          env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc
    plain = Path(user["WORKON_HOME"]) / "plain"
    assert read_cfg(plain / "pyvenv.cfg")["home"] == str(Path(exe).parent)
    shutil.rmtree(tool)
    assert runs_as(plain) == [version, str(plain)]


# ----------------------------------------------------------------- repair: one search


def test_repair_without_p_passes_over_a_pyenv_shim_that_runs_nothing(user, tmp_path):
    """pyenv's shim of a version pyenv has not selected is first on PATH and
    fails; `envwrap repair NAME` (the command workon and doctor suggest) finds
    pyenv's install of the env's version, as -p X.Y and upgrade do."""
    version, minor, exe = newest_pyenv_python()
    moved = tmp_path / "old python" / "bin"
    moved.mkdir(parents=True)
    (moved / f"python{minor}").symlink_to(exe)
    env_dir = Path(user["WORKON_HOME"]) / "proj"
    cli(user, "new", "--without-pip", "--creator", "venv", "-p", str(moved / f"python{minor}"), "proj", check=True)
    shutil.rmtree(moved.parent)  # the interpreter it was made with is gone: broken
    assert not (env_dir / "bin" / "python").exists()
    root = fake_pyenv(tmp_path, version, exe)
    shim = write_script(root / "shims" / f"python{minor}",
                        f"#!/bin/sh\necho 'pyenv: python{minor}: command not found' >&2\nexit 127\n")
    empty = tmp_path / "empty bin"
    empty.mkdir()
    env = dict(user, PYENV_ROOT=str(root), PATH=f"{shim.parent}{os.pathsep}{empty}")
    r = cli(env, "repair", "proj")
    assert r.returncode == 0, r
    assert read_cfg(env_dir / "pyvenv.cfg")["home"] == str(root / "versions" / version / "bin")
    assert runs_as(env_dir) == [version, str(env_dir)]


# ----------------------------------------------------------------- what a wrong -p is told


@pytest.mark.parametrize("creator", ["venv", "uv", "virtualenv"])
def test_p_naming_a_program_that_is_no_python_says_so(creator, user):
    require_creator(creator)
    false = shutil.which("false")
    if false is None:
        pytest.skip("no false command")
    r = cli(user, "new", "--creator", creator, "--without-pip", "-p", false, "x")
    assert r.returncode == 1 and one_line(r.stderr), r
    assert r.stderr == f"envwrap: {false} does not run as a Python interpreter\n"
    assert not (Path(user["WORKON_HOME"]) / "x").exists()


def test_p_version_not_found_lists_the_one_on_path_too(user, tmp_path):
    """A pythonX.Y on PATH is listed by its own version beside pyenv's X.Y.Z in
    the message, as `envwrap pythons` lists both."""
    version, minor, exe = newest_pyenv_python()
    other = f"{minor}.77"  # another install of the same X.Y, by its directory's name
    bindir = tmp_path / "path bin"
    write_script(bindir / f"python{minor}", f"#!/bin/sh\nexec {q(exe)} \"$@\"\n")
    env = dict(user, PYENV_ROOT=str(fake_pyenv(tmp_path, other, exe)), PATH=str(bindir),
               UV_PYTHON_INSTALL_DIR=str(tmp_path / "no uv"))
    listing = cli(env, "pythons", check=True).stdout.split()
    assert version in listing and other in listing
    r = cli(env, "new", "--without-pip", "-p", "3.99", "x")
    assert r.returncode == 1 and one_line(r.stderr), r
    assert f"found: {version}, {other};" in r.stderr, r.stderr


def test_p_version_that_lost_its_trailing_zero_says_to_quote_it(user, tmp_path):
    """PowerShell reads an unquoted -p 3.10 as the number 3.1: with no 3.1 and a
    3.10 there, the message says to quote it (the backend says it, so every shell
    does)."""
    _, _, exe = newest_pyenv_python()
    empty = tmp_path / "empty bin"
    empty.mkdir()
    env = dict(user, PYENV_ROOT=str(fake_pyenv(tmp_path, "3.10.77", exe)), PATH=str(empty),
               UV_PYTHON_INSTALL_DIR=str(tmp_path / "no uv"))
    r = cli(env, "new", "--without-pip", "-p", "3.1", "x")
    assert r.returncode == 1 and one_line(r.stderr), r
    assert "quote it" in r.stderr and "-p '3.10'" in r.stderr and "PowerShell" in r.stderr
    r = cli(env, "new", "--without-pip", "-p", "3.2", "x")  # no 3.20 either: the usual message
    assert r.returncode == 1 and one_line(r.stderr) and "quote" not in r.stderr and "3.10.77" in r.stderr, r
    assert not (Path(user["WORKON_HOME"]) / "x").exists()


def test_upgrade_and_import_with_an_env_active_stand_on_the_base_interpreter(user, tmp_path):
    """With web active, `upgrade` (the env's X.Y found again) and `import` (a
    manifest whose exact patch version is not installed, so its X.Y is looked
    for) build on the interpreter web was made from, not on web's."""
    version, minor, exe = newest_pyenv_python()
    home = Path(user["WORKON_HOME"])
    cli(user, "new", "--without-pip", "--creator", "venv", "-p", exe, "web", check=True)
    cli(user, "new", "--without-pip", "--creator", "venv", "-p", exe, "other", check=True)
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'format = 1\nname = "imported"\npython = "{minor}.999"\ncreator = "venv"\n'
                        "system_site_packages = false\npip = false\ndistributions = []\n")
    active = dict(user, VIRTUAL_ENV=str(home / "web"), PATH=f"{home / 'web' / 'bin'}{os.pathsep}{user['PATH']}")
    cli(active, "upgrade", "other", check=True)
    cli(active, "import", str(manifest), check=True)
    cli(user, "rm", "web", check=True)
    for name in ("other", "imported"):
        assert read_cfg(home / name / "pyvenv.cfg")["home"] == str(Path(exe).parent), name
        assert runs_as(home / name) == [version, str(home / name)], name


# ----------------------------------------------------------------- TAB after -p


def cached(user: dict) -> list[str]:
    return (Path(user["WORKON_HOME"]) / ".envwrap" / "pythons").read_text().splitlines()


def test_the_backend_keeps_the_versions_tab_offers(user, tmp_path):
    """`envwrap pythons` writes the versions -p takes (each X.Y, and an install's
    X.Y.Z); a new env made with -p brings them up to date, one made without -p
    writes them only when there are none; a failing -p changes nothing."""
    env = versions_world(user, tmp_path, "3.9.77", "3.10.77")
    home = Path(env["WORKON_HOME"])
    r = cli(env, "new", "--without-pip", "-p", "3.99", "x")
    assert r.returncode == 1 and not (home / ".envwrap" / "pythons").exists(), r
    cli(env, "pythons", check=True)
    assert cached(env) == ["3.9", "3.9.77", "3.10", "3.10.77"]
    (Path(env["PYENV_ROOT"]) / "versions" / "3.10.77").rename(Path(env["PYENV_ROOT"]) / "versions" / "3.10.78")
    cli(env, "new", "--without-pip", "plain", check=True)  # no -p: no search, the list stays
    assert cached(env) == ["3.9", "3.9.77", "3.10", "3.10.77"]
    cli(env, "new", "--without-pip", "--creator", "venv", "-p", "3.9", "with p", check=True)
    assert cached(env) == ["3.9", "3.9.77", "3.10", "3.10.78"]
    (home / ".envwrap" / "pythons").unlink()
    cli(env, "new", "--without-pip", "second", check=True)  # none yet: written
    assert cached(env) == ["3.9", "3.9.77", "3.10", "3.10.78"]


TAB_LINES = [("mkvirtualenv", "-p", "3.1"), ("mktmpenv", "--python", "3.1"), ("mkproject", "-p", "3.1"),
             ("mkvirtualenv", "--python", ""), ("mkvirtualenv", "somename", "3.1")]


def _tab_code(kind: str, words: tuple[str, ...]) -> str:
    """Code printing, one per line, what TAB offers for the last of ``words``."""
    quoted = " ".join(q(w) for w in words)
    if kind == "bash":
        return (f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; COMPREPLY=(); "
                f"__envwrap_complete {q(words[0])} {q(words[-1])} {q(words[-2])}; "
                "[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\\n' \"${COMPREPLY[@]}\"")
    if kind == "zsh":
        # Outside a widget compadd cannot run: a stand-in prints what would be
        # offered, filtered by the typed word as compsys would; _default (the
        # files zsh would offer) prints a marker.
        return (f"() {{ local -a words=({quoted}); local CURRENT={len(words)} PREFIX={q(words[-1])}; "
                "compadd() { local __t_a __t_n=1; [[ $1 == -a ]] && for __t_a in \"${(@P)2}\"; do "
                "[[ $__t_a == ${(b)PREFIX}* ]] && { print -r -- \"$__t_a\"; __t_n=0; }; done; return $__t_n; }; "
                "_default() { print -r -- '(default)'; }; "
                "__envwrap_complete; unfunction compadd _default }")
    return f"complete -C {q(' '.join(words))}"  # the words need no quoting


@pytest.mark.parametrize("kind", ["bash", "zsh", "fish"])
def test_tab_after_p_offers_the_versions_found_and_starts_no_process(kind, user, tmp_path):
    """mkvirtualenv, mktmpenv and mkproject: after -p/--python TAB offers the
    versions the backend found, read from its file with no process; after
    anything else, the shell's own completion (file names) as before."""
    from realshell import requires

    requires(kind)
    env = versions_world(user, tmp_path, "3.9.77", "3.10.77")
    cli(env, "pythons", check=True)
    log = tmp_path / "starts.log"
    fakebin = tmp_path / "fakebin"
    for exe in ("python", "python3", "envwrap"):
        write_script(fakebin / exe, f'#!/bin/sh\necho "{exe} $*" >> {q(str(log))}\n')
    work = tmp_path / "work"
    work.mkdir()
    shell = Shell(kind, user, cwd=work)
    try:
        assert shell.load(ENVWRAP).status == 0
        if kind == "fish":
            shell.ok(f"set -g __envwrap_exe {shell.q(str(fakebin / 'envwrap'))}; "
                     f"set -gx PATH {shell.q(str(fakebin))} $PATH")
        else:
            shell.ok(f"__envwrap_exe=({q(str(fakebin / 'envwrap'))}); PATH={q(str(fakebin))}:$PATH")
        offered = {words: shell.ok(_tab_code(kind, words)).lines for words in TAB_LINES}
    finally:
        shell.close()
    assert not log.exists(), f"TAB started processes: {log.read_text()}"
    for words in TAB_LINES[:3]:
        assert offered[words] == ["3.10", "3.10.77"], (words, offered[words])
    assert offered[TAB_LINES[3]] == ["3.9", "3.9.77", "3.10", "3.10.77"]
    assert offered[TAB_LINES[4]] == {"bash": [], "zsh": ["(default)"], "fish": []}[kind]


def test_powershell_registers_the_p_completer_for_the_table_commands():
    """PowerShell (run where pwsh is: test_powershell.py): a native completer,
    since the commands declare no parameter, for every command of the table's
    PYTHON kind, calling the hand-written reader of the versions file."""
    import re

    from envwrap.cli import table as t
    from tools import gen_shells as _gen

    text = (_gen.SHELL_DIR / _gen.FILES["powershell"]).read_text(encoding="utf-8")
    found = re.findall(r"^Register-ArgumentCompleter -Native -CommandName @\(([^)]*)\) -ScriptBlock \{\n"
                       r"    param\(\$wordToComplete, \$commandAst, \$cursorPosition\)\n"
                       r"    __envwrap_complete_python \$wordToComplete \$commandAst \$cursorPosition\n\}", text, re.M)
    assert [re.findall(r"'(\w+)'", names) for names in found] == [
        [c.name for c in t.COMMANDS if c.completes == t.PYTHON]]
    assert len(re.findall(r"^function global:__envwrap_complete_python \{$", text, re.M)) == 1
