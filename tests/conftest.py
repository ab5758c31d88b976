"""Shared fixtures: an isolated user (HOME, XDG dirs, WORKON_HOME, PROJECT_HOME under
tmp_path), the envwrap command, a pip seed cache shared by the whole session, and
real shells driven over pipes (tests/realshell.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from realshell import ALL_SHELLS, Shell, requires

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tools/ (the shell generator, not in the wheel) imports from the repository root
    sys.path.append(str(ROOT))
ENVWRAP = Path(sys.executable).parent / "envwrap"
POSIX_SHELLS = ("bash", "zsh")

# shared by the test_safety_* modules (and any other): POSIX quoting, the
# interpreter envwrap's environments are based on, Linux-only checks
q = Shell.quote
BASE_PY = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
LINUX = sys.platform.startswith("linux")


# the one rule for a missing shell lives in realshell.py; the old name stays usable
require_shell = requires

# Names hostile to every shell: spaces, both quotes, $ and command substitution
# in each shell's syntax, backslashes, globs, braces, comment and statement
# separators, PowerShell's curly quotes, and non-ASCII. Tests that make or
# activate an env by name take them through the `hostile` fixture.
HOSTILE = [
    "with space",
    "it's \"quoted\" $HOME $(touch CANARY) `touch CANARY` \\back ünï;&",
    "back\\slash;&|*?[x]{a,b}~#!%",
    "'\";&&e-$ èрт🚒♞中片-j",
    "fish (touch CANARY) {a,b} ~ *?[x] \\' ; end",
    "typographic \u2018x\u2019 \u201ay\u201b \u201cz\u201d $(touch CANARY) @(1) ${HOME} %PATH%",
]


# the one name of that list for tests that need only one
HOSTILE_NAME = HOSTILE[1]


@pytest.fixture(params=HOSTILE)
def hostile(request) -> str:
    return request.param


def no_canary(tmp_path: Path) -> None:
    """No name was evaluated as code (every hostile name tries to touch CANARY)."""
    assert not list(tmp_path.rglob("CANARY")), "a name was evaluated as code"
    assert not (Path.cwd() / "CANARY").exists()


def require_module(module: str):
    """The module ``module``; skip when it is not installed (fail in CI, which
    installs the test extra)."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed, and CI must test it")
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def ps_parser():
    """The one tree-sitter PowerShell parser: pwsh cannot be installed here, so
    PowerShell code is parse-checked with it (test_powershell.parse)."""
    require_module("tree_sitter")
    tsp = require_module("tree_sitter_powershell")
    from tree_sitter import Language, Parser

    return Parser(Language(tsp.language()))


def real_user_dirs(environ=os.environ) -> list[Path]:
    """The real user's envwrap directories (config, data, cache) and
    ``~/.virtualenvs``, envwrap's default WORKON_HOME, plus whatever the
    environment the tests were started from names instead."""
    home = Path(environ.get("HOME") or os.path.expanduser("~"))
    dirs = [home / ".virtualenvs"]
    for variable, below_home in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                                 ("XDG_CACHE_HOME", ".cache")):
        dirs += [home / below_home / "envwrap", Path(environ.get(variable) or home / below_home) / "envwrap"]
    dirs += [Path(environ[v]) for v in ("ENVWRAP_CACHE_DIR", "WORKON_HOME") if environ.get(v)]
    return sorted(set(dirs))


def _state_of(dirs: list[Path]) -> dict:
    return {str(d): snapshot(d, mtimes=True) if d.exists() else None for d in dirs}


@pytest.fixture(scope="session", autouse=True)
def real_user_untouched():
    """Once for the whole run: no test creates or changes anything in the real
    user's envwrap directories or ~/.virtualenvs (every test must run as an
    isolated user)."""
    dirs = real_user_dirs()
    before = _state_of(dirs)
    yield
    after = _state_of(dirs)
    touched = {d: "created" if before[d] is None else "removed" if after[d] is None
               else changes(before[d], after[d])[:5]
               for d in before if before[d] != after[d]}
    assert not touched, f"tests touched the real user's directories: {touched}"


