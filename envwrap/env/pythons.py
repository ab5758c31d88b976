"""Finding installed interpreters by version (``-p 3.12``, ``envwrap pythons``).

Where they are looked for, in this order: ``pythonX.Y`` on PATH; pyenv's
installs (``$PYENV_ROOT/versions/*``, default ``~/.pyenv``); uv's managed
installs (``$UV_PYTHON_INSTALL_DIR``, default ``~/.local/share/uv/python``,
``%APPDATA%\\uv\\python`` on Windows); and on Windows the ``py`` launcher.
Directory names give the versions, so finding one starts no process (except
the launcher's ``py -0p``, and running what PATH gives to learn its version).
"""

from __future__ import annotations

import os

# re is imported where a function needs it: creating an env calls base_of and
# after_creation, which do not (see docs/performance.md).
VERSION = r"\d+(\.\d+){0,2}"


class Found:
    def __init__(self, version: str, path: str, source: str):
        self.version = version  # X.Y.Z (X.Y when only the name says it)
        self.path = path
        self.source = source  # PATH, pyenv, uv, py

    def key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.version.split("."))


def _pyenv_root() -> str:
    return os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")


def _uv_root() -> str:
    explicit = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if explicit:
        return explicit
    if os.name == "nt":
        return os.path.join(os.environ.get("APPDATA", os.path.expanduser("~")), "uv", "python")
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, "uv", "python")


def _interpreter_in(prefix: str, version: str) -> str | None:
    major, minor = version.split(".")[:2]
    if os.name == "nt":
        candidates = [os.path.join(prefix, "python.exe")]
    else:
        candidates = [os.path.join(prefix, "bin", f"python{major}.{minor}"),
                      os.path.join(prefix, "bin", f"python{major}")]
    return next((c for c in candidates if os.path.isfile(c) and os.access(c, os.X_OK)), None)


def pyenv() -> list[Found]:
    import re

    base = os.path.join(_pyenv_root(), "versions")
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    found = []
    for entry in entries:
        if not re.fullmatch(r"\d+\.\d+\.\d+", entry):  # CPython; not pypy-, miniconda-, or envs
            continue
        exe = _interpreter_in(os.path.join(base, entry), entry)
        if exe:
            found.append(Found(entry, exe, "pyenv"))
    return found


def uv() -> list[Found]:
    import re

    base = _uv_root()
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    found = []
    for entry in entries:
        match = re.fullmatch(r"cpython-(\d+\.\d+\.\d+)[-+].*", entry)
        if not match:
            continue
        exe = _interpreter_in(os.path.join(base, entry), match.group(1))
        if exe:
            found.append(Found(match.group(1), exe, "uv"))
    return found


