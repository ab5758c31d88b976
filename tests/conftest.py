"""Shared fixtures: an isolated user (HOME, XDG dirs, WORKON_HOME, PROJECT_HOME under
tmp_path), the envwrap command, a pip seed cache shared by the whole session, and
real shells driven over pipes (tests/shells.py)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from shells import Shell

ROOT = Path(__file__).resolve().parent.parent
ENVWRAP = Path(sys.executable).parent / "envwrap"
POSIX_SHELLS = ("bash", "zsh")


def require_shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed, and CI must test it")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture(scope="session")
def envwrap_exe() -> Path:
    if not ENVWRAP.exists():
        pytest.fail(f"{ENVWRAP} missing: run the tests with the python envwrap is installed in (make test)")
    return ENVWRAP


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory) -> Path:
    """One pip seed cache for the session: ensurepip runs once, not per test."""
    return tmp_path_factory.mktemp("seed-cache")


@pytest.fixture
def creator() -> str:
    """The creator most tests use; test modules that must pass with every creator
    override this fixture with a parametrized one (see test_workflow_posix.py)."""
    return "venv"


# One failing call of every shell command, each answered by one line on stderr
# (no environment active, PROJECT_HOME set). Written so that bash, zsh, fish and
# PowerShell read them alike.
FAILING_COMMANDS = [
    "workon 'does not exist'",
    "mkvirtualenv -x",
    "mktmpenv -p /no/such/python",
    "cpvirtualenv 'does not exist'",
    "mkproject",
    "cdsitepackages",
    "cdproject",
    "rmvirtualenv 'does not exist'",
    "showvirtualenv 'does not exist'",
    "lssitepackages",
    "add2virtualenv somewhere",
    "toggleglobalsitepackages",
    "wipeenv",
    "setvirtualenvproject 'does not exist' somewhere",
    "mvvirtualenv 'does not exist' elsewhere",
    "envwrap no-such-verb",
    "lsvirtualenv --no-such-option",
    "cdvirtualenv",
    "allvirtualenv",
]


def isolated_user(tmp_path: Path, seed_cache: Path, creator: str = "venv", drop_prefixes=()) -> dict:
    """Environment variables of a fresh user whose HOME, XDG dirs, WORKON_HOME and
    PROJECT_HOME are under tmp_path, with envwrap's and virtualenvwrapper's
    variables and any active environment scrubbed."""
    prefixes = ("ENVWRAP_", "VIRTUALENVWRAPPER_", "_OLD_VIRTUAL", *drop_prefixes)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(prefixes)
           and k not in ("VIRTUAL_ENV", "VIRTUAL_ENV_PROMPT", "WORKON_HOME", "PROJECT_HOME",
                         "PYTHONPATH", "PYTHONHOME", "PS1", "PROMPT", "ZDOTDIR", "BASH_ENV", "ENV")}
    home = tmp_path / "home"
    for sub in ("", ".config", ".local/share", ".cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (tmp_path / "envs").mkdir(exist_ok=True)
    (tmp_path / "projects").mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        WORKON_HOME=str(tmp_path / "envs"),
        PROJECT_HOME=str(tmp_path / "projects"),
        ENVWRAP_CACHE_DIR=str(seed_cache),
        ENVWRAP_CREATOR=creator,
        LC_ALL="C.UTF-8",
        TERM="dumb",
    )
    if creator == "virtualenv":
        # the real virtualenv of the test extra, named the way virtualenvwrapper
        # users name their creator (whether or not its bin is on PATH)
        env.update(VIRTUALENVWRAPPER_VIRTUALENV=str(VIRTUALENV), VIRTUALENV_NO_PERIODIC_UPDATE="1")
    return env


VIRTUALENV = Path(sys.executable).parent / "virtualenv"
CREATORS = ("venv", "uv", "virtualenv")


def require_creator(name: str) -> str:
    """``name``, if that creator is installed; else skip (fail in CI)."""
    missing = None
    if name == "uv":
        from envwrap.creators import uv_binary as _uv_binary

        missing = _uv_binary() is None
    elif name == "virtualenv":
        missing = not VIRTUALENV.exists()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed, and CI must test it (pip install -e '.[test]')")
        pytest.skip(f"{name} is not installed")
    return name


@pytest.fixture
def user(tmp_path, seed_cache, creator) -> dict:
    """Environment variables of a fresh, isolated user."""
    return isolated_user(tmp_path, seed_cache, creator)


def make_wheel(directory: Path, name: str, version: str, console_script: bool = False) -> Path:
    """A minimal pure-Python wheel, built by hand (no network, no setuptools).
    With ``console_script``, its module's main() prints sys.prefix and the wheel
    installs it as the command NAME."""
    import base64
    import hashlib
    import zipfile

    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": b"import sys\n\ndef main():\n    print(sys.prefix)\n" if console_script else b"VALUE = 42\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: envwrap-tests\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    if console_script:
        files[f"{dist}/entry_points.txt"] = f"[console_scripts]\n{name} = {name}:main\n".encode()
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


@pytest.fixture(params=POSIX_SHELLS)
def sh(request, user, tmp_path, envwrap_exe):
    """A persistent bash or zsh with envwrap loaded through `eval "$(envwrap init ...)"`."""
    require_shell(request.param)
    shell = Shell(request.param, user, cwd=tmp_path)
    out = shell.run(f'eval "$({Shell.quote(str(envwrap_exe))} init {request.param})"')
    assert out.status == 0 and out.stdout == "" and out.stderr == "", out
    yield shell
    shell.close()
