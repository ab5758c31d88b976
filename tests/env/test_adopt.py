"""`envwrap adopt`: environments made in each other tool's layout (under a
scratch HOME, with a console script installed from a wheel built here) are
found by `--scan` with sensible names, adopted so that their scripts, pip and
project work, refused in one line when they must be, and never half-adopted
when envwrap is killed (a same-file-system move, and a copy onto a tmpfs)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from envwrap.env import discovery

from conftest import BASE_PY, ENVWRAP, cli, make_wheel, no_canary, q, wait_until
from realshell import run_script

HELLO_WHEEL_NAME = "hello"


@pytest.fixture
def wheels(tmp_path) -> Path:
    out = tmp_path / "wheels"
    make_wheel(out, HELLO_WHEEL_NAME, "1.0", console_script=True)
    make_wheel(out, "other", "2.0")
    return out


@pytest.fixture
def tools(user, tmp_path) -> dict:
    """The user, with each tool's places under the scratch HOME."""
    home = Path(user["HOME"])
    env = dict(user, PYENV_ROOT=str(home / ".pyenv"))
    for key in ("SCUV_HOME", "POETRY_VIRTUALENVS_PATH", "POETRY_CACHE_DIR", "UV_PROJECT_ENVIRONMENT",
                "PIPENV_VENV_IN_PROJECT"):
        env.pop(key, None)
    return env


def make_env(path: Path, wheels: Path, pip: bool = False) -> Path:
    """A venv at ``path`` with the `hello` console script; pip in it only when
    asked (else installed from outside with this interpreter's pip --python)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([BASE_PY, "-m", "venv", *([] if pip else ["--without-pip"]), str(path)], check=True)
    installer = [str(path / "bin" / "python"), "-m", "pip"] if pip else \
        [sys.executable, "-m", "pip", "--python", str(path / "bin" / "python")]
    subprocess.run([*installer, "install", "-q", "--no-index", "--find-links", str(wheels), HELLO_WHEEL_NAME],
                   check=True, capture_output=True, env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    return path


def hello(env: Path) -> str:
    proc = subprocess.run([str(env / "bin" / "hello")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def whole(env: Path) -> bool:
    """The env at ``env`` runs its console script there, and activate names it."""
    if not (env / "pyvenv.cfg").is_file():
        return False
    proc = subprocess.run([str(env / "bin" / "hello")], capture_output=True, text=True)
    if proc.returncode != 0 or proc.stdout.strip() != str(env):
        return False
    out = run_script("bash", {"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8"},
                     f'. {q(str(env / "bin" / "activate"))} && printf "%s" "$VIRTUAL_ENV"')
    return out.stdout == str(env)


def poetry_name(name: str, project: Path, version: str = "3.11") -> str:
    from envwrap.env.scan import poetry_hash

    return f"{name}-{poetry_hash(str(project))}-py{version}"


def layouts(tools: dict, tmp_path: Path, wheels: Path) -> dict:
    """One env in each tool's place; returns tool -> (path, expected name, project)."""
    home = Path(tools["HOME"])
    projects = tmp_path / "work"
    pipenv_project = projects / "pipenv proj"
    poetry_project = projects / "poetry-proj"
    local = projects / "local app"
    for p in (pipenv_project, poetry_project, local):
        p.mkdir(parents=True)
    (poetry_project / "pyproject.toml").write_text("[tool.poetry]\nname = 'poetry-proj'\n")
    versions = home / ".pyenv" / "versions"
    pyenv_env = make_env(versions / "3.11.7" / "envs" / "tool env", wheels)
    (versions / "tool env").symlink_to(pyenv_env)
    pipenv_env = make_env(home / ".local/share/virtualenvs" / "pipenv_proj-Ab3_x-9Z", wheels)
    (pipenv_env / ".project").write_text(str(pipenv_project))
    poetry_env = make_env(home / ".cache/pypoetry/virtualenvs" / poetry_name("poetry-proj", poetry_project),
                          wheels)
    scuv_env = make_env(home / ".scuv/virtualenvs" / "data-sci", wheels)
    local_env = make_env(local / ".venv", wheels)
    return {
        "pyenv-virtualenv": (pyenv_env, "tool env", None),
        "pipenv": (pipenv_env, "pipenv_proj", str(pipenv_project)),
        "poetry": (poetry_env, "poetry-proj", str(poetry_project)),
        "scuv": (scuv_env, "data-sci", None),
        "project": (local_env, "local app", str(local)),
    }


