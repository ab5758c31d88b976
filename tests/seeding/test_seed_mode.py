"""seed_mode auto|copy|zip (envwrap/seeding/modes.py): what one env does to its
pip -- edit it, chmod it, upgrade it, uninstall it -- leaves every other env,
the shared zip and envwrap's cache byte for byte the same, and working; as root
and as an unprivileged user (for whom the read-only bits of the shared zip
hold). ``auto``, the default, is run as a user gets it (no setting at all).
Offline: the seeded pip is the one beside envwrap (the test venv's), the newer
one a wheel rebuilt from it and relabelled one release up."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_seed import NEWER, build_wheel, numbers

from conftest import isolated_user, make_wheel
from conftest import snapshot as shared_snapshot

ENVWRAP = Path(sys.executable).parent / "envwrap"
MODES = ("auto", "copy", "zip")
NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3.11"  # one that an unprivileged user can run here


def envwrap(env, *args, **kw):
    return subprocess.run([str(ENVWRAP), *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, **kw)


def snapshot(root: Path) -> list[tuple]:
    """Every entry under root, modification times included."""
    return shared_snapshot(root, mtimes=True)


def pip_says(env_dir: Path, env: dict, **kw) -> tuple[str, str]:
    """(version, location) that the env's pip command reports."""
    out = subprocess.run([str(env_dir / "bin" / "pip"), "--version"], capture_output=True, text=True,
                         env=env, check=True, timeout=120, **kw).stdout
    return re.match(r"pip (\S+) from (.+) \(python", out).groups()


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    """A newer pip and a small package, in a directory anyone can read."""
    where = Path(tempfile.mkdtemp(prefix="envwrap-wheels-"))
    build_wheel(where, importlib.metadata.distribution("pip"), version=NEWER, code_too=True)
    make_wheel(where, "demo", "1.0")
    for path in [where, *where.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def scenario(base: Path, mode: str, python: str, wheels: Path, unprivileged: bool) -> None:
    """Three envs; everything bad that one can do to its pip done in env a."""
    user = isolated_user(base, base / "cache")
    user.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1")
    user.pop("PIP_CONSTRAINT", None)
    user.pop("PIP_EXTRA_INDEX_URL", None)
    if mode != "auto":  # auto: the default, no setting
        assert envwrap(user, "config", "seed_mode", mode).returncode == 0
    home = Path(user["WORKON_HOME"])
    for name in ("a", "b", "c"):
        r = envwrap(user, "new", "--creator", "venv", "-p", python, name)
        assert r.returncode == 0, r.stderr
    seeds = home / ".envwrap" / "seeds"
    zipped = mode != "copy"  # auto: this pip (beside envwrap, current) and Python 3.11 take the zip
    assert zipped == any(seeds.glob("*.zip")), list(seeds.glob("*"))
    kw = {}
    if unprivileged:
        for path in [base, *base.rglob("*")]:
            os.lchown(path, NOBODY, NOBODY)
        kw = {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        user["HOME"] = str(base / "home")
    cache = Path(user["ENVWRAP_CACHE_DIR"])
    before = {p: snapshot(p) for p in (home / "b", home / "c", seeds, cache)}
    a = home / "a"
    seeded, where = pip_says(a, user, **kw)
    assert numbers(seeded) < numbers(NEWER)
    listed = subprocess.run([str(a / "bin" / "pip"), "list"], env=user, capture_output=True, text=True,
                            timeout=120, **kw)
    # pip lists itself once, and says nothing else (no deprecation, no warning)
    assert re.findall(r"(?m)^pip ", listed.stdout) == ["pip "] and listed.stderr == "", listed

    def in_a(*cmd, check=True):
        proc = subprocess.run([str(a / "bin" / "python"), *cmd], env=user, capture_output=True, text=True,
                              timeout=300, **kw)
        assert proc.returncode == 0 or not check, proc.stderr
        return proc

    # 1. edit pip in place, where the env's Python says pip lives
    edit = in_a("-c", "import pip; open(pip.__file__, 'a').write('# edited\\n')", check=False)
    if not zipped:
        assert edit.returncode == 0 and "# edited" in (Path(where) / "__init__.py").read_text()
    else:
        assert edit.returncode != 0  # inside a zip: no file to open
    if unprivileged and zipped:
        shared = next(seeds.glob("*.zip"))
        probe = subprocess.run([str(a / "bin" / "python"), "-c", "import sys; open(sys.argv[1], 'r+b')", str(shared)],
                               capture_output=True, text=True, **kw)
        assert probe.returncode != 0 and "PermissionError" in probe.stderr
    # 2. chmod the whole env, and back
    subprocess.run(["chmod", "-R", "go-rwx,u-w", str(a)], check=True, **kw)
    subprocess.run(["chmod", "-R", "u+w", str(a)], check=True, **kw)
    # 3. upgrade pip in it, offline
    in_a("-m", "pip", "install", "--upgrade", "pip")
    version, where = pip_says(a, user, **kw)
    assert version == NEWER and where.startswith(str(a) + os.sep)
    # 4. uninstall pip, twice: the upgraded one, then the seed's
    in_a("-m", "pip", "uninstall", "-y", "pip")
    in_a("-m", "pip", "uninstall", "-y", "pip", check=False)

    after = {p: snapshot(p) for p in before}
    for place in before:
        assert after[place] == before[place], f"{place} changed"
    for name in ("b", "c"):
        version, where = pip_says(home / name, user, **kw)
        assert version == seeded and zipped == where.startswith(str(seeds))
        proc = subprocess.run([str(home / name / "bin" / "python"), "-m", "pip", "install", "demo"], env=user,
                              capture_output=True, text=True, timeout=300, **kw)
        assert proc.returncode == 0, proc.stderr
        assert subprocess.run([str(home / name / "bin" / "python"), "-c", "import demo"], **kw).returncode == 0


@pytest.mark.parametrize("mode", MODES)
def test_what_one_env_does_to_its_pip_leaves_the_others_alone(tmp_path, wheels, mode):
    scenario(tmp_path, mode, os.path.realpath(sys._base_executable), wheels, unprivileged=False)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK),
                    reason="needs root (to become nobody) and a system Python nobody can run")
