"""Which pip a new environment gets, where it comes from, and `envwrap seed`.

No network: envwrap runs in the test suite's own environment, whose pip (the
pip installed beside envwrap) is what new envs get when nothing newer is found;
the newer pip these tests offer is a real wheel of that pip (rebuilt from its
installed files) relabelled one release up, the older one is the wheel bundled
with the Python the tests run on (what envwrap finds when it runs with no pip
beside it: :func:`without_own_pip`), and uv's cache is filled by the real uv
from a local directory.
"""

from __future__ import annotations

import ensurepip
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from envwrap.seeding import sources as seed

from conftest import cli, make_wheel, write_wheel

BUNDLED = ensurepip.version()  # the pip of the Python the tests (and envwrap) run on
INSTALLED = importlib.metadata.version("pip")  # the test venv's pip, newer (make upgrades it)
NEWER = INSTALLED + ".1"  # the newer_pip fixture: the same code, relabelled
REPO = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def numbers(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def run(envwrap_exe, env, *args, **kw):
    return cli(env, *args, exe=envwrap_exe, **kw)


def without_own_pip(env, *args, **kw):
    """envwrap run as if installed with no pip beside it: its Python without
    site-packages (-S), envwrap from the source tree."""
    base = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    return subprocess.run([base, "-S", "-m", "envwrap", *args], env=dict(env, PYTHONPATH=str(REPO)),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300, **kw)


def pip_version(env_dir: Path) -> str:
    """What the environment's own pip command says it is, and that it lives
    there or in its home's shared zips (seed_mode auto and zip)."""
    out = subprocess.run([str(env_dir / "bin" / "pip"), "--version"], capture_output=True, text=True,
                         env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"), check=True).stdout
    version, where = re.match(r"pip (\S+) from (\S+)", out).groups()
    seeds = env_dir.parent / ".envwrap" / "seeds"
    assert where.startswith((str(env_dir) + os.sep, str(seeds) + os.sep)), out
    return version


def build_wheel(dest: Path, dist: importlib.metadata.Distribution, version: str | None = None,
                requires_python: str | None = None, code_too: bool = False) -> Path:
    """A wheel of an installed distribution, from the files its RECORD lists
    (bytecode and the installer's own files left out). ``version`` and
    ``requires_python`` relabel it, to make a wheel that claims to be another pip;
    ``code_too``: its ``pip/__init__.py`` says that version too (a real newer pip)."""
    real = dist.version
    version = version or real
    site = Path(dist.locate_file(""))
    old_info, new_info = f"pip-{real}.dist-info", f"pip-{version}.dist-info"
    files: dict[str, bytes] = {}
    for f in dist.files:
        name = str(f).replace(os.sep, "/")
        if name.startswith("..") or "__pycache__" in name or name.endswith(".pyc"):
            continue
        if name.startswith(old_info + "/") and name.split("/")[-1] in ("RECORD", "INSTALLER", "REQUESTED",
                                                                      "direct_url.json"):
            continue
        data = (site / f).read_bytes()
        if name == f"{old_info}/METADATA" and (version != real or requires_python):
            text = data.decode()
            text = re.sub(r"(?m)^Version: .*$", f"Version: {version}", text, count=1)
            if requires_python:
                text = re.sub(r"(?m)^Requires-Python: .*$", f"Requires-Python: {requires_python}", text, count=1)
            data = text.encode()
        if name == "pip/__init__.py" and code_too:
            data = re.sub(rb"__version__ = .*", f'__version__ = "{version}"'.encode(), data, count=1)
        files[name.replace(old_info + "/", new_info + "/", 1)] = data
    return write_wheel(dest / f"pip-{version}-py3-none-any.whl", new_info, files, zipfile.ZIP_DEFLATED)


@pytest.fixture(scope="session")
def newer_pip(tmp_path_factory) -> Path:
    """A real wheel of a pip newer than the one installed beside envwrap."""
    return build_wheel(tmp_path_factory.mktemp("newer-pip"), importlib.metadata.distribution("pip"),
                       version=NEWER, code_too=True)


@pytest.fixture
def fresh(user, tmp_path) -> dict:
    """A user with an empty envwrap cache (so the seed is prepared anew) and no
    uv or pip cache of the machine's."""
    env = dict(user, ENVWRAP_CACHE_DIR=str(tmp_path / "envwrap-cache"))
    for var in ("UV_CACHE_DIR", "PIP_CACHE_DIR", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        env.pop(var, None)
    return env


PREPARING = "envwrap: prepar"  # "preparing pip" (ensurepip, slow) or "prepared pip"


def test_first_environment_says_it_prepares_pip_and_the_second_does_not(envwrap_exe, fresh):
    first = run(envwrap_exe, fresh, "new", "first")
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(PREPARING) == 1, first.stderr
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]}" in first.stderr
    second = run(envwrap_exe, fresh, "new", "second")
    assert second.returncode == 0, second.stderr
    assert PREPARING not in second.stderr, second.stderr
    assert "the pip installed beside envwrap" in first.stderr
    home = Path(fresh["WORKON_HOME"])
    # nothing newer on this machine: the pip installed beside envwrap
    assert pip_version(home / "first") == pip_version(home / "second") == INSTALLED


def test_with_no_pip_beside_envwrap_the_bundled_one_is_seeded(fresh):
    first = without_own_pip(fresh, "new", "--creator", "venv", "first")
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(PREPARING) == 1 and "bundled" in first.stderr, first.stderr
    assert pip_version(Path(fresh["WORKON_HOME"]) / "first") == BUNDLED


def test_no_wheel_found_falls_back_to_ensurepip_and_says_so(envwrap_exe, fresh, tmp_path):
    # an interpreter reached through a link in a directory of its own: nothing
    # beside it says where its bundled wheel is, so ensurepip must make the seed
    alone = tmp_path / "alone" / "bin"
    alone.mkdir(parents=True)
    base = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    (alone / "python3").symlink_to(base)
    proc = without_own_pip(fresh, "new", "--creator", "venv", "-p", str(alone / "python3"), "e")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(PREPARING) == 1 and "ensurepip" in proc.stderr, proc.stderr
    assert pip_version(Path(fresh["WORKON_HOME"]) / "e") == BUNDLED
    again = without_own_pip(fresh, "new", "--creator", "venv", "-p", str(alone / "python3"), "f")
    assert again.returncode == 0 and PREPARING not in again.stderr, again.stderr


def test_newest_pip_in_envwraps_wheel_dir_is_chosen(envwrap_exe, fresh, newer_pip):
    wheels = Path(fresh["ENVWRAP_CACHE_DIR"]) / "wheels"
    wheels.mkdir(parents=True)
    shutil.copy(newer_pip, wheels)
    fresh = dict(fresh, ENVWRAP_SEED_MODE="copy")  # pip's own files in the env, to uninstall
    proc = run(envwrap_exe, fresh, "new", "e")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(PREPARING) == 1 and NEWER in proc.stderr
    env_dir = Path(fresh["WORKON_HOME"]) / "e"
    assert pip_version(env_dir) == NEWER
    # a real install: pip works offline in it, and uninstalls itself with its launchers
    pkg = make_wheel(Path(fresh["HOME"]), "seedprobe", "1.0")
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", "--no-index", str(pkg)], check=True,
                   env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    assert subprocess.run([str(env_dir / "bin" / "python"), "-c", "import seedprobe"]).returncode == 0
    subprocess.run([str(env_dir / "bin" / "pip"), "uninstall", "-y", "-q", "pip"], check=True)
    assert not list(env_dir.glob("bin/pip*")) and not list(env_dir.glob("lib/*/site-packages/pip"))
    # the wheel may go away: the prepared seed stays, and is not prepared again
    (wheels / newer_pip.name).unlink()
    again = run(envwrap_exe, fresh, "new", "again")
    assert again.returncode == 0 and PREPARING not in again.stderr
    assert pip_version(Path(fresh["WORKON_HOME"]) / "again") == NEWER


def test_pip_in_uvs_cache_is_chosen(envwrap_exe, fresh, newer_pip, tmp_path):
    if not UV.exists():
        pytest.skip("uv is not installed in the test environment")
    links = tmp_path / "links"
    links.mkdir()
    shutil.copy(newer_pip, links)
    scratch = tmp_path / "scratch"
    subprocess.run([str(UV), "venv", "-q", "--no-project", "--python", sys.executable, str(scratch)],
                   env=fresh, check=True)
    # the real uv fills its cache (where it looks by default: XDG_CACHE_HOME/uv)
    subprocess.run([str(UV), "pip", "install", "-q", "--offline", "--no-index", "--find-links", str(links),
                    "--python", str(scratch / "bin" / "python"), "pip"], env=fresh, check=True)
    assert list(Path(fresh["XDG_CACHE_HOME"], "uv").glob("wheels-v*/*/*/pip/*")) or \
        list(Path(fresh["XDG_CACHE_HOME"], "uv").glob("wheels-v*/*/pip/*"))
    proc = run(envwrap_exe, fresh, "new", "e")
    assert proc.returncode == 0, proc.stderr
    assert "uv's cache" in proc.stderr
    assert pip_version(Path(fresh["WORKON_HOME"]) / "e") == NEWER


def test_a_pip_that_does_not_support_the_python_is_skipped(envwrap_exe, fresh, newer_pip, tmp_path):
    wheels = Path(fresh["ENVWRAP_CACHE_DIR"]) / "wheels"
    wheels.mkdir(parents=True)
    shutil.copy(newer_pip, wheels)
    # the highest version, but it wants a Python that does not exist
    build_wheel(wheels, importlib.metadata.distribution("pip"), version="999.0", requires_python=">=99")
    proc = run(envwrap_exe, fresh, "new", "e")
    assert proc.returncode == 0, proc.stderr
    assert "999" not in proc.stderr
    assert pip_version(Path(fresh["WORKON_HOME"]) / "e") == NEWER


def test_a_mislabelled_wheel_is_refused_in_one_line_and_the_next_best_used(envwrap_exe, fresh):
    wheels = Path(fresh["ENVWRAP_CACHE_DIR"]) / "wheels"
    # claims to be pip 998.0 (name and metadata) but holds another pip's code
    build_wheel(wheels, importlib.metadata.distribution("pip"), version="998.0")
    (wheels / "pip-997.0-py3-none-any.whl").write_bytes(b"not a zip file")
    proc = run(envwrap_exe, fresh, "new", "e")
    assert proc.returncode == 0, proc.stderr
    refused = [line for line in proc.stderr.splitlines() if "998.0" in line]
    assert len(refused) == 1 and refused[0].startswith("envwrap: not using pip 998.0"), proc.stderr
    assert "Traceback" not in proc.stderr and "997" not in proc.stderr
    assert pip_version(Path(fresh["WORKON_HOME"]) / "e") == INSTALLED  # the next best: beside envwrap
    assert not (Path(fresh["ENVWRAP_CACHE_DIR"]) / "seed" / "v2-pip-998.0").exists()


def test_envwrap_seed_shows_the_pip_and_where_it_comes_from(envwrap_exe, fresh, newer_pip):
    proc = run(envwrap_exe, fresh, "seed")
    assert proc.returncode == 0, proc.stderr
    mine = f"Python {'.'.join(map(str, sys.version_info[:3]))}"
    line = next(line for line in proc.stdout.splitlines() if line.startswith(mine))
    assert f"pip {INSTALLED}" in line and "beside envwrap" in line and "[the default]" in line
    wheels = Path(fresh["ENVWRAP_CACHE_DIR"]) / "wheels"
    wheels.mkdir(parents=True)
    shutil.copy(newer_pip, wheels)
    line = next(line for line in run(envwrap_exe, fresh, "seed").stdout.splitlines() if line.startswith(mine))
    assert f"pip {NEWER}" in line and str(wheels / newer_pip.name) in line
    assert run(envwrap_exe, fresh, "new", "--without-pip", "x").returncode == 0  # seeds only on demand
    assert run(envwrap_exe, fresh, "new", "y").returncode == 0
    line = next(line for line in run(envwrap_exe, fresh, "seed").stdout.splitlines() if line.startswith(mine))
    assert f"pip {NEWER}" in line and "envwrap's cache" in line


def test_seed_update_downloads_with_the_users_pip_settings(envwrap_exe, fresh, newer_pip, tmp_path):
    # a local "index" (pip's find-links), so the download path runs without a network
    links = tmp_path / "links"
    links.mkdir()
    shutil.copy(newer_pip, links)
    env = dict(fresh, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(links))
    proc = run(envwrap_exe, env, "seed", "--update")
    assert proc.returncode == 0, proc.stderr
    saved = Path(fresh["ENVWRAP_CACHE_DIR"]) / "wheels" / newer_pip.name
    assert saved.is_file()
    assert f"pip {NEWER}" in proc.stdout
    assert run(envwrap_exe, fresh, "new", "e").returncode == 0
    assert pip_version(Path(fresh["WORKON_HOME"]) / "e") == NEWER
    # nothing to download from: one line, a failure status, the seed unchanged
    (links / newer_pip.name).unlink()
    saved.unlink()
    proc = run(envwrap_exe, env, "seed", "--update")
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("envwrap: cannot download pip")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr
    assert f"pip {NEWER}" in proc.stdout


@pytest.mark.parametrize("spec, version, expected", [
    (None, "3.8.18", True),
    (">=3.9", "3.8.18", False),
    (">=3.9", "3.9.0", True),
    (">=3.7", "3.13.1", True),
    (">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*", "3.4.10", False),
    (">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*", "3.6.15", True),
    (">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*", "2.7.18", True),
    ("~=3.8", "3.12.0", True),
    ("~=3.8", "4.0", False),
    ("<3.12", "3.12.0", False),
    (">=3.9", "3.9", True),  # only X.Y known: the first release of it
    ("something odd", "3.12.0", False),
])
def test_requires_python(spec, version, expected):
    assert seed.python_admits(spec, version) is expected