def test_scan_finds_each_tool_with_names(tools, tmp_path, wheels):
    found = layouts(tools, tmp_path, wheels)
    versions = Path(tools["PYENV_ROOT"]) / "versions"
    (versions / "3.12.1" / "bin").mkdir(parents=True)  # an interpreter install: no env
    (versions / "3.12.1" / "bin" / "python").write_text("")
    (versions / "miniconda3" / "conda-meta").mkdir(parents=True)  # conda itself: no env
    (versions / "miniconda3" / "envs" / "ml" / "conda-meta").mkdir(parents=True)  # a conda env
    deep = tmp_path / "work" / "a" / "b" / "c" / "d"
    subprocess.run([BASE_PY, "-m", "venv", "--without-pip", str(deep / ".venv")], check=True)
    uv_env = tmp_path / "uv-envs" / "svc"
    subprocess.run([BASE_PY, "-m", "venv", "--without-pip", str(uv_env)], check=True)
    r = cli(dict(tools, UV_PROJECT_ENVIRONMENT=str(uv_env)), "adopt", "--scan", "--json", cwd=tmp_path / "work")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["version"] == 2
    got = {(c["tool"], c["name"], c["project"], c["conda"]): c["path"] for c in data["candidates"]}
    want = {(tool, name, project, False): str(path) for tool, (path, name, project) in found.items()}
    want[("pyenv-virtualenv", "ml", None, True)] = str(versions / "miniconda3" / "envs" / "ml")
    want[("uv", "svc", None, False)] = str(uv_env)
    assert got == want  # nothing else: not the interpreters, not a .venv 5 levels down
    human = cli(tools, "adopt", "--scan", cwd=tmp_path / "work")
    assert human.returncode == 0 and len(human.stdout.splitlines()) == len(want) - 1