@pytest.fixture(scope="session")
def envwrap_exe() -> Path:
    if not ENVWRAP.exists():
        pytest.fail(f"{ENVWRAP} missing: run the tests with the python envwrap is installed in (make test)")
    return ENVWRAP


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory) -> Path:
    """One pip seed cache for the session, for every shell: ensurepip runs once,
    not per test."""
    return tmp_path_factory.mktemp("seed-cache")


def cli(env: dict, *args: str, check: bool = False, cwd: Path | None = None, exe: Path | str = ENVWRAP,
        **kw) -> subprocess.CompletedProcess:
    """The one CLI runner: the envwrap command run as a user would, under
    ``env``, stdin closed (unless ``input`` is given), output as UTF-8 text;
    with ``check``, a failure fails the test with envwrap's message."""
    if "input" not in kw:
        kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("timeout", 300)
    kw.setdefault("encoding", "utf-8")
    proc = subprocess.run([str(exe), *args], env=env, cwd=cwd, capture_output=True, **kw)
    if check:
        assert proc.returncode == 0, f"envwrap {' '.join(args)} failed: {proc.stderr}"
    return proc


def write_script(path: Path, text: str) -> Path:
    """An executable file (a hook, a stand-in command)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | 0o111)
    return path


def new_env(env: dict, name: str, *args: str) -> Path:
    """An environment made by the backend (no shell involved), without pip."""
    cli(env, "new", "--without-pip", *args, name, check=True)
    return Path(env["WORKON_HOME"]) / name


@pytest.fixture
def creator(request) -> str:
    """The user's creator: a test's parameter where the creator makes what is
    tested (``parametrize("creator", CREATORS, indirect=True)``: a creator
    changes speed, never behaviour), else $ENVWRAP_TEST_CREATOR, default venv."""
    return require_creator(getattr(request, "param", None) or os.environ.get("ENVWRAP_TEST_CREATOR", "venv"))


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


def isolated_user(tmp_path: Path, seed_cache: Path, creator: str = "venv") -> dict:
    """Environment variables of a fresh user whose HOME, XDG dirs, WORKON_HOME and
    PROJECT_HOME are under tmp_path, with envwrap's and virtualenvwrapper's
    variables, any active environment and fish's state scrubbed."""
    prefixes = ("ENVWRAP_", "VIRTUALENVWRAPPER_", "_OLD_VIRTUAL", "fish_", "__fish")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(prefixes)
           and k not in ("VIRTUAL_ENV", "VIRTUAL_ENV_PROMPT", "WORKON_HOME", "PROJECT_HOME", "CI_FISH",
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
        from envwrap.env.creators import uv_binary as _uv_binary

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


def write_wheel(wheel: Path, dist_info: str, files: dict[str, bytes], compression: int = 0) -> Path:
    """The one wheel writer: ``files`` (path in the wheel -> bytes) zipped into
    ``wheel`` with the RECORD of ``dist_info`` (each file's sha256 and size) added.
    ``compression``: a zipfile constant (0: stored)."""
    import base64
    import zipfile

    files = dict(files)
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w", compression) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return wheel


def make_wheel(directory: Path, name: str, version: str, console_script: bool = False) -> Path:
    """A minimal pure-Python wheel, built by hand (no network, no setuptools).
    With ``console_script``, its module's main() prints sys.prefix and the wheel
    installs it as the command NAME."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": b"import sys\n\ndef main():\n    print(sys.prefix)\n" if console_script else b"VALUE = 42\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: envwrap-tests\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    if console_script:
        files[f"{dist}/entry_points.txt"] = f"[console_scripts]\n{name} = {name}:main\n".encode()
    return write_wheel(directory / f"{name}-{version}-py3-none-any.whl", dist, files)


def console_wheel(directory: Path, name: str = "hello", version: str = "1.0") -> Path:
    """A pure-Python wheel with a console script NAME that prints sys.prefix."""
    return make_wheel(directory, name, version, console_script=True)


def offline(user: dict, wheels: Path) -> dict:
    """``user``'s environment with pip reading only the wheels in ``wheels``."""
    return dict(user, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1")


def pyenv_pythons() -> list[tuple[str, str]]:
    """(X.Y.Z, interpreter path) of pyenv's CPython 3.8+ installs."""
    if shutil.which("pyenv") is None:
        return []
    proc = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True)
    found = []
    for version in proc.stdout.split():
        parts = version.split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts) or (int(parts[0]), int(parts[1])) < (3, 8):
            continue
        prefix = subprocess.run(["pyenv", "prefix", version], capture_output=True, text=True).stdout.strip()
        exe = Path(prefix, "bin", f"python{parts[0]}.{parts[1]}")
        if exe.is_file():
            found.append((version, str(exe)))
    return found