def py_launcher() -> list[Found]:
    """The Windows launcher's list (``py -0p``: ``-V:3.12 *  C:\\...\\python.exe``)."""
    import re
    import shutil
    import subprocess

    if os.name != "nt":
        return []
    py = shutil.which("py")
    if py is None:
        return []
    try:
        proc = subprocess.run([py, "-0p"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in proc.stdout.splitlines():
        match = re.match(r"\s*-V?:?(\d+\.\d+)\S*\s+\*?\s*(.+\.exe)\s*$", line)
        if match:
            found.append(Found(match.group(1), match.group(2).strip(), "py"))
    return found


def _venv_cfg(exe: str) -> dict[str, str] | None:
    """The pyvenv.cfg of the environment ``exe`` is the interpreter of (one beside
    it or one level up, where Python itself looks), or None for a base interpreter."""
    from envwrap.core.layout import read_cfg

    here = os.path.dirname(exe)
    for cfg in (os.path.join(here, "pyvenv.cfg"), os.path.join(os.path.dirname(here), "pyvenv.cfg")):
        if os.path.isfile(cfg):
            try:
                return read_cfg(cfg)
            except (OSError, UnicodeError):
                return {}
    return None


def _runs(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def base_of(exe: str) -> str | None:
    """The interpreter ``exe`` stands on: ``exe`` itself, unless it is an
    environment's; then the interpreter in that environment's ``home`` (venv, uv
    and virtualenv all write it), followed through environments made from
    environments. A new environment made from an environment's interpreter would
    break when that environment goes. None when the base is gone. Reads files
    only: an interpreter older than 3.11 does not know its own base."""
    path = os.path.abspath(exe)
    for _ in range(16):
        cfg = _venv_cfg(path)
        if cfg is None:
            return path
        home = cfg.get("home")
        if not home:
            return None
        version = (cfg.get("version") or cfg.get("version_info") or "").split(".")
        names = [f"python{version[0]}.{version[1]}"] if len(version) >= 2 and os.name != "nt" else []
        names.append(os.path.basename(path))
        candidates = [os.path.join(home, n) for n in names]
        candidates += [cfg[k] for k in ("executable", "base-executable") if cfg.get(k)]
        found = next((c for c in candidates if _runs(c)), None)
        if found is None or os.path.abspath(found) == path:
            return None
        path = os.path.abspath(found)
    return None


def _shims_dir() -> str:
    return os.path.normpath(os.path.join(_pyenv_root(), "shims"))


_SHIM_TARGETS: dict[str, str | None] = {}


def _shim_target(shim: str) -> str | None:
    """The interpreter a pyenv shim runs now, or None when it runs none (the
    version it names is not the one pyenv has selected). Asked once per process."""
    if shim not in _SHIM_TARGETS:
        _SHIM_TARGETS[shim] = _ask_shim(shim)
    return _SHIM_TARGETS[shim]


def _ask_shim(shim: str) -> str | None:
    import subprocess

    try:
        proc = subprocess.run([shim, "-c", "import sys; print(sys.executable)"], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    exe = proc.stdout.strip()
    return exe if proc.returncode == 0 and os.path.isabs(exe) and _runs(exe) else None


def _which(name: str, shims: bool = False) -> str | None:
    """``name`` on PATH, as the base interpreter it stands on (an active
    environment's ``bin`` is first on PATH; its interpreters are never the
    answer, their base is). pyenv's shims are left out (pyenv's own installs are
    looked at directly), or with ``shims`` resolved to the interpreter they run,
    and passed over when they run none."""
    import shutil

    shim_dir = _shims_dir()
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        if not directory:
            continue
        exe = shutil.which(name, path=directory)
        if exe is None:
            continue
        if os.path.normpath(os.path.abspath(directory)) == shim_dir:
            exe = _shim_target(exe) if shims else None
            if exe is None:
                continue
        base = base_of(exe)
        if base is not None:
            return base
    return None


def on_path() -> list[Found]:
    found = []
    seen = set()
    for minor in range(6, 20):
        exe = _which(f"python3.{minor}")
        if exe and os.path.realpath(exe) not in seen:
            seen.add(os.path.realpath(exe))
            found.append(Found(f"3.{minor}", exe, "PATH"))
    return found


def everything(launcher: bool = True) -> list[Found]:
    """Every interpreter found, each once: one on PATH that is also pyenv's,
    uv's or the launcher's (an active env's, resolved to its base) is listed
    under that source, with its full version. Without ``launcher``, no
    ``py -0p``: no process at all."""
    installs = pyenv() + uv() + (py_launcher() if launcher else [])
    known = {os.path.realpath(f.path) for f in installs}
    return [f for f in on_path() if os.path.realpath(f.path) not in known] + installs


# What TAB offers after -p (mkvirtualenv, mktmpenv, mkproject): the versions last
# found, one a line, in WORKON_HOME/.envwrap/pythons; the shells read it with no
# process. `envwrap pythons` rewrites it, and so does every new environment made
# with -p (or while there is none yet): see after_creation. Only when it changes.
CACHE_NAME = "pythons"


def after_creation(searched: bool) -> None:
    """An environment was made (``searched``: with -p): bring the TAB cache up to
    date. Without -p, only when there is none (a stat, no search)."""
    from envwrap.core import home

    if not searched and os.path.exists(os.path.join(home.state_dir(home.workon_home()), CACHE_NAME)):
        return
    remember(everything(launcher=searched))


def tab_versions(found: list[Found]) -> list[str]:
    """The -p values of ``found``: each X.Y, and the X.Y.Z of an install (an
    X.Y.Z on PATH is not one -p finds there: only the name pythonX.Y is)."""
    versions = {".".join(f.version.split(".")[:2]) for f in found}
    versions |= {f.version for f in found if f.source != "PATH"}
    return sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def remember(found: list[Found]) -> None:
    from envwrap.core import home

    root = home.workon_home()
    if not os.path.isdir(root):
        return  # never creates WORKON_HOME
    path = os.path.join(home.state_dir(root), CACHE_NAME)
    text = "".join(v + "\n" for v in tab_versions(found))
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except (OSError, UnicodeError):
        pass
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:  # a cache: TAB offers less, nothing else changes
        try:
            os.unlink(tmp)
        except OSError:
            pass


def matches(found: Found, spec: str) -> bool:
    want = spec.split(".")
    return found.version.split(".")[:len(want)] == want


def find(spec: str) -> str | None:
    """The interpreter for version ``spec`` (X, X.Y or X.Y.Z): on PATH first,
    then the newest matching install of pyenv, uv, the py launcher."""
    parts = spec.split(".")
    if len(parts) <= 2:
        exe = _which(f"python{spec}")
        if exe:
            return exe
    for source in (pyenv, uv, py_launcher):
        hits = sorted((f for f in source() if matches(f, spec)), key=Found.key)
        if hits:
            return hits[-1].path
    return None


def lookup(spec: str) -> str | None:
    """The interpreter a ``-p`` name or version means: the one search of every
    verb (creation, repair, upgrade, import, the default from the config file).
    A version (``3.12``) is ``python3.12`` on PATH, else :func:`find`'s installs;
    a name (``python3``, ``pypy3``) is what PATH runs for it, pyenv's shims
    resolved, and ``pythonX.Y`` falls back to the version's installs. Always a
    base interpreter, never an environment's."""
    import re

    match = re.fullmatch(r"(python)?(\d+(?:\.\d+){0,2})", spec)
    if match is None:
        return _which(spec, shims=True)
    if match.group(1):
        exe = _which(spec, shims=True)
        if exe:
            return exe
    return find(match.group(2))


def _full_version(found: Found) -> str | None:
    """X.Y.Z of an interpreter found on PATH (its name says only X.Y), asked of it."""
    import re
    import subprocess

    try:
        proc = subprocess.run([found.path, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    version = proc.stdout.strip()
    return version if proc.returncode == 0 and re.fullmatch(VERSION, version) else None


def versions_line() -> str:
    """'3.8.18, 3.11.2, 3.11.7' : the versions found anywhere, as ``envwrap
    pythons`` lists them, for a message."""
    versions = set()
    for found in everything():
        versions.add(_full_version(found) or found.version if found.source == "PATH" else found.version)
    return ", ".join(sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))) or "none"
