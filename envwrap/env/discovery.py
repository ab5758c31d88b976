"""Which environment a directory names, as ``workon .`` and auto-activation
read it (the shells' ``__envwrap_auto_find`` reads the same, in the same order).

From a directory upwards, the first directory that has any of these decides,
in this order:

1. ``.python-envs`` (PEP 832): its default, the last non-blank line, or a
   ``.venv`` directory beside it (the implicit last line). A default that is no
   environment is an error naming the file and the line; no other line is taken.
2. a ``.venv`` directory that is an environment (``pyvenv.cfg`` in it);
3. a ``.venv`` file: its first line, a path (absolute or relative, as uv and
   the earlier PEP 832 draft write it) or a bare name of an env in WORKON_HOME
   (virtualfish's form);
4. a ``.python-version`` whose first line is the name of an env in WORKON_HOME
   (pyenv-virtualenv's habit); a version such as ``3.12.1`` that names no env
   is ignored, as if the file were not there.
"""

from __future__ import annotations

import os

from envwrap.core import home
from envwrap.core.errors import UserError
from envwrap.env import pythonenvs

PYTHON_ENVS, VENV_DIR, VENV_FILE, PYTHON_VERSION = ".python-envs", ".venv directory", ".venv file", ".python-version"
_CAP = 64 * 1024


class Found:
    """What a directory's marker names. A plain class: a NamedTuple would import
    typing, about 20 ms on auto-activation's one backend call."""

    __slots__ = ("root", "env", "kind", "marker", "line")

    def __init__(self, root: str, env: str, kind: str, marker: str, line: int):
        self.root = root  # the directory holding the marker
        self.env = env  # the environment it names (absolute; may be no environment for a .venv file)
        self.kind = kind  # PYTHON_ENVS, VENV_DIR, VENV_FILE or PYTHON_VERSION
        self.marker = marker  # the file (or .venv directory) that named it
        self.line = line  # the line naming it (1-based; 0: a .venv directory)


def _first_line(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(_CAP)
    except OSError:
        return None
    return data.split(b"\n", 1)[0].decode("utf-8", "surrogateescape").strip() or None


def env_named(name: str) -> str | None:
    """WORKON_HOME/name when ``name`` is a plain env name and that is an env."""
    if not name or "/" in name or os.sep in name or name.startswith("."):
        return None
    try:
        path = os.path.join(home.workon_home(), name)
    except UserError:
        return None
    return path if pythonenvs.is_env(path) else None


def _venv_file(where: str) -> str | None:
    """The env a ``.venv`` file names: a path (absolute, or relative to
    ``where``), else a bare name in WORKON_HOME; None for a blank first line."""
    line = _first_line(os.path.join(where, ".venv"))
    if not line:
        return None
    if os.path.isabs(line) or "/" in line or os.sep in line or line in (".", ".."):
        return os.path.normpath(os.path.join(where, line))
    try:
        return os.path.join(home.workon_home(), line)
    except UserError:
        return None


def at(where) -> Found | None:
    """What ``where`` itself names, or None (then its parent is asked). Raises
    UserError for a ``.python-envs`` that cannot be used."""
    where = os.path.abspath(os.fspath(where))
    listed = pythonenvs.file_of(where)
    if os.path.lexists(listed):
        env, line = pythonenvs.default(where) or ("", 0)
        if line == 0:
            return Found(where, env, VENV_DIR, os.path.join(where, ".venv"), 0)
        return Found(where, env, PYTHON_ENVS, listed, line)
    venv = os.path.join(where, ".venv")
    if os.path.isdir(venv):
        if pythonenvs.is_env(venv):
            return Found(where, venv, VENV_DIR, venv, 0)
    elif os.path.isfile(venv):
        env = _venv_file(where)
        if env:
            return Found(where, env, VENV_FILE, venv, 1)
    version = os.path.join(where, ".python-version")
    if os.path.isfile(version):
        env = env_named(_first_line(version) or "")
        if env:
            return Found(where, env, PYTHON_VERSION, version, 1)
    return None


def find(start) -> Found | None:
    """The nearest directory at or above ``start`` that names an env."""
    here = os.path.abspath(os.fspath(start))
    while True:
        found = at(here)
        if found is not None:
            return found
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def files_naming(env, project) -> list[str]:
    """The files of ``project`` that name ``env`` (for show and lsvirtualenv -l)."""
    if project is None or not os.path.isdir(project):
        return []
    env = os.path.normpath(os.path.abspath(os.fspath(env)))
    shown = []
    if pythonenvs.names(project, env):
        shown.append(pythonenvs.file_of(project))
    if os.path.isfile(os.path.join(project, ".venv")) and _venv_file(os.path.abspath(project)) == env:
        shown.append(os.path.join(project, ".venv"))
    version = os.path.join(project, ".python-version")
    if os.path.isfile(version) and env_named(_first_line(version) or "") == env:
        shown.append(version)
    return shown