def loaded_shell(kind: str, user: dict, tmp_path: Path, envwrap_exe: Path) -> Shell:
    """A persistent ``kind`` shell with envwrap loaded the documented way
    (`eval "$(envwrap init bash)"`, `envwrap init fish | source`, ...), which
    must print nothing."""
    requires(kind)
    shell = Shell(kind, user, cwd=tmp_path)
    out = shell.load(envwrap_exe)
    assert out.status == 0 and out.stdout == "" and out.stderr == "", out
    return shell


@pytest.fixture(params=POSIX_SHELLS)
def sh(request, user, tmp_path, envwrap_exe):
    """A persistent bash or zsh with envwrap loaded through `eval "$(envwrap init ...)"`."""
    with loaded_shell(request.param, user, tmp_path, envwrap_exe) as shell:
        yield shell


@pytest.fixture(params=ALL_SHELLS)
def shell(request, user, tmp_path, envwrap_exe):
    """A persistent bash, zsh, fish or pwsh with envwrap loaded (each skips when
    not installed, and fails in CI where it must be)."""
    with loaded_shell(request.param, user, tmp_path, envwrap_exe) as shell:
        yield shell


# ----------------------------------------------------------------- fish scripts (Shell mode="script")


@pytest.fixture
def fish(user, tmp_path, envwrap_exe) -> Shell:
    """Runs whole fish scripts with envwrap loaded, as ``user``, in tmp_path."""
    with Shell("fish", user, cwd=tmp_path, mode="script") as shell:
        yield shell


# ----------------------------------------------------------------- file-system and process checks


def modules_loaded(envwrap_exe, env: dict, *argv: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules ``envwrap ARGV`` imports beyond the interpreter's own start-up,
    run in envwrap's Python as the console script runs it; fails unless it exits 0."""
    code = ("import sys; before = set(sys.modules); "
            f"sys.argv = ['envwrap', *{list(argv)!r}]; "
            "from envwrap.cli import main; status = main(); sys.stdout.flush(); "
            "new = sorted(m for m in set(sys.modules) - before if not m.startswith('encodings.')); "
            "print('STATUS', status, 'NEW', ' '.join(new), file=sys.stderr)")
    python = Path(envwrap_exe).parent / "python"
    proc = subprocess.run([str(python), "-I", "-c", code], env=env, capture_output=True, text=True)
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("STATUS 0 NEW "), proc.stderr
    return set(line.split()[3:]), proc


def one_line(stderr: str) -> bool:
    """Exactly one line, envwrap's, and no traceback."""
    return stderr.startswith("envwrap: ") and stderr.count("\n") == 1 and stderr.endswith("\n") \
        and "Traceback" not in stderr


def snapshot(root: Path, mtimes: bool = False) -> list[tuple]:
    """Everything under root (hidden included): path, kind, mode, size (and the
    modification time, with ``mtimes``), content digest."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            st = os.lstat(path)
            if path.is_symlink():
                found.append((str(path), "link", os.readlink(path)))
            elif path.is_dir():
                found.append((str(path), "dir", st.st_mode))
            else:
                found.append((str(path), "file", st.st_mode, st.st_size, st.st_mtime_ns if mtimes else None,
                              hashlib.sha256(path.read_bytes()).hexdigest()))
    return sorted(found)


def changes(before: list[tuple], after: list[tuple]) -> list[tuple]:
    """What differs, apart from the (empty, never listed) lock files of names."""
    return sorted(e for e in set(before) ^ set(after) if "/.envwrap/locks/" not in e[0])


def stage_entries(workon_home: Path) -> list[str]:
    base = workon_home / ".envwrap"
    out = []
    for sub in ("staging", "trash"):
        try:
            out += [f"{sub}/{e}" for e in os.listdir(base / sub)]
        except FileNotFoundError:
            pass
    return out


def wait_until(condition, proc: subprocess.Popen, timeout: float = 60) -> bool:
    """Poll ``condition`` until true; False if ``proc`` ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.003)
    raise AssertionError("timed out")


