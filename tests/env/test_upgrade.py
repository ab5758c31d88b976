"""`envwrap upgrade`: rebuild an env on another Python (pyenv's CPythons on
these machines), keeping its distributions, project, hooks and paths; built in
a stage and swapped only when complete."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest

from conftest import cli as backend
from conftest import console_wheel, offline, pyenv_pythons


def two_pythons() -> tuple[tuple[str, str], tuple[str, str]]:
    found = pyenv_pythons()
    minors = {}
    for version, exe in found:
        minors.setdefault(version.rsplit(".", 1)[0], (version, exe))
    if len(minors) < 2:
        pytest.skip(f"needs two Python minor versions from pyenv; found {sorted(minors) or 'none'}")
    keys = sorted(minors, key=lambda v: tuple(int(p) for p in v.split(".")))
    return minors[keys[-2]], minors[keys[-1]]


@pytest.fixture
def offline_user(user, tmp_path):
    wheels = tmp_path / "wheels"
    console_wheel(wheels, "hello", "1.0")
    return offline(user, wheels), wheels


def make_env(env: dict, tmp_path: Path, name: str, python: str) -> Path:
    project = Path(env["PROJECT_HOME"]) / "proj $x"
    project.mkdir(exist_ok=True)
    r = backend(env, "new", "--creator", "venv", "-p", python, "-a", str(project), "-i", "hello==1.0", name)
    assert r.returncode == 0, r
    path = Path(env["WORKON_HOME"]) / name
    extra = tmp_path / "extra dir"
    extra.mkdir(exist_ok=True)
    backend(dict(env, VIRTUAL_ENV=str(path)), "add-path", str(extra), check=True)
    (path / "bin" / "postactivate").write_text("echo kept\n")
    (path / ".envwrap-last-used").write_text("")
    os.utime(path / ".envwrap-last-used", (1_000_000, 1_000_000))
    return path


def version_of(env: Path) -> str:
    return subprocess.run([str(env / "bin" / "python"), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_upgrade_across_minor_versions_keeps_everything(offline_user, tmp_path):
    env, _ = offline_user
    (old_v, old_py), (new_v, new_py) = two_pythons()
    path = make_env(env, tmp_path, "up 'grade'", old_py)
    assert backend(env, "vars", path.name, "set", "DJANGO_SETTINGS_MODULE=site.settings", "X=$y `z`").returncode == 0
    before = tomllib.loads(backend(env, "export", path.name).stdout)
    assert before["python"] == old_v
    assert before["vars"] == {"DJANGO_SETTINGS_MODULE": "site.settings", "X": "$y `z`"}
    r = backend(env, "upgrade", "--dry-run", "-p", new_py, path.name)
    assert r.returncode == 0 and f"{old_v} -> {new_v}" in r.stdout and "hello==1.0" in r.stdout
    assert version_of(path) == old_v  # the dry run changed nothing
    r = backend(env, "upgrade", "-p", new_py, path.name)
    assert r.returncode == 0, r
    assert version_of(path) == new_v
    after = tomllib.loads(backend(env, "export", path.name).stdout)
    assert after.pop("python") == new_v and before.pop("python") == old_v
    assert after == before
    out = subprocess.run([str(path / "bin" / "hello")], capture_output=True, text=True)
    assert out.stdout.strip() == str(path)
    assert os.stat(path / ".envwrap-last-used").st_mtime == 1_000_000
    state = Path(env["WORKON_HOME"]) / ".envwrap"
    assert [p for sub in ("staging", "trash", "backup") for p in (state / sub).glob("*")] == []


def test_failed_upgrade_leaves_the_old_env_and_names_the_package(offline_user, tmp_path):
    env, wheels = offline_user
    (old_v, old_py), (new_v, new_py) = two_pythons()
    path = make_env(env, tmp_path, "keep", old_py)
    for wheel in wheels.iterdir():
        wheel.unlink()  # no source for hello==1.0 any more
    cfg = (path / "pyvenv.cfg").read_bytes()
    r = backend(env, "upgrade", "-p", new_py, "keep")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert "on hello==1.0" in last and "untouched" in last, r.stderr
    assert (path / "pyvenv.cfg").read_bytes() == cfg and version_of(path) == old_v
    assert subprocess.run([str(path / "bin" / "hello")], capture_output=True, text=True).stdout.strip() == str(path)
    assert [p for p in (Path(env["WORKON_HOME"]) / ".envwrap" / "staging").glob("*")] == []


def test_all_broken_rebuilds_an_env_whose_python_is_gone(offline_user, tmp_path):
    env, _ = offline_user
    (old_v, old_py), (new_v, new_py) = two_pythons()
    # A Python reached through a link that then disappears, as after an uninstall.
    gone = tmp_path / "gone-python"
    gone.mkdir()
    shutil.copytree(Path(old_py).parent.parent, gone / "py", symlinks=True)
    minor = old_v.rsplit(".", 1)[0]
    path = make_env(env, tmp_path, "broken one", str(gone / "py" / "bin" / f"python{minor}"))
    backend(env, "new", "--without-pip", "fine", check=True)
    shutil.rmtree(gone)
    assert "broken" in backend(env, "doctor").stdout + backend(env, "doctor").stderr
    r = backend(env, "upgrade", "--all-broken", "--dry-run", "-p", new_py)
    assert r.returncode == 0 and "broken one" in r.stdout and "fine" not in r.stdout and "hello==1.0" in r.stdout
    r = backend(env, "upgrade", "--all-broken", "-p", new_py)
    assert r.returncode == 0, r
    assert version_of(path) == new_v
    assert subprocess.run([str(path / "bin" / "hello")], capture_output=True, text=True).stdout.strip() == str(path)
    assert (path / ".project").is_file() and (path / "bin" / "postactivate").read_text() == "echo kept\n"


def test_sigkill_during_upgrade_leaves_an_env_that_runs(offline_user, tmp_path):
    env, _ = offline_user
    (old_v, old_py), (new_v, new_py) = two_pythons()
    path = make_env(env, tmp_path, "killed", old_py)
    home = Path(env["WORKON_HOME"])
    seen = set()
    for delay in (0.3, 0.8, 1.5, 2.5):
        proc = subprocess.Popen([str(Path(sys.executable).parent / "envwrap"), "upgrade", "-p", new_py, "killed"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        backend(env, "doctor", "--fix")  # puts back an env caught between its two renames
        seen.add(version_of(path))
        out = subprocess.run([str(path / "bin" / "hello")], capture_output=True, text=True)
        assert out.stdout.strip() == str(path), delay
    assert seen <= {old_v, new_v}
    assert not list((home / ".envwrap" / "staging").glob("*"))


def test_an_env_caught_between_the_two_renames_is_put_back(user):
    home = Path(user["WORKON_HOME"])
    backend(user, "new", "--without-pip", "caught", check=True)
    holder = home / ".envwrap" / "backup" / uuid.uuid4().hex[:16]
    holder.mkdir(parents=True)
    os.rename(home / "caught", holder / "caught")  # the state a kill between the renames leaves
    r = backend(user, "doctor")
    assert "interrupted" in r.stdout + r.stderr
    backend(user, "doctor", "--fix")
    assert (home / "caught" / "pyvenv.cfg").is_file() and not holder.exists()


def test_refusals(user):
    home = Path(user["WORKON_HOME"])
    backend(user, "new", "--without-pip", "act", check=True)
    for args in (["upgrade"], ["upgrade", "--all-broken", "act"], ["upgrade", "nope"],
                 ["upgrade", "-p", "/no/such/python", "act"]):
        r = backend(user, *args)
        assert r.returncode != 0 and r.stderr.startswith("envwrap: ") and len(r.stderr.splitlines()) == 1, (args, r)
    r = backend(dict(user, VIRTUAL_ENV=str(home / "act")), "upgrade", "act")
    assert r.returncode == 1 and "active" in r.stderr


# ----------------------------------------------------------------- -p VERSION


def fake_installs(user: dict, tmp_path: Path) -> tuple[dict, dict[str, str]]:
    """A pyenv root and a uv install dir that hold links to real interpreters
    (one minor version each), and a PATH with no Python on it."""
    found = {v.rsplit(".", 1)[0]: (v, exe) for v, exe in pyenv_pythons()}
    if len(found) < 2:
        pytest.skip(f"needs two Python minor versions from pyenv; found {sorted(found) or 'none'}")
    (a_v, a_exe), (b_v, b_exe) = [found[k] for k in sorted(found, key=lambda v: tuple(map(int, v.split("."))))[-2:]]
    pyenv_root = tmp_path / "fake pyenv"
    uv_root = tmp_path / "data" / "uv" / "python"
    for root, version, exe in ((pyenv_root / "versions" / a_v, a_v, a_exe),
                               (uv_root / f"cpython-{b_v}-linux-x86_64-gnu", b_v, b_exe)):
        (root / "bin").mkdir(parents=True)
        (root / "bin" / f"python{version.rsplit('.', 1)[0]}").symlink_to(exe)
    empty = tmp_path / "emptybin"
    empty.mkdir()
    env = dict(user, PYENV_ROOT=str(pyenv_root), XDG_DATA_HOME=str(tmp_path / "data"), PATH=str(empty))
    env.pop("UV_PYTHON_INSTALL_DIR", None)
    return env, {"pyenv": a_v, "uv": b_v}


def test_p_version_finds_pyenv_and_uv_installs(user, tmp_path):
    env, versions = fake_installs(user, tmp_path)
    home = Path(env["WORKON_HOME"])
    for source, version in versions.items():
        minor = version.rsplit(".", 1)[0]
        name = f"from {source}"
        r = backend(env, "new", "--without-pip", "-p", minor, name)
        assert r.returncode == 0, r
        assert version_of(home / name) == version
    listing = backend(env, "pythons")
    assert listing.returncode == 0
    rows = [line.split() for line in listing.stdout.splitlines()]
    assert [(r[0], r[1]) for r in rows] == sorted([(versions["pyenv"], "pyenv"), (versions["uv"], "uv")],
                                                  key=lambda r: tuple(map(int, r[0].split("."))))
    r = backend(env, "new", "--without-pip", "-p", "3.99", "none")
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    assert versions["pyenv"] in r.stderr and versions["uv"] in r.stderr and "3.99" in r.stderr
    assert not (home / "none").exists()


# ----------------------------------------------------------------- stable interpreter links


@pytest.mark.parametrize("creator", ["venv", "uv"])
def test_env_survives_a_patch_upgrade_behind_a_stable_link(creator, user, tmp_path):
    """Homebrew's layout: Cellar/<version>/ holds the install, opt/python links
    to it; an env made with -p through the link keeps working when the install
    moves to Cellar/<next version>/ and the link is repointed."""
    from conftest import require_creator

    require_creator(creator)
    found = pyenv_pythons()
    if not found:
        pytest.skip("needs a pyenv CPython install to copy")
    version, exe = found[-1]
    minor = version.rsplit(".", 1)[0]
    prefix = Path(exe).parent.parent
    cellar = tmp_path / "Cellar"
    # A trimmed copy: the interpreter, its standard library and ensurepip.
    shutil.copytree(prefix, cellar / version, symlinks=True,
                    ignore=lambda d, names: [n for n in names if n in ("test", "site-packages", "idlelib",
                                                                        "include", "share", "pkgconfig")])
    opt = tmp_path / "opt"
    opt.mkdir()
    (opt / "python").symlink_to(Path("..", "Cellar", version))
    stable = opt / "python" / "bin" / f"python{minor}"
    env = dict(user, ENVWRAP_CREATOR=creator)
    r = backend(env, "new", "-p", str(stable), "brew env")
    assert r.returncode == 0, r
    path = Path(env["WORKON_HOME"]) / "brew env"
    cfg = (path / "pyvenv.cfg").read_text()
    assert str(cellar) not in cfg and f"home = {stable.parent}" in cfg
    for link in (path / "bin").iterdir():
        if link.is_symlink():
            assert str(cellar) not in os.readlink(link), link
    # The patch upgrade: the install moves, the link follows it.
    moved = cellar / (version + "-next")
    os.rename(cellar / version, moved)
    (opt / "python").unlink()
    (opt / "python").symlink_to(Path("..", "Cellar", moved.name))
    out = subprocess.run([str(path / "bin" / "python"), "-c", "import sys; print(sys.base_prefix)"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == str(opt / "python"), out
    pip = subprocess.run([str(path / "bin" / "pip"), "--version"], capture_output=True, text=True)
    seeds = path.parent / ".envwrap" / "seeds"  # seed_mode auto: pip from the home's shared zip
    assert pip.returncode == 0 and (str(path) in pip.stdout or f" from {seeds}{os.sep}" in pip.stdout), pip
    doctor = backend(env, "doctor")
    assert "brew env" not in doctor.stdout + doctor.stderr, doctor
