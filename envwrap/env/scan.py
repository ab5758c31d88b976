"""Finding the environments other tools made, for ``envwrap adopt --scan``.

Where each tool keeps its environments (checked against each tool's source):

- pyenv-virtualenv: ``$PYENV_ROOT/versions/X.Y.Z/envs/NAME`` (``PYENV_ROOT``,
  else ``~/.pyenv``), with a link ``versions/NAME`` to it; an older env can be a
  plain ``versions/NAME`` directory. Interpreter installs in ``versions/`` are
  not environments: only a directory with a ``pyvenv.cfg`` is one, or, under
  ``envs/``, a conda env (a ``conda-meta`` directory), which is listed so that
  adopting it can be refused with the way out.
- pipenv: ``$WORKON_HOME/NAME-HASH`` when WORKON_HOME is set, else
  ``~/.local/share/virtualenvs/NAME-HASH`` (HASH: 8 characters of URL-safe
  base64), with a ``.project`` file naming the project; with
  ``PIPENV_VENV_IN_PROJECT`` the project's ``.venv`` (found as a project .venv
  beside a ``Pipfile``).
- poetry: ``virtualenvs.path`` (``POETRY_VIRTUALENVS_PATH``, else the cache
  directory's ``virtualenvs``: ``POETRY_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/pypoetry``), envs named ``NAME-HASH-pyX.Y`` where HASH is 8
  characters of the URL-safe base64 of the SHA-256 of the project directory's
  real path. poetry records no project path in the env: the project is found
  when a directory looked at (the current one, its parents, and the ones the
  .venv search walks) that holds a ``pyproject.toml`` hashes to HASH.
- scuv: ``$SCUV_HOME/virtualenvs/NAME`` (``SCUV_HOME``, else ``~/.scuv``).
- uv: no central place for project envs; ``UV_PROJECT_ENVIRONMENT`` names one
  (relative paths from the current directory), listed when it is set.
- project ``.venv`` directories of the current directory and below, at most
  :data:`DEPTH` levels down (hidden directories and environments are not
  entered).

No process is started and nothing is changed; what cannot be read is skipped.
"""

from __future__ import annotations

import os
import re

from envwrap.core import names

DEPTH = 3
_SKIP_DIRS = frozenset(("node_modules", "__pycache__", "site-packages"))
_PIPENV_SUFFIX = re.compile(r"-[A-Za-z0-9_-]{8}$")
_POETRY_SUFFIX = re.compile(r"-([A-Za-z0-9_-]{8})-py\d+\.\d+$")


class Candidate:
    """One environment another tool made: where, which tool, the name envwrap
    suggests for it, the project it belongs to (None: none known), and whether
    it is a conda env (never adoptable)."""

    __slots__ = ("path", "tool", "name", "project", "conda", "link")

    def __init__(self, path: str, tool: str, name: str, project: str | None = None, conda: bool = False,
                 link: str | None = None):
        self.path = path
        self.tool = tool
        self.name = name
        self.project = project
        self.conda = conda
        self.link = link  # pyenv's versions/NAME link to it, removed when it is adopted

    def as_dict(self) -> dict:
        return {"path": self.path, "tool": self.tool, "name": self.name, "project": self.project,
                "conda": self.conda}


def _home() -> str:
    return os.path.expanduser("~")


def _env_var(environ, key: str) -> str | None:
    value = environ.get(key)
    return value if value else None


def pyenv_root(environ) -> str:
    return _env_var(environ, "PYENV_ROOT") or os.path.join(_home(), ".pyenv")


def pipenv_dirs(environ) -> list[str]:
    """pipenv's default place, and WORKON_HOME when set (pipenv uses it then)."""
    dirs = [os.path.join(_home(), ".local", "share", "virtualenvs")]
    if _env_var(environ, "WORKON_HOME"):
        dirs.append(os.path.expanduser(environ["WORKON_HOME"]))
    return dirs


def poetry_dir(environ) -> str:
    path = _env_var(environ, "POETRY_VIRTUALENVS_PATH")
    if path:
        return os.path.expanduser(path)
    cache = _env_var(environ, "POETRY_CACHE_DIR")
    if cache is None:
        cache = os.path.join(_env_var(environ, "XDG_CACHE_HOME") or os.path.join(_home(), ".cache"), "pypoetry")
    return os.path.join(os.path.expanduser(cache), "virtualenvs")


def scuv_dir(environ) -> str:
    return os.path.join(_env_var(environ, "SCUV_HOME") or os.path.join(_home(), ".scuv"), "virtualenvs")


def is_venv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def is_conda(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "conda-meta"))


def usable_name(text: str) -> str:
    """``text`` made a valid environment name (a leading '.' or '-' dropped, a
    character no name may hold made '_'); 'env' when nothing is left."""
    text = "".join("_" if ch in "/\0" + os.pathsep + names.LINE_BREAKS else ch for ch in text).lstrip(".-")
    while text and len(text.encode("utf-8", "surrogateescape")) > 255:
        text = text[:-1]
    return text if text and names.name_problem(text) is None else "env"


def poetry_hash(project: str) -> str:
    import base64
    import hashlib

    real = os.path.normcase(os.path.realpath(project))
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).digest()
    return base64.urlsafe_b64encode(digest).decode()[:8]


def _read_project(env: str) -> str | None:
    try:
        with open(os.path.join(env, ".project"), encoding="utf-8") as fh:
            text = fh.read(1 << 16).strip()
    except (OSError, UnicodeError):
        return None
    return text if text and os.path.isabs(text) and "\n" not in text else None