@pytest.mark.parametrize("tool", ["pyenv-virtualenv", "pipenv", "poetry", "scuv", "project"])
def test_adopt_moves_and_everything_works(tools, tmp_path, wheels, tool):
    src, name, project = layouts(tools, tmp_path, wheels)[tool]
    root = Path(tools["WORKON_HOME"])
    link = Path(tools["PYENV_ROOT"]) / "versions" / "tool env"
    given = link if tool == "pyenv-virtualenv" else src  # as pyenv users name it: its versions/NAME link
    r = cli(tools, "adopt", str(given), cwd=tmp_path / "work")
    assert r.returncode == 0, r.stderr
    final = root / name
    assert not src.is_dir() and whole(final) and hello(final) == str(final)
    assert not os.path.lexists(src)
    assert not [p for p in src.parent.iterdir() if ".envwrap-adopted-" in p.name]  # the hidden source is gone
    assert cli(tools, "ls").stdout.splitlines() == [name]
    show = json.loads(cli(tools, "show", name, "--json").stdout)["environment"]
    assert show["project"] == project
    assert show["adopted"]["from"] == str(src) and show["adopted"]["tool"] == tool
    long = cli(tools, "ls", "-l").stdout
    assert f"adopted: from {src} ({tool}) on " in long
    if tool == "pyenv-virtualenv":
        assert not os.path.lexists(link)  # its link went too
    if tool == "project":  # the project's .python-envs names the env's new place as its default
        assert (Path(project) / ".python-envs").read_text().splitlines()[-1] == str(final)
        assert discovery.find(project).env == str(final)  # what workon . and auto-activation read
    out = subprocess.run([str(final / "bin" / "python"), "-c", "import hello, sys; print(hello.__file__)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith(str(final) + "/")
    stale = subprocess.run(["grep", "-rlI", "--exclude=*.pyc", str(src) + "/", str(final)],
                           capture_output=True, text=True)
    assert stale.stdout == "", stale.stdout  # no text file names the old place


def test_hostile_name_and_dry_run_and_copy(tools, tmp_path, wheels, hostile):
    # (The source's own path stays tame: pip's script launchers break at some
    # of these names before envwrap is involved; envwrap's own do not.)
    src = make_env(tmp_path / "elsewhere" / "src env", wheels)
    root = Path(tools["WORKON_HOME"])
    r = cli(tools, "adopt", "--dry-run", str(src), hostile)
    assert r.returncode == 0 and r.stdout.startswith("would move (hard links") and r.stderr == "", r
    assert not os.path.lexists(root / hostile) and hello(src) == str(src)
    r = cli(tools, "adopt", "--copy", str(src), hostile + " copy")
    assert r.returncode == 0, r.stderr
    assert hello(src) == str(src) and whole(root / (hostile + " copy"))  # the source still works
    r = cli(tools, "adopt", str(src), hostile)
    assert r.returncode == 0, r.stderr
    assert not os.path.lexists(src) and whole(root / hostile)
    assert sorted(cli(tools, "ls").stdout.splitlines()) == sorted([hostile, hostile + " copy"])
    no_canary(tmp_path)


def test_pip_works_after_adoption(tools, tmp_path, wheels):
    src = make_env(tmp_path / "proj" / ".venv", wheels, pip=True)
    r = cli(tools, "adopt", str(src), "with pip")
    assert r.returncode == 0, r.stderr
    final = Path(tools["WORKON_HOME"]) / "with pip"
    pip = final / "bin" / "pip"
    quiet = dict(tools, PIP_DISABLE_PIP_VERSION_CHECK="1")
    version = subprocess.run([str(pip), "--version"], capture_output=True, text=True, env=quiet, check=True)
    assert str(final) in version.stdout
    subprocess.run([str(pip), "install", "-q", "--no-index", "--find-links", str(wheels), "other"],
                   check=True, env=quiet)
    listed = subprocess.run([str(pip), "list", "--format=json"], capture_output=True, text=True, env=quiet,
                            check=True)
    assert {"hello", "other"} <= {p["name"] for p in json.loads(listed.stdout)}
    subprocess.run([str(pip), "uninstall", "-y", "-q", "hello"], check=True, env=quiet)
    assert not (final / "bin" / "hello").exists()


def test_refusals_are_one_line_and_change_nothing(tools, tmp_path):
    root = Path(tools["WORKON_HOME"])
    cli(tools, "new", "--without-pip", "taken", check=True)
    venv = tmp_path / "some env"
    subprocess.run([BASE_PY, "-m", "venv", "--without-pip", str(venv)], check=True)
    plain = tmp_path / "plain dir"
    plain.mkdir()
    conda = tmp_path / "conda env"
    (conda / "conda-meta").mkdir(parents=True)
    cases = [
        ((str(venv), "taken"), tools, "already exists"),
        ((str(plain),), tools, "no pyvenv.cfg"),
        ((str(conda),), tools, "conda envs are not venvs"),
        ((str(root / "taken"),), tools, "already in WORKON_HOME"),
        ((str(venv),), dict(tools, VIRTUAL_ENV=str(venv)), "active"),
        ((str(venv), "bad/name"), tools, "cannot contain"),
        ((str(tmp_path / "missing"),), tools, "not a directory"),
        ((), tools, "--scan"),
    ]

    def snapshot():
        return sorted(str(p) for p in tmp_path.rglob("*") if ".envwrap" not in p.parts)

    before = snapshot()
    for args, env, words in cases:
        r = cli(env, "adopt", *args)
        assert r.returncode != 0 and r.stdout == "", (args, r)
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("envwrap: ") and words in r.stderr, \
            (args, r.stderr)
        assert snapshot() == before, args
    assert "conda export" in cli(tools, "adopt", str(conda)).stderr


# ----------------------------------------------------------------- kills

PAUSER = '''\
import os, sys, time
_STEP = os.environ.get("ADOPT_PAUSE_STEP")
_AT = int(os.environ.get("ADOPT_PAUSE_AT", "1"))
_seen = [0]


def _hook(event, args):
    if event == "envwrap.adopt" and args[0] == _STEP:
        _seen[0] += 1
        if _seen[0] == _AT:
            open(os.environ["ADOPT_PAUSE_MARKER"], "w").close()
            while True:  # paused until the test kills this process
                time.sleep(3600)


if _STEP:
    sys.addaudithook(_hook)
'''


def adopt_killed_at(env: dict, tmp_path: Path, step: str, at: int, *args: str) -> None:
    """Run `envwrap adopt ARGS`, paused by an audit hook (a sitecustomize on its
    PYTHONPATH) at the ``at``-th ``envwrap.adopt`` event named ``step``, which
    writes a marker; SIGKILL it once the marker is there."""
    hooks = tmp_path / "pause-hook"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(PAUSER)
    marker = tmp_path / f"paused-{step}-{at}"
    run_env = dict(env, PYTHONPATH=str(hooks), ADOPT_PAUSE_STEP=step, ADOPT_PAUSE_AT=str(at),
                   ADOPT_PAUSE_MARKER=str(marker))
    proc = subprocess.Popen([str(ENVWRAP), "adopt", *args], env=run_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_until(marker.exists, proc), f"envwrap adopt ended before step {step} #{at}"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _outcome(src: Path, final: Path) -> str:
    there = (src / "pyvenv.cfg").is_file(), (final / "pyvenv.cfg").is_file()
    assert there != (False, False), "after a kill neither env exists"
    for path, present in zip((src, final), there):
        if present:
            assert whole(path), path
    return {(True, False): "source", (False, True): "adopted", (True, True): "both"}[there]


def _clean(env: dict, root: Path, src: Path, outcome: str, by: str) -> None:
    """Finish what a kill left: the next ``adopt`` (here ``--scan``) does, or doctor."""
    if by == "scan":
        cli(env, "adopt", "--scan", check=True)
    elif outcome == "both":  # doctor names the source the adoption left, and --fix removes it
        said = cli(env, "doctor").stdout
        assert f"an interrupted adoption left its source: {src} " in said, said
    cli(env, "doctor", "--fix")
    for leftovers in ("staging", "trash", "adopting"):
        assert not list((root / ".envwrap" / leftovers).glob("*")), leftovers


def test_sigkill_during_a_move_leaves_source_or_adopted_whole(tools, tmp_path, wheels):
    root = Path(tools["WORKON_HOME"])
    src = make_env(tmp_path / "proj" / "my env", wheels)
    final = root / "adopted"
    outcomes = []
    for step, at in (("file", 5), ("staged", 1), ("published", 1), ("hidden", 1)):
        adopt_killed_at(tools, tmp_path, step, at, str(src), "adopted")
        outcome = _outcome(src, final)
        _clean(tools, root, src, outcome, by="doctor")
        after = _outcome(src, final)
        outcomes.append((step, outcome, after))
        if after == "adopted":  # start again from a source for the next kill
            cli(tools, "rm", "adopted", check=True)
            src = make_env(src, wheels)
    assert not [p for p in src.parent.iterdir() if ".envwrap-adopted-" in p.name]
    assert outcomes == [("file", "source", "source"), ("staged", "source", "source"),
                        ("published", "both", "adopted"), ("hidden", "adopted", "adopted")], outcomes


@pytest.fixture
def tmpfs(tmp_path):
    """A tmpfs mounted in tmp_path: another file system (root only; CI is root)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        if os.environ.get("CI"):
            pytest.fail("CI runs as root and must test adoption across file systems")
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_sigkill_during_a_cross_device_copy(tools, tmp_path, wheels, tmpfs):
    root = Path(tools["WORKON_HOME"])
    src = make_env(tmpfs / "far env", wheels)
    assert os.stat(src).st_dev != os.stat(root).st_dev
    r = cli(tools, "adopt", "--dry-run", str(src), "near")
    assert r.returncode == 0 and "another file system" in r.stdout, r
    final = root / "near"
    outcomes = []
    for step, at in (("file", 5), ("published", 1), ("hidden", 1)):
        adopt_killed_at(tools, tmp_path, step, at, str(src), "near")
        outcome = _outcome(src, final)
        _clean(tools, root, src, outcome, by="scan")
        outcomes.append((step, outcome, _outcome(src, final)))
        if (final / "pyvenv.cfg").exists():
            cli(tools, "rm", "near", check=True)
            src = make_env(src, wheels)
    assert outcomes == [("file", "source", "source"), ("published", "both", "adopted"),
                        ("hidden", "adopted", "adopted")], outcomes
    # A source that cannot be moved away (a read-only file system): refused, and --copy adopts it.
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        r = cli(tools, "adopt", str(src), "near")
        assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "--copy" in r.stderr, r
        assert not os.path.lexists(final) and whole(src)
        r = cli(tools, "adopt", "--copy", str(src), "near copy")
        assert r.returncode == 0 and whole(root / "near copy") and whole(src), r.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    r = cli(tools, "adopt", str(src), "near")
    assert r.returncode == 0, r.stderr
    assert whole(final) and not os.path.lexists(src) and list(tmpfs.iterdir()) == []
