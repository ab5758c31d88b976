"""The ``.venv`` file in a project directory (PEP 832, draft).

PEP 832 lets a project point at its environment with a *file* named ``.venv``
holding the environment's path (absolute, or relative to the project); tools
that read it (Microsoft's python-environment-tools, which VS Code uses) then find
an env kept in WORKON_HOME with no settings. virtualfish writes the same file
with a bare environment name instead; both forms are read here.

envwrap writes one line, the env's absolute path, and treats a ``.venv`` file as
its own only when it holds exactly an absolute path to an environment directly
inside WORKON_HOME: such a file may be replaced (with ``force``), removed with
its env, or retargeted when the env moves. A ``.venv`` directory (a project-local
environment) and any other file are never touched.
"""

from __future__ import annotations

import os

from envwrap.core import home

NAME = ".venv"


def _file(project) -> str:
    return os.path.join(os.fspath(project), NAME)


def _text(project) -> str | None:
    """The first line of the project's ``.venv`` file, stripped; None when there is
    no such file (a directory, nothing, or unreadable)."""
    path = _file(project)
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            line = fh.readline(4096)
    except (OSError, UnicodeError):
        return None
    return line.strip()


def read(project) -> str | None:
    """The environment directory that ``project/.venv`` names, or None: the
    directory itself when it is an environment, else the file's path (absolute,
    or relative to the project) or bare name (an env in WORKON_HOME)."""
    path = _file(project)
    if os.path.isdir(path):
        return path if os.path.isfile(os.path.join(path, "pyvenv.cfg")) else None
    text = _text(project)
    if not text:
        return None
    if os.path.isabs(text) or "/" in text or os.sep in text or text in (".", ".."):
        return os.path.normpath(os.path.join(os.fspath(project), text))
    return os.path.join(home.workon_home(), text)


def _ours(text: str | None) -> str | None:
    """The env's path when ``text`` is what envwrap writes (an absolute path to a
    directory directly inside WORKON_HOME), else None."""
    if not text or not os.path.isabs(text):
        return None
    root = os.path.normpath(home.workon_home())
    if os.path.dirname(os.path.normpath(text)) != root:
        return None
    return os.path.normpath(text)


def points_at(project, env) -> bool:
    """Whether ``project/.venv`` is envwrap's file for ``env``."""
    ours = _ours(_text(project))
    return ours is not None and ours == os.path.normpath(os.path.abspath(os.fspath(env)))


def enabled() -> bool:
    """``write_dot_venv`` in the config file (default true)."""
    return home.value("write_dot_venv")[0] is not False


def _replace(path: str, line: str) -> None:
    """``path`` holds ``line`` and a newline, replaced atomically."""
    tmp = f"{path}.envwrap-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(line + "\n")
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write(project, env, force: bool = False) -> str | None:
    """Write ``project/.venv`` naming ``env``; returns why not when it was left
    alone (a directory, someone else's file, or envwrap's for another env
    without ``force``), else None. Replaced atomically."""
    env = os.path.normpath(os.path.abspath(os.fspath(env)))
    path = _file(project)
    if os.path.isdir(path) and not os.path.islink(path):
        return f"{path} is a directory; left as it is"
    if os.path.lexists(path):
        if points_at(project, env):
            return None
        if _ours(_text(project)) is None:
            return f"{path} exists and was not written by envwrap; left as it is"
        if not force:
            return f"{path} names another environment; left as it is (use -f to replace it)"
    if "\n" in env or "\r" in env:
        return f"cannot write {path}: the environment's path contains a newline"
    try:
        _replace(path, env)
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror}"
    return None


def remove_if_ours(project, env) -> bool:
    """Remove ``project/.venv`` when it is envwrap's file for ``env``."""
    if not points_at(project, env):
        return False
    try:
        os.unlink(_file(project))
    except OSError:
        return False
    return True


def retarget(project, old, new) -> bool:
    """After ``old`` moved to ``new`` in WORKON_HOME: envwrap's ``project/.venv``
    for ``old`` names ``new``, and so does virtualfish's form (the bare name of
    ``old``), rewritten as the bare name of ``new``. Anything else is left."""
    if points_at(project, old):
        return write(project, new, force=True) is None
    if project is None or _text(project) != os.path.basename(os.fspath(old)):
        return False
    try:
        _replace(_file(project), os.path.basename(os.fspath(new)))
    except OSError:
        return False
    return True
