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
import re
import sys

VERSION = re.compile(r"\d+(\.\d+){0,2}")


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


def _which(name: str) -> str | None:
    """``name`` on PATH, pyenv's shims left out: a shim runs only the versions
    pyenv has selected (pyenv's own installs are looked at directly)."""
    import shutil

    shims = os.path.join(_pyenv_root(), "shims")
    path = os.pathsep.join(d for d in os.environ.get("PATH", os.defpath).split(os.pathsep)
                           if d and os.path.normpath(d) != os.path.normpath(shims))
    return shutil.which(name, path=path)


def on_path() -> list[Found]:
    found = []
    seen = set()
    for minor in range(6, 20):
        exe = _which(f"python3.{minor}")
        if exe and os.path.realpath(exe) not in seen:
            seen.add(os.path.realpath(exe))
            found.append(Found(f"3.{minor}", os.path.abspath(exe), "PATH"))
    return found


def everything() -> list[Found]:
    return on_path() + pyenv() + uv() + py_launcher()


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
            return os.path.abspath(exe)
    for source in (pyenv, uv, py_launcher):
        hits = sorted((f for f in source() if matches(f, spec)), key=Found.key)
        if hits:
            return hits[-1].path
    return None


def versions_line() -> str:
    """'3.8.18, 3.11.7, 3.12' : the versions found anywhere, for a message."""
    versions = sorted({f.version for f in everything()}, key=lambda v: tuple(int(p) for p in v.split(".")))
    # An X.Y from a name on PATH is left out when an X.Y.Z says more.
    shown = [v for v in versions if v.count(".") == 2 or not any(o.startswith(v + ".") for o in versions)]
    return ", ".join(shown) or "none"


def run(args: list[str]) -> int:
    import subprocess

    from envwrap.argparsing import Parser

    parser = Parser(prog="envwrap pythons",
                    description="List the Python interpreters that -p VERSION can find: on PATH "
                                "(pythonX.Y), pyenv's, uv's, and the py launcher's on Windows.")
    parser.parse_args(args)
    for found in sorted(everything(), key=Found.key):
        version = found.version
        if found.source == "PATH":  # the name says X.Y; ask it for the rest
            try:
                proc = subprocess.run([found.path, "-c", "import platform; print(platform.python_version())"],
                                      capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
                version = proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else \
                    f"{version} (does not run)"
            except (OSError, subprocess.SubprocessError):
                version = f"{version} (does not run)"
        sys.stdout.write(f"{version:<12} {found.source:<5} {found.path}\n")
    return 0