def _children(directory: str) -> list[str]:
    try:
        return sorted(e.path for e in os.scandir(directory) if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def _pyenv(environ) -> list[Candidate]:
    versions = os.path.join(pyenv_root(environ), "versions")
    found: list[Candidate] = []
    links: dict[str, str] = {}
    try:
        entries = sorted(os.scandir(versions), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if entry.is_symlink():
            links[os.path.realpath(entry.path)] = entry.path
    for entry in entries:
        if entry.is_symlink() or not entry.is_dir():
            continue
        if is_venv(entry.path):  # an env made before pyenv-virtualenv kept them under envs/
            found.append(Candidate(entry.path, "pyenv-virtualenv", usable_name(entry.name)))
            continue
        for env in _children(os.path.join(entry.path, "envs")):
            if is_venv(env) or is_conda(env):
                found.append(Candidate(env, "pyenv-virtualenv", usable_name(os.path.basename(env)),
                                       conda=not is_venv(env), link=links.get(os.path.realpath(env))))
    return found


def _named(directory: str, tool: str, suffix, projects, strict: bool = False) -> list[Candidate]:
    """The envs directly in ``directory``; with ``strict``, only those named
    with the tool's suffix (a directory the tool shares with others)."""
    found = []
    for env in _children(directory):
        if not is_venv(env):
            continue
        base = os.path.basename(env)
        match = suffix.search(base) if suffix is not None else None
        if strict and match is None:
            continue
        name = base[:match.start()] if match and match.start() > 0 else base
        project = _read_project(env)
        if project is None and match is not None and match.groups():
            project = projects.get(match.group(1))
        found.append(Candidate(env, tool, usable_name(name), project))
    return found


def _same_device(path: str, device: int) -> bool:
    try:
        return os.stat(path).st_dev == device
    except OSError:
        return False


def _project_venvs(cwd: str, depth: int) -> tuple[list[Candidate], list[str]]:
    """The .venv environments at and below ``cwd``, and the directories looked at."""
    found: list[Candidate] = []
    seen: list[str] = []
    try:
        device = os.stat(cwd).st_dev
    except OSError:
        return found, seen
    stack = [(cwd, 0)]
    while stack:
        directory, level = stack.pop()
        seen.append(directory)
        venv = os.path.join(directory, ".venv")
        if not os.path.islink(venv) and is_venv(venv):
            tool = "pipenv" if os.path.isfile(os.path.join(directory, "Pipfile")) else "project"
            name = os.path.basename(directory.rstrip(os.sep)) or "env"
            found.append(Candidate(venv, tool, usable_name(name), directory))
        if level >= depth:
            continue
        for child in reversed(_children(directory)):
            base = os.path.basename(child)
            if base.startswith(".") or base in _SKIP_DIRS or is_venv(child) or not _same_device(child, device):
                continue  # (another file system, as find -xdev: never /proc below /)
            stack.append((child, level + 1))
    found.sort(key=lambda c: c.path)
    return found, seen


def scan(cwd: str, environ, inside: str | None = None) -> list[Candidate]:
    """Every environment found, each once, none inside ``inside`` (WORKON_HOME)."""
    project_venvs, looked_at = _project_venvs(cwd, DEPTH)
    parents = []
    here = cwd
    while True:
        parents.append(here)
        up = os.path.dirname(here)
        if up == here:
            break
        here = up
    projects = {poetry_hash(d): d for d in looked_at + parents if os.path.isfile(os.path.join(d, "pyproject.toml"))}
    found = _pyenv(environ)
    for i, directory in enumerate(pipenv_dirs(environ)):
        found += _named(directory, "pipenv", _PIPENV_SUFFIX, projects, strict=i > 0)
    found += _named(poetry_dir(environ), "poetry", _POETRY_SUFFIX, projects)
    found += _named(scuv_dir(environ), "scuv", None, projects)
    uv_env = _env_var(environ, "UV_PROJECT_ENVIRONMENT")
    if uv_env:
        path = os.path.normpath(os.path.join(cwd, os.path.expanduser(uv_env)))
        if is_venv(path):
            named = os.path.basename(path) if os.path.basename(path) != ".venv" else os.path.basename(cwd)
            found.append(Candidate(path, "uv", usable_name(named), cwd if not os.path.isabs(uv_env) else None))
    found += project_venvs
    result, real_seen = [], set()
    root = os.path.realpath(inside) if inside else None
    for cand in found:
        real = os.path.realpath(cand.path)
        if real in real_seen or (root and (real + os.sep).startswith(root.rstrip(os.sep) + os.sep)):
            continue
        real_seen.add(real)
        result.append(cand)
    return result


def identify(path: str, cwd: str, environ) -> Candidate:
    """What is known of the environment at ``path``: the scan's answer (from
    the current directory) when the scan finds it, else what its place says (a
    project's .venv, pipenv's ``.project``), else a plain venv named after its
    directory."""
    real = os.path.realpath(path)
    for cand in scan(cwd, environ):
        if os.path.realpath(cand.path) == real:
            return cand
    base = os.path.basename(real)
    parent = os.path.dirname(real)
    if base == ".venv":
        tool = "pipenv" if os.path.isfile(os.path.join(parent, "Pipfile")) else "project"
        return Candidate(real, tool, usable_name(os.path.basename(parent)), parent)
    project = _read_project(real)
    if project is not None:
        match = _PIPENV_SUFFIX.search(base)
        return Candidate(real, "pipenv", usable_name(base[:match.start()] if match and match.start() else base),
                         project)
    return Candidate(real, "venv", usable_name(base))