@pytest.mark.parametrize("mode", MODES)
def test_the_same_as_an_unprivileged_user(wheels, mode):
    base = Path(tempfile.mkdtemp(prefix="envwrap-seedmode-"))  # reachable by nobody
    base.chmod(0o755)
    try:
        scenario(base, mode, SYSTEM_PYTHON, wheels, unprivileged=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("mode", MODES)
def test_the_first_pip_call_writes_no_bytecode(user, mode):
    """The seed's bytecode is valid for the env's Python: nothing is compiled
    (or written at all) in the env by its first pip call."""
    user = dict(user, ENVWRAP_SEED_MODE=mode)
    user.pop("PYTHONDONTWRITEBYTECODE", None)
    assert envwrap(user, "new", "--creator", "venv", "e").returncode == 0
    env_dir = Path(user["WORKON_HOME"], "e")
    before = snapshot(env_dir)
    # whichever pip the session's seed cache holds (other tests may add a newer one)
    assert re.fullmatch(r"\d+(\.\d+)+", pip_says(env_dir, user)[0])
    subprocess.run([str(env_dir / "bin" / "pip"), "list"], env=user, capture_output=True, check=True)
    assert snapshot(env_dir) == before
    pycs = [e for e in before if e[0].endswith(".pyc")]
    assert (len(pycs) > 100) == (mode == "copy")
    first = subprocess.run([str(env_dir / "bin" / "pip"), "--version"], env=user, capture_output=True, text=True)
    assert first.stderr == ""


def test_config_takes_auto_copy_or_zip_only(user):
    r = envwrap(user, "config", "seed_mode", "hardlink")
    assert r.returncode == 2 and r.stderr.startswith("envwrap: ") and r.stderr.count("\n") == 1
    assert envwrap(user, "config", "seed_mode").stdout.strip() == "auto"
    assert envwrap(user, "config", "seed_mode", "zip").returncode == 0
    assert envwrap(user, "config", "seed_mode").stdout.strip() == "zip"
    bad = dict(user, ENVWRAP_SEED_MODE="nope")
    r = envwrap(bad, "new", "--creator", "venv", "x")
    assert r.returncode != 0 and r.stderr.startswith("envwrap: ") and "Traceback" not in r.stderr
    assert not Path(user["WORKON_HOME"], "x").exists()


@pytest.fixture
def zipped(user) -> dict:
    return dict(user, ENVWRAP_SEED_MODE="zip")


def the_zip(env: dict) -> Path:
    (found,) = Path(env["WORKON_HOME"], ".envwrap", "seeds").glob("*.zip")
    return found


def test_doctor_removes_only_zips_no_env_uses(zipped):
    assert envwrap(zipped, "new", "--creator", "venv", "keep").returncode == 0
    shared = the_zip(zipped)
    os.utime(shared, (1, 1))  # long unused
    assert "shared pip" not in envwrap(zipped, "doctor").stderr + envwrap(zipped, "doctor").stdout
    assert envwrap(zipped, "doctor", "--fix").returncode in (0, 1) and shared.is_file()
    assert envwrap(zipped, "rm", "keep").returncode == 0
    os.utime(shared, (1, 1))
    r = envwrap(zipped, "doctor")
    assert str(shared) in r.stdout + r.stderr and shared.is_file()
    envwrap(zipped, "doctor", "--fix")
    assert not shared.exists()


def test_a_zip_just_reused_is_kept_by_doctor(zipped):
    assert envwrap(zipped, "new", "--creator", "venv", "one").returncode == 0
    assert envwrap(zipped, "rm", "one").returncode == 0
    envwrap(zipped, "doctor", "--fix")  # reused (made) a moment ago: kept
    assert the_zip(zipped).is_file()


def test_copied_moved_and_exported_envs_keep_their_pip(zipped, tmp_path):
    assert envwrap(zipped, "new", "--creator", "venv", "src env").returncode == 0
    home = Path(zipped["WORKON_HOME"])
    seeded = pip_says(home / "src env", zipped)[0]
    assert envwrap(zipped, "cp", "src env", "copy").returncode == 0
    assert envwrap(zipped, "mv", "copy", "moved").returncode == 0
    assert pip_says(home / "moved", zipped)[0] == seeded
    r = envwrap(zipped, "export", "moved")
    assert r.returncode == 0 and re.search(r"(?m)^pip = true", r.stdout), r.stdout
    # copied into another WORKON_HOME: it gets the zip there, and needs nothing of the first home
    other = dict(zipped, WORKON_HOME=str(tmp_path / "other"))
    (tmp_path / "other").mkdir()
    assert envwrap(other, "cp", str(home / "src env"), "far").returncode == 0
    assert envwrap(zipped, "rm", "src env", "moved").returncode == 0
    shutil.rmtree(home / ".envwrap" / "seeds")
    version, where = pip_says(tmp_path / "other" / "far", other)
    assert version == seeded and where.startswith(str(tmp_path / "other" / ".envwrap" / "seeds"))


def test_the_default_takes_the_zip_and_a_moved_workon_home_keeps_pip(user, tmp_path):
    """seed_mode auto, for a current pip: the shared zip, named relative to the
    env's site-packages first, so that renaming the env or moving WORKON_HOME
    (envs and .envwrap together) keeps pip."""
    user = {k: v for k, v in user.items() if k != "ENVWRAP_SEED_MODE"}
    assert envwrap(user, "new", "--creator", "venv", "it's mine").returncode == 0
    home = Path(user["WORKON_HOME"])
    seeded, where = pip_says(home / "it's mine", user)
    assert where.startswith(str(home / ".envwrap" / "seeds") + os.sep)
    pth = next((home / "it's mine").glob("lib/*/site-packages/envwrap-pip.pth")).read_text().splitlines()
    assert pth[0].startswith("../") and pth[1] == os.path.dirname(where)
    moved = tmp_path / "moved home"
    os.rename(home, moved)
    proc = subprocess.run([str(moved / "it's mine" / "bin" / "python"), "-m", "pip", "--version"],
                          capture_output=True, text=True, env=user, timeout=120)
    assert proc.returncode == 0 and f"pip {seeded} from {moved / '.envwrap' / 'seeds'}" in proc.stdout, proc
