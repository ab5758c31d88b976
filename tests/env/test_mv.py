"""`envwrap mv OLD NEW` / `mvvirtualenv OLD NEW`: a rename after which the env
works at its new path, done so that no interruption leaves a half-renamed env.

Envs here have pip and a console script installed from a wheel built in the
test (no network); each rename crosses the boundary between a plain `#!` line
and the /bin/sh trampoline (spaces, and paths past the kernel's limit)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from envwrap import shells

from conftest import ENVWRAP, cli, console_wheel, kill_at_marker, require_shell
from realshell import Shell, run_script

q = Shell.quote

LONG = "l" * 140  # WORKON_HOME/LONG/bin/python is past 127 (and 256) bytes


backend = cli  # (the CLI runner under the name these tests use)


def env_with_script(user: dict, tmp_path: Path, name: str) -> Path:
    """An env with pip and the `hello` console script, plus a .pth naming a
    directory inside the env (as an editable install into the env would)."""
    wheels = tmp_path / "wheels"
    console_wheel(wheels)
    backend(user, "new", "--creator", "venv", name, check=True)
    path = Path(user["WORKON_HOME"]) / name
    py = path / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels), "hello"],
                   check=True, capture_output=True, env=dict(user, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (path / "src").mkdir()
    (site / "inside.pth").write_text(f"{path / 'src'}\n")
    return path


def scripts(env: Path) -> list[Path]:
    """Every program in the env's bin/ that runs on its interpreter."""
    found = []
    for entry in sorted((env / "bin").iterdir()):
        if entry.is_file() and os.access(entry, os.X_OK) and entry.read_bytes()[:2] == b"#!":
            found.append(entry)
    return found


def text_files_naming(tree: Path, old: str) -> list[Path]:
    needle = os.fsencode(old)
    hits = []
    for path in tree.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.suffix == ".pyc":
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        at = data.find(needle)
        while at >= 0:
            after = data[at + len(needle):at + len(needle) + 1]
            if after in (b"", b"/", b"'", b'"', b"\n", b"\r", b" ", b"\t", b":", b";", b"\\"):
                hits.append(path)
                break
            at = data.find(needle, at + 1)
    return hits


@pytest.mark.parametrize("old,new", [
    ("plain", "with space"),
    ("with space", "plain"),
    ("plain", LONG),
    (LONG, "it's $x"),
], ids=["to-spaced", "from-spaced", "to-long", "from-long"])
def test_every_script_runs_at_the_new_path(user, tmp_path, old, new):
    src = env_with_script(user, tmp_path, old)
    home = Path(user["WORKON_HOME"])
    (src / ".project").write_text(str(tmp_path) + "\n")
    before = {p.name for p in scripts(src)}
    r = backend(user, "mv", old, new)
    assert r.returncode == 0, r
    dst = home / new
    assert not os.path.lexists(src)
    assert backend(user, "ls").stdout.splitlines() == [new]
    assert {p.name for p in scripts(dst)} == before and {"pip", "hello"} <= before
    clean = {k: v for k, v in user.items() if k != "VIRTUAL_ENV"}
    for script in scripts(dst):
        if script.name.startswith("python"):
            args = ["-c", "import sys; print(sys.prefix)"]
        elif script.name.startswith("pip"):
            args = ["--version"]
        else:
            args = []
        proc = subprocess.run([str(script), *args], capture_output=True, text=True, env=clean)
        assert proc.returncode == 0, (script.name, proc.stderr)
        assert str(dst) in proc.stdout or (script.name.startswith("pip") and pip_in_home(dst, proc.stdout)), \
            (script.name, proc.stdout)
    # The .pth now names the directory inside the renamed env.
    proc = subprocess.run([str(dst / "bin" / "python"), "-c", "import sys; print('\\n'.join(sys.path))"],
                          capture_output=True, text=True, check=True)
    assert str(dst / "src") in proc.stdout.splitlines()
    assert text_files_naming(dst, str(src)) == []
    assert (dst / ".project").read_text() == str(tmp_path) + "\n"
    # The activate scripts name the new env and show its new name.
    out = run_script("bash", clean, f'. {q(str(dst / "bin" / "activate"))} && printf "%s\\n%s\\n" "$VIRTUAL_ENV" '
                                    '"$VIRTUAL_ENV_PROMPT"')
    assert out.stdout.splitlines()[0] == str(dst)
    assert new in out.stdout.splitlines()[1]