def pip_child(pid: int) -> bool:
    """Whether a pip process runs as a child of ``pid`` (Linux /proc)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            if ppid != pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if b"pip" in fh.read():
                    return True
        except (OSError, ValueError, IndexError):
            continue
    return False


@pytest.fixture
def bash(user, tmp_path, envwrap_exe):
    """A persistent bash with envwrap loaded."""
    with loaded_shell("bash", user, tmp_path, envwrap_exe) as shell:
        yield shell


@pytest.fixture
def warm_seed(user, envwrap_exe, seed_cache, tmp_path):
    """The session's pip seed cache, filled: later creations only copy pip."""
    if not list(seed_cache.glob("seed/*/site")):
        env = dict(user, WORKON_HOME=str(tmp_path / "warm-up"))
        (tmp_path / "warm-up").mkdir()  # a WORKON_HOME the user sets must exist
        proc = cli(env, "new", "warm")
        assert proc.returncode == 0, proc.stderr
        shutil.rmtree(tmp_path / "warm-up")
    return seed_cache


# shared by the test files of several folders


def versions_world(user: dict, tmp_path: Path, *versions: str) -> dict:
    """A user whose only interpreters are pyenv installs of ``versions`` (the
    directory names say the versions; each holds a link to a real interpreter)."""
    import sys

    root = tmp_path / "fake pyenv"
    for version in versions:
        bindir = root / "versions" / version / "bin"
        bindir.mkdir(parents=True)
        (bindir / f"python{version.rsplit('.', 1)[0]}").symlink_to(os.path.realpath(sys.executable))
    empty = tmp_path / "empty bin"
    empty.mkdir(exist_ok=True)
    return dict(user, PYENV_ROOT=str(root), PATH=str(empty), UV_PYTHON_INSTALL_DIR=str(tmp_path / "no uv"))


def _interactive(kind: str, user: dict, envwrap_exe: Path, tmp_path: Path, compinit: str) -> pexpect.spawn:
    env = dict(user, PS1="PROMPT> ", PROMPT="PROMPT> ")
    if kind == "bash":
        child = Shell("bash", env, cwd=tmp_path, mode="pty", timeout=20, dimensions=(40, 400)).child
        child.sendline(f"PS1='PROMPT> '; bind 'set show-all-if-ambiguous on' 2>/dev/null; "
                       f"eval \"$({q(str(envwrap_exe))} init bash)\"")
    else:
        zdot = tmp_path / "zdot"
        zdot.mkdir(exist_ok=True)
        load = f'eval "$({q(str(envwrap_exe))} init zsh)"'
        init = "autoload -Uz compinit && compinit -u -D"
        body = {"before": f"{init}\n{load}\n", "after": f"{load}\n{init}\n", "none": f"{load}\n"}[compinit]
        (zdot / ".zshrc").write_text("PROMPT='PROMPT> '\nunsetopt BEEP\n" + body)
        env["ZDOTDIR"] = str(zdot)
        child = Shell("zsh", env, cwd=tmp_path, argv=["zsh", "-i"], mode="pty", timeout=20, dimensions=(40, 400)).child
    child.expect("PROMPT> ")
    return child