def test_refusals_change_nothing(user, tmp_path):
    home = Path(user["WORKON_HOME"])
    for name in ("a", "b"):
        backend(user, "new", "--without-pip", name, check=True)
    (home / "a file").write_text("")
    snapshot = sorted(p.name for p in home.iterdir())
    cases = [("a", "b"), ("a", "a file"), ("a", "a"), ("nope", "c"), ("a", "bad/name"), ("a", ".hidden"),
             ("a", "")]
    for old, new in cases:
        r = backend(user, "mv", old, new)
        assert r.returncode != 0 and r.stdout == "", (old, new, r)
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("envwrap: "), (old, new, r.stderr)
        assert sorted(p.name for p in home.iterdir()) == snapshot
    r = backend(user, "mv", "a")
    assert r.returncode == 2 and "NEW" in r.stderr and len(r.stderr.splitlines()) == 1
    r = backend(dict(user, VIRTUAL_ENV=str(home / "a")), "mv", "a", "c")
    assert r.returncode == 1 and "active" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (home / "c").exists() and (home / "a" / "pyvenv.cfg").is_file()
    for prog in (["mv", "--help"], ["mvvirtualenv", "--help"]):
        r = backend(user, *prog)
        assert r.returncode == 0 and r.stdout.startswith(f"usage: {'envwrap mv' if prog[0] == 'mv' else prog[0]} ")


def _hook(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def test_hooks_run_with_old_and_new_in_workon_home(user, tmp_path):
    home = Path(user["WORKON_HOME"])
    backend(user, "new", "--without-pip", "from env", check=True)
    log = tmp_path / "log"
    _hook(home / "premvvirtualenv",
          'printf "pre[%s][%s][%s][%s]\\n" "$1" "$2" "$PWD" "$(ls "$ENVWRAP_STAGED_ENV/pyvenv.cfg")"'
          f' >> {q(str(log))}\n'
          f'[ -e "$WORKON_HOME/to env" ] && echo "published early" >> {q(str(log))}\nexit 0\n')
    _hook(home / "postmvvirtualenv",
          f'printf "post[%s][%s][%s][%s]\\n" "$1" "$2" "$PWD" "$(ls -d "$WORKON_HOME"/*/)" >> {q(str(log))}\n')
    r = backend(user, "mv", "from env", "to env")
    assert r.returncode == 0, r
    lines = log.read_text().splitlines()
    assert lines[0].startswith(f"pre[from env][to env][{home}][") and lines[0].endswith("pyvenv.cfg]")
    assert lines[1] == f"post[from env][to env][{home}][{home}/to env/]"
    assert len(lines) == 2
    # A failing pre hook: nothing changed, nothing left over.
    _hook(home / "premvvirtualenv", "exit 3\n")
    r = backend(user, "mv", "to env", "third")
    assert r.returncode == 3 and "premvvirtualenv" in r.stderr
    assert (home / "to env" / "pyvenv.cfg").is_file() and not (home / "third").exists()
    assert list((home / ".envwrap" / "staging").iterdir()) == []


def pip_in_home(env: Path, says: str) -> bool:
    """``pip --version`` says pip comes from its home's shared zip (seed_mode auto, zip)."""
    return f" from {env.parent / '.envwrap' / 'seeds'}{os.sep}" in says


def _whole(env: Path) -> bool:
    """The env at ``env`` runs, and its scripts and activate name it."""
    if not (env / "pyvenv.cfg").is_file():
        return False
    out = subprocess.run([str(env / "bin" / "hello")], capture_output=True, text=True)
    pip = subprocess.run([str(env / "bin" / "pip"), "--version"], capture_output=True, text=True)
    return (out.returncode == 0 and out.stdout.strip() == str(env)
            and pip.returncode == 0 and (str(env) in pip.stdout or pip_in_home(env, pip.stdout))
            and f"VIRTUAL_ENV={q(str(env))}" in (env / "bin" / "activate").read_text())


def test_sigkill_leaves_old_or_new_whole(user, tmp_path):
    """Killed while paused in a hook (the hook writes a marker, then waits; the
    test kills the whole process group once the marker is there): in
    premvvirtualenv the staged env is complete but unpublished, so the old env
    alone is left; in postmvvirtualenv the new env is published and the old one
    trashed, so the new one alone is left. Each is whole, and doctor --fix
    clears what the kill left in staging and trash."""
    home = Path(user["WORKON_HOME"])
    env_with_script(user, tmp_path, "one")
    names = ["one", "two words"]
    outcomes: list[tuple[str, str]] = []
    for hook in ("premvvirtualenv", "postmvvirtualenv"):
        old, new = names
        marker = tmp_path / f"in-{hook}"
        _hook(home / hook, f": > {q(str(marker))}\nexec sleep 300\n")
        kill_at_marker([str(ENVWRAP), "mv", old, new], user, marker, f"envwrap mv (before {hook} ran)")
        (home / hook).unlink()
        there = [n for n in names if (home / n).exists()]
        assert there, f"after a kill in {hook} neither env exists"
        outcomes.append((hook, "old only" if there == [old] else "new only" if there == [new] else "both"))
        for name in there:
            assert _whole(home / name), (hook, name, there)
        if len(there) == 2:  # killed between publishing the new one and trashing the old one
            backend(user, "rm", new, check=True)
        backend(user, "doctor", "--fix")
        for leftovers in ("staging", "trash"):
            assert not list((home / ".envwrap" / leftovers).glob("*")), (hook, leftovers)
        if (home / new).exists():
            names.reverse()  # the next rename starts from the new name
    # The kills fell before the publish and after it (else this tested nothing).
    assert outcomes == [("premvvirtualenv", "old only"), ("postmvvirtualenv", "new only")], outcomes


def test_project_venv_pointer_follows(user, tmp_path):
    home = Path(user["WORKON_HOME"])
    project = tmp_path / "projects" / "proj"
    project.mkdir()
    backend(user, "new", "--without-pip", "-a", str(project), "old", check=True)
    (project / ".venv").write_text(str(home / "old") + "\n")
    backend(user, "mv", "old", "new", check=True)
    assert (project / ".venv").read_text() == str(home / "new") + "\n"
    assert (home / "new" / ".project").read_text().strip() == str(project)
    (project / ".venv").write_text("somewhere else\n")
    backend(user, "mv", "new", "newer", check=True)
    assert (project / ".venv").read_text() == "somewhere else\n"


# ----------------------------------------------------------------- the shells


def test_active_env_is_refused_in_bash_and_zsh(sh, tmp_path):
    home = tmp_path / "envs"
    sh.ok("mkvirtualenv --without-pip 'act ive'")
    r = sh.run("mvvirtualenv 'act ive' other")
    assert r.status == 1 and len(r.stderr.splitlines()) == 1 and "active" in r.stderr, r
    assert sh.var("VIRTUAL_ENV") == str(home / "act ive") and not (home / "other").exists()
    sh.ok("deactivate")
    sh.ok("mvvirtualenv 'act ive' other")
    assert sh.ok("lsvirtualenv -b").lines == ["other"]
    sh.ok("workon other")
    assert sh.var("VIRTUAL_ENV") == str(home / "other")
    r = sh.run("mvvirtualenv --help")
    assert r.status == 0 and r.stdout.startswith("usage: mvvirtualenv ")


def test_bash_tab_completes_only_the_first_argument(user, tmp_path):
    require_shell("bash")
    home = tmp_path / "envs"
    for name in ("my env", "mine", "other"):
        (home / name).mkdir()
        (home / name / "pyvenv.cfg").write_text("home = /usr/bin\n")
    shell = Shell("bash", user, cwd=tmp_path)
    try:
        shell.ok(f'eval "$({q(str(ENVWRAP))} init bash)"')
        r = shell.ok("complete -p mvvirtualenv; COMP_WORDS=(mvvirtualenv m); COMP_CWORD=1; "
                     "__envwrap_complete; printf '[%s]\\n' \"${COMPREPLY[@]}\"")
        assert sorted(r.lines[1:]) == ["[mine]", "[my\\ env]"]
        r = shell.ok("COMP_WORDS=(mvvirtualenv mine m); COMP_CWORD=2; COMPREPLY=(x); "
                     "__envwrap_complete; echo \"${#COMPREPLY[@]}\"")
        assert r.lines == ["0"]
    finally:
        shell.close()


@pytest.mark.parametrize("kind,compinit", [("bash", ""), ("zsh", "before"), ("zsh", "after")])
def test_tab_then_rename_in_a_real_terminal(kind, compinit, user, tmp_path):
    from conftest import _interactive

    require_shell(kind)
    home = tmp_path / "envs"
    backend(user, "new", "--without-pip", "dollar $HOME `x`", check=True)
    child = _interactive(kind, user, ENVWRAP, tmp_path, compinit)
    try:
        child.send("mvvirtualenv do\t")
        child.send(" renamed\r")
        child.expect("PROMPT> ")
        child.sendline("echo status-$?")
        child.expect("status-0")
    finally:
        child.sendline("exit")
        child.close(force=True)
    assert sorted(p.name for p in home.iterdir() if not p.name.startswith(".")) == ["renamed"]


def test_fish_refuses_the_active_env_and_completes(fish, user, tmp_path):
    env = user
    home = tmp_path / "envs"
    for name in ("my env", "mine"):
        backend(env, "new", "--without-pip", name, check=True)
    r = fish.run(r"""
out first (complete -C 'mvvirtualenv m')
out second (complete -C 'mvvirtualenv mine m')
workon mine
mvvirtualenv mine 'it'\''s new'
out refused $status $VIRTUAL_ENV
deactivate
mvvirtualenv mine 'it'\''s new'
out renamed $status
workon 'it'\''s new'
out active $VIRTUAL_ENV
""")
    assert sorted(r["first"]) == ["mine", "my env"], r
    assert r["second"] == [], r
    assert r["refused"] == ["1", str(home / "mine")]
    assert r["renamed"] == ["0"]
    assert r["active"] == [str(home / "it's new")]
    assert len([line for line in r.stderr.splitlines() if "is active" in line]) == 1, r.stderr


def test_powershell_defines_and_completes_mvvirtualenv():
    text = Path(shells.get("powershell").hook_file()).read_text(encoding="utf-8")
    assert "function global:mvvirtualenv {" in text
    start = text.index("Register-ArgumentCompleter -ParameterName EnvName")
    assert "'mvvirtualenv'" in text[start:text.index("-ScriptBlock", start)]
